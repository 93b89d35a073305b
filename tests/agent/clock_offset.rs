//! A station PC whose clock runs five seconds fast: the agent measures its offset to
//! the server on every exchange, reports it, and starts items by the server's time.
//! Real time (a few seconds) against the 24-hour test station, which airs every minute.

use std::time::{Duration, Instant};

use sqlx::Row;

use super::agent_rows;
use crate::server::{Db, spawn_app_configured};
use loa::agent::clock::SkewedClock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fast_station_clock_is_corrected_to_the_servers() {
    let seed =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/thu-nghiem-24h");
    let app = spawn_app_configured(Db::Sqlite, seed, |c| c.horizon_days = 1)
        .await
        .expect("app");
    let token = app.enroll("05443").await;
    let dir = tempfile::tempdir().expect("dir");
    let mut config = loa::agent::AgentConfig::new(&app.base, &token, dir.path().to_owned());
    config.reserve_bytes = 0;
    let started = chrono::Utc::now().timestamp_millis();
    let agent = loa::agent::start(config, std::sync::Arc::new(SkewedClock { skew_ms: 5_000 }))
        .await
        .expect("agent");
    let deadline = Instant::now() + Duration::from_secs(40);
    // The first item planned well after the start, caught the moment its airing opens.
    let (planned, reported, offset, seen) = loop {
        let row = agent_rows(
            dir.path(),
            "SELECT planned_start_ms, actual_start_ms, clock_offset_ms FROM outbox
             WHERE planned_start_ms > CAST(? AS INTEGER) AND actual_start_ms IS NOT NULL ORDER BY seq LIMIT 1",
            &(started + 3_000).to_string(),
        )
        .await;
        if let Some(r) = row.first() {
            break (
                r.get::<i64, _>(0),
                r.get::<i64, _>(1),
                r.get::<i64, _>(2),
                chrono::Utc::now().timestamp_millis(),
            );
        }
        assert!(Instant::now() < deadline, "no item started in 40 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert!((offset - 5_000).abs() < 200, "measured offset {offset} ms");
    assert!(
        (reported - planned).abs() < 1_000,
        "reported start {reported} vs planned {planned}"
    );
    // The record is committed just before the start is handed to the output, a lead
    // ahead of the planned instant.
    let late = seen - planned;
    let ahead = loa::agent::output::AHEAD_MS;
    assert!(
        (-ahead - 100..1_500).contains(&late),
        "the item opened {late} ms after its planned start (true time)"
    );
    let hb = agent.status().await;
    assert!((hb.clock_offset_ms - 5_000).abs() < 200, "{hb:?}");
    agent.shutdown().await;
}
