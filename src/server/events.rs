//! Events for the per-station streams ("playlist changed", emergencies), as the
//! server moves them between replicas; their names and payloads on the wire are
//! [`crate::wire::StationEventJson`].
//!
//! Writers insert rows into the `events` table; every replica polls it and fans new rows
//! out to its own connected stations, so it does not matter which replica accepted the
//! change and which one holds the station's stream. Streams that reconnect catch up from
//! the table (`Last-Event-ID`), so the fan-out itself may drop what it cannot keep.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::AppState;
use crate::store::{Store, StoreError};
use crate::wire::EventName;

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// One the station's stream carries, under this name.
    Station(EventName),
    /// The station's tokens were revoked: replicas forget them, its streams end.
    TokensRevoked,
    /// The replica is stopping: every open stream ends (never stored).
    Shutdown,
    /// A kind this build does not know (written by a newer replica): skipped.
    Other(String),
}

impl Kind {
    /// The kind stored as `text` in the events table.
    pub fn parse(text: &str) -> Self {
        if text == crate::store::TOKENS_REVOKED {
            return Self::TokensRevoked;
        }
        EventName::parse(text).map_or_else(|| Self::Other(text.to_owned()), Self::Station)
    }
}

/// One event for one station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationEvent {
    /// Database id (monotonic).
    pub id: i64,
    /// Station code.
    pub station: String,
    /// What it is about.
    pub kind: Kind,
    /// JSON payload (for [`Kind::Station`], the shape [`crate::wire::StationEventJson`]
    /// gives that name).
    pub payload: String,
}

impl StationEvent {
    /// The marker sent to every open stream when the server stops, so that graceful
    /// shutdown does not wait forever on streams that never end by themselves.
    pub(super) fn shutdown() -> Self {
        Self {
            id: 0,
            station: String::new(),
            kind: Kind::Shutdown,
            payload: String::new(),
        }
    }

    /// Whether this is the shutdown marker.
    pub(super) fn is_shutdown(&self) -> bool {
        self.kind == Kind::Shutdown
    }
}

impl From<crate::store::EventRow> for StationEvent {
    fn from(row: crate::store::EventRow) -> Self {
        Self {
            id: row.id,
            station: row.station,
            kind: Kind::parse(&row.kind),
            payload: row.payload,
        }
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

/// Events of `station` after `after`, from the last hour, oldest first: what a stream
/// that reconnects with `Last-Event-ID` missed.
pub(super) async fn missed(
    store: &Store,
    station: &str,
    after: i64,
) -> Result<Vec<StationEvent>, StoreError> {
    let since = chrono::Utc::now().timestamp_millis() - REPLAY_WINDOW_MS;
    Ok(
        crate::store::station_events_after(store, station, after, since, MAX_REPLAY)
            .await?
            .into_iter()
            .map(StationEvent::from)
            .collect(),
    )
}

/// Reads new rows of the `events` table and broadcasts them to this replica's streams,
/// until `stop`; then tells every stream to end.
pub(super) async fn poll(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut last = match crate::store::last_event_id(&state.store).await {
        Ok(id) => id,
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
                    match e.kind {
                        Kind::Station(EventName::PlaylistChanged) => {
                            state.cache.forget_playlist(&e.station);
                        }
                        Kind::TokensRevoked => state.cache.forget_tokens(&e.station),
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
) -> Result<Vec<StationEvent>, StoreError> {
    let now = Instant::now();
    gaps.retain(|_, since| now.duration_since(*since) < GAP_WATCH);
    let mut out = Vec::new();
    if !gaps.is_empty() {
        let ids: Vec<i64> = gaps.keys().copied().collect();
        for row in crate::store::events_with_ids(&state.store, &ids).await? {
            gaps.remove(&row.id);
            out.push(StationEvent::from(row));
        }
    }
    let rows = crate::store::events_after(&state.store, *last, 1000).await?;
    for row in rows {
        let e = StationEvent::from(row);
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
