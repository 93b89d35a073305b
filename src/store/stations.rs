//! Stations as the console reads and writes them: one row per broadcasting point with
//! its own windows (stored as text, see [`super::import`]), languages and loudness
//! target, plus the version of its current playlist.
//!
//! Validation is the caller's: a station is checked against the whole schedule (its
//! area's inherited windows) before it is written here.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError};
use crate::domain::Station;

/// A stored station.
#[derive(Debug, Clone, PartialEq)]
pub struct StationRow {
    /// Code.
    pub code: String,
    /// Area code.
    pub area: String,
    /// Display name.
    pub name: String,
    /// IANA time zone.
    pub timezone: String,
    /// Languages, preferred first.
    pub languages: Vec<String>,
    /// Its own windows as stored (`DAYS HH:MM-HH:MM;…`), if it narrows its area's.
    pub windows: Option<String>,
    /// Loudness target of its playlist items, LUFS.
    pub target_lufs: f64,
    /// Version (ETag) of its current playlist.
    pub playlist_etag: Option<String>,
}

const SELECT: &str = "SELECT s.code, s.area_code, s.name, s.timezone, s.languages, s.windows, s.target_lufs, p.version
     FROM stations s LEFT JOIN playlists p ON p.station_code = s.code";

fn from_row(r: &AnyRow) -> Result<StationRow, StoreError> {
    let languages: String = r.try_get(4)?;
    Ok(StationRow {
        code: r.try_get(0)?,
        area: r.try_get(1)?,
        name: r.try_get(2)?,
        timezone: r.try_get(3)?,
        languages: languages.split(',').map(str::to_owned).collect(),
        windows: r.try_get(5)?,
        target_lufs: r.try_get(6)?,
        playlist_etag: r.try_get(7)?,
    })
}

/// Every station, by code.
pub async fn list_stations(store: &Store) -> Result<Vec<StationRow>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY s.code")))
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// One station.
pub async fn get_station(store: &Store, code: &str) -> Result<Option<StationRow>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE s.code = $1")))
        .bind(code.to_owned())
        .fetch_optional(store.pool())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Writes a validated station (in area `area_code`) and its audit entry: inserts when
/// `create`, else updates the existing row. Returns false when `create` finds the code
/// taken or an update finds no row.
pub async fn write_station(
    store: &Store,
    station: &Station,
    area_code: &str,
    target_lufs: f64,
    create: bool,
    actor: &str,
) -> Result<bool, StoreError> {
    let languages = station
        .languages
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let windows = station.windows.as_ref().map(super::import::windows_to_text);
    let mut tx = store.begin_write().await?;
    let query = if create {
        sqlx::query(
            "INSERT INTO stations (code, area_code, name, timezone, languages, windows, target_lufs, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO NOTHING",
        )
    } else {
        sqlx::query(
            "UPDATE stations SET area_code = $2, name = $3, timezone = $4, languages = $5,
               windows = $6, target_lufs = $7 WHERE code = $1",
        )
    };
    let mut query = query
        .bind(station.code.to_string())
        .bind(area_code.to_owned())
        .bind(station.name.clone())
        .bind(station.timezone.name().to_owned())
        .bind(languages)
        .bind(windows.clone())
        .bind(target_lufs);
    if create {
        query = query.bind(chrono::Utc::now().timestamp_millis());
    }
    let done = query.execute(&mut *tx).await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let detail = format!(
        "area={area_code} windows={} target_lufs={target_lufs}",
        windows.as_deref().unwrap_or("-")
    );
    let action = if create {
        "station.create"
    } else {
        "station.update"
    };
    super::audit::record(&mut tx, actor, action, station.code.as_str(), &detail).await?;
    tx.commit().await?;
    Ok(true)
}

/// Heartbeats kept per station: a day's worth at one a minute. Older ones are deleted
/// as new ones arrive; `heartbeat_days` keeps which days each station was heard.
pub const HEARTBEAT_HISTORY: i64 = 1440;

