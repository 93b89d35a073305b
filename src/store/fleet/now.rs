//! The two per-station reads of the fleet status, made cheap at national scale.
//!
//! Every station's playlist version and newest heartbeat come back as one text
//! (records joined by U+001E, fields by U+001F): through sqlx's `Any` driver a row
//! costs about 2 µs on SQLite however small, so 10,000 rows were a fifth of the
//! dashboard's time. Codes, versions and heartbeat bodies (JSON written by serde_json,
//! which escapes every control character) never hold those two characters; a text
//! that does not split as expected is read again row by row.
//!
//! The planned item due now is kept per station with the instant it stays right until
//! (the item's end, or the next item's start) and the playlist version it was read
//! under: a station's items are written only with its playlist, whose version is a
//! hash of them. Only stations whose entry ran out (or whose version changed) are
//! looked up again, two index seeks each on `(station_code, start_ms)`.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::Row;

use super::super::airings::placeholders;
use super::super::{Backend, Store, StoreError};
use super::PlannedNow;

/// One station's playlist version and newest heartbeat (when, body).
pub(super) struct Beat {
    pub version: Option<String>,
    pub heartbeat: Option<(i64, String)>,
}

const RECORD: char = '\u{1e}';
const FIELD: char = '\u{1f}';

const BEATS_SQLITE: &str = "SELECT group_concat(s.code || char(31) || COALESCE(p.version, '')
       || char(31) || COALESCE(CAST(h.at_ms AS TEXT), '') || char(31) || COALESCE(h.body, ''),
       char(30))
     FROM stations s
     LEFT JOIN playlists p ON p.station_code = s.code
     LEFT JOIN last_heartbeats h ON h.station_code = s.code";

const BEATS_POSTGRES: &str = "SELECT string_agg(s.code || chr(31) || COALESCE(p.version, '')
       || chr(31) || COALESCE(CAST(h.at_ms AS TEXT), '') || chr(31) || COALESCE(h.body, ''),
       chr(30))
     FROM stations s
     LEFT JOIN playlists p ON p.station_code = s.code
     LEFT JOIN last_heartbeats h ON h.station_code = s.code";

const BEATS_ROWS: &str = "SELECT s.code, p.version, h.at_ms, h.body
     FROM stations s
     LEFT JOIN playlists p ON p.station_code = s.code
     LEFT JOIN last_heartbeats h ON h.station_code = s.code";

fn split(text: &str) -> Option<HashMap<String, Beat>> {
    let mut out = HashMap::new();
    for record in text.split(RECORD) {
        let mut f = record.split(FIELD);
        let (code, version, at, body) = (f.next()?, f.next()?, f.next()?, f.next()?);
        if f.next().is_some() || code.is_empty() {
            return None;
        }
        let heartbeat = match at {
            "" => None,
            at => Some((at.parse().ok()?, body.to_owned())),
        };
        let version = (!version.is_empty()).then(|| version.to_owned());
        out.insert(code.to_owned(), Beat { version, heartbeat });
    }
    Some(out)
}

/// Every station's playlist version and newest heartbeat, by code.
pub(super) async fn beats(store: &Store) -> Result<HashMap<String, Beat>, StoreError> {
    let text: Option<String> = sqlx::query(match store.backend() {
        Backend::Sqlite => BEATS_SQLITE,
        Backend::Postgres => BEATS_POSTGRES,
    })
    .fetch_one(store.pool())
    .await?
    .try_get(0)?;
    let Some(text) = text else {
        return Ok(HashMap::new());
    };
    if let Some(out) = split(&text) {
        return Ok(out);
    }
    tracing::warn!("bản tóm tắt trạng thái trạm không tách được; đọc từng dòng");
    sqlx::query(BEATS_ROWS)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            let heartbeat = match (
                r.try_get::<Option<i64>, _>(2)?,
                r.try_get::<Option<String>, _>(3)?,
            ) {
                (Some(at), Some(body)) => Some((at, body)),
                _ => None,
            };
            Ok((
                r.try_get(0)?,
                Beat {
                    version: r.try_get(1)?,
                    heartbeat,
                },
            ))
        })
        .collect()
}

/// No planned item is longer than a day (windows never cross midnight).
const MAX_ITEM_MS: i64 = 86_400_000;
/// Stations looked up per statement.
const CHUNK: usize = 500;

/// What one station has due, as of `from_ms` and until `until_ms`.
#[derive(Debug, Clone)]
struct Due {
    version: Option<String>,
    item: Option<PlannedNow>,
    from_ms: i64,
    until_ms: i64,
}

/// The item due now per station, kept between requests.
#[derive(Debug, Default)]
pub struct DueCache {
    held: Mutex<HashMap<String, Due>>,
}

