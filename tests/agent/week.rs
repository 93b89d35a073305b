//! A simulated week against a real server: every planned item ends with exactly one
//! final airing there, all `aired`, with an unbroken chain.

use std::collections::HashMap;

use super::{
    AgentOptions, DAY_MS, STATION, chain_breaks, drain, planned_between, server_airings,
    spawn_agent,
};
use crate::both_backends;
use crate::server::TestApp;
use loa::agent::output::OutputKind;

both_backends!(a_simulated_week_airs_every_item_exactly_once);

async fn a_simulated_week_airs_every_item_exactly_once(app: TestApp) {
    let token = app.enroll(STATION).await;
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    let end = agent.t0 + 7 * DAY_MS;
    let started = std::time::Instant::now();
    agent.clock.run_until(end).await;
    drain(&agent).await;
    let real = started.elapsed();

    let planned = planned_between(&app, STATION, agent.t0 + 60_000, end).await;
    assert!(planned.len() >= 6 * 6, "a week of items: {}", planned.len());
    let airings = server_airings(&app, STATION).await;
    let mut by_item: HashMap<&str, Vec<&super::ServerAiring>> = HashMap::new();
    for a in &airings {
        by_item.entry(a.item_id.as_str()).or_default().push(a);
    }
    for (id, start) in &planned {
        let got = by_item.get(id.as_str()).map_or(&[][..], |v| v.as_slice());
        assert_eq!(got.len(), 1, "item {id} at {start}: {got:?}");
        assert_eq!(got[0].outcome, "aired", "item {id}: {:?}", got[0]);
        assert_eq!(got[0].planned_start_ms, *start);
    }
    assert_eq!(chain_breaks(&app, STATION).await, 0);
    eprintln!(
        "simulated week: {} items aired in {real:?} of real time",
        planned.len()
    );
    agent.agent.shutdown().await;
}