/// Records a station's heartbeat at `at_ms`, and the UTC day it falls on in
/// `heartbeat_days` (what reports read to find silent stations), keeping only the
/// station's latest [`HEARTBEAT_HISTORY`] heartbeats.
pub async fn record_heartbeat(
    store: &Store,
    station: &str,
    at_ms: i64,
    body: &str,
) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    sqlx::query("INSERT INTO heartbeats (station_code, at_ms, body) VALUES ($1, $2, $3)")
        .bind(station.to_owned())
        .bind(at_ms)
        .bind(body.to_owned())
        .execute(&mut *tx)
        .await?;
    // The newest per station, for the fleet status (a heartbeat older than the stored
    // one, from a clock stepped back, leaves it).
    sqlx::query(
        "INSERT INTO last_heartbeats (station_code, at_ms, body) VALUES ($1, $2, $3)
         ON CONFLICT (station_code) DO UPDATE SET at_ms = excluded.at_ms, body = excluded.body
         WHERE excluded.at_ms >= last_heartbeats.at_ms",
    )
    .bind(station.to_owned())
    .bind(at_ms)
    .bind(body.to_owned())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM heartbeats WHERE station_code = $1 AND at_ms < (
           SELECT at_ms FROM heartbeats WHERE station_code = $1
           ORDER BY at_ms DESC LIMIT 1 OFFSET $2)",
    )
    .bind(station.to_owned())
    .bind(HEARTBEAT_HISTORY - 1)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO heartbeat_days (station_code, day, first_ms, last_ms) VALUES ($1, $2, $3, $3)
         ON CONFLICT (station_code, day) DO UPDATE SET
           first_ms = CASE WHEN excluded.first_ms < heartbeat_days.first_ms
                      THEN excluded.first_ms ELSE heartbeat_days.first_ms END,
           last_ms = CASE WHEN excluded.last_ms > heartbeat_days.last_ms
                     THEN excluded.last_ms ELSE heartbeat_days.last_ms END",
    )
    .bind(station.to_owned())
    .bind(at_ms.div_euclid(86_400_000))
    .bind(at_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The area of station `code`, or `None` when there is no such station.
pub async fn station_area(store: &Store, code: &str) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT area_code FROM stations WHERE code = $1")
        .bind(code.to_owned())
        .fetch_optional(store.pool())
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// How many stations exist.
pub async fn station_count(store: &Store) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT COUNT(*) FROM stations")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?)
}

/// How many stations sent a heartbeat after `since_ms`.
pub async fn stations_heard_since(store: &Store, since_ms: i64) -> Result<i64, StoreError> {
    Ok(
        sqlx::query("SELECT COUNT(DISTINCT station_code) FROM heartbeats WHERE at_ms > $1")
            .bind(since_ms)
            .fetch_one(store.pool())
            .await?
            .try_get(0)?,
    )
}

/// Whether `station` may fetch the audio of segment `segment`: it is in the station's
/// plan, or an emergency bulletin carrying it was sent to the station.
pub async fn station_may_fetch(
    store: &Store,
    station: &str,
    segment: &str,
) -> Result<bool, StoreError> {
    let planned = sqlx::query(
        "SELECT 1 FROM planned_items WHERE station_code = $1 AND segment_id = $2 LIMIT 1",
    )
    .bind(station.to_owned())
    .bind(segment.to_owned())
    .fetch_optional(store.pool())
    .await?;
    if planned.is_some() {
        return Ok(true);
    }
    // The targets of a bulletin are fixed when it is sent: the stations then in its
    // subtree, the ones that were told to fetch it.
    let sent = sqlx::query(
        "SELECT 1 FROM emergency_targets t JOIN emergencies e ON e.id = t.emergency_id
         WHERE t.station_code = $1 AND e.segment_id = $2 LIMIT 1",
    )
    .bind(station.to_owned())
    .bind(segment.to_owned())
    .fetch_optional(store.pool())
    .await?;
    Ok(sent.is_some())
}
