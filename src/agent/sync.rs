//! The agent's network loops: playlist, media downloads, outbox upload, heartbeat,
//! and the event stream. Each is one `step` that does one unit of work and says when
//! to run again; [`run`] wraps it with backoff while the server is unreachable.
//! None of them touches the audio: they only feed the player and report for it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rand::Rng;

use super::Shared;
use super::backoff::Backoff;
use super::cache::CacheError;
use super::client::{ClientError, PlaylistFetch};
use super::playlist::{self, Held};
use crate::wire::StationEventJson;

/// Airings sent per request.
const UPLOAD_BATCH: u32 = 200;
/// How long an idle loop sleeps when nothing wakes it.
const IDLE_MS: i64 = 5 * 60_000;
/// How soon a stream that ended after working is reopened, milliseconds.
const RECONNECT_MS: i64 = 500;
/// Longest wait between retries while the server is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);

/// Which loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Job {
    Playlist,
    Download,
    Upload,
    Heartbeat,
}

/// Runs `job` until stopped: after a success it waits what the step asked (or until
/// woken), after a failure it backs off exponentially up to ten minutes.
pub(super) async fn run(
    job: Job,
    shared: Arc<Shared>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut backoff = Backoff::new(Duration::from_secs(10), MAX_BACKOFF);
    while !*stop.borrow() && stop.has_changed().is_ok() {
        let result = match job {
            Job::Playlist => playlist_step(&shared).await,
            Job::Download => download_step(&shared).await,
            Job::Upload => upload_step(&shared).await,
            Job::Heartbeat => heartbeat_step(&shared).await,
        };
        let wait_ms = match result {
            Ok(wait) => {
                backoff.succeeded();
                wait
            }
            Err(e) => {
                shared.note_error(&e);
                backoff.failed()
            }
        };
        let wake = match job {
            Job::Playlist => &shared.wake_sync,
            Job::Download => &shared.wake_download,
            Job::Upload => &shared.wake_upload,
            Job::Heartbeat => &shared.wake_sync,
        };
        if wait_ms == 0 {
            continue;
        }
        let deadline = shared.clock.now_ms() + wait_ms;
        tokio::select! {
            () = shared.clock.sleep_until(deadline) => {}
            () = wake.notified(), if job != Job::Heartbeat => {}
            _ = stop.changed() => {}
        }
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Fetches the playlist if changed; waits the poll interval plus up to a tenth.
async fn playlist_step(shared: &Shared) -> anyhow::Result<i64> {
    let held = shared.held();
    match shared.client.playlist(held.etag.as_deref()).await {
        Ok(PlaylistFetch::NotModified) => {}
        Ok(PlaylistFetch::New(etag, bytes)) => {
            let parsed = Held::parse(&etag, &bytes)?;
            playlist::save(&shared.config.data_dir, &shared.local, &etag, &bytes).await?;
            tracing::info!(etag, items = parsed.items.len(), "nhận danh sách phát mới");
            *shared.playlist.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(parsed);
            shared.wake_player.notify_one();
            shared.wake_download.notify_one();
        }
        // No playlist compiled yet for this station: not an outage; ask again later.
        Err(ClientError::Status { status: 404, .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let poll = ms(shared.config.poll);
    let jitter = rand::rng().random_range(0..=poll / 10);
    Ok(poll + jitter)
}

/// Downloads the earliest-needed missing file; when none is missing, evicts files no
/// upcoming item needs and waits a minute.
async fn download_step(shared: &Shared) -> anyhow::Result<i64> {
    let now = shared.now();
    let held = shared.held();
    let items = held.timeline(now);
    let grace = ms(shared.config.grace);
    let upcoming: Vec<_> = items.iter().filter(|i| i.start_ms + grace >= now).collect();
    let mut seen = HashSet::new();
    let mut failed = None;
    for item in &upcoming {
        if !seen.insert(item.sha256.as_str()) || shared.cache.has(&item.sha256) {
            continue;
        }
        let size = u64::try_from(item.size_bytes).unwrap_or(0);
        match shared.cache.fetch(&shared.client, &item.sha256, size).await {
            Ok(()) => {
                tracing::info!(sha256 = item.sha256, "đã tải và kiểm tra tệp âm thanh");
                shared.wake_player.notify_one();
                return Ok(0);
            }
            // The link is down: every other file would fail the same way.
            Err(e @ CacheError::Client(ClientError::Unreachable(_))) => return Err(e.into()),
            // This file cannot be had now (gone from the server, damaged in transit,
            // no room): the ones needed after it must not wait behind it.
            Err(e) => {
                shared.note_error(&e);
                failed = Some(e);
            }
        }
    }
    if let Some(e) = failed {
        return Err(e.into());
    }
    let keep: HashSet<String> = seen.into_iter().map(str::to_owned).collect();
    let removed = shared.cache.evict(&keep);
    if removed > 0 {
        tracing::info!(removed, "xoá tệp âm thanh không còn cần");
    }
    // A new playlist or a damaged file wakes this loop; the timer is a safety net.
    Ok(IDLE_MS)
}

/// Sends one batch of final airings; deletes those the server acknowledged.
async fn upload_step(shared: &Shared) -> anyhow::Result<i64> {
    let batch = shared.local.pending(UPLOAD_BATCH).await?;
    if batch.is_empty() {
        // Every airing made wakes this loop; the timer is a safety net.
        return Ok(IDLE_MS);
    }
    let full = batch.len() as u32 == UPLOAD_BATCH;
    let response = shared.client.airings(batch).await?;
    let mut acked = Vec::new();
    for r in response.results {
        match r.status.as_str() {
            "stored" | "duplicate" => acked.push(r.uuid),
            _ => {
                let why = r.error.unwrap_or_else(|| r.status.clone());
                tracing::error!(uuid = r.uuid, why, "máy chủ từ chối bản ghi phát sóng");
                shared.local.rejected(&r.uuid, &why).await?;
            }
        }
    }
    shared.local.acknowledged(&acked).await?;
    Ok(if full { 0 } else { IDLE_MS })
}

/// Sends a heartbeat and refreshes `status.json`.
async fn heartbeat_step(shared: &Shared) -> anyhow::Result<i64> {
    let hb = super::status::heartbeat(shared).await;
    super::status::write(&shared.config.data_dir, &hb, shared);
    shared.client.heartbeat(&hb).await?;
    Ok(ms(shared.config.heartbeat))
}

/// Listens to the server's event stream: a changed playlist wakes the playlist loop,
/// an emergency is fetched and handed to the player at once. Reconnects with backoff
/// (real time: this loop waits on the network, not on the schedule).
pub(super) async fn events(shared: Arc<Shared>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut last_id: Option<i64> = None;
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(32));
    while !*stop.borrow() && stop.has_changed().is_ok() {
        match shared.client.events(last_id).await {
            Ok(stream) => {
                backoff.succeeded();
                let mut stream = std::pin::pin!(stream);
                loop {
                    let event = tokio::select! {
                        e = stream.next() => e,
                        _ = stop.changed() => None,
                    };
                    let Some(event) = event else { break };
                    if event.id.is_some() {
                        last_id = event.id;
                    }
                    handle_event(&shared, &event.kind, &event.data).await;
                }
            }
            Err(e) => {
                backoff.failed();
                tracing::debug!(error = %e, "luồng sự kiện chưa kết nối được");
            }
        }
        // A stream that ended after working is reopened half a second later.
        let wait_ms = backoff.delay_ms().max(RECONNECT_MS);
        let wait = Duration::from_millis(u64::try_from(wait_ms).unwrap_or(u64::MAX));
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn handle_event(shared: &Shared, name: &str, data: &str) {
    let event = match StationEventJson::parse(name, data) {
        Ok(Some(event)) => event,
        // A name a newer server added: nothing this agent must do.
        Ok(None) => return,
        Err(err) => {
            tracing::error!(event = name, error = %err, "sự kiện từ máy chủ không đọc được");
            return;
        }
    };
    match event {
        StationEventJson::Hello(hello) => {
            if hello.etag.is_some() && hello.etag != shared.held().etag {
                shared.wake_sync.notify_one();
            }
        }
        StationEventJson::PlaylistChanged(_) => shared.wake_sync.notify_one(),
        StationEventJson::Emergency(e) => {
            tracing::warn!(emergency = e.emergency, title = e.title, "tin khẩn cấp");
            // Fetch first, so what plays is cut off only once the bulletin can air.
            let size = u64::try_from(e.size_bytes).unwrap_or(0);
            for _ in 0..3 {
                match shared.cache.fetch(&shared.client, &e.sha256, size).await {
                    Ok(()) => break,
                    Err(err) => shared.note_error(&err),
                }
            }
            shared
                .emergencies
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_back(e);
            shared.preempt.notify_one();
            shared.wake_player.notify_one();
        }
    }
}
