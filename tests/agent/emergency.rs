//! An emergency bulletin preempts the item on air within two seconds of the server
//! accepting it, the item is recorded `preempted` with how much aired, the bulletin
//! airs and is acknowledged, and the schedule resumes at the current point.

use std::time::{Duration, Instant};

use sqlx::Row;

use super::{
    AgentOptions, STATION, agent_rows, approver, drain, first_item_after, send_emergency,
    server_airings, spawn_agent,
};
use crate::both_backends;
use crate::server::TestApp;
use loa::agent::output::OutputKind;

both_backends!(an_emergency_preempts_and_the_schedule_resumes);

async fn an_emergency_preempts_and_the_schedule_resumes(app: TestApp) {
    let token = app.enroll(STATION).await;
    let approver = approver(&app).await;
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    let (item, start, duration) = first_item_after(&app, STATION, agent.t0 + 60_000).await;
    // Five seconds into the item, time stops: the agent is on air.
    agent.clock.run_until(start + 5_000).await;
    let open = agent_rows(
        &agent.data_dir,
        "SELECT 1 FROM outbox WHERE item_id = ? AND outcome IS NULL",
        &item,
    )
    .await
    .len();
    assert_eq!(open, 1, "the item is on air and recorded as started");

    let sent = Instant::now();
    let id = send_emergency(&app, &approver, STATION).await;
    let preempted = loop {
        // The record is final in the outbox, or already uploaded (and so deleted there).
        let rows = agent_rows(
            &agent.data_dir,
            "SELECT outcome FROM outbox WHERE item_id = ? AND outcome IS NOT NULL",
            &item,
        )
        .await;
        if let Some(row) = rows.first() {
            break row.get::<String, _>(0);
        }
        if let Some(a) = server_airings(&app, STATION)
            .await
            .into_iter()
            .find(|a| a.item_id == item)
        {
            break a.outcome;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "no preemption after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let latency = sent.elapsed();
    assert_eq!(preempted, "preempted");
    assert!(
        latency < Duration::from_secs(2),
        "preempted {latency:?} after sending"
    );
    eprintln!("emergency preempted the item {latency:?} after the server accepted it");

    agent.clock.run_until(start + 5 * 60_000).await;
    drain(&agent).await;
    let airings = server_airings(&app, STATION).await;
    let on_item: Vec<_> = airings.iter().filter(|a| a.item_id == item).collect();
    assert_eq!(on_item.len(), 1);
    assert_eq!(on_item[0].outcome, "preempted");
    assert_eq!(on_item[0].reason, "emergency");
    let (s, e): (i64, i64) =
        sqlx::query("SELECT actual_start_ms, actual_end_ms FROM airings WHERE item_id = $1")
            .bind(item.clone())
            .fetch_one(&app.db)
            .await
            .map(|r| (r.get(0), r.get(1)))
            .expect("times");
    // Five seconds, and the lead a stop is handed to the output ahead of its instant:
    // the item is heard until the bulletin takes over.
    assert_eq!(
        e - s,
        5_000 + loa::agent::output::AHEAD_MS,
        "it aired five seconds of {duration} ms"
    );
    let bulletin: Vec<_> = airings
        .iter()
        .filter(|a| a.item_id == format!("emergency:{id}"))
        .collect();
    assert_eq!(bulletin.len(), 1, "{airings:?}");
    assert_eq!(bulletin[0].outcome, "aired");
    // The items after it aired; one the bulletin made late (within the grace) is cut
    // where the next begins and recorded as a late start, the others are on time.
    let later: Vec<_> = airings
        .iter()
        .filter(|a| a.planned_start_ms > start && !a.item_id.starts_with("emergency:"))
        .collect();
    assert!(!later.is_empty());
    assert!(
        later
            .iter()
            .all(|a| a.outcome == "aired" || (a.outcome == "partial" && a.reason == "late_start")),
        "{later:?}"
    );
    let acked = sqlx::query(
        "SELECT acked_at FROM emergency_acks WHERE emergency_id = $1 AND station_code = $2",
    )
    .bind(id.clone())
    .bind(STATION.to_owned())
    .fetch_optional(&app.db)
    .await
    .expect("acks");
    assert!(acked.is_some(), "the station acknowledged the bulletin");
    agent.agent.shutdown().await;
}
