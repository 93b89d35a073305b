//! Embedded schema migrations, applied in order at start-up by sqlx's migrator.
//!
//! One numbering for both backends: a number that has nothing to do on one backend gets
//! a file whose body is a no-op there (`SELECT 1;`). Each migration runs once, inside a
//! transaction, and is recorded with its checksum in `_sqlx_migrations`: a migration
//! edited after it was applied stops the start with a clear message. On PostgreSQL
//! sqlx's migrator takes an advisory lock, and the adoption below runs under loa's own,
//! so concurrent replicas starting at once take turns.
//!
//! Databases made before sqlx's migrator recorded their migrations in `loa_migrations`
//! (version, applied_at) with SQLite's old numbers (reports was 3 there, 4 on
//! PostgreSQL). [`adopt_legacy`] moves those records into `_sqlx_migrations` with the
//! checksums of today's files, without running anything again.
//!
//! To add a migration: a file `NNNN_name.sql` in both `migrations/sqlite` and
//! `migrations/postgres`, and one line in each list below. Gaps in numbering are fine.

use std::borrow::Cow;

use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, Executor, Row, SqlSafeStr};

use super::{Backend, Store, StoreError};

/// One migration: number, name (the file name's words), SQL.
type Step = (i64, &'static str, &'static str);

const SQLITE: &[Step] = &[
    (
        1,
        "init",
        include_str!("../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "emergency_targets",
        include_str!("../../migrations/sqlite/0002_emergency_targets.sql"),
    ),
    (
        3,
        "playlist_body_lz4",
        include_str!("../../migrations/sqlite/0003_playlist_body_lz4.sql"),
    ),
    (
        4,
        "reports",
        include_str!("../../migrations/sqlite/0004_reports.sql"),
    ),
    (
        10,
        "signed_airings",
        include_str!("../../migrations/sqlite/0010_signed_airings.sql"),
    ),
    (
        11,
        "login_throttle",
        include_str!("../../migrations/sqlite/0011_login_throttle.sql"),
    ),
    (
        13,
        "deployment",
        include_str!("../../migrations/sqlite/0013_deployment.sql"),
    ),
    (
        15,
        "alerts",
        include_str!("../../migrations/sqlite/0015_alerts.sql"),
    ),
    (
        16,
        "last_heartbeats",
        include_str!("../../migrations/sqlite/0016_last_heartbeats.sql"),
    ),
    (
        17,
        "data_version",
        include_str!("../../migrations/sqlite/0017_data_version.sql"),
    ),
    (
        18,
        "playlist_versions",
        include_str!("../../migrations/sqlite/0018_playlist_versions.sql"),
    ),
];
const POSTGRES: &[Step] = &[
    (
        1,
        "init",
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "emergency_targets",
        include_str!("../../migrations/postgres/0002_emergency_targets.sql"),
    ),
    (
        3,
        "playlist_body_lz4",
        include_str!("../../migrations/postgres/0003_playlist_body_lz4.sql"),
    ),
    (
        4,
        "reports",
        include_str!("../../migrations/postgres/0004_reports.sql"),
    ),
    (
        10,
        "signed_airings",
        include_str!("../../migrations/postgres/0010_signed_airings.sql"),
    ),
    (
        11,
        "login_throttle",
        include_str!("../../migrations/postgres/0011_login_throttle.sql"),
    ),
    (
        13,
        "deployment",
        include_str!("../../migrations/postgres/0013_deployment.sql"),
    ),
    (
        15,
        "alerts",
        include_str!("../../migrations/postgres/0015_alerts.sql"),
    ),
    (
        16,
        "last_heartbeats",
        include_str!("../../migrations/postgres/0016_last_heartbeats.sql"),
    ),
    (
        17,
        "data_version",
        include_str!("../../migrations/postgres/0017_data_version.sql"),
    ),
    (
        18,
        "playlist_versions",
        include_str!("../../migrations/postgres/0018_playlist_versions.sql"),
    ),
];

/// How `loa_migrations` numbers map to today's: (old, new) per backend.
const LEGACY_SQLITE: &[(i64, i64)] = &[(1, 1), (2, 2), (3, 4)];
const LEGACY_POSTGRES: &[(i64, i64)] = &[(1, 1), (2, 2), (3, 3), (4, 4)];

/// A constant key for `pg_advisory_lock`: "loa" in ASCII.
const LOCK_KEY: i64 = 0x006c_6f61;

/// The table sqlx's migrator keeps its records in.
const TABLE: &str = "_sqlx_migrations";

fn steps(backend: Backend) -> &'static [Step] {
    match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }
}