impl DueCache {
    /// The planned item spanning `now_ms` at each station of `versions` (code →
    /// playlist version) that has one: the latest item starting at or before it (and
    /// less than a day before), if it has not ended.
    pub(super) async fn at(
        &self,
        store: &Store,
        versions: &HashMap<&str, Option<&str>>,
        now_ms: i64,
    ) -> Result<HashMap<String, PlannedNow>, StoreError> {
        let mut out = HashMap::new();
        let mut stale: Vec<String> = Vec::new();
        if let Ok(held) = self.held.lock() {
            for (&code, &version) in versions {
                match held.get(code) {
                    Some(d)
                        if d.version.as_deref() == version
                            && d.from_ms <= now_ms
                            && now_ms < d.until_ms =>
                    {
                        if let Some(item) = &d.item {
                            out.insert(code.to_owned(), item.clone());
                        }
                    }
                    _ => stale.push(code.to_owned()),
                }
            }
        }
        stale.sort();
        let mut fresh = Vec::with_capacity(stale.len());
        for part in stale.chunks(CHUNK) {
            let latest = latest_items(store, part, now_ms).await?;
            let next = next_starts(store, part, now_ms).await?;
            for code in part {
                let next = next.get(code).copied().unwrap_or(i64::MAX);
                let (item, until_ms) = match latest.get(code) {
                    Some(i) if i.start_ms + i.duration_ms > now_ms => {
                        (Some(i.clone()), next.min(i.start_ms + i.duration_ms))
                    }
                    // Ended: nothing due until the next one starts, or until it is more
                    // than a day old (no longer looked at).
                    _ => (None, next),
                };
                fresh.push((code.clone(), item, until_ms));
            }
        }
        if let Ok(mut held) = self.held.lock() {
            held.retain(|code, _| versions.contains_key(code.as_str()));
            for (code, item, until_ms) in fresh {
                if let Some(i) = &item {
                    out.insert(code.clone(), i.clone());
                }
                let version = versions
                    .get(code.as_str())
                    .copied()
                    .flatten()
                    .map(str::to_owned);
                held.insert(
                    code,
                    Due {
                        version,
                        item,
                        from_ms: now_ms,
                        until_ms,
                    },
                );
            }
        }
        Ok(out)
    }
}

/// Each station's latest item starting at or before `now_ms` and after a day before.
async fn latest_items(
    store: &Store,
    codes: &[String],
    now_ms: i64,
) -> Result<HashMap<String, PlannedNow>, StoreError> {
    let list = placeholders(codes.len(), 3);
    let sql = match store.backend() {
        Backend::Sqlite => format!(
            "SELECT p.station_code, p.item_id, p.start_ms, p.duration_ms, p.campaign_id, p.segment_id
             FROM stations s CROSS JOIN planned_items p
             WHERE s.code IN ({list}) AND p.station_code = s.code
               AND p.start_ms = (SELECT MAX(x.start_ms) FROM planned_items x
                                 WHERE x.station_code = s.code AND x.start_ms <= $1 AND x.start_ms > $2)"
        ),
        Backend::Postgres => format!(
            "SELECT s.code, p.item_id, p.start_ms, p.duration_ms, p.campaign_id, p.segment_id
             FROM stations s CROSS JOIN LATERAL (
                 SELECT x.item_id, x.start_ms, x.duration_ms, x.campaign_id, x.segment_id
                 FROM planned_items x
                 WHERE x.station_code = s.code AND x.start_ms <= $1 AND x.start_ms > $2
                 ORDER BY x.start_ms DESC LIMIT 1) p
             WHERE s.code IN ({list})"
        ),
    };
    // Only placeholders are formatted into the text.
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now_ms)
        .bind(now_ms - MAX_ITEM_MS);
    for c in codes {
        q = q.bind(c.clone());
    }
    let mut out = HashMap::with_capacity(codes.len());
    for r in q.fetch_all(store.pool()).await? {
        // Two items at the same instant (never written so): the first.
        out.entry(r.try_get(0)?).or_insert(PlannedNow {
            item_id: r.try_get(1)?,
            start_ms: r.try_get(2)?,
            duration_ms: r.try_get(3)?,
            campaign: r.try_get(4)?,
            segment: r.try_get(5)?,
        });
    }
    Ok(out)
}

/// Each station's first item starting after `now_ms`.
async fn next_starts(
    store: &Store,
    codes: &[String],
    now_ms: i64,
) -> Result<HashMap<String, i64>, StoreError> {
    let sql = format!(
        "SELECT s.code, (SELECT MIN(x.start_ms) FROM planned_items x
                         WHERE x.station_code = s.code AND x.start_ms > $1)
         FROM stations s WHERE s.code IN ({})",
        placeholders(codes.len(), 2)
    );
    // Only placeholders are formatted into the text.
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now_ms);
    for c in codes {
        q = q.bind(c.clone());
    }
    let mut out = HashMap::with_capacity(codes.len());
    for r in q.fetch_all(store.pool()).await? {
        if let Some(next) = r.try_get::<Option<i64>, _>(1)? {
            out.insert(r.try_get(0)?, next);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_split_into_their_fields() {
        let text =
            "00001\u{1f}\"v1\"\u{1f}1700\u{1f}{\"version\":\"x\"}\u{1e}00002\u{1f}\u{1f}\u{1f}";
        let beats = split(text).expect("splits");
        let one = &beats["00001"];
        assert_eq!(one.version.as_deref(), Some("\"v1\""));
        assert_eq!(
            one.heartbeat,
            Some((1700, "{\"version\":\"x\"}".to_owned()))
        );
        let two = &beats["00002"];
        assert!(two.version.is_none() && two.heartbeat.is_none());
        assert!(
            split("00001\u{1f}v\u{1f}x\u{1f}").is_none(),
            "a bad instant"
        );
        assert!(split("00001\u{1f}v").is_none(), "fields missing");
        assert!(split("00001\u{1f}v\u{1f}1\u{1f}b\u{1f}extra").is_none());
    }
}
