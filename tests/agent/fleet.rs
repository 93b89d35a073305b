//! The dashboard's data follows a real agent: heartbeating, its station is not silent
//! in `GET /api/v1/fleet` and holds the current playlist; stopped, it falls silent once
//! five minutes pass on the server's clock.

use std::time::Duration;

use super::{AgentOptions, STATION, spawn_agent};
use crate::both_backends;
use crate::server::TestApp;
use loa::agent::output::OutputKind;

both_backends!(a_running_agent_is_heard_and_a_stopped_one_falls_silent);

async fn a_running_agent_is_heard_and_a_stopped_one_falls_silent(app: TestApp) {
    let admin = app.admin().await;
    let path = format!("/api/v1/fleet?area={STATION}");
    let before = app.get_json(&admin, &path, 200).await;
    let never = crate::server::monitor::station(&before, STATION);
    assert_eq!(never["state"], "silent");
    assert!(never["last_seen"].is_null());

    let token = app.enroll(STATION).await;
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    // Its first heartbeat goes out before it holds a playlist (it is behind then); the
    // next, ten simulated minutes later, reports the playlist and media it fetched.
    agent.clock.run_until(agent.t0 + 60_000).await;
    let starting = app.get_json(&admin, &path, 200).await;
    let first = crate::server::monitor::station(&starting, STATION);
    assert_ne!(first["state"], "silent", "{first}");
    agent.clock.run_until(agent.t0 + 11 * 60_000).await;
    let running = app.get_json(&admin, &path, 200).await;
    let heard = crate::server::monitor::station(&running, STATION);
    assert_ne!(heard["state"], "silent", "{heard}");
    assert!(
        !heard["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .any(|p| p == "silent")
    );
    assert!(
        heard["last_seen_s_ago"].as_i64().expect("seen") < 60,
        "{heard}"
    );
    assert_eq!(
        heard["heartbeat"]["playlist_version"], heard["playlist_version"],
        "the agent holds the current playlist: {heard}"
    );
    assert_eq!(heard["heartbeat"]["media_missing"], 0, "{heard}");

    agent.agent.shutdown().await;
    app.state.clock.advance(Duration::from_secs(5 * 60 + 1));
    let stopped = app.get_json(&admin, &path, 200).await;
    let gone = crate::server::monitor::station(&stopped, STATION);
    assert_eq!(gone["state"], "silent", "{gone}");
    assert_eq!(
        gone["last_seen"], heard["last_seen"],
        "no heartbeat since it stopped"
    );
}
