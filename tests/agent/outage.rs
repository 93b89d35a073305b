//! The server unreachable for three simulated days: everything still airs from the
//! cached playlist and media, and the backlog uploads once the server is back.

use super::proxy::Proxy;
use super::{
    AgentOptions, DAY_MS, STATION, chain_breaks, drain, planned_between, server_airings,
    spawn_agent,
};
use crate::both_backends;
use crate::server::TestApp;
use loa::agent::output::OutputKind;

both_backends!(three_days_offline_lose_nothing);

async fn three_days_offline_lose_nothing(app: TestApp) {
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
    // A day online: playlist and media arrive, airings upload.
    agent.clock.run_until(agent.t0 + DAY_MS).await;
    let before = server_airings(&app, STATION).await.len();
    assert!(before >= 4, "the first day uploaded: {before}");
    proxy.set_up(false);
    agent.clock.run_until(agent.t0 + 4 * DAY_MS).await;
    let during = server_airings(&app, STATION).await.len();
    assert_eq!(during, before, "nothing reaches a server that is down");
    let backlog = agent.agent.status().await.outbox_backlog;
    assert!(backlog >= 3 * 5, "three days wait in the outbox: {backlog}");
    proxy.set_up(true);
    agent.clock.run_until(agent.t0 + 5 * DAY_MS).await;
    drain(&agent).await;

    let planned = planned_between(&app, STATION, agent.t0 + 60_000, agent.t0 + 5 * DAY_MS).await;
    let airings = server_airings(&app, STATION).await;
    for (id, _) in &planned {
        let got: Vec<_> = airings.iter().filter(|a| &a.item_id == id).collect();
        assert_eq!(got.len(), 1, "item {id}: {got:?}");
        assert_eq!(got[0].outcome, "aired", "item {id}: {:?}", got[0]);
    }
    assert_eq!(chain_breaks(&app, STATION).await, 0);
    assert_eq!(agent.agent.status().await.outbox_backlog, 0);
    agent.agent.shutdown().await;
}
