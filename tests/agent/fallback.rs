//! Past the playlist's horizon, with the server out of reach, the station plays its
//! fallback rotation instead of going silent, and reports it once the server is back.

use super::proxy::Proxy;
use super::{DAY_MS, STATION, drain, server_airings};
use crate::server::{Db, spawn_app_configured};
use loa::agent::output::OutputKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_horizon_the_fallback_rotation_airs() {
    let seed = crate::server::seed_dir();
    let app = spawn_app_configured(Db::Sqlite, seed, |c| c.horizon_days = 1)
        .await
        .expect("sqlite app");
    let token = app.enroll(STATION).await;
    let proxy = Proxy::start(&app.base).await;
    let agent = super::spawn_agent(
        &token,
        super::AgentOptions {
            server: proxy.url(),
            output: OutputKind::Null,
        },
    )
    .await;
    agent.clock.run_until(agent.t0 + 60_000).await;
    let served = agent.agent.held().items.len();
    assert!(served >= 6, "one day of items: {served}");
    proxy.set_up(false);
    agent.clock.run_until(agent.t0 + 3 * DAY_MS).await;
    proxy.set_up(true);
    agent.clock.run_until(agent.t0 + 3 * DAY_MS + 60_000).await;
    drain(&agent).await;

    let airings = server_airings(&app, STATION).await;
    let fallback: Vec<_> = airings
        .iter()
        .filter(|a| a.item_id.starts_with("fb-"))
        .collect();
    // Days two and three (and part of four) repeat the last served day's six items.
    assert!(
        fallback.len() >= 2 * 6,
        "{} fallback airings",
        fallback.len()
    );
    assert!(
        fallback
            .iter()
            .all(|a| a.outcome == "aired" && a.reason == "fallback_rotation"),
        "{fallback:?}"
    );
    let mut ids: Vec<_> = airings.iter().map(|a| &a.item_id).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "no item recorded twice");
    agent.agent.shutdown().await;
}
