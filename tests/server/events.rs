//! `GET /api/v1/events`: each station's server-sent events, read as an agent reads
//! them, over a streaming HTTP response.

use std::time::Duration;

use futures::StreamExt;

use super::TestApp;
use crate::both_backends;

both_backends!(
    stream_says_hello_then_announces_only_this_stations_changes,
    reconnecting_stream_replays_what_it_missed,
    event_committed_after_a_later_one_is_still_delivered,
);

/// How long a test waits for an event that should come at once.
const WAIT: Duration = Duration::from_secs(5);

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sse {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
}

impl Sse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).expect("event data is JSON")
    }
}

/// A station's open event stream.
pub(super) struct EventStream {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl EventStream {
    /// Opens the stream as `token`, optionally resuming after `last_event_id`.
    pub async fn open(app: &TestApp, token: &str, last_event_id: Option<&str>) -> Self {
        Self::open_at(&app.client, &app.base, token, last_event_id).await
    }

    /// Opens the stream of the server at `base`.
    pub async fn open_at(
        client: &reqwest::Client,
        base: &str,
        token: &str,
        last_event_id: Option<&str>,
    ) -> Self {
        let mut req = client
            .get(format!("{base}/api/v1/events"))
            .bearer_auth(token)
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id);
        }
        let res = req.send().await.expect("events request");
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("text/event-stream")
        );
        Self {
            body: Box::pin(res.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped), `None` when the stream ended.
    pub async fn next(&mut self) -> Option<Sse> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = Sse {
                    id: None,
                    event: "message".to_owned(),
                    data: String::new(),
                };
                let mut any = false;
                for line in block.lines() {
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "id" => event.id = Some(value.to_owned()),
                        "event" => event.event = value.to_owned(),
                        "data" => {
                            if any {
                                event.data.push('\n');
                            }
                            event.data.push_str(value);
                            any = true;
                        }
                        _ => {}
                    }
                }
                if any {
                    return Some(event);
                }
                continue;
            }
            let chunk = self.body.next().await?.ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next `playlist_changed` event announcing ETag `tag`, skipping others.
    async fn expect_etag(&mut self, tag: &str) -> Sse {
        loop {
            let e = self.expect("playlist_changed").await;
            if e.json()["etag"] == tag {
                return e;
            }
        }
    }

    /// The next event of `kind` within [`WAIT`], skipping others.
    pub async fn expect(&mut self, kind: &str) -> Sse {
        tokio::time::timeout(WAIT, async {
            loop {
                let e = self.next().await.expect("stream still open");
                if e.event == kind {
                    return e;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no `{kind}` event within {WAIT:?}"))
    }
}

async fn etag(app: &TestApp, token: &str) -> String {
    let res = app
        .client
        .get(app.url("/api/v1/playlist"))
        .bearer_auth(token)
        .send()
        .await
        .expect("playlist");
    res.headers()["etag"]
        .to_str()
        .expect("etag")
        .trim_matches('"')
        .to_owned()
}

/// Changes what `station` plans (its target loudness) and recompiles it.
pub(super) async fn change_plan(app: &TestApp, station: &str, lufs: f64) {
    sqlx::query("UPDATE stations SET target_lufs = $1 WHERE code = $2")
        .bind(lufs)
        .bind(station.to_owned())
        .execute(&app.db)
        .await
        .expect("update");
    let summary = app
        .state
        .recompile(Some(&[station.to_owned()]))
        .await
        .expect("recompile");
    assert_eq!(summary.changed, 1);
}

async fn stream_says_hello_then_announces_only_this_stations_changes(app: TestApp) {
    let a = app.enroll("05443").await;
    let b = app.enroll("05710").await;
    let mut stream_a = EventStream::open(&app, &a, None).await;
    let mut stream_b = EventStream::open(&app, &b, None).await;

    let hello = stream_a.expect("hello").await;
    assert_eq!(hello.event, "hello", "the first event");
    assert_eq!(hello.json()["station"], "05443");
    assert_eq!(hello.json()["etag"], etag(&app, &a).await);
    assert!(hello.json()["server_time_ms"].as_i64().is_some());
    let hello_b = stream_b.expect("hello").await;
    assert_eq!(hello_b.json()["etag"], etag(&app, &b).await);

    change_plan(&app, "05443", -20.0).await;
    let changed = stream_a.expect("playlist_changed").await;
    let new_etag = etag(&app, &a).await;
    assert_ne!(hello.json()["etag"], new_etag);
    assert_eq!(changed.json()["etag"], new_etag);
    assert!(changed.id.is_some(), "events carry ids for Last-Event-ID");

    // B's stream gets B's change and nothing of A's: A's came first, so it would have
    // arrived before this one.
    change_plan(&app, "05710", -20.0).await;
    let changed_b = stream_b.next();
    let changed_b = tokio::time::timeout(WAIT, changed_b)
        .await
        .expect("B's change within 5 s")
        .expect("stream open");
    assert_eq!(changed_b.event, "playlist_changed");
    assert_eq!(changed_b.json()["etag"], etag(&app, &b).await);
}

async fn reconnecting_stream_replays_what_it_missed(app: TestApp) {
    let token = app.enroll("05443").await;
    let mut stream = EventStream::open(&app, &token, None).await;
    stream.expect("hello").await;
    change_plan(&app, "05443", -20.0).await;
    let first = stream.expect("playlist_changed").await;
    drop(stream);

    // While the agent is away, the plan changes again.
    change_plan(&app, "05443", -18.0).await;
    let id = first.id.expect("id");
    let mut stream = EventStream::open(&app, &token, Some(&id)).await;
    let hello = stream.expect("hello").await;
    let current = etag(&app, &token).await;
    assert_eq!(hello.json()["etag"], current, "hello says what to hold now");
    let missed = tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("replay at once")
        .expect("stream open");
    assert_eq!(missed.event, "playlist_changed");
    assert_eq!(missed.json()["etag"], current);
    assert!(
        missed.id.expect("id").parse::<i64>().expect("numeric")
            > id.parse::<i64>().expect("numeric")
    );
}

/// Writes a `playlist_changed` event whose ETag is `tag`, as a replica would.
async fn insert_event(conn: &mut sqlx::AnyConnection, id: Option<i64>, tag: &str) {
    let now = chrono::Utc::now().timestamp_millis();
    let q = match id {
        Some(id) => sqlx::query(
            "INSERT INTO events (id, station_code, kind, payload, at_ms) VALUES ($1, '05443', 'playlist_changed', $2, $3)",
        )
        .bind(id),
        None => sqlx::query(
            "INSERT INTO events (station_code, kind, payload, at_ms) VALUES ('05443', 'playlist_changed', $1, $2)",
        ),
    };
    q.bind(serde_json::json!({ "etag": tag }).to_string())
        .bind(now)
        .execute(conn)
        .await
        .expect("insert event");
}

/// On PostgreSQL an event's id is taken at insert and becomes visible at commit, so a
/// slow writer's event can appear after one with a larger id; the poller must not skip
/// it. (SQLite has one writer at a time, so there the late row is simulated by id.)
async fn event_committed_after_a_later_one_is_still_delivered(app: TestApp) {
    use sqlx::{Acquire, Row};
    let token = app.enroll("05443").await;
    let mut stream = EventStream::open(&app, &token, None).await;
    stream.expect("hello").await;
    let pool = &app.db;
    match app.state.store.backend() {
        loa::store::Backend::Postgres => {
            let mut slow_conn = pool.acquire().await.expect("connection");
            let mut slow = slow_conn.begin().await.expect("begin");
            insert_event(&mut slow, None, "slow").await;
            let mut fast = pool.begin().await.expect("begin");
            insert_event(&mut fast, None, "fast").await;
            fast.commit().await.expect("commit");
            stream.expect_etag("fast").await;
            slow.commit().await.expect("commit");
        }
        loa::store::Backend::Sqlite => {
            let max: i64 = sqlx::query("SELECT MAX(id) FROM events")
                .fetch_one(pool)
                .await
                .expect("max")
                .get(0);
            let mut conn = pool.acquire().await.expect("connection");
            insert_event(&mut conn, Some(max + 2), "fast").await;
            stream.expect_etag("fast").await;
            insert_event(&mut conn, Some(max + 1), "slow").await;
        }
    }
    let slow = stream.expect_etag("slow").await;
    assert!(slow.id.is_some());
}
