//! The station agent against a real server: `spawn_app()` serves, `spawn_agent()` runs
//! an agent on a simulated clock with a capturing output, and the tests check what
//! the server ends up holding.

mod cache;
mod capture;
mod clock_offset;
mod crash;
mod emergency;
mod fallback;
mod fleet;
mod late;
mod media;
mod outage;
mod proxy;
mod relay;
mod signed;
mod sound_card;
mod stalled_card;
mod status;
mod week;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use loa::agent::clock::SimClock;
use loa::agent::output::OutputKind;
use loa::agent::{Agent, AgentConfig};
use sqlx::Row;

use crate::server::TestApp;

/// The example station used by most agent tests: six items a day.
pub const STATION: &str = "05443";

/// An agent running on a simulated clock.
pub struct TestAgent {
    /// The agent.
    pub agent: Agent,
    /// Its clock.
    pub clock: SimClock,
    /// Its data directory.
    #[allow(dead_code, reason = "for tests that look inside the agent's files")]
    pub data_dir: PathBuf,
    /// When the simulation started, ms.
    pub t0: i64,
    _dir: tempfile::TempDir,
}

/// Settings for [`spawn_agent`].
pub struct AgentOptions {
    /// The server URL the agent talks to (the app's own, or a proxy's).
    pub server: String,
    /// Where audio goes.
    pub output: OutputKind,
}

/// Starts an agent for `token` against `server`, on a simulated clock standing at the
/// real time now (the server compiled its playlist from today).
pub async fn spawn_agent(token: &str, options: AgentOptions) -> TestAgent {
    let dir = tempfile::tempdir().expect("agent dir");
    let t0 = chrono::Utc::now().timestamp_millis();
    let clock = SimClock::new(t0);
    let mut config = AgentConfig::new(&options.server, token, dir.path().to_owned());
    config.output = options.output;
    // Ten-minute polls and heartbeats keep a simulated week to a few thousand requests.
    config.poll = Duration::from_secs(600);
    config.heartbeat = Duration::from_secs(600);
    config.reserve_bytes = 0;
    // The server's clock is real while this one is simulated: never "correct" it.
    config.correct_clock = false;
    let agent = loa::agent::start(config, Arc::new(clock.clone()))
        .await
        .expect("agent starts");
    TestAgent {
        agent,
        clock,
        data_dir: dir.path().to_owned(),
        t0,
        _dir: dir,
    }
}

/// One airing as the server holds it.
#[derive(Debug, Clone)]
pub struct ServerAiring {
    pub item_id: String,
    pub planned_start_ms: i64,
    pub outcome: String,
    #[allow(dead_code, reason = "printed by Debug when an assertion fails")]
    pub reason: String,
}

/// Every airing the server holds for `station`.
pub async fn server_airings(app: &TestApp, station: &str) -> Vec<ServerAiring> {
    sqlx::query(
        "SELECT item_id, planned_start_ms, outcome, COALESCE(reason, '') FROM airings
         WHERE station_code = $1 ORDER BY planned_start_ms",
    )
    .bind(station.to_owned())
    .fetch_all(&app.db)
    .await
    .expect("airings")
    .into_iter()
    .map(|r| ServerAiring {
        item_id: r.get(0),
        planned_start_ms: r.get(1),
        outcome: r.get(2),
        reason: r.get(3),
    })
    .collect()
}

/// Planned items (id, start) of `station` whose whole airing falls in `[from, until)`.
pub async fn planned_between(
    app: &TestApp,
    station: &str,
    from: i64,
    until: i64,
) -> Vec<(String, i64)> {
    sqlx::query(
        "SELECT item_id, start_ms FROM planned_items
         WHERE station_code = $1 AND start_ms >= $2 AND start_ms + duration_ms <= $3 ORDER BY start_ms",
    )
    .bind(station.to_owned())
    .bind(from)
    .bind(until)
    .fetch_all(&app.db)
    .await
    .expect("planned items")
    .into_iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// Chain breaks the server recorded for `station`.
pub async fn chain_breaks(app: &TestApp, station: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM chain_breaks WHERE station_code = $1")
        .bind(station.to_owned())
        .fetch_one(&app.db)
        .await
        .expect("chain breaks")
        .get(0)
}

/// Runs the simulation until the agent's outbox is empty (or a simulated hour passes).
pub async fn drain(agent: &TestAgent) {
    for _ in 0..60 {
        if agent.agent.status().await.outbox_backlog == 0 {
            return;
        }
        let now = loa::agent::clock::Clock::now_ms(&agent.clock);
        agent.clock.run_until(now + 60_000).await;
    }
}

pub const DAY_MS: i64 = 86_400_000;

/// An approver for the whole province; returns the session token.
pub async fn approver(app: &TestApp) -> String {
    app.staff("duyet-tin", loa::server::auth::Role::Approver, "19")
        .await
}

/// Sends the seeded emergency sample to `area`; returns the bulletin's id.
pub async fn send_emergency(app: &TestApp, token: &str, area: &str) -> String {
    let res = app
        .client
        .post(app.url("/api/v1/emergencies"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "segment": "bao-tin-khan-cap-mau", "area": area }))
        .send()
        .await
        .expect("emergency request");
    assert_eq!(res.status(), 201, "emergency sent");
    res.json::<serde_json::Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Rows of `sql` (binding `arg`) from the agent's own database, read on a fresh
/// connection each time: a long-lived reader beside the running agent can be left on an
/// old WAL snapshot and miss what the agent just wrote.
pub async fn agent_rows(
    data_dir: &std::path::Path,
    sql: &'static str,
    arg: &str,
) -> Vec<sqlx::sqlite::SqliteRow> {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(data_dir.join("agent.db"));
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .expect("agent.db");
    let rows = sqlx::query(sql)
        .bind(arg.to_owned())
        .fetch_all(&mut conn)
        .await
        .expect("agent.db query");
    let _ = conn.close().await;
    rows
}

/// The first planned item of `station` starting after `after_ms`: (id, start, duration).
pub async fn first_item_after(app: &TestApp, station: &str, after_ms: i64) -> (String, i64, i64) {
    let row = sqlx::query(
        "SELECT item_id, start_ms, duration_ms FROM planned_items
         WHERE station_code = $1 AND start_ms > $2 ORDER BY start_ms LIMIT 1",
    )
    .bind(station.to_owned())
    .bind(after_ms)
    .fetch_one(&app.db)
    .await
    .expect("an item ahead");
    (row.get(0), row.get(1), row.get(2))
}

/// The SHA-256 of planned item `item_id` of `station` and where the server keeps its
/// file; `None` for the station's first planned item.
pub async fn server_media(
    app: &TestApp,
    station: &str,
    item_id: Option<&str>,
) -> (String, PathBuf) {
    let sha: String = sqlx::query_scalar(
        "SELECT s.sha256 FROM planned_items p JOIN segments s ON s.id = p.segment_id
         WHERE p.station_code = $1 AND ($2 = '' OR p.item_id = $2) ORDER BY p.start_ms LIMIT 1",
    )
    .bind(station.to_owned())
    .bind(item_id.unwrap_or("").to_owned())
    .fetch_one(&app.db)
    .await
    .expect("a planned segment");
    let path = app
        .data_dir
        .join("media")
        .join(&sha[0..2])
        .join(&sha[2..4])
        .join(&sha);
    (sha, path)
}
