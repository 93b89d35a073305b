//! What the fleet status is decided from, read for every station at once: its last
//! heartbeat, the windows it airs in, its current playlist version, the planned item
//! due now, recent chain breaks and refused signatures; and the emergency bulletins
//! still under way.
//!
//! A fixed number of queries whatever the number of stations (one for every station's
//! playlist version, one for its row of `last_heartbeats`, one each for chain breaks
//! and refused signatures), plus index seeks for the stations whose item due now may
//! have changed since the last request ([`now`]) and for heartbeats that must be read
//! again in full ([`beats`]). What changes only with the stations and areas (names,
//! time zones, windows resolved through the tree) is kept by the store between
//! requests, and so are the parsed heartbeats. Deciding the state is
//! `domain::classify`'s.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono_tz::Tz;
use sqlx::Row;

use super::inputs::{corrupt, load_area_windows, windows_from_text};
use super::{Store, StoreError};
use crate::domain::{AreaCode, AreaId, Heard, Observation, Windows};
use crate::wire::HeartbeatJson;

mod beats;
mod now;

pub(super) use beats::{HeardCache, VersionsCache};
pub(super) use now::DueCache;

/// One station with the facts its state is decided from.
#[derive(Debug, Clone)]
pub struct FleetRow {
    /// Station code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Area code.
    pub area: String,
    /// Time zone.
    pub timezone: Tz,
    /// The windows it airs in (its own, or the nearest written above it; shared with
    /// the store's cache of station facts).
    pub windows: Option<Arc<Windows>>,
    /// Its last heartbeat: when it arrived (ms since the epoch) and what it said (shared
    /// with the store's cache of heartbeats).
    pub heartbeat: Option<(i64, Arc<HeartbeatJson>)>,
    /// Version of the playlist compiled for it now.
    pub current_version: Option<String>,
    /// The planned item spanning the instant asked about.
    pub item_now: Option<PlannedNow>,
    /// Chain breaks detected since the instant asked about.
    pub chain_breaks: u64,
    /// Airings refused for a bad signature since the instant asked about.
    pub signature_failures: u64,
}

/// A planned item as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedNow {
    /// Item id.
    pub item_id: String,
    /// Planned start, ms since the epoch.
    pub start_ms: i64,
    /// Length, ms.
    pub duration_ms: i64,
    /// Campaign id.
    pub campaign: String,
    /// Segment id.
    pub segment: String,
}

impl FleetRow {
    /// What its last heartbeat says about its state.
    pub fn heard(&self) -> Option<Heard> {
        self.heartbeat.as_ref().map(|(at_ms, hb)| Heard {
            at_ms: *at_ms,
            playlist_version: hb.playlist_version.clone(),
            media_missing: hb.media_missing,
            clock_offset_ms: hb.clock_offset_ms,
            outbox_backlog: hb.outbox_backlog,
        })
    }

    /// The classifier's input, with `heard` from [`FleetRow::heard`].
    pub fn observation<'a>(&'a self, heard: Option<&'a Heard>) -> Observation<'a> {
        Observation {
            timezone: self.timezone,
            windows: self.windows.as_deref(),
            heard,
            current_version: self.current_version.as_deref(),
            item_due_now: self.item_now.is_some(),
            chain_breaks: self.chain_breaks,
            signature_failures: self.signature_failures,
        }
    }
}

/// What a station's state is decided from that changes only when the station, its
/// area or the windows above it are written: kept between requests by the store.
#[derive(Debug, Clone)]
pub struct StationFacts {
    code: String,
    name: String,
    area: String,
    timezone: Tz,
    windows: Option<Arc<Windows>>,
}

/// Every station's facts, in code order, with its windows resolved through the tree.
async fn read_station_facts(store: &Store) -> Result<Vec<StationFacts>, StoreError> {
    let tree = super::inputs::shared_tree(store).await?;
    // One copy of an area's windows for all the stations that inherit them.
    let area_windows: HashMap<AreaId, Arc<Windows>> = load_area_windows(store, &tree)
        .await?
        .into_iter()
        .map(|(a, w)| (a, Arc::new(w)))
        .collect();
    let inherited = |area: AreaId| {
        tree.ancestors(area)
            .find_map(|a| area_windows.get(&a))
            .cloned()
    };
    let rows =
        sqlx::query("SELECT code, name, area_code, timezone, windows FROM stations ORDER BY code")
            .fetch_all(store.pool())
            .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let code: String = r.try_get(0)?;
        let area: String = r.try_get(2)?;
        let what = || format!("station {code}");
        let timezone: Tz = r
            .try_get::<String, _>(3)?
            .parse()
            .map_err(|_| corrupt(what(), "timezone"))?;
        let own: Option<String> = r.try_get(4)?;
        let windows = match own {
            Some(text) => Some(Arc::new(
                windows_from_text(&text).map_err(|e| corrupt(what(), e))?,
            )),
            None => AreaCode::parse(&area)
                .ok()
                .and_then(|c| tree.get(&c))
                .and_then(inherited),
        };
        out.push(StationFacts {
            name: r.try_get(1)?,
            timezone,
            windows,
            area,
            code,
        });
    }
    // Byte order, whatever the database's collation: [`is_station`] searches it so.
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// Every station whose area `keep` accepts, in code order, with the facts at `now_ms`;
/// chain breaks and refused signatures are counted from `problems_since_ms`.
pub async fn fleet_rows(
    store: &Store,
    keep: impl Fn(&str) -> bool,
    now_ms: i64,
    problems_since_ms: i64,
) -> Result<Vec<FleetRow>, StoreError> {
    let facts = station_facts(store).await?;
    let versions = store.caches.versions.read(store).await?;
    let heard = store.caches.heard.read(store).await?;
    let kept: Vec<(&StationFacts, Option<&String>)> = facts
        .iter()
        .filter(|f| keep(&f.area))
        .map(|f| (f, versions.get(&f.code)))
        .collect();
    let wanted: Vec<(&str, Option<&str>)> = kept
        .iter()
        .map(|(f, v)| (f.code.as_str(), v.map(String::as_str)))
        .collect();
    let items = store.caches.due.at(store, &wanted, &facts, now_ms).await?;
    let breaks = chain_breaks_since(store, problems_since_ms).await?;
    let refused = signature_failures(store, problems_since_ms).await?;
    let out: Vec<FleetRow> = kept
        .into_iter()
        .map(|(f, version)| {
            let code = &f.code;
            FleetRow {
                code: code.clone(),
                name: f.name.clone(),
                area: f.area.clone(),
                timezone: f.timezone,
                windows: f.windows.clone(),
                heartbeat: heard.get(code).map(|h| (h.at_ms, h.body.clone())),
                current_version: version.cloned(),
                item_now: items.get(code).cloned(),
                chain_breaks: breaks.get(code).copied().unwrap_or(0),
                signature_failures: refused.get(code).copied().unwrap_or(0),
            }
        })
        .collect();
    Ok(out)
}

