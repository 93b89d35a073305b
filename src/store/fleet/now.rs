//! The planned item due now at every station, made cheap at national scale.
//!
//! It is kept per station with the instant it stays right until (the item's end, or the
//! next item's start) and the playlist version it was read under: a station's items are
//! written only with its playlist, whose version is a hash of them. Only stations whose
//! entry ran out (or whose version changed) are looked up again, two index seeks each on
//! `(station_code, start_ms)`.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::Row;

use super::super::airings::placeholders;
use super::super::{Backend, Store, StoreError};
use super::PlannedNow;

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
    /// The planned item spanning `now_ms` at each station of `wanted` (code, playlist
    /// version) that has one: the latest item starting at or before it (and less than
    /// a day before), if it has not ended. `all` is every station: what is kept of
    /// others (deleted ones) is dropped.
    pub(super) async fn at(
        &self,
        store: &Store,
        wanted: &[(&str, Option<&str>)],
        all: &[super::StationFacts],
        now_ms: i64,
    ) -> Result<HashMap<String, PlannedNow>, StoreError> {
        let mut out = HashMap::new();
        let mut stale: Vec<(String, Option<String>)> = Vec::new();
        if let Ok(held) = self.held.lock() {
            for &(code, version) in wanted {
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
                    _ => stale.push((code.to_owned(), version.map(str::to_owned))),
                }
            }
        }
        stale.sort();
        let mut fresh = Vec::with_capacity(stale.len());
        for part in stale.chunks(CHUNK) {
            let codes: Vec<String> = part.iter().map(|(c, _)| c.clone()).collect();
            let latest = latest_items(store, &codes, now_ms).await?;
            let next = next_starts(store, &codes, now_ms).await?;
            for (code, version) in part {
                let next = next.get(code).copied().unwrap_or(i64::MAX);
                let (item, until_ms) = match latest.get(code) {
                    Some(i) if i.start_ms + i.duration_ms > now_ms => {
                        (Some(i.clone()), next.min(i.start_ms + i.duration_ms))
                    }
                    // Ended: nothing due until the next one starts, or until it is more
                    // than a day old (no longer looked at).
                    _ => (None, next),
                };
                fresh.push((code.clone(), version.clone(), item, until_ms));
            }
        }
        if let Ok(mut held) = self.held.lock() {
            // Stations deleted meanwhile: only once there are more entries than stations
            // (not `wanted`: a request for one commune keeps what the others hold).
            if held.len() > all.len() {
                held.retain(|code, _| super::is_station(all, code));
            }
            for (code, version, item, until_ms) in fresh {
                if let Some(i) = &item {
                    out.insert(code.clone(), i.clone());
                }
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
