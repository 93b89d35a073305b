//! `loa agent status`, for the operator at the station PC: read from the data folder
//! alone, it names the station, the playlist, readiness, backlog and the next items.

use std::process::Command;

use super::{AgentOptions, STATION, spawn_agent};
use crate::both_backends;
use crate::server::TestApp;
use loa::agent::output::OutputKind;

both_backends!(
    status_shows_what_an_operator_needs,
    the_agents_data_is_private
);

async fn the_agents_data_is_private(app: TestApp) {
    use std::os::unix::fs::PermissionsExt;
    let token = app.enroll(STATION).await;
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    agent.clock.run_until(agent.t0 + 60_000).await;
    let mode = |name: &str| {
        std::fs::metadata(agent.data_dir.join(name))
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("agent.db"), 0o600, "agent.db holds the outbox");
    assert_eq!(mode("signing.key"), 0o600, "the station's signing key");
    assert_eq!(mode("media"), 0o700);
    assert_eq!(mode(""), 0o700);
}

async fn status_shows_what_an_operator_needs(app: TestApp) {
    let token = app.enroll(STATION).await;
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    agent.clock.run_until(agent.t0 + 60_000).await;
    let out = Command::new(env!("CARGO_BIN_EXE_loa"))
        .args(["agent", "status", "--data-dir"])
        .arg(&agent.data_dir)
        .output()
        .expect("loa agent status runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(&format!("Trạm: {STATION}")), "{text}");
    let etag = agent.agent.held().etag.clone().expect("playlist held");
    assert!(text.contains(&etag), "{text}");
    assert!(text.contains("0 còn thiếu"), "every file is ready: {text}");
    assert!(text.contains("Bản ghi phát sóng chờ gửi: 0"), "{text}");
    assert!(text.contains("Mục sắp phát:"), "{text}");
    assert!(text.contains("sẵn sàng"), "{text}");
    // Each upcoming item shows when it starts and ends, local time, to the second.
    let held = agent.agent.held();
    let tz = held.tz.expect("the station's time zone");
    let local = |ms: i64, f: &str| {
        chrono::DateTime::from_timestamp_millis(ms)
            .expect("a time")
            .with_timezone(&tz)
            .format(f)
            .to_string()
    };
    let mut shown = 0;
    for i in &held.items {
        let start = local(i.start_ms, "%d/%m/%Y %H:%M:%S");
        if text.contains(&format!("  {start}–")) {
            let end = local(i.end_ms(), "%H:%M:%S");
            // The length shown is the span between the two times shown (a 15.6 s
            // item from 10:00:00.9 to 10:00:16.5 reads 10:00:00–10:00:16, 0:16).
            let span = i.end_ms().div_euclid(1000) - i.start_ms.div_euclid(1000);
            let length = format!("{:>2}:{:02}", span / 60, span % 60);
            assert!(
                text.contains(&format!("{start}–{end}  {length}  {}", i.segment)),
                "{start}–{end} {length}: {text}"
            );
            shown += 1;
        }
    }
    assert!(
        shown > 0,
        "upcoming items listed with start and end: {text}"
    );
    agent.agent.shutdown().await;

    let empty = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_loa"))
        .args(["agent", "status", "--data-dir"])
        .arg(empty.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("chưa có dữ liệu của trạm"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_agent_on_the_same_folder_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let config = loa::agent::AgentConfig::new("http://127.0.0.1:9", "lst_x", dir.path().to_owned());
    let clock = std::sync::Arc::new(loa::agent::clock::SimClock::new(0));
    let first = loa::agent::start(config.clone(), clock.clone())
        .await
        .expect("first agent");
    let second = loa::agent::start(config.clone(), clock.clone()).await;
    let err = second.err().expect("second agent refused").to_string();
    assert!(err.contains("một loa agent khác đang chạy"), "{err}");
    first.shutdown().await;
    let again = loa::agent::start(config, clock)
        .await
        .expect("free again after shutdown");
    again.shutdown().await;
}
