//! The station agent, `loa agent`: plays every item of its playlist on time, offline
//! for days, and reports each airing exactly once.
//!
//! Loops, each one `step()` wrapped in a loop with [`backoff`] ([`run`] starts them):
//! - [`player`]: decides with [`timeline::next`] what to do, plays through
//!   [`output`], writes every airing to the [`local`] outbox before its audio starts.
//! - [`sync`]: the playlist (poll with ETag and jitter, plus the server's event stream
//!   for changes and emergencies), media downloads in order of need, the outbox
//!   upload, and heartbeats.
//!
//! Every wait goes through a [`clock::Clock`], so tests run a simulated week in
//! seconds. The agent trusts only SHA-256 for media and only its own SQLite for
//! airings; it holds the last good playlist on disk and, past its horizon, plays the
//! station's fallback rotation.

mod backoff;
pub mod cache;
pub mod client;
pub mod clock;
pub mod local;
pub mod logfile;
pub mod output;
mod player;
mod playlist;
pub mod relay;
pub mod status;
mod sync;
pub mod timeline;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use tokio::sync::Notify;

pub use playlist::Held;

use crate::wire::EmergencyEventJson;
use clock::Clock;

/// Settings of one agent.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The server, e.g. `https://loa.example.vn`.
    pub server: String,
    /// The station token.
    pub token: String,
    /// Where the agent keeps its database, playlist, media and log.
    pub data_dir: PathBuf,
    /// Where the audio goes.
    pub output: output::OutputKind,
    /// How late an item may still start; later it is recorded as missed.
    pub grace: Duration,
    /// Playlist poll interval (a random tenth is added each time).
    pub poll: Duration,
    /// Heartbeat interval.
    pub heartbeat: Duration,
    /// Disk space media downloads must leave free.
    pub reserve_bytes: u64,
    /// Play by the server's time when the station clock is off by more than this.
    pub max_clock_offset: Duration,
    /// Whether to correct the clock at all (a simulated clock cannot be).
    pub correct_clock: bool,
    /// Whether to listen to the server's event stream.
    pub events: bool,
    /// How far ahead of its callback the sound card plays, for a card that does not
    /// say so itself (its callback timestamps are missing or absurd); any other card
    /// places each item on its planned instant by its own figure.
    pub output_latency: Duration,
    /// Certificate authorities trusted beside the system's (`--ca-cert`: a province's
    /// own CA); the server's certificate is always verified.
    pub ca_certs: Vec<reqwest::Certificate>,
}

impl AgentConfig {
    /// Defaults for `server` and `token`, data in `data_dir`.
    pub fn new(server: &str, token: &str, data_dir: PathBuf) -> Self {
        Self {
            server: server.to_owned(),
            token: token.to_owned(),
            data_dir,
            output: output::OutputKind::Null,
            grace: Duration::from_secs(60),
            poll: Duration::from_secs(60),
            heartbeat: Duration::from_secs(60),
            reserve_bytes: 500 * 1024 * 1024,
            max_clock_offset: Duration::from_secs(1),
            correct_clock: true,
            events: true,
            output_latency: Duration::ZERO,
            ca_certs: Vec::new(),
        }
    }
}

/// What every loop of one agent shares.
pub(crate) struct Shared {
    config: AgentConfig,
    clock: Arc<dyn Clock>,
    sync: Arc<client::ClockSync>,
    client: client::Client,
    local: local::Local,
    cache: cache::MediaCache,
    playlist: Mutex<Arc<Held>>,
    emergencies: Mutex<VecDeque<EmergencyEventJson>>,
    status: Mutex<status::Live>,
    /// Wakes the player: a new playlist, an emergency, media ready.
    wake_player: Notify,
    /// An emergency arrived: preempt.
    preempt: Notify,
    wake_sync: Notify,
    wake_download: Notify,
    wake_upload: Notify,
    started_ms: i64,
}

impl Shared {
    /// The time to play by: the station clock, corrected by the measured offset when
    /// it is off by more than the threshold.
    fn now(&self) -> i64 {
        self.clock.now_ms() - self.correction()
    }

    fn correction(&self) -> i64 {
        let offset = self.sync.offset_ms();
        let limit = i64::try_from(self.config.max_clock_offset.as_millis()).unwrap_or(i64::MAX);
        if self.config.correct_clock && offset.abs() > limit {
            offset
        } else {
            0
        }
    }

    /// The monotonic instant at which server-time `t_ms` falls (see [`Shared::now`]),
    /// for the audio output; exact to the microsecond on the system clock.
    fn instant_of(&self, t_ms: i64) -> std::time::Instant {
        let now = std::time::Instant::now();
        let ahead_us = t_ms * 1000 - (self.clock.now_us() - self.correction() * 1000);
        let by = Duration::from_micros(ahead_us.unsigned_abs());
        let at = if ahead_us >= 0 {
            now.checked_add(by)
        } else {
            now.checked_sub(by)
        };
        at.unwrap_or(now)
    }

