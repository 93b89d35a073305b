//! Events for the per-station streams ("playlist changed", emergencies).
//!
//! Writers insert rows into the `events` table; every replica polls it and fans new rows
//! out to its own connected stations, so it does not matter which replica accepted the
//! change and which one holds the station's stream. Streams that reconnect catch up from
//! the table (`Last-Event-ID`), so the fan-out itself may drop what it cannot keep.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use sqlx::Row;

use super::AppState;
use crate::store::Store;

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

/// The kind of the in-process event that tells open streams the replica is stopping.
const SHUTDOWN: &str = "__shutdown";

impl StationEvent {
    /// The marker sent to every open stream when the server stops, so that graceful
    /// shutdown does not wait forever on streams that never end by themselves.
    pub(super) fn shutdown() -> Self {
        Self {
            id: 0,
            station: String::new(),
            kind: SHUTDOWN.to_owned(),
            payload: String::new(),
        }
    }

    /// Whether this is the shutdown marker.
    pub(super) fn is_shutdown(&self) -> bool {
        self.kind == SHUTDOWN && self.station.is_empty()
    }
}

/// How often each replica looks for new events.
const POLL: Duration = Duration::from_millis(250);

/// How long an id skipped in the sequence is watched for. On PostgreSQL ids are taken
/// when a transaction inserts, not when it commits, so a slow writer's row can appear
/// after rows with larger ids; a rolled-back insert leaves a gap that never fills.
const GAP_WATCH: Duration = Duration::from_secs(60);

/// Most skipped ids watched at once (a huge jump is a sequence reset, not late writers).
const MAX_GAPS: i64 = 1000;

/// Most events replayed to one reconnecting stream.
const MAX_REPLAY: i64 = 200;

/// How far back a reconnecting stream is replayed: older news is stale (the playlist is
/// refetched through its ETag anyway).
const REPLAY_WINDOW_MS: i64 = 60 * 60 * 1000;

fn event_of(row: &sqlx::any::AnyRow) -> Result<StationEvent, sqlx::Error> {
    Ok(StationEvent {
        id: row.try_get(0)?,
        station: row.try_get(1)?,
        kind: row.try_get(2)?,
        payload: row.try_get(3)?,
    })
}

/// Events of `station` after `after`, from the last hour, oldest first: what a stream
/// that reconnects with `Last-Event-ID` missed.
pub(super) async fn missed(
    store: &Store,
    station: &str,
    after: i64,
) -> Result<Vec<StationEvent>, sqlx::Error> {
    let since = chrono::Utc::now().timestamp_millis() - REPLAY_WINDOW_MS;
    sqlx::query(
        "SELECT id, station_code, kind, payload FROM events
         WHERE station_code = $1 AND id > $2 AND at_ms > $3 ORDER BY id LIMIT $4",
    )
    .bind(station.to_owned())
    .bind(after)
    .bind(since)
    .bind(MAX_REPLAY)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(event_of)
    .collect()
}

/// Reads new rows of the `events` table and broadcasts them to this replica's streams,
/// until `stop`; then tells every stream to end.
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
    let mut gaps: BTreeMap<i64, Instant> = BTreeMap::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            () = tokio::time::sleep(POLL) => {}
        }
        match step(&state, &mut last, &mut gaps).await {
            Ok(events) => {
                for e in events {
                    match e.kind.as_str() {
                        "playlist_changed" => state.cache.forget_playlist(&e.station),
                        "tokens_revoked" => state.cache.forget_tokens(&e.station),
                        _ => {}
                    }
                    // No subscriber is fine: nobody is listening on this replica.
                    let _ = state.events.send(e);
                }
            }
            Err(e) => tracing::warn!(error = %e, "không đọc được sự kiện mới; thử lại"),
        }
    }
    let _ = state.events.send(StationEvent::shutdown());
}

/// One poll: the rows after `last`, and any late rows filling watched gaps.
async fn step(
    state: &AppState,
    last: &mut i64,
    gaps: &mut BTreeMap<i64, Instant>,
) -> Result<Vec<StationEvent>, sqlx::Error> {
    let now = Instant::now();
    gaps.retain(|_, since| now.duration_since(*since) < GAP_WATCH);
    let mut out = Vec::new();
    if !gaps.is_empty() {
        let ids: Vec<i64> = gaps.keys().copied().collect();
        let sql = format!(
            "SELECT id, station_code, kind, payload FROM events WHERE id IN ({}) ORDER BY id",
            (1..=ids.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        // Only placeholders are formatted into the text; values are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in &ids {
            q = q.bind(*id);
        }
        for row in q.fetch_all(state.store.pool()).await? {
            let e = event_of(&row)?;
            gaps.remove(&e.id);
            out.push(e);
        }
    }
    let rows = sqlx::query(
        "SELECT id, station_code, kind, payload FROM events WHERE id > $1 ORDER BY id LIMIT 1000",
    )
    .bind(*last)
    .fetch_all(state.store.pool())
    .await?;
    for row in rows {
        let e = event_of(&row)?;
        if e.id - *last <= MAX_GAPS {
            for skipped in *last + 1..e.id {
                gaps.insert(skipped, now);
            }
        }
        *last = e.id;
        out.push(e);
    }
    Ok(out)
}
