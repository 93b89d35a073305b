//! Compiling and storing playlists; the planned-items history reports read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::inputs::{Loaded, load_inputs};
use super::planned::ItemRows;
use super::{Backend, Store, StoreError};
use crate::domain::{Diagnostic, StationIdx, compile};
use crate::wire::{PlaylistChangedJson, PlaylistJson, StationEventJson};

/// A station's stored playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlaylist {
    /// Hex SHA-256 of `body`: the HTTP ETag.
    pub etag: String,
    /// The JSON served to the agent.
    pub body: String,
}

/// What a recompile did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecompileSummary {
    /// Stations compiled.
    pub stations: usize,
    /// Stations whose playlist changed (and were written).
    pub changed: usize,
    /// Items in the written playlists.
    pub items: usize,
    /// What the compiler found worth telling a person, for every station compiled
    /// (changed or not), in station order.
    pub diagnostics: Vec<Diagnostic>,
}

/// The playlist of `station`, if one was compiled.
pub async fn fetch_playlist(
    store: &Store,
    station: &str,
) -> Result<Option<StoredPlaylist>, StoreError> {
    let row = sqlx::query("SELECT version, body FROM playlists WHERE station_code = $1")
        .bind(station.to_owned())
        .fetch_optional(store.pool())
        .await?;
    Ok(match row {
        Some(r) => Some(StoredPlaylist {
            etag: r.try_get(0)?,
            body: r.try_get(1)?,
        }),
        None => None,
    })
}

/// What one station's compilation contributes: always its diagnostics, and the
/// playlist to store when it differs from the stored one.
struct Compiled {
    diagnostics: Vec<Diagnostic>,
    changed: Option<Changed>,
}

/// A playlist to store.
struct Changed {
    station: String,
    from: String,
    from_ms: i64,
    days: u32,
    etag: String,
    body: String,
    items: usize,
    rows: ItemRows,
}

/// Consecutive stations compiled together and stored in one transaction: enough that a
/// commit carries many stations, few enough that memory stays flat.
const BATCH: usize = 50;
/// Compiled batches waiting for the writer, per compile thread.
const QUEUE_PER_THREAD: usize = 2;

/// One batch, numbered in station order.
struct Batch {
    index: usize,
    stations: Vec<Compiled>,
}

/// What the compile threads share.
struct Job {
    loaded: Loaded,
    wanted: Vec<StationIdx>,
    /// Stored (version, from date) per station.
    current: HashMap<String, (String, String)>,
    now: DateTime<Utc>,
    days: u32,
    backend: Backend,
}

fn compile_station(job: &Job, idx: StationIdx) -> Compiled {
    let (loaded, now, days) = (&job.loaded, job.now, job.days);
    let inputs = &loaded.inputs;
    let st = inputs.station(idx);
    let today = now.with_timezone(&st.timezone).date_naive();
    let compiled = compile(inputs, idx, today, days);
    let target = loaded
        .target_lufs
        .get(idx.index())
        .copied()
        .unwrap_or(-16.0);
    let json = PlaylistJson::new(inputs, idx, &compiled, &loaded.segment_media, target);
    let body = serde_json::to_string(&json).unwrap_or_default();
    let etag = crate::domain::hex(&Sha256::digest(body.as_bytes()));
    let station = st.code.to_string();
    let from = today.to_string();
    let unchanged = job
        .current
        .get(&station)
        .is_some_and(|(version, date)| *version == etag && *date == from);
    let changed = (!unchanged).then(|| Changed {
        from_ms: today
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(st.timezone).earliest())
            .map_or(0, |t| t.timestamp_millis()),
        items: compiled.playlist.items.len(),
        rows: ItemRows::encode(job.backend, inputs, &compiled.playlist.items),
        station,
        from,
        days,
        etag,
        body,
    });
    Compiled {
        diagnostics: compiled.diagnostics,
        changed,
    }
}

/// Compiles every wanted station on all cores, batch by batch, handing each batch to
/// the writer as it is done. Stops early when the writer has gone (it failed).
fn compile_all(job: &Job, out: &mpsc::Sender<Batch>, threads: usize) {
    let batches: Vec<&[StationIdx]> = job.wanted.chunks(BATCH).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(batches.len()) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(part) = batches.get(index) else {
                        break;
                    };
                    let stations = part.iter().map(|&idx| compile_station(job, idx)).collect();
                    if out.blocking_send(Batch { index, stations }).is_err() {
                        break;
                    }
                }
            });
        }
    });
}

