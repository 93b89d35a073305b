//! Events for the per-station streams ("playlist changed", emergencies).
//!
//! Writers insert rows into the `events` table; every replica polls it and fans new rows
//! out to its own connected stations, so it does not matter which replica accepted the
//! change and which one holds the station's stream.

use std::time::Duration;

use sqlx::Row;

use super::AppState;

/// One event for one station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationEvent {
    /// Database id (monotonic).
    pub id: i64,
    /// Station code.
    pub station: String,
    /// `playlist_changed` or `emergency`.
    pub kind: String,
    /// JSON payload.
    pub payload: String,
}

/// How often each replica looks for new events.
const POLL: Duration = Duration::from_millis(250);

pub(super) async fn poll(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut last = match sqlx::query("SELECT COALESCE(MAX(id), 0) FROM events")
        .fetch_one(state.store.pool())
        .await
    {
        Ok(row) => row.try_get::<i64, _>(0).unwrap_or(0),
        Err(e) => {
            tracing::error!(error = %e, "không đọc được bảng sự kiện");
            0
        }
    };
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(POLL) => {}
        }
        let rows = sqlx::query("SELECT id, station_code, kind, payload FROM events WHERE id > $1 ORDER BY id LIMIT 1000")
            .bind(last)
            .fetch_all(state.store.pool())
            .await;
        match rows {
            Ok(rows) => {
                for row in rows {
                    let event = (|| {
                        Ok::<_, sqlx::Error>(StationEvent {
                            id: row.try_get(0)?,
                            station: row.try_get(1)?,
                            kind: row.try_get(2)?,
                            payload: row.try_get(3)?,
                        })
                    })();
                    match event {
                        Ok(e) => {
                            last = e.id;
                            // No subscriber is fine: nobody is listening on this replica.
                            let _ = state.events.send(e);
                        }
                        Err(e) => tracing::error!(error = %e, "sự kiện không đọc được"),
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "không đọc được sự kiện mới; thử lại"),
        }
    }
}
