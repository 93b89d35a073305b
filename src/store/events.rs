//! The `events` table read back: what every replica polls to fan events out to its
//! stations' streams, and what a reconnecting stream missed.
//!
//! Rows are written by the modules whose change they announce (playlists, emergencies,
//! tokens), in the transaction of that change. Reading knows nothing of streams.

use sqlx::Row;

use super::{Store, StoreError};

/// One row of the `events` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Database id (increasing; on PostgreSQL in the order ids were taken, not commits).
    pub id: i64,
    /// Station code.
    pub station: String,
    /// The event's name (`playlist_changed`, `emergency`, `tokens_revoked`).
    pub kind: String,
    /// JSON payload.
    pub payload: String,
}

const COLUMNS: &str = "SELECT id, station_code, kind, payload FROM events";

fn event_of(row: &sqlx::any::AnyRow) -> Result<EventRow, sqlx::Error> {
    Ok(EventRow {
        id: row.try_get(0)?,
        station: row.try_get(1)?,
        kind: row.try_get(2)?,
        payload: row.try_get(3)?,
    })
}

/// The largest id in the table (0 when it is empty): where a replica starts polling.
pub async fn last_event_id(store: &Store) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT COALESCE(MAX(id), 0) FROM events")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?)
}

/// Up to `limit` events with ids above `after`, oldest first.
pub async fn events_after(
    store: &Store,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE id > $1 ORDER BY id LIMIT $2"
    )))
    .bind(after)
    .bind(limit)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| Ok(event_of(r)?))
    .collect()
}

/// The events among `ids` that exist now, oldest first (late rows filling gaps).
pub async fn events_with_ids(store: &Store, ids: &[i64]) -> Result<Vec<EventRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{COLUMNS} WHERE id IN ({}) ORDER BY id",
        (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    // Only placeholders are formatted into the text; values are bound.
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| Ok(event_of(r)?))
        .collect()
}

/// Up to `limit` events of `station` with ids above `after`, written after `since_ms`,
/// oldest first.
pub async fn station_events_after(
    store: &Store,
    station: &str,
    after: i64,
    since_ms: i64,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COLUMNS} WHERE station_code = $1 AND id > $2 AND at_ms > $3 ORDER BY id LIMIT $4"
    )))
    .bind(station.to_owned())
    .bind(after)
    .bind(since_ms)
    .bind(limit)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| Ok(event_of(r)?))
    .collect()
}