/// Recompiles `only` these stations (all when `None`) for `days` from each station's
/// local date at `now`, and stores the playlists that changed. Stations' planned items
/// from the new start on are replaced; earlier ones are kept for reports.
///
/// Compiling (pure, on every core) overlaps with storing.
pub async fn recompile(
    store: &Store,
    only: Option<&[String]>,
    now: DateTime<Utc>,
    days: u32,
) -> Result<RecompileSummary, StoreError> {
    let loaded = load_inputs(store).await?;
    let wanted: Vec<StationIdx> = match only {
        None => loaded.inputs.station_ids().collect(),
        Some(codes) => codes
            .iter()
            .filter_map(|c| loaded.inputs.station_by_code(c))
            .collect(),
    };
    let job = Job {
        loaded,
        wanted,
        current: stored_versions(store).await?,
        now,
        days,
        backend: store.backend(),
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (sender, receiver) = mpsc::channel(threads * QUEUE_PER_THREAD);
    let compiling = tokio::task::spawn_blocking(move || compile_all(&job, &sender, threads));
    // The writer owns the receiver: when it fails, dropping it stops the compile threads.
    let writers = match store.backend() {
        Backend::Postgres => threads,
        Backend::Sqlite => 1,
    };
    let written = write_all(store, receiver, now.timestamp_millis(), writers).await;
    compiling.await.map_err(|e| StoreError::Corrupt {
        what: "compile".to_owned(),
        detail: e.to_string(),
    })?;
    written
}

/// Each stored playlist's (version, from date), by station.
async fn stored_versions(store: &Store) -> Result<HashMap<String, (String, String)>, StoreError> {
    Ok(
        sqlx::query("SELECT station_code, version, from_date FROM playlists")
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
            .collect::<Result<_, sqlx::Error>>()?,
    )
}

/// Stores batches as they arrive, one transaction per batch, `writers` at a time on
/// their own connections. PostgreSQL inserts on one core per connection, so it gets as
/// many as there are cores; SQLite has one writer at a time anyway. Diagnostics are put
/// back in station order at the end.
async fn write_all(
    store: &Store,
    receiver: mpsc::Receiver<Batch>,
    now_ms: i64,
    writers: usize,
) -> Result<RecompileSummary, StoreError> {
    let mut written = ReceiverStream::new(receiver)
        .map(|batch| async move {
            write_batch(store, &batch, now_ms).await?;
            Ok::<Batch, StoreError>(batch)
        })
        .buffer_unordered(writers.max(1));
    let mut summary = RecompileSummary::default();
    let mut diagnostics: Vec<(usize, Vec<Diagnostic>)> = Vec::new();
    while let Some(batch) = written.next().await {
        let batch = batch?;
        let mut found = Vec::new();
        for c in batch.stations {
            summary.stations += 1;
            found.extend(c.diagnostics);
            if let Some(changed) = c.changed {
                summary.changed += 1;
                summary.items += changed.items;
            }
        }
        diagnostics.push((batch.index, found));
    }
    diagnostics.sort_by_key(|(index, _)| *index);
    summary.diagnostics = diagnostics.into_iter().flat_map(|(_, d)| d).collect();
    Ok(summary)
}

async fn write_batch(store: &Store, batch: &Batch, now_ms: i64) -> Result<(), StoreError> {
    // Collected first: an iterator adapter's closure held across an await makes the
    // future not `Send` for the handlers that await it.
    let changed: Vec<&Changed> = batch
        .stations
        .iter()
        .filter_map(|c| c.changed.as_ref())
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let mut tx = store.pool().begin().await?;
    for c in changed {
        write_one(&mut tx, c, now_ms).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn write_one(
    tx: &mut sqlx::AnyConnection,
    c: &Changed,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO playlists (station_code, from_date, days, version, body, compiled_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (station_code) DO UPDATE SET from_date = excluded.from_date, days = excluded.days,
           version = excluded.version, body = excluded.body, compiled_at = excluded.compiled_at",
    )
    .bind(c.station.clone())
    .bind(c.from.clone())
    .bind(i64::from(c.days))
    .bind(c.etag.clone())
    .bind(c.body.clone())
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM planned_items WHERE station_code = $1 AND start_ms >= $2")
        .bind(c.station.clone())
        .bind(c.from_ms)
        .execute(&mut *tx)
        .await?;
    if c.items > 0 {
        c.rows.insert(&mut *tx, &c.station).await?;
    }
    let changed = StationEventJson::PlaylistChanged(PlaylistChangedJson {
        etag: c.etag.clone(),
    });
    sqlx::query("INSERT INTO events (station_code, kind, payload, at_ms) VALUES ($1, $2, $3, $4)")
        .bind(c.station.clone())
        .bind(changed.name().as_str())
        .bind(changed.data())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
