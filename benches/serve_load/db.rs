//! A fresh database per measurement: an SQLite file in a temporary data directory, or a
//! new schema on the PostgreSQL of `LOA_BENCH_DATABASE_URL`, dropped when done.

use loa::server::Config;
use loa::store::Store;

use crate::pg_schema::PgSchema;

/// One measurement's database and data directory.
pub struct Database {
    /// `SQLite` or `PostgreSQL`, for the printed lines.
    pub label: &'static str,
    /// What `Store::open` takes.
    pub url: String,
    /// The data directory (media, and the SQLite file).
    pub dir: tempfile::TempDir,
    /// The schema to drop, on PostgreSQL.
    schema: Option<PgSchema>,
}

impl Database {
    /// An SQLite file in a new temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp data dir");
        Self {
            label: "SQLite",
            url: Store::sqlite_url(dir.path()),
            dir,
            schema: None,
        }
    }

    /// A new schema on the PostgreSQL server at `base`; connections to `url` use it
    /// through `search_path`.
    pub async fn postgres(base: &str) -> Self {
        let schema = PgSchema::create(base, "bench").await;
        Self {
            label: "PostgreSQL",
            url: schema.url(),
            dir: tempfile::tempdir().expect("temp data dir"),
            schema: Some(schema),
        }
    }

    /// A server configuration on this database, listening on a free loopback port and
    /// seeded from the example province.
    pub fn config(&self) -> Config {
        Config {
            listen: "127.0.0.1:0".parse().expect("loopback address"),
            data_dir: self.dir.path().to_owned(),
            database_url: Some(self.url.clone()),
            seed: Some(super::seed_dir()),
            ..Config::default()
        }
    }

    /// Drops the PostgreSQL schema (the SQLite directory goes with `self`). Call after
    /// the store's pool is closed.
    pub async fn finish(self) {
        if let Some(schema) = self.schema {
            schema.drop_all().await;
        }
    }
}

/// A pool of the bench's own on the database at `url`, for setting rows up in bulk and
/// counting them (the store keeps its pool to itself).
pub async fn raw_pool(url: &str) -> sqlx::AnyPool {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let sqlite = url.starts_with("sqlite:");
    sqlx::any::AnyPoolOptions::new()
        .max_connections(4)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if sqlite {
                    conn.execute("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                        .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
        .expect("bench connection to the database")
}
