//! Where one measurement's data lives: an SQLite file in a temporary directory, or a
//! new schema on the PostgreSQL server of `LOA_BENCH_DATABASE_URL`, dropped when done;
//! and the one connection the generator loads through. It owns no SQL of the schema:
//! `Store::open` applies the migrations.

use loa::store::Store;
use sqlx::{AnyConnection, Connection};

use crate::pg_schema::PgSchema;

/// SQLite or PostgreSQL: a few generating expressions differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The embedded file.
    Sqlite,
    /// The server.
    Postgres,
}

/// One measurement's database.
pub struct Database {
    /// `SQLite` or `PostgreSQL`, for the printed lines.
    pub label: &'static str,
    /// Which SQL dialect the generator writes.
    pub dialect: Dialect,
    /// What `Store::open` takes.
    pub url: String,
    /// Holds the SQLite file.
    dir: tempfile::TempDir,
    /// The schema to drop, on PostgreSQL.
    schema: Option<PgSchema>,
}

impl Database {
    /// An SQLite file in a new temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp data dir");
        Self {
            label: "SQLite",
            dialect: Dialect::Sqlite,
            url: Store::sqlite_url(dir.path()),
            dir,
            schema: None,
        }
    }

    /// A new schema on the PostgreSQL server at `base`; connections to `url` use it
    /// through `search_path`.
    pub async fn postgres(base: &str) -> Self {
        let schema = PgSchema::create(base, "bench_report").await;
        Self {
            label: "PostgreSQL",
            dialect: Dialect::Postgres,
            url: schema.url(),
            dir: tempfile::tempdir().expect("temp data dir"),
            schema: Some(schema),
        }
    }

    /// A connection of its own for loading, set up for bulk writes that a crash may
    /// lose (the data is regenerated anyway): on PostgreSQL no wait for the WAL flush
    /// at commit, on SQLite no fsync. Tables stay logged and indexed as migrated.
    pub async fn loader(&self) -> AnyConnection {
        let mut conn = AnyConnection::connect(&self.url)
            .await
            .expect("connect the loader");
        let setup: &[&'static str] = match self.dialect {
            Dialect::Postgres => &[
                "SET synchronous_commit = off",
                "SET maintenance_work_mem = '1GB'",
            ],
            Dialect::Sqlite => &["PRAGMA synchronous = OFF", "PRAGMA cache_size = -262144"],
        };
        for s in setup {
            sqlx::raw_sql(*s)
                .execute(&mut conn)
                .await
                .expect("set up the loader");
        }
        conn
    }

    /// Drops the PostgreSQL schema (the SQLite directory goes with `self`), unless
    /// `LOA_BENCH_REPORT_KEEP` is set (then both are kept and named). Call after the store's pool is closed.
    pub async fn finish(self) {
        let keep = std::env::var_os("LOA_BENCH_REPORT_KEEP").is_some();
        if keep && self.schema.is_none() {
            let dir = self.dir.keep();
            println!(
                "SQLite file kept (LOA_BENCH_REPORT_KEEP): {}",
                dir.display()
            );
            return;
        }
        if let Some(schema) = self.schema {
            if keep {
                // For EXPLAIN ANALYZE by hand; drop it with DROP SCHEMA … CASCADE.
                println!(
                    "PostgreSQL schema kept (LOA_BENCH_REPORT_KEEP): {}",
                    schema.name
                );
                return;
            }
            schema.drop_all().await;
        }
    }
}