    /// Waits until server-time `t_ms` (see [`Shared::now`]).
    fn sleep_until(&self, t_ms: i64) -> clock::Sleep {
        self.clock.sleep_until(t_ms + self.correction())
    }

    fn held(&self) -> Arc<Held> {
        self.playlist
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn note_error(&self, e: &dyn std::fmt::Display) {
        let text = e.to_string();
        tracing::warn!(error = %text);
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .last_error = Some(text);
    }
}

/// A running agent.
pub struct Agent {
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    stop: tokio::sync::watch::Sender<bool>,
    _lock: std::fs::File,
}

/// Starts an agent: opens its database, records what a crash or power cut
/// interrupted, loads the last playlist and starts every loop.
pub async fn start(config: AgentConfig, clock: Arc<dyn Clock>) -> anyhow::Result<Agent> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "không tạo được thư mục dữ liệu {}",
            config.data_dir.display()
        )
    })?;
    // Two agents on one data folder would air every item twice: the second one stops
    // here. The lock goes with the process, so a crash never leaves it stuck.
    let lock_path = config.data_dir.join("agent.lock");
    let lock = std::fs::File::create(&lock_path)
        .with_context(|| format!("không tạo được {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        anyhow::bail!(
            "một loa agent khác đang chạy với thư mục {}; dừng nó trước (systemctl stop loa-agent)",
            config.data_dir.display()
        );
    }
    let local = local::Local::open(&config.data_dir)
        .await
        .context("không mở được agent.db")?;
    make_private(&config.data_dir).context("không đặt được quyền riêng cho dữ liệu của trạm")?;
    let sync = Arc::new(client::ClockSync::default());
    let client = client::Client::new(
        &config.server,
        &config.token,
        &config.ca_certs,
        clock.clone(),
        sync.clone(),
    );
    let cache = cache::MediaCache::new(&config.data_dir, config.reserve_bytes);
    let held = playlist::load(&config.data_dir, &local).await;
    let output = output::Output::spawn(config.output.clone(), config.output_latency)
        .with_context(|| format!("không mở được đầu ra âm thanh {:?}", config.output))?;
    let started_ms = clock.now_ms();
    let shared = Arc::new(Shared {
        config,
        clock,
        sync,
        client,
        local,
        cache,
        playlist: Mutex::new(Arc::new(held)),
        emergencies: Mutex::default(),
        status: Mutex::new(status::Live::default()),
        wake_player: Notify::new(),
        preempt: Notify::new(),
        wake_sync: Notify::new(),
        wake_download: Notify::new(),
        wake_upload: Notify::new(),
        started_ms,
    });
    let mut player = player::Player::recover(shared.clone(), output).await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    let participant = || shared.clock.participant();
    {
        let guard = participant();
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(async move {
            let _guard = guard;
            player.run(&mut stopped).await;
        }));
    }
    for job in [
        sync::Job::Playlist,
        sync::Job::Download,
        sync::Job::Upload,
        sync::Job::Heartbeat,
    ] {
        let guard = participant();
        let shared = shared.clone();
        let stopped = stopped.clone();
        tasks.push(tokio::spawn(async move {
            let _guard = guard;
            sync::run(job, shared, stopped).await;
        }));
    }
    if shared.config.events {
        let shared = shared.clone();
        tasks.push(tokio::spawn(sync::events(shared, stopped)));
    }
    Ok(Agent {
        shared,
        tasks,
        stop,
        _lock: lock,
    })
}

impl Agent {
    /// The playlist held now.
    pub fn held(&self) -> Arc<Held> {
        self.shared.held()
    }

    /// A status snapshot, as the heartbeat sends it.
    pub async fn status(&self) -> crate::wire::HeartbeatJson {
        status::heartbeat(&self.shared).await
    }

    /// Stops every loop (an item playing is recorded as it ended) and closes the
    /// database.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        self.shared.local.close().await;
    }
}

/// `Ok(())` when `token` is shaped like a station token.
pub fn check_token(token: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !token.is_empty() && token.chars().all(|c| c.is_ascii_graphic()),
        "tệp mã truy cập trống hoặc có ký tự lạ; đăng ký lại bằng --enroll MÃ"
    );
    Ok(())
}

/// Makes the data folder, `agent.db` and the media cache readable by the agent's user
/// only (0700 folders, 0600 files): they hold the station's token and signing key.
#[cfg(unix)]
fn make_private(data_dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let private = |path: &std::path::Path, mode: u32| -> std::io::Result<()> {
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    };
    private(data_dir, 0o700)?;
    for name in ["agent.db", "agent.db-wal", "agent.db-shm"] {
        private(&data_dir.join(name), 0o600)?;
    }
    std::fs::create_dir_all(data_dir.join("media"))?;
    private(&data_dir.join("media"), 0o700)
}

#[cfg(not(unix))]
fn make_private(_: &std::path::Path) -> std::io::Result<()> {
    Ok(())
}
