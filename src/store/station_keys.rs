//! Stations' signing keys: registered at enrollment (or once by an agent enrolled
//! before signed airings), retired by the next enrollment but never deleted, so every
//! record a key signed stays verifiable. Also the refusals of airings whose signature
//! failed on arrival.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use super::inputs::corrupt;
use super::{Store, StoreError};
use crate::domain::{PublicKey, StationKey};

/// Makes `key` the station's current key at enrollment, in the enrollment's
/// transaction: its other keys are retired (kept). Enrolling with no key (an agent
/// from before signed airings) retires them all: that agent cannot sign.
pub async fn enroll_key(
    tx: &mut AnyConnection,
    station: &str,
    key: Option<&PublicKey>,
    now_ms: i64,
) -> Result<(), StoreError> {
    let keep = key.map(|k| k.id().to_owned()).unwrap_or_default();
    sqlx::query(
        "UPDATE station_keys SET retired_at = $1
         WHERE station_code = $2 AND retired_at IS NULL AND key_id <> $3",
    )
    .bind(now_ms)
    .bind(station.to_owned())
    .bind(keep)
    .execute(&mut *tx)
    .await?;
    if let Some(key) = key {
        // The same key enrolled again is current again.
        sqlx::query(
            "INSERT INTO station_keys (station_code, key_id, public_key, created_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (station_code, key_id) DO UPDATE SET retired_at = NULL",
        )
        .bind(station.to_owned())
        .bind(key.id().to_owned())
        .bind(key.to_hex())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// What registering a key outside enrollment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// The station had no current key; this one is now.
    Registered,
    /// The station holds this key already (current or retired).
    Known,
    /// The station has another current key: replacing it takes an enrollment code.
    Conflict {
        /// The current key's id.
        current: String,
    },
}

/// Registers `key` for `station` when it has no current key (an agent enrolled
/// before signed airings); a key it already holds is `Known`, anything else refused.
pub async fn register_key(
    store: &Store,
    station: &str,
    key: &PublicKey,
    now_ms: i64,
) -> Result<Registration, StoreError> {
    let mut tx = store.begin_write().await?;
    let keys = keys_in(&mut tx, station).await?;
    if keys.iter().any(|k| k.public == *key) {
        return Ok(Registration::Known);
    }
    if let Some(current) = keys.iter().find(|k| k.retired_at.is_none()) {
        return Ok(Registration::Conflict {
            current: current.public.id().to_owned(),
        });
    }
    enroll_key(&mut tx, station, Some(key), now_ms).await?;
    crate::store::audit::record(
        &mut tx,
        &format!("station:{station}"),
        "station.register_key",
        station,
        key.id(),
    )
    .await?;
    tx.commit().await?;
    Ok(Registration::Registered)
}

fn key_of(r: &sqlx::any::AnyRow, first: usize) -> Result<StationKey, StoreError> {
    let hex: String = r.try_get(first)?;
    let public = PublicKey::parse(&hex).map_err(|e| corrupt("station_keys", e.to_string()))?;
    Ok(StationKey {
        public,
        created_at: r.try_get(first + 1)?,
        retired_at: r.try_get(first + 2)?,
    })
}

/// Every key `station` ever had, oldest first.
pub(crate) async fn keys_in(
    conn: &mut AnyConnection,
    station: &str,
) -> Result<Vec<StationKey>, StoreError> {
    sqlx::query(
        "SELECT public_key, created_at, retired_at FROM station_keys
         WHERE station_code = $1 ORDER BY created_at, key_id",
    )
    .bind(station.to_owned())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| key_of(r, 0))
    .collect()
}

/// Every key of every station (or of `station` alone), by station code.
pub async fn all_keys(
    store: &Store,
    station: Option<&str>,
) -> Result<HashMap<String, Vec<StationKey>>, StoreError> {
    let rows = sqlx::query(
        "SELECT station_code, public_key, created_at, retired_at FROM station_keys
         WHERE $1 = '' OR station_code = $1 ORDER BY created_at, key_id",
    )
    .bind(station.unwrap_or_default().to_owned())
    .fetch_all(store.pool())
    .await?;
    let mut keys: HashMap<String, Vec<StationKey>> = HashMap::new();
    for r in &rows {
        keys.entry(r.try_get(0)?).or_default().push(key_of(r, 1)?);
    }
    Ok(keys)
}

/// The id of the station's current key, if it has one.
pub async fn current_key_id(store: &Store, station: &str) -> Result<Option<String>, StoreError> {
    let mut conn = store.pool().acquire().await?;
    Ok(keys_in(&mut conn, station)
        .await?
        .into_iter()
        .find(|k| k.retired_at.is_none())
        .map(|k| k.public.id().to_owned()))
}

/// Records that the airing `uuid` from `station` was refused for its signature
/// (the latest reason of a UUID is kept), in the ingest's transaction.
pub(crate) async fn record_refusal(
    tx: &mut AnyConnection,
    station: &str,
    uuid: &str,
    reason: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO airing_refusals (station_code, uuid, reason, received_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (station_code, uuid) DO UPDATE
         SET reason = excluded.reason, received_at = excluded.received_at",
    )
    .bind(station.to_owned())
    .bind(uuid.to_owned())
    .bind(reason.to_owned())
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An airing refused on arrival for its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Station code.
    pub station: String,
    /// The airing's UUID.
    pub uuid: String,
    /// Why, in Vietnamese.
    pub reason: String,
    /// When, ms since the epoch.
    pub received_at: i64,
}

/// Refusals received in `[from_ms, until_ms)`, of `station` or of all, oldest first.
pub async fn refusals(
    store: &Store,
    station: Option<&str>,
    from_ms: i64,
    until_ms: i64,
) -> Result<Vec<Refusal>, StoreError> {
    sqlx::query(
        "SELECT station_code, uuid, reason, received_at FROM airing_refusals
         WHERE ($1 = '' OR station_code = $1) AND received_at >= $2 AND received_at < $3
         ORDER BY received_at, station_code, uuid LIMIT 10000",
    )
    .bind(station.unwrap_or_default().to_owned())
    .bind(from_ms)
    .bind(until_ms)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(Refusal {
            station: r.try_get(0)?,
            uuid: r.try_get(1)?,
            reason: r.try_get(2)?,
            received_at: r.try_get(3)?,
        })
    })
    .collect()
}
