//! The server's database: SQLite (one file, WAL mode) or PostgreSQL, through sqlx's
//! runtime-checked `Any` driver so one set of queries serves both.
//!
//! Owns the schema (embedded migrations per backend), every SQL statement, and the
//! conversion between rows and domain values. Instants are stored as milliseconds since
//! the Unix epoch (UTC) and local dates as `YYYY-MM-DD` text, which both backends compare
//! correctly. It knows nothing of HTTP.

pub mod accounts;
mod airings;
pub mod alerts;
mod areas;
pub mod audit;
pub mod backup;
mod cache;
mod campaigns;
pub mod console;
pub mod emergencies;
mod events;
pub mod fleet;
mod import;
mod inputs;
mod log_checks;
pub mod logins;
mod media;
pub mod migrate;
mod planned;
mod playlists;
mod reports;
pub mod segments;
mod station_keys;
mod stations;
mod tokens;

pub use airings::ingest as ingest_airings;
pub use airings::{ItemAiring, airings_planned_between};
pub use areas::{
    AreaChanges, area_exists, first_root_area, import_areas_csv, retired_area_codes,
    retired_area_message,
};
pub use campaigns::{
    CampaignRow, approved_segment_owners, delete_campaign, get_campaign, insert_campaign,
    is_unique_violation, list_campaigns, replace_campaign,
};
pub use events::{EventRow, events_after, events_with_ids, last_event_id, station_events_after};
pub(crate) use import::windows_to_text;
pub use import::{ImportSummary, import_set, is_empty};
pub(crate) use inputs::windows_from_text;
pub use inputs::{Loaded, load_inputs, load_tree as area_tree, shared_inputs, shared_tree};
pub use log_checks::{Failure, VerifyQuery, VerifySummary, claim_check_run, verify_log};
pub use media::MediaDir;
pub use playlists::{RecompileSummary, StoredPlaylist, fetch_playlist, recompile};
pub use reports::{ReportData, ReportError, ReportQuery, load_misses, load_report};
pub use station_keys::{
    Refusal, Registration, all_keys, current_key_id, enroll_key, refusals, register_key,
};
pub use stations::{
    HEARTBEAT_HISTORY, StationRow, get_station, list_stations, record_heartbeat, station_area,
    station_count, station_may_fetch, stations_heard_since, write_station,
};
pub use tokens::{
    TOKENS_REVOKED, enroll_station, insert_enroll_code, revoke_station_tokens, station_of_token,
};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

/// Which database is behind the pool; a few statements differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no supported database.
    #[error("địa chỉ cơ sở dữ liệu `{0}` không hợp lệ: dùng sqlite://ĐƯỜNG_DẪN hoặc postgres://…")]
    BadUrl(String),
    /// The database refused or failed.
    #[error("lỗi cơ sở dữ liệu: {0}")]
    Sql(#[from] sqlx::Error),
    /// A migration failed.
    #[error("không áp dụng được bản cập nhật lược đồ {version}: {source}")]
    Migration {
        /// Migration number.
        version: i64,
        /// The cause.
        source: sqlx::Error,
    },
    /// The schema records disagree with this build (edited, missing or unfinished
    /// migrations).
    #[error("{0}")]
    Schema(String),
    /// `loa_migrations` holds a number the former runner never wrote.
    #[error(
        "bảng loa_migrations ghi bản cập nhật lược đồ {0} không rõ; không thể chuyển sang _sqlx_migrations"
    )]
    Legacy(i64),
    /// Stored data no longer parses (written by a newer version or edited by hand).
    #[error("dữ liệu lưu trữ không đọc được ({what}): {detail}")]
    Corrupt {
        /// Which record.
        what: String,
        /// What is wrong.
        detail: String,
    },
}

/// A connection pool plus the backend it talks to.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The tree, inputs and station facts kept between requests (see `cache`).
    caches: std::sync::Arc<cache::Caches>,
}

impl Store {
    /// The URL of the embedded database in `data_dir`.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("loa.db").display())
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::BadUrl(url.to_owned()));
        };
        let options = AnyConnectOptions::from_str(url)
            .map_err(|_| StoreError::BadUrl(url.to_owned()))?
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; busy_timeout makes
                        // concurrent writers wait instead of failing.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Self {
            pool,
            backend,
            caches: std::sync::Arc::default(),
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// The pool, for the query modules below; nothing outside the store holds it.
    fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a transaction that reads and then writes. SQLite must take its write lock
    /// at the start: a deferred transaction that reads first fails with "database is
    /// locked" when another writer commits before it writes (its snapshot is stale).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Milliseconds since the Unix epoch of a UTC instant.
pub fn millis(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}
