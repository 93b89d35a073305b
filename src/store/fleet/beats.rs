//! Every station's playlist version and newest heartbeat, the two per-station reads of
//! the fleet status, made cheap at national scale.
//!
//! Each comes back as one text (records joined by U+001E, fields by U+001F): through
//! sqlx's `Any` driver a row costs about 2 µs on SQLite however small, so 10,000 rows
//! were a fifth of the dashboard's time. Codes, versions and heartbeat bodies (JSON
//! written by serde_json, which escapes every control character) never hold those two
//! characters; a text that does not split as expected is read again row by row.
//!
//! The two are read apart, each from its own table: joined per station, SQLite seeks
//! every playlist's row (a large one, the playlist itself beside its version), which
//! cost three times the versions alone.
//!
//! Parsing 10,000 heartbeat bodies, and sending them, was another fifth; a station
//! reports about once a minute, a dashboard polls every half minute. So the parsed
//! heartbeats are kept between requests with the arrival instant and the length of the
//! body they came from. Each read sends every station's instant and length, and the
//! body only where the instant is at or after the newest one of the previous read. A
//! station whose instant or length is not the kept one and whose body was not sent (a
//! transaction that committed late, a clock stepped back) has its body read by code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::Row;

use super::super::airings::placeholders;
use super::super::{Backend, Store, StoreError};
use crate::wire::HeartbeatJson;

const RECORD: char = '\u{1e}';
const FIELD: char = '\u{1f}';

const VERSIONS_SQLITE: &str =
    "SELECT group_concat(station_code || char(31) || version, char(30)) FROM playlists";
const VERSIONS_POSTGRES: &str =
    "SELECT string_agg(station_code || chr(31) || version, chr(30)) FROM playlists";
const VERSIONS_ROWS: &str = "SELECT station_code, version FROM playlists";

const HEARD_SQLITE: &str = "SELECT group_concat(station_code || char(31) || at_ms
       || char(31) || length(body) || char(31) || CASE WHEN at_ms >= $1 THEN body ELSE '' END,
       char(30))
     FROM last_heartbeats";
const HEARD_POSTGRES: &str = "SELECT string_agg(station_code || chr(31) || CAST(at_ms AS TEXT)
       || chr(31) || CAST(length(body) AS TEXT) || chr(31)
       || CASE WHEN at_ms >= $1 THEN body ELSE '' END,
       chr(30))
     FROM last_heartbeats";
const HEARD_ROWS: &str = "SELECT station_code, at_ms, length(body),
       CASE WHEN at_ms >= $1 THEN body ELSE '' END
     FROM last_heartbeats";

/// Bodies read by code per statement.
const CHUNK: usize = 500;

/// Playlist version by station code.
type Versions = Arc<HashMap<String, String>>;

/// Every station's playlist version, with the text it was split from: playlists are
/// rewritten a few times a day, so most reads find the text they found before.
#[derive(Debug, Default)]
pub struct VersionsCache {
    held: Mutex<Option<(String, Versions)>>,
}

impl VersionsCache {
    /// Every station's playlist version now, by code (stations without a playlist
    /// absent).
    pub(super) async fn read(&self, store: &Store) -> Result<Versions, StoreError> {
        let text: Option<String> = sqlx::query(match store.backend() {
            Backend::Sqlite => VERSIONS_SQLITE,
            Backend::Postgres => VERSIONS_POSTGRES,
        })
        .fetch_one(store.pool())
        .await?
        .try_get(0)?;
        let Some(text) = text else {
            return Ok(Arc::default());
        };
        if let Some(same) = self.held.lock().ok().and_then(|h| {
            h.as_ref()
                .filter(|(t, _)| *t == text)
                .map(|(_, v)| v.clone())
        }) {
            return Ok(same);
        }
        let out = match split_versions(&text) {
            Some(out) => Arc::new(out),
            None => {
                tracing::warn!(
                    "bản tóm tắt phiên bản danh mục phát không tách được; đọc từng dòng"
                );
                let rows = sqlx::query(VERSIONS_ROWS).fetch_all(store.pool()).await?;
                let out: Result<HashMap<String, String>, StoreError> = rows
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                    .collect();
                return Ok(Arc::new(out?));
            }
        };
        if let Ok(mut held) = self.held.lock() {
            *held = Some((text, out.clone()));
        }
        Ok(out)
    }
}

