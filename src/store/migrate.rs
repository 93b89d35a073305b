//! Embedded schema migrations, one list per backend, applied in order at start-up.
//!
//! Each migration runs once, inside a transaction, and is recorded in
//! `loa_migrations`. On PostgreSQL an advisory lock makes concurrent replicas starting at
//! once take turns.

use sqlx::{Executor, Row};

use super::{Backend, Store, StoreError};

const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/sqlite/0002_emergency_targets.sql"),
    ),
    (3, include_str!("../../migrations/sqlite/0003_reports.sql")),
    (
        11,
        include_str!("../../migrations/sqlite/0011_login_throttle.sql"),
    ),
    (
        13,
        include_str!("../../migrations/sqlite/0013_deployment.sql"),
    ),
];
const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/postgres/0002_emergency_targets.sql"),
    ),
    // PostgreSQL only: a storage setting SQLite has no counterpart for.
    (
        3,
        include_str!("../../migrations/postgres/0003_playlist_body_lz4.sql"),
    ),
    (
        4,
        include_str!("../../migrations/postgres/0004_reports.sql"),
    ),
    (
        11,
        include_str!("../../migrations/postgres/0011_login_throttle.sql"),
    ),
    (
        13,
        include_str!("../../migrations/postgres/0013_deployment.sql"),
    ),
];

/// A constant key for `pg_advisory_lock`: "loa" in ASCII.
const LOCK_KEY: i64 = 0x006c_6f61;

pub(super) async fn run(store: &Store) -> Result<(), StoreError> {
    let mut conn = store.pool.acquire().await?;
    let list = match store.backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    };
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    let result = async {
        conn.execute(
            "CREATE TABLE IF NOT EXISTS loa_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await?;
        let done: Vec<i64> = sqlx::query("SELECT version FROM loa_migrations")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?;
        for &(version, sql) in list {
            if done.contains(&version) {
                continue;
            }
            let apply = async {
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO loa_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(version)
                    .bind(chrono::Utc::now().timestamp_millis())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            };
            apply.await.map_err(|source| StoreError::Migration { version, source })?;
            tracing::info!(version, "đã áp dụng bản cập nhật lược đồ");
        }
        Ok::<(), StoreError>(())
    }
    .await;
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    result
}
