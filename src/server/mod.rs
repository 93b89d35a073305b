//! The central server, `loa serve`: the HTTP API for station agents and console staff,
//! and the web console beside it.
//!
//! Owns request handling, authentication, and the background loops (event fan-out to the
//! per-station streams, daily recompiles, alerts). It keeps no state another replica would need:
//! everything shared lives in the database, so several replicas can serve one PostgreSQL
//! behind a load balancer. Scheduling is the domain's; SQL is the store's.

pub mod accounts;
pub mod alerts;
mod api;
pub mod auth;
pub mod cache;
pub mod clock;
pub mod config;
pub mod console;
pub mod error;
pub(crate) mod events;
pub mod metrics;
pub mod rate;
mod seed;
pub mod streams;
mod verifier;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

pub(crate) use api::stations_bulk;
pub use config::Config;
pub use events::StationEvent;

use crate::store::{MediaDir, Store};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The media folder.
    pub media: MediaDir,
    /// Settings.
    pub config: Arc<Config>,
    /// Fan-out of events read from the database to this replica's streams.
    pub events: tokio::sync::broadcast::Sender<StationEvent>,
    /// This replica's counters for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// Tokens and playlists kept in memory for the agents' hot paths.
    pub cache: Arc<cache::HotCache>,
    /// This replica's open event streams.
    pub streams: Arc<streams::StreamSlots>,
    /// Heartbeats per station: a burst of 10, then one every 10 seconds.
    pub heartbeats: Arc<rate::RateGate>,
    /// The time status pages and alerts go by.
    pub clock: Arc<clock::ServerClock>,
    /// The web console's station directory, rebuilt when stations or areas change.
    pub directory: Arc<console::DirectoryCache>,
    /// Today's completion for the dashboard, counted at most every half minute.
    pub completion: Arc<api::CompletionCache>,
}

impl AppState {
    /// Recompiles `only` these stations (all when `None`) from today, stores what
    /// changed and records the time taken.
    pub async fn recompile(
        &self,
        only: Option<&[String]>,
    ) -> Result<crate::store::RecompileSummary, crate::store::StoreError> {
        let started = std::time::Instant::now();
        let summary = crate::store::recompile(
            &self.store,
            only,
            chrono::Utc::now(),
            self.config.horizon_days,
        )
        .await?;
        self.metrics
            .compiled(summary.stations as u64, started.elapsed());
        // This replica sees its own change at once; others learn it from `events`.
        match only {
            Some(codes) => codes.iter().for_each(|c| self.cache.forget_playlist(c)),
            None => self.cache.forget_all_playlists(),
        }
        Ok(summary)
    }
}

/// A built server, bound to its port, not yet serving.
pub struct App {
    listener: TcpListener,
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
    state: AppState,
}