fn split_versions(text: &str) -> Option<HashMap<String, String>> {
    let mut out = HashMap::new();
    for record in text.split(RECORD) {
        let (code, version) = record.split_once(FIELD)?;
        if code.is_empty() || version.contains(FIELD) {
            return None;
        }
        out.insert(code.to_owned(), version.to_owned());
    }
    Some(out)
}

/// A station's newest heartbeat as kept: when it arrived, what it said, and the length
/// of the stored body it was parsed from.
#[derive(Debug, Clone)]
pub(super) struct Heard {
    pub at_ms: i64,
    pub body: Arc<HeartbeatJson>,
    len: i64,
}

/// One station's line of a read: the body only when it was sent.
struct Listed {
    code: String,
    at_ms: i64,
    len: i64,
    body: Option<String>,
}

fn split_heard(text: &str) -> Option<Vec<Listed>> {
    let mut out = Vec::new();
    for record in text.split(RECORD) {
        let mut f = record.split(FIELD);
        let (code, at, len, body) = (f.next()?, f.next()?, f.next()?, f.next()?);
        if f.next().is_some() || code.is_empty() {
            return None;
        }
        let len: i64 = len.parse().ok()?;
        out.push(Listed {
            code: code.to_owned(),
            at_ms: at.parse().ok()?,
            // A stored body is never empty (an empty one is sent as it is).
            body: (!body.is_empty() || len == 0).then(|| body.to_owned()),
            len,
        });
    }
    Some(out)
}

/// Every station's newest heartbeat, kept between requests (see the module's comment).
#[derive(Debug, Default)]
pub struct HeardCache {
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    by_code: Arc<HashMap<String, Heard>>,
    /// The newest arrival of the last read.
    newest_ms: Option<i64>,
}

impl HeardCache {
    /// Every heard station's newest heartbeat now, by code.
    pub(super) async fn read(
        &self,
        store: &Store,
    ) -> Result<Arc<HashMap<String, Heard>>, StoreError> {
        let (kept, since) = match self.held.lock() {
            Ok(h) => (h.by_code.clone(), h.newest_ms.unwrap_or(i64::MIN)),
            Err(_) => (Arc::default(), i64::MIN),
        };
        let listed = list(store, since).await?;
        let mut out = HashMap::with_capacity(listed.len());
        let mut unsent = Vec::new();
        for l in listed {
            let heard = match l.body {
                Some(body) => Heard {
                    at_ms: l.at_ms,
                    body: Arc::new(parse_heartbeat(&l.code, &body)),
                    len: l.len,
                },
                None => match kept.get(&l.code) {
                    Some(k) if k.at_ms == l.at_ms && k.len == l.len => k.clone(),
                    _ => {
                        unsent.push(l.code);
                        continue;
                    }
                },
            };
            out.insert(l.code, heard);
        }
        drop(kept);
        unsent.sort();
        for part in unsent.chunks(CHUNK) {
            for (code, heard) in bodies(store, part).await? {
                out.insert(code, heard);
            }
        }
        let newest_ms = out.values().map(|h| h.at_ms).max();
        let out = Arc::new(out);
        if let Ok(mut held) = self.held.lock() {
            *held = Held {
                by_code: out.clone(),
                newest_ms,
            };
        }
        Ok(out)
    }
}

