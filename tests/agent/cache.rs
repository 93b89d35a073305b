//! The media cache on its own against a real server: a download resumed from a
//! partial file, a partial file of other bytes thrown away, the disk reserve kept, and
//! files no upcoming item needs evicted.

use std::sync::Arc;

use super::{AgentOptions, STATION, spawn_agent};
use crate::both_backends;
use crate::server::TestApp;
use loa::agent::cache::{CacheError, MediaCache, hash_file};
use loa::agent::client::{Client, ClockSync};
use loa::agent::clock::SystemClock;
use loa::agent::output::OutputKind;

both_backends!(
    downloads_resume_are_verified_and_keep_the_reserve,
    files_no_item_needs_are_evicted
);

/// A segment the station plans to air: (sha256, bytes of the file).
async fn planned_media(app: &TestApp) -> (String, Vec<u8>) {
    let (sha, path) = super::server_media(app, STATION, None).await;
    (sha, std::fs::read(path).expect("server copy"))
}

async fn downloads_resume_are_verified_and_keep_the_reserve(app: TestApp) {
    let token = app.enroll(STATION).await;
    let (sha, bytes) = planned_media(&app).await;
    let client = Client::new(
        &app.base,
        &token,
        &[],
        Arc::new(SystemClock),
        Arc::new(ClockSync::default()),
    );
    let dir = tempfile::tempdir().expect("dir");
    let cache = MediaCache::new(dir.path(), 0);
    let partial = dir.path().join("media/partial").join(&sha);
    std::fs::create_dir_all(partial.parent().expect("parent")).expect("partial dir");

    // Half the file arrived before the link dropped: the rest is fetched with Range.
    std::fs::write(&partial, &bytes[..bytes.len() / 2]).expect("half");
    cache
        .fetch(&client, &sha, bytes.len() as u64)
        .await
        .expect("resumed");
    assert!(cache.has(&sha));
    assert_eq!(hash_file(&cache.path(&sha)).as_deref(), Some(sha.as_str()));
    assert!(!partial.exists(), "the partial file was renamed into place");

    // A partial file that is not a prefix of this file: refused, thrown away, refetched.
    std::fs::remove_file(cache.path(&sha)).expect("remove");
    std::fs::write(&partial, vec![0x55u8; bytes.len() / 2]).expect("junk");
    let err = cache
        .fetch(&client, &sha, bytes.len() as u64)
        .await
        .expect_err("mismatch");
    assert!(matches!(err, CacheError::Mismatch { .. }), "{err}");
    assert!(err.to_string().contains("không khớp SHA-256"), "{err}");
    assert!(
        !cache.has(&sha) && !partial.exists(),
        "nothing unverified is kept"
    );
    cache
        .fetch(&client, &sha, bytes.len() as u64)
        .await
        .expect("fetched whole");
    assert!(cache.has(&sha));

    // A reserve larger than the disk: nothing is downloaded, and the error says why.
    let tight = MediaCache::new(tempfile::tempdir().expect("dir").path(), u64::MAX / 2);
    let err = tight
        .fetch(&client, &sha, bytes.len() as u64)
        .await
        .expect_err("disk full");
    assert!(matches!(err, CacheError::DiskFull { .. }), "{err}");
    assert!(err.to_string().contains("không đủ chỗ trên đĩa"), "{err}");
    assert!(!tight.has(&sha));
}

async fn files_no_item_needs_are_evicted(app: TestApp) {
    let token = app.enroll(STATION).await;
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    let stale = "ab".repeat(32);
    let stale_path = agent.data_dir.join("media/ab/ab").join(&stale);
    std::fs::create_dir_all(stale_path.parent().expect("parent")).expect("dir");
    std::fs::write(&stale_path, b"an old bulletin").expect("stale file");
    // Past the second heartbeat (every ten minutes in these tests).
    agent.clock.run_until(agent.t0 + 11 * 60_000).await;
    assert!(!stale_path.exists(), "a file no item needs is evicted");
    let status = agent.agent.status().await;
    assert_eq!(status.media_missing, 0, "{status:?}");
    assert!(status.media_ready > 0);
    // The heartbeat reached the server with what the agent knows.
    let body: String = sqlx::query_scalar(
        "SELECT body FROM heartbeats WHERE station_code = $1 ORDER BY at_ms DESC LIMIT 1",
    )
    .bind(STATION.to_owned())
    .fetch_one(&app.db)
    .await
    .expect("a heartbeat");
    let hb: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(hb["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        hb["playlist_version"].as_str(),
        agent.agent.held().etag.as_deref()
    );
    assert!(hb["media_ready"].as_u64().unwrap_or(0) > 0, "{hb}");
    agent.agent.shutdown().await;
}
