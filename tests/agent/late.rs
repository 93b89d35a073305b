//! Late replays never shift the day: an agent back from an outage inside the grace
//! window (longer than an item, as on a dense schedule) plays the item that should be
//! sounding, late, cut where the next one begins
//! and recorded `partial` / `late_start` with its real start; the items before it that
//! the next one's start overtook are `missed` / `agent_down`; the next item starts on
//! its planned instant. All on a simulated clock.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use loa::agent::AgentConfig;
use loa::agent::clock::{Clock, SimClock};
use loa::agent::output::OutputKind;
use sqlx::Row;

use super::{STATION, chain_breaks};
use crate::both_backends;
use crate::server::TestApp;

fn dense_seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/thu-nghiem-24h")
}

both_backends!(super::dense_seed; a_late_restart_shifts_no_later_item);

fn config(app: &TestApp, token: &str, dir: &std::path::Path) -> AgentConfig {
    let mut config = AgentConfig::new(&app.base, token, dir.to_owned());
    config.output = OutputKind::Null;
    config.poll = Duration::from_secs(600);
    config.heartbeat = Duration::from_secs(600);
    config.reserve_bytes = 0;
    config.correct_clock = false;
    // Longer than the items (back to back, 16–21 s), as on a dense schedule.
    config.grace = Duration::from_secs(90);
    config
}

/// (outcome, reason, actual start, actual end) of `item` as the server holds it.
async fn airing(app: &TestApp, item: &str) -> (String, String, Option<i64>, Option<i64>) {
    let r = sqlx::query(
        "SELECT outcome, COALESCE(reason, ''), actual_start_ms, actual_end_ms FROM airings
         WHERE station_code = $1 AND item_id = $2",
    )
    .bind(STATION.to_owned())
    .bind(item.to_owned())
    .fetch_one(&app.db)
    .await
    .expect("one airing for the item");
    (r.get(0), r.get(1), r.get(2), r.get(3))
}

async fn a_late_restart_shifts_no_later_item(app: TestApp) {
    let token = app.enroll(STATION).await;
    let dir = tempfile::tempdir().expect("agent dir");
    let t0 = chrono::Utc::now().timestamp_millis();
    // First run: playlist and media arrive.
    let clock = SimClock::new(t0);
    let agent = loa::agent::start(config(&app, &token, dir.path()), Arc::new(clock.clone()))
        .await
        .expect("agent starts");
    clock.run_until(t0 + 10 * 60_000).await;
    assert_eq!(agent.status().await.media_missing, 0, "media cached");
    let stopped = clock.now_ms();
    agent.shutdown().await;

    // Back 5 s after item k+1's planned start: k is overtaken, k+2 is ahead.
    let items = super::planned_between(&app, STATION, stopped + 60_000, stopped + 3_600_000).await;
    let (k, k1, k2) = (&items[0], &items[1], &items[2]);
    assert!(
        k2.1 - k1.1 > 10_000,
        "items back to back: {:?}",
        &items[..3]
    );
    let back = k1.1 + 5_000;
    let clock = SimClock::new(back);
    let agent = loa::agent::start(config(&app, &token, dir.path()), Arc::new(clock.clone()))
        .await
        .expect("agent starts again");
    clock.run_until(k2.1 + 5 * 60_000).await;
    for _ in 0..30 {
        if agent.status().await.outbox_backlog == 0 {
            break;
        }
        let now = clock.now_ms();
        clock.run_until(now + 60_000).await;
    }
    agent.shutdown().await;

    let (outcome, reason, start, _) = airing(&app, &k.0).await;
    assert_eq!(
        (outcome.as_str(), reason.as_str(), start),
        ("missed", "agent_down", None)
    );

    let (outcome, reason, start, end) = airing(&app, &k1.0).await;
    assert_eq!(
        (outcome.as_str(), reason.as_str()),
        ("partial", "late_start")
    );
    let start = start.expect("a real start");
    assert!(
        start >= back && start <= back + 2_000,
        "recorded with its real start, {} ms after the restart",
        start - back
    );
    let end = end.expect("an end");
    assert!(
        end <= k2.1,
        "cut at the next item's start: ends {} ms after it",
        end - k2.1
    );

    let (outcome, reason, start, _) = airing(&app, &k2.0).await;
    assert_eq!((outcome.as_str(), reason.as_str()), ("aired", ""));
    assert_eq!(
        start,
        Some(k2.1),
        "the next item starts on its planned instant"
    );
    assert_eq!(chain_breaks(&app, STATION).await, 0);
}