impl App {
    /// Opens the database (migrating it), seeds an empty one from the schedule files,
    /// compiles playlists and binds the listening socket.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "không tạo được thư mục dữ liệu {}",
                config.data_dir.display()
            )
        })?;
        let store = Store::open(&config.database_url())
            .await
            .context("không mở được cơ sở dữ liệu")?;
        let media = MediaDir::new(config.data_dir.join("media"));
        make_private(&config.data_dir).context("không đặt được quyền riêng cho dữ liệu")?;
        seed::seed_if_empty(&store, &media, &config).await?;
        let tls = tls_config(&config).await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("không mở được cổng {}", config.listen))?;
        let (events, _) = tokio::sync::broadcast::channel(1024);
        let state = AppState {
            store,
            media,
            config: Arc::new(config),
            events,
            metrics: Arc::default(),
            cache: Arc::default(),
            streams: Arc::default(),
            heartbeats: Arc::new(rate::RateGate::new(10, std::time::Duration::from_secs(10))),
            clock: Arc::default(),
            directory: Arc::default(),
            completion: Arc::default(),
        };
        Ok(Self {
            listener,
            tls,
            state,
        })
    }

    /// Whether the server speaks HTTPS itself (`tls_cert` and `tls_key` set).
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The bound address (port 0 in tests becomes a real port).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| self.state.config.listen)
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// The shared state (tests use it to reach the store).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and closes
    /// the database.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let state = self.state.clone();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let poller = tokio::spawn(events::poll(state.clone(), stop_rx.clone()));
        let verifier = tokio::spawn(verifier::run(state.clone(), stop_rx.clone()));
        let refresher = tokio::spawn(seed::refresh_daily(state.clone(), stop_rx.clone()));
        let alerter = tokio::spawn(alerts::run(state.clone(), stop_rx));
        tracing::info!(addr = %self.local_addr(), tls = self.tls.is_some(), "loa serve đang chạy");
        match self.tls {
            None => axum::serve(
                self.listener,
                router(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                shutdown.await;
                let _ = stop_tx.send(true);
            })
            .await
            .context("máy chủ HTTP dừng vì lỗi")?,
            Some(tls) => {
                let handle = axum_server::Handle::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    shutdown.await;
                    let _ = stop_tx.send(true);
                    // Event streams end on `stop_tx`; other requests get a moment.
                    stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
                });
                let listener = self
                    .listener
                    .into_std()
                    .context("không chuyển được cổng nghe sang TLS")?;
                axum_server::from_tcp_rustls(listener, tls)
                    .context("không mở được cổng HTTPS")?
                    .handle(handle)
                    .serve(
                        router(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
                    )
                    .await
                    .context("máy chủ HTTPS dừng vì lỗi")?;
            }
        }
        let _ = tokio::join!(poller, refresher, verifier, alerter);
        state.store.close().await;
        tracing::info!("loa serve đã dừng");
        Ok(())
    }
}

/// Makes the data directory, the embedded database and the media folder readable by
/// the server's user only (0700 folders, 0600 files): they hold password hashes,
/// session and token hashes, and unpublished audio.
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
    for name in ["loa.db", "loa.db-wal", "loa.db-shm"] {
        private(&data_dir.join(name), 0o600)?;
    }
    std::fs::create_dir_all(data_dir.join("media"))?;
    private(&data_dir.join("media"), 0o700)
}

#[cfg(not(unix))]
fn make_private(_: &std::path::Path) -> std::io::Result<()> {
    Ok(())
}

/// The certificate and key for HTTPS, when both are configured; one without the other,
/// or files rustls cannot use, stop the start with the reason.
async fn tls_config(
    config: &Config,
) -> anyhow::Result<Option<axum_server::tls_rustls::RustlsConfig>> {
    let (cert, key) = match (&config.tls_cert, &config.tls_key) {
        (None, None) => return Ok(None),
        (Some(c), Some(k)) => (c, k),
        (Some(_), None) => anyhow::bail!("có --tls-cert nhưng thiếu --tls-key TỆP_KHÓA.pem"),
        (None, Some(_)) => anyhow::bail!("có --tls-key nhưng thiếu --tls-cert TỆP_CHỨNG_CHỈ.pem"),
    };
    for (flag, file) in [("--tls-cert", cert), ("--tls-key", key)] {
        if !file.is_file() {
            anyhow::bail!("{flag}: không thấy tệp {}", file.display());
        }
    }
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|e| {
            tracing::debug!(error = %e, "rustls từ chối chứng chỉ hoặc khóa");
            anyhow::anyhow!(
                "không dùng được chứng chỉ {} với khóa {}: cần chuỗi chứng chỉ PEM và khóa riêng PEM (PKCS#8, PKCS#1 hoặc SEC1) khớp nhau",
                cert.display(),
                key.display()
            )
        })?;
    Ok(Some(tls))
}

/// The whole HTTP surface (the API under `/api/v1`, the web console at `/`); tests may
/// call it without a socket.
pub fn router(state: AppState) -> Router {
    api::routes(state.clone())
        .merge(console::routes(state))
        .layer(axum::middleware::from_fn(server_timing))
}

/// Adds `Server-Timing: app;dur=MS` to every answer: how long the server took to make
/// its head (the console benchmark reads it beside its own clock).
async fn server_timing(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("app;dur={ms:.1}")) {
        res.headers_mut().insert("server-timing", v);
    }
    res
}