/// Every station's facts, current (kept by the store while its stamp holds).
async fn station_facts(store: &Store) -> Result<Arc<Vec<StationFacts>>, StoreError> {
    let stamp = super::cache::stamp(store).await?;
    store
        .caches
        .stations
        .get(stamp, read_station_facts(store))
        .await
}

/// Whether `code` is one of `facts` (in code order).
fn is_station(facts: &[StationFacts], code: &str) -> bool {
    facts
        .binary_search_by(|f| f.code.as_str().cmp(code))
        .is_ok()
}

/// The stations with a planned item on air at `now_ms` in the stored plan (the agents'
/// playlists), as the fleet status counts "due now" (the same cache of items due now).
pub async fn stations_on_air(store: &Store, now_ms: i64) -> Result<HashSet<String>, StoreError> {
    let facts = station_facts(store).await?;
    let versions = store.caches.versions.read(store).await?;
    let wanted: Vec<(&str, Option<&str>)> = facts
        .iter()
        .map(|f| (f.code.as_str(), versions.get(&f.code).map(String::as_str)))
        .collect();
    Ok(store
        .caches
        .due
        .at(store, &wanted, &facts, now_ms)
        .await?
        .into_keys()
        .collect())
}

/// Chain breaks detected at or after `since_ms`, per station.
async fn chain_breaks_since(
    store: &Store,
    since_ms: i64,
) -> Result<HashMap<String, u64>, StoreError> {
    counts(
        store,
        "SELECT station_code, COUNT(*) FROM chain_breaks WHERE detected_at >= $1 GROUP BY station_code",
        since_ms,
    )
    .await
}

async fn counts(
    store: &Store,
    sql: &'static str,
    since_ms: i64,
) -> Result<HashMap<String, u64>, StoreError> {
    sqlx::query(sql)
        .bind(since_ms)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get::<i64, _>(1)?.max(0) as u64)))
        .collect()
}

/// Airings refused on arrival (a bad, missing or unknown-key signature: the table
/// `airing_refusals` that ingest fills) and received at or after `since_ms`, per station.
pub async fn signature_failures(
    store: &Store,
    since_ms: i64,
) -> Result<HashMap<String, u64>, StoreError> {
    counts(
        store,
        "SELECT station_code, COUNT(*) FROM airing_refusals WHERE received_at >= $1
         GROUP BY station_code",
        since_ms,
    )
    .await
}

/// An emergency bulletin still under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveEmergency {
    /// Its id.
    pub id: String,
    /// The segment aired.
    pub segment: String,
    /// The segment's title.
    pub title: String,
    /// Root of the target subtree.
    pub area_code: String,
    /// When it was sent, ms since the epoch.
    pub sent_at_ms: i64,
    /// The segment's length, ms.
    pub duration_ms: i64,
}

/// Bulletins sent so recently that stations may still be receiving or airing them:
/// sent less than the segment's length plus `linger_ms` before `now_ms`. Newest first.
pub async fn active_emergencies(
    store: &Store,
    now_ms: i64,
    linger_ms: i64,
) -> Result<Vec<ActiveEmergency>, StoreError> {
    sqlx::query(
        "SELECT e.id, e.segment_id, s.title, e.area_code, e.sent_at, s.duration_ms
         FROM emergencies e JOIN segments s ON s.id = e.segment_id
         WHERE e.sent_at <= $1 AND e.sent_at + s.duration_ms + $2 > $1
         ORDER BY e.sent_at DESC, e.id",
    )
    .bind(now_ms)
    .bind(linger_ms)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(ActiveEmergency {
            id: r.try_get(0)?,
            segment: r.try_get(1)?,
            title: r.try_get(2)?,
            area_code: r.try_get(3)?,
            sent_at_ms: r.try_get(4)?,
            duration_ms: r.try_get(5)?,
        })
    })
    .collect()
}
