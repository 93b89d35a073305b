//! Emergency bulletins as rows: sending one (the bulletin, one event per targeted
//! station, the targets and the audit entry in one transaction), the stations'
//! acknowledgements, and what a reconnecting station still has to hear.
//!
//! The events table carries the bulletin to every replica's streams; the targets table
//! keeps, for good, which stations were asked and which event asked them.

use sqlx::Row;

use super::{Store, StoreError};
use crate::wire::EventName;

/// A bulletin about to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEmergency {
    /// Identifier (a UUID).
    pub id: String,
    /// The approved segment to air.
    pub segment: String,
    /// Root of the target subtree.
    pub area_code: String,
    /// Username of the sender.
    pub sent_by: String,
    /// When, ms since the epoch.
    pub sent_at_ms: i64,
}

/// A sent bulletin with its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyRow {
    /// Identifier.
    pub id: String,
    /// Segment aired.
    pub segment: String,
    /// Root of the target subtree.
    pub area_code: String,
    /// Username of the sender.
    pub sent_by: String,
    /// When, ms since the epoch.
    pub sent_at_ms: i64,
    /// Every targeted station, by code.
    pub targets: Vec<TargetRow>,
}

/// One targeted station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRow {
    /// Station code.
    pub station: String,
    /// The station's area.
    pub area_code: String,
    /// When it acknowledged, ms since the epoch.
    pub acked_at_ms: Option<i64>,
}

/// An `emergency` event a station has not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingEvent {
    /// The event's id in the events table.
    pub event_id: i64,
    /// Its JSON payload.
    pub payload: String,
}

/// Writes `new`, one `emergency` event per `(station, payload)` in `targets`, and the
/// audit entry, together: every station is told, or none.
pub async fn send_emergency(
    store: &Store,
    new: &NewEmergency,
    targets: &[(String, String)],
    detail: &str,
) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    sqlx::query(
        "INSERT INTO emergencies (id, segment_id, area_code, sent_by, sent_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(new.id.clone())
    .bind(new.segment.clone())
    .bind(new.area_code.clone())
    .bind(new.sent_by.clone())
    .bind(new.sent_at_ms)
    .execute(&mut *tx)
    .await?;
    for (station, payload) in targets {
        let event: i64 = sqlx::query(
            "INSERT INTO events (station_code, kind, payload, at_ms) VALUES ($1, $2, $3, $4)
             RETURNING id",
        )
        .bind(station.clone())
        .bind(EventName::Emergency.as_str())
        .bind(payload.clone())
        .bind(new.sent_at_ms)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO emergency_targets (emergency_id, station_code, event_id) VALUES ($1, $2, $3)",
        )
        .bind(new.id.clone())
        .bind(station.clone())
        .bind(event)
        .execute(&mut *tx)
        .await?;
    }
    super::audit::record(&mut tx, &new.sent_by, "emergency.send", &new.id, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// The bulletin `id` with its targets and their acknowledgements.
pub async fn get_emergency(store: &Store, id: &str) -> Result<Option<EmergencyRow>, StoreError> {
    let Some(row) = sqlx::query(
        "SELECT id, segment_id, area_code, sent_by, sent_at FROM emergencies WHERE id = $1",
    )
    .bind(id.to_owned())
    .fetch_optional(store.pool())
    .await?
    else {
        return Ok(None);
    };
    let targets = sqlx::query(
        "SELECT t.station_code, s.area_code, k.acked_at FROM emergency_targets t
           JOIN stations s ON s.code = t.station_code
           LEFT JOIN emergency_acks k ON k.emergency_id = t.emergency_id AND k.station_code = t.station_code
         WHERE t.emergency_id = $1 ORDER BY t.station_code",
    )
    .bind(id.to_owned())
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(TargetRow {
            station: r.try_get(0)?,
            area_code: r.try_get(1)?,
            acked_at_ms: r.try_get(2)?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    Ok(Some(EmergencyRow {
        id: row.try_get(0)?,
        segment: row.try_get(1)?,
        area_code: row.try_get(2)?,
        sent_by: row.try_get(3)?,
        sent_at_ms: row.try_get(4)?,
        targets,
    }))
}

/// The `limit` most recent bulletins, newest first, without targets.
pub async fn recent_emergencies(
    store: &Store,
    limit: i64,
) -> Result<Vec<EmergencyRow>, StoreError> {
    sqlx::query(
        "SELECT id, segment_id, area_code, sent_by, sent_at FROM emergencies
         ORDER BY sent_at DESC, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(EmergencyRow {
            id: r.try_get(0)?,
            segment: r.try_get(1)?,
            area_code: r.try_get(2)?,
            sent_by: r.try_get(3)?,
            sent_at_ms: r.try_get(4)?,
            targets: Vec::new(),
        })
    })
    .collect()
}

/// Records that `station` acknowledged bulletin `id` (the first time only; the audit
/// log has one entry per station). Returns when it first acknowledged, or `None` when
/// the bulletin was not sent to that station.
pub async fn acknowledge(
    store: &Store,
    id: &str,
    station: &str,
) -> Result<Option<i64>, StoreError> {
    let mut tx = store.begin_write().await?;
    let targeted = sqlx::query(
        "SELECT 1 FROM emergency_targets WHERE emergency_id = $1 AND station_code = $2",
    )
    .bind(id.to_owned())
    .bind(station.to_owned())
    .fetch_optional(&mut *tx)
    .await?;
    if targeted.is_none() {
        return Ok(None);
    }
    let now = chrono::Utc::now().timestamp_millis();
    let first = sqlx::query(
        "INSERT INTO emergency_acks (emergency_id, station_code, acked_at) VALUES ($1, $2, $3)
         ON CONFLICT (emergency_id, station_code) DO NOTHING",
    )
    .bind(id.to_owned())
    .bind(station.to_owned())
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if first {
        super::audit::record(
            &mut tx,
            &format!("station:{station}"),
            "emergency.ack",
            id,
            station,
        )
        .await?;
    }
    let acked: i64 = sqlx::query(
        "SELECT acked_at FROM emergency_acks WHERE emergency_id = $1 AND station_code = $2",
    )
    .bind(id.to_owned())
    .bind(station.to_owned())
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    tx.commit().await?;
    Ok(Some(acked))
}

/// The `emergency` events of `station` sent at or after `since_ms` that it has not
/// acknowledged, oldest first: what a stream that (re)connects must deliver again.
pub async fn unacknowledged(
    store: &Store,
    station: &str,
    since_ms: i64,
) -> Result<Vec<PendingEvent>, StoreError> {
    sqlx::query(
        "SELECT ev.id, ev.payload FROM emergency_targets t
           JOIN emergencies e ON e.id = t.emergency_id
           JOIN events ev ON ev.id = t.event_id
         WHERE t.station_code = $1 AND e.sent_at >= $2
           AND NOT EXISTS (SELECT 1 FROM emergency_acks k
                           WHERE k.emergency_id = t.emergency_id AND k.station_code = t.station_code)
         ORDER BY ev.id",
    )
    .bind(station.to_owned())
    .bind(since_ms)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(PendingEvent {
            event_id: r.try_get(0)?,
            payload: r.try_get(1)?,
        })
    })
    .collect()
}
