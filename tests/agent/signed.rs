//! The agent signs what it sends: enrolled by `loa agent --enroll` it registers a key
//! made for the enrollment; enrolled before signed airings it makes one and registers
//! it on its first upload. The server then holds only signed records that `loa verify`
//! passes, and `loa agent status` shows the key id.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use loa::agent::output::OutputKind;
use sqlx::Row;

use super::{AgentOptions, STATION, drain, first_item_after, spawn_agent};
use crate::both_backends;
use crate::server::TestApp;

both_backends!(
    an_agent_enrolled_before_keys_registers_one_and_signs_every_record,
    loa_agent_enroll_registers_a_new_key_and_status_shows_it,
);

/// The ids of `station`'s keys on the server, oldest first, with whether each is current.
async fn server_keys(app: &TestApp, station: &str) -> Vec<(String, i64)> {
    sqlx::query(
        "SELECT key_id, CAST(CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END AS BIGINT)
         FROM station_keys WHERE station_code = $1 ORDER BY created_at, key_id",
    )
    .bind(station.to_owned())
    .fetch_all(&app.db)
    .await
    .expect("station keys")
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

fn key_id_in(data_dir: &std::path::Path) -> String {
    loa::agent::key::load(data_dir)
        .expect("key file readable")
        .expect("key file made")
        .public()
        .id()
        .to_owned()
}

async fn an_agent_enrolled_before_keys_registers_one_and_signs_every_record(app: TestApp) {
    let token = app.enroll(STATION).await;
    assert_eq!(server_keys(&app, STATION).await, []);
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    // Two items on air (the first may be missed while its audio downloads).
    let (_, first, _) = first_item_after(&app, STATION, agent.t0 + 60_000).await;
    let (_, second, length) = first_item_after(&app, STATION, first).await;
    agent.clock.run_until(second + length + 60_000).await;
    drain(&agent).await;
    let key_id = key_id_in(&agent.data_dir);
    assert_eq!(server_keys(&app, STATION).await, [(key_id.clone(), 1)]);
    let rows = sqlx::query("SELECT key_id, outcome FROM airings WHERE station_code = $1")
        .bind(STATION)
        .fetch_all(&app.db)
        .await
        .expect("airings");
    assert!(rows.len() >= 2, "records arrived: {}", rows.len());
    assert!(
        rows.iter().any(|r| r.get::<String, _>(1) == "aired"),
        "an item aired"
    );
    for r in &rows {
        assert_eq!(
            r.get::<Option<String>, _>(0).as_deref(),
            Some(key_id.as_str())
        );
    }
    let summary =
        loa::store::verify_log(&app.state.store, &loa::store::VerifyQuery::default(), |f| {
            panic!("no record fails: {f:?}")
        })
        .await
        .expect("verify");
    assert_eq!(
        (summary.records, summary.unsigned, summary.failed),
        (rows.len() as u64, 0, 0)
    );
    agent.agent.shutdown().await;
}

async fn loa_agent_enroll_registers_a_new_key_and_status_shows_it(app: TestApp) {
    let dir = tempfile::tempdir().expect("agent dir");
    let mut enrolled = Vec::new();
    // Enrolled twice (a PC replaced): a new key each time, the old one kept, retired.
    for _ in 0..2 {
        let code = app.enroll_code(STATION).await;
        let mut child = Command::new(env!("CARGO_BIN_EXE_loa"))
            .args([
                "agent", "--server", &app.base, "--output", "null", "--enroll", &code,
            ])
            .arg("--data-dir")
            .arg(dir.path())
            .env("LOA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("loa agent starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        // Wait until the server holds the new key and the agent has saved it and opened
        // its database.
        let keys = loop {
            let keys = server_keys(&app, STATION).await;
            let saved = loa::agent::key::load(dir.path())
                .ok()
                .flatten()
                .map(|k| k.public().id().to_owned());
            let ready = keys.len() > enrolled.len()
                && saved.as_ref() == keys.last().map(|k| &k.0)
                && dir.path().join("agent.db").is_file();
            if ready || Instant::now() > deadline {
                break keys;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let key_id = key_id_in(dir.path());
        enrolled.push(key_id.clone());
        assert_eq!(keys.last(), Some(&(key_id, 1)), "{keys:?}");
    }
    assert_ne!(enrolled[0], enrolled[1]);
    assert_eq!(
        server_keys(&app, STATION)
            .await
            .iter()
            .filter(|k| k.1 == 0)
            .count(),
        1,
        "the first key retired"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_loa"))
        .args(["agent", "status", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("loa agent status runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("Khóa ký của trạm: {}", enrolled[1])),
        "{text}"
    );
}
