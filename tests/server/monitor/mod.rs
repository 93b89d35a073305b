//! Fleet status, now playing and alerts (issue 13, the data side): the JSON endpoints
//! the console's dashboard and now-playing pages show, and the alert task.

mod alerts;
mod cached;
mod fleet;
mod now_playing;
mod scope;
mod sinks;

use serde_json::Value;

use super::TestApp;

impl TestApp {
    /// `GET path` with `token`; asserts the status and returns the JSON body.
    pub async fn get_json(&self, token: &str, path: &str, status: u16) -> Value {
        let res = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), status, "GET {path}");
        res.json().await.expect("json body")
    }

    /// Sends a heartbeat as the station of `token`: `fields` over a healthy default.
    pub async fn heartbeat(&self, token: &str, fields: Value) {
        let mut body = serde_json::json!({
            "version": "test",
            "media_ready": 3,
            "media_missing": 0,
            "disk_free_bytes": 1_000_000_000u64,
            "clock_offset_ms": 12,
            "outbox_backlog": 0,
            "uptime_s": 60,
        });
        if let (Some(b), Some(f)) = (body.as_object_mut(), fields.as_object()) {
            b.extend(f.clone());
        }
        let res = self
            .client
            .post(self.url("/api/v1/heartbeat"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("heartbeat");
        assert_eq!(res.status(), 200, "heartbeat accepted");
    }

    /// The version of the playlist compiled for `station` now.
    pub async fn playlist_version(&self, station: &str) -> String {
        loa::store::fetch_playlist(&self.state.store, station)
            .await
            .expect("playlist")
            .expect("compiled")
            .etag
    }
}

/// The entry for `code` in a list answer's `stations`.
pub fn station<'a>(answer: &'a Value, code: &str) -> &'a Value {
    answer["stations"]
        .as_array()
        .expect("stations")
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("{code} listed in {answer}"))
}

/// The number of stations counted in `state`.
pub fn count(answer: &Value, state: &str) -> u64 {
    answer["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .find(|c| c["state"] == state)
        .and_then(|c| c["stations"].as_u64())
        .unwrap_or_else(|| panic!("count of {state} in {answer}"))
}
