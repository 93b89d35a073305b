//! Media on the station: a file damaged in the cache is found before it plays,
//! downloaded again and never aired damaged; media that cannot be had by air time is
//! `missed` with reason `media_missing`, and the heartbeat says so.

use super::proxy::Proxy;
use super::{AgentOptions, STATION, drain, first_item_after, server_airings, spawn_agent};
use crate::both_backends;
use crate::server::TestApp;
use loa::agent::output::OutputKind;

both_backends!(
    a_damaged_cached_file_is_downloaded_again_before_it_airs,
    a_damaged_file_that_cannot_be_replaced_is_never_aired,
    media_not_ready_at_air_time_is_missed_and_reported,
);

fn cached_path(agent: &super::TestAgent, sha: &str) -> std::path::PathBuf {
    agent
        .data_dir
        .join("media")
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(sha)
}

/// The sha256 of the planned item `id`, from the agent's held playlist.
fn sha_of(agent: &super::TestAgent, id: &str) -> String {
    agent
        .agent
        .held()
        .items
        .iter()
        .find(|i| i.id == id)
        .map(|i| i.sha256.clone())
        .expect("item held")
}

fn corrupt(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).expect("cached file");
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x5a;
    }
    std::fs::write(path, bytes).expect("write damaged copy");
}

async fn a_damaged_cached_file_is_downloaded_again_before_it_airs(app: TestApp) {
    let token = app.enroll(STATION).await;
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    let (item, start, _) = first_item_after(&app, STATION, agent.t0 + 60_000).await;
    agent.clock.run_until(start - 60_000).await;
    let sha = sha_of(&agent, &item);
    let path = cached_path(&agent, &sha);
    corrupt(&path);
    agent.clock.run_until(start + 120_000).await;
    drain(&agent).await;
    let got: Vec<_> = server_airings(&app, STATION)
        .await
        .into_iter()
        .filter(|a| a.item_id == item)
        .collect();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].outcome, "aired", "{got:?}");
    let hash = loa::agent::cache::hash_file(&path).expect("file back in place");
    assert_eq!(hash, sha, "the cached copy is whole again");
    agent.agent.shutdown().await;
}

async fn a_damaged_file_that_cannot_be_replaced_is_never_aired(app: TestApp) {
    let token = app.enroll(STATION).await;
    let proxy = Proxy::start(&app.base).await;
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: proxy.url(),
            output: OutputKind::Null,
        },
    )
    .await;
    let (item, start, _) = first_item_after(&app, STATION, agent.t0 + 60_000).await;
    agent.clock.run_until(start - 60_000).await;
    let sha = sha_of(&agent, &item);
    proxy.set_up(false);
    corrupt(&cached_path(&agent, &sha));
    agent.clock.run_until(start + 120_000).await;
    let status = agent.agent.status().await;
    assert!(
        status.media_missing > 0,
        "the heartbeat shows missing media: {status:?}"
    );
    proxy.set_up(true);
    agent.clock.run_until(start + 10 * 60_000).await;
    drain(&agent).await;
    let got: Vec<_> = server_airings(&app, STATION)
        .await
        .into_iter()
        .filter(|a| a.item_id == item)
        .collect();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].outcome, "missed", "{got:?}");
    assert_eq!(got[0].reason, "media_missing");
    agent.agent.shutdown().await;
}

async fn media_not_ready_at_air_time_is_missed_and_reported(app: TestApp) {
    // The server has lost one file (its media folder damaged): the agent can never get it.
    let token = app.enroll(STATION).await;
    let (item, start, _) = first_item_after(
        &app,
        STATION,
        chrono::Utc::now().timestamp_millis() + 60_000,
    )
    .await;
    let (_, server_copy) = super::server_media(&app, STATION, Some(&item)).await;
    std::fs::remove_file(&server_copy).expect("server copy removed");

    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    agent.clock.run_until(start - 1_000).await;
    let status = agent.agent.status().await;
    assert!(status.media_missing > 0, "{status:?}");
    assert!(
        status.media_ready > 0,
        "the other files arrived: {status:?}"
    );
    agent.clock.run_until(start + 5 * 60_000).await;
    drain(&agent).await;
    let airings = server_airings(&app, STATION).await;
    let got: Vec<_> = airings.iter().filter(|a| a.item_id == item).collect();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].outcome.as_str(), got[0].reason.as_str()),
        ("missed", "media_missing")
    );
    // Items with their media play on either side of it.
    assert!(airings.iter().any(|a| a.outcome == "aired"), "{airings:?}");
    agent.agent.shutdown().await;
}