/// The migrator for `backend`, with each migration's checksum computed from its SQL.
pub fn migrator(backend: Backend) -> Migrator {
    let migrations = steps(backend)
        .iter()
        .map(|&(version, name, sql)| {
            Migration::new(
                version,
                Cow::Owned(name.replace('_', " ")),
                MigrationType::Simple,
                sql.into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

pub(super) async fn run(store: &Store) -> Result<(), StoreError> {
    let mut conn = store.pool.acquire().await?;
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *conn)
            .await?;
    }
    let migrator = migrator(store.backend);
    let result = async {
        adopt_legacy(store.backend, &migrator, &mut conn).await?;
        migrator
            .run_direct(None, &mut *conn, false)
            .await
            .map_err(explain)
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

/// Moves the records of a database migrated by loa's former runner into sqlx's table,
/// in one transaction, and drops `loa_migrations`. Nothing is run again.
async fn adopt_legacy(
    backend: Backend,
    migrator: &Migrator,
    conn: &mut sqlx::AnyConnection,
) -> Result<(), StoreError> {
    let exists_sql = match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'loa_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM pg_catalog.pg_tables \
             WHERE tablename = 'loa_migrations' AND schemaname = current_schema()"
        }
    };
    let count: i64 = sqlx::query(exists_sql)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    if count == 0 {
        return Ok(());
    }
    conn.ensure_migrations_table(TABLE).await.map_err(explain)?;
    let map = match backend {
        Backend::Sqlite => LEGACY_SQLITE,
        Backend::Postgres => LEGACY_POSTGRES,
    };
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let old: Vec<i64> = sqlx::query("SELECT version FROM loa_migrations ORDER BY version")
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    for version in old {
        let Some(&(_, new)) = map.iter().find(|(o, _)| *o == version) else {
            return Err(StoreError::Legacy(version));
        };
        let Some(m) = migrator.iter().find(|m| m.version == new) else {
            return Err(StoreError::Legacy(version));
        };
        let insert = AssertSqlSafe(format!(
            "INSERT INTO {TABLE} (version, description, success, checksum, execution_time) \
             VALUES ($1, $2, TRUE, $3, 0)"
        ));
        sqlx::query(insert)
            .bind(m.version)
            .bind(m.description.to_string())
            .bind(m.checksum.to_vec())
            .execute(&mut *tx)
            .await?;
    }
    tx.execute("DROP TABLE loa_migrations").await?;
    tx.commit().await?;
    tracing::info!("đã chuyển sổ ghi bản cập nhật lược đồ cũ sang _sqlx_migrations");
    Ok(())
}

/// The migrator's error in Vietnamese.
fn explain(e: MigrateError) -> StoreError {
    match e {
        MigrateError::Execute(source) => StoreError::Sql(source),
        MigrateError::ExecuteMigration(source, version) => {
            StoreError::Migration { version, source }
        }
        MigrateError::VersionMismatch(v) => StoreError::Schema(format!(
            "bản cập nhật lược đồ {v} đã áp dụng nhưng nội dung tệp của nó đã đổi \
             (tổng kiểm tra khác); hãy dùng đúng bản loa đã tạo cơ sở dữ liệu này"
        )),
        MigrateError::VersionMissing(v) => StoreError::Schema(format!(
            "cơ sở dữ liệu đã áp dụng bản cập nhật lược đồ {v} mà bản loa này không có; \
             hãy dùng bản loa mới hơn"
        )),
        MigrateError::Dirty(v) => StoreError::Schema(format!(
            "bản cập nhật lược đồ {v} dừng giữa chừng; hãy khôi phục từ bản sao lưu"
        )),
        other => StoreError::Schema(format!(
            "không áp dụng được bản cập nhật lược đồ ({other:?})"
        )),
    }
}