/// Every station's arrival and body length, with the body of those at or after
/// `since_ms`.
async fn list(store: &Store, since_ms: i64) -> Result<Vec<Listed>, StoreError> {
    let text: Option<String> = sqlx::query(match store.backend() {
        Backend::Sqlite => HEARD_SQLITE,
        Backend::Postgres => HEARD_POSTGRES,
    })
    .bind(since_ms)
    .fetch_one(store.pool())
    .await?
    .try_get(0)?;
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    if let Some(out) = split_heard(&text) {
        return Ok(out);
    }
    tracing::warn!("bản tóm tắt trạng thái trạm không tách được; đọc từng dòng");
    sqlx::query(HEARD_ROWS)
        .bind(since_ms)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            let len: i64 = r.try_get(2)?;
            let body: String = r.try_get(3)?;
            Ok(Listed {
                code: r.try_get(0)?,
                at_ms: r.try_get(1)?,
                body: (!body.is_empty() || len == 0).then_some(body),
                len,
            })
        })
        .collect()
}

/// The newest heartbeat of each of `codes` that has one, read in full.
async fn bodies(store: &Store, codes: &[String]) -> Result<Vec<(String, Heard)>, StoreError> {
    let sql = format!(
        "SELECT station_code, at_ms, length(body), body FROM last_heartbeats
         WHERE station_code IN ({})",
        placeholders(codes.len(), 1)
    );
    // Only placeholders are formatted into the text.
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for c in codes {
        q = q.bind(c.clone());
    }
    q.fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            let code: String = r.try_get(0)?;
            let body: String = r.try_get(3)?;
            let heard = Heard {
                at_ms: r.try_get(1)?,
                body: Arc::new(parse_heartbeat(&code, &body)),
                len: r.try_get(2)?,
            };
            Ok((code, heard))
        })
        .collect()
}

/// A stored heartbeat body; one this version cannot read (written by a newer agent
/// through a newer server) still says the station was heard.
fn parse_heartbeat(code: &str, body: &str) -> HeartbeatJson {
    serde_json::from_str(body).unwrap_or_else(|e| {
        tracing::debug!(station = code, error = %e, "không đọc được trạng thái đã lưu của trạm");
        HeartbeatJson::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_split_into_their_fields() {
        let v = split_versions("00001\u{1f}\"v1\"\u{1e}00002\u{1f}\"v2\"").expect("splits");
        assert_eq!(v["00001"], "\"v1\"");
        assert_eq!(v["00002"], "\"v2\"");
        assert!(split_versions("00001").is_none(), "no version field");
        assert!(
            split_versions("00001\u{1f}a\u{1f}b").is_none(),
            "a field too many"
        );
        assert!(split_versions("\u{1f}a").is_none(), "no code");
    }

    #[test]
    fn heartbeats_split_with_and_without_their_bodies() {
        let text = "00001\u{1f}1700\u{1f}17\u{1f}{\"version\":\"x\"}\u{1e}00002\u{1f}1600\u{1f}17\u{1f}\u{1e}00003\u{1f}1500\u{1f}0\u{1f}";
        let l = split_heard(text).expect("splits");
        assert_eq!(l.len(), 3);
        assert_eq!(
            (l[0].code.as_str(), l[0].at_ms, l[0].len),
            ("00001", 1700, 17)
        );
        assert_eq!(l[0].body.as_deref(), Some("{\"version\":\"x\"}"));
        assert!(l[1].body.is_none(), "not sent");
        assert_eq!(
            l[2].body.as_deref(),
            Some(""),
            "an empty body is sent empty"
        );
        assert!(
            split_heard("00001\u{1f}x\u{1f}1\u{1f}b").is_none(),
            "a bad instant"
        );
        assert!(
            split_heard("00001\u{1f}1\u{1f}x\u{1f}b").is_none(),
            "a bad length"
        );
        assert!(
            split_heard("00001\u{1f}1\u{1f}1").is_none(),
            "fields missing"
        );
        assert!(split_heard("00001\u{1f}1\u{1f}1\u{1f}b\u{1f}extra").is_none());
    }
}
