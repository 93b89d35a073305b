//! Online copy of the embedded SQLite database (`VACUUM INTO`), for `loa backup`.
//!
//! `VACUUM INTO` reads the database inside one read transaction, so the copy is a
//! consistent snapshot even while `loa serve` writes (WAL lets the writer go on); the
//! copy is a compact, self-contained file with no `-wal` beside it. After writing it,
//! the copy is opened read-only, checked (`PRAGMA quick_check`) and counted, so the
//! manifest describes the copy and not the live database.

use std::path::Path;
use std::str::FromStr;

use sqlx::any::AnyConnectOptions;
use sqlx::{Connection, Row};

use super::StoreError;

/// Tables counted in a backup's manifest.
pub const COUNTED_TABLES: [&str; 7] = [
    "areas",
    "stations",
    "segments",
    "campaigns",
    "accounts",
    "airings",
    "emergencies",
];

/// What a database copy holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySummary {
    /// Highest applied migration number.
    pub schema_version: i64,
    /// Rows per table of [`COUNTED_TABLES`], in that order.
    pub counts: Vec<(&'static str, i64)>,
    /// SHA-256 digests of every segment's audio in the copy (lowercase hex).
    pub media: Vec<String>,
}

/// Writes a consistent copy of the SQLite database file `source` (which may be in use
/// by a running server) to `target`, which must not exist, then checks and counts the
/// copy. The source is opened without creating it and without migrating it: a backup
/// never changes the database it copies.
pub async fn copy_sqlite(source: &Path, target: &Path) -> Result<CopySummary, StoreError> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=rw", source.display());
    let options = AnyConnectOptions::from_str(&url).map_err(|_| StoreError::BadUrl(url.clone()))?;
    let mut conn = sqlx::AnyConnection::connect_with(&options).await?;
    // The server's writers hold the lock for short moments; wait for them.
    sqlx::query("PRAGMA busy_timeout = 10000")
        .execute(&mut conn)
        .await?;
    let target_text = target.to_str().ok_or_else(|| StoreError::Corrupt {
        what: "đường dẫn bản sao".to_owned(),
        detail: format!("{} không phải UTF-8", target.display()),
    })?;
    sqlx::query("VACUUM INTO ?")
        .bind(target_text.to_owned())
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    summarize(target).await
}

/// Opens the SQLite file at `path` read-only, checks it and counts its rows.
pub async fn summarize(path: &Path) -> Result<CopySummary, StoreError> {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", path.display());
    let options = AnyConnectOptions::from_str(&url).map_err(|_| StoreError::BadUrl(url.clone()))?;
    let mut conn = sqlx::AnyConnection::connect_with(&options).await?;
    let check: String = sqlx::query("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await?
        .try_get(0)?;
    if check != "ok" {
        return Err(StoreError::Corrupt {
            what: format!("bản sao {}", path.display()),
            detail: check,
        });
    }
    let schema_version: i64 =
        sqlx::query("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut conn)
            .await?
            .try_get(0)?;
    let mut counts = Vec::with_capacity(COUNTED_TABLES.len());
    for table in COUNTED_TABLES {
        // The names come from the constant above, never from input.
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await?
            .try_get(0)?;
        counts.push((table, n));
    }
    let media = sqlx::query("SELECT DISTINCT sha256 FROM segments ORDER BY sha256")
        .fetch_all(&mut conn)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
    conn.close().await?;
    Ok(CopySummary {
        schema_version,
        counts,
        media,
    })
}
