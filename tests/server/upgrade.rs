//! A database made by the schema and runner of before sqlx's migrator, with data in it,
//! opens with today's store: its records are adopted, nothing is run twice, data intact.

use std::path::PathBuf;

use loa::store::{Backend, Store};
use sqlx::{Connection, Executor, Row};

/// A file of the project, by its path from the project root.
fn read(rel: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Today's schema as the old runner made it: the migration files themselves (their
/// checksums freeze them), numbered 1, 2, … in `loa_migrations` as that runner did.
async fn build_legacy(conn: &mut sqlx::AnyConnection, dir: &str, files: &[&str]) {
    conn.execute(
        "CREATE TABLE loa_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )
    .await
    .expect("upgrade test step");
    for (i, f) in files.iter().enumerate() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(read(&format!(
            "migrations/{dir}/{f}.sql"
        ))))
        .execute(&mut *conn)
        .await
        .expect("upgrade test step");
        sqlx::query("INSERT INTO loa_migrations (version, applied_at) VALUES ($1, 0)")
            .bind(i as i64 + 1)
            .execute(&mut *conn)
            .await
            .expect("upgrade test step");
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(read(
        "tests/fixtures/legacy_schema/data.sql",
    )))
    .execute(&mut *conn)
    .await
    .expect("upgrade test step");
}

async fn check(url: &str, backend: Backend) {
    for _ in 0..2 {
        let store = Store::open(url).await.expect("open upgraded database");
        let db = crate::server::raw_db(url).await;
        let row = sqlx::query("SELECT name, area_code FROM stations WHERE code = 'TN-001'")
            .fetch_one(&db)
            .await
            .expect("station kept");
        assert_eq!(row.get::<String, _>(0), "Đài xã Phú Lương");
        assert_eq!(row.get::<String, _>(1), "19");
        store.close().await;
    }
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("upgrade test step");
    let rows = sqlx::query("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .expect("upgrade test step");
    let migrator = loa::store::migrate::migrator(backend);
    assert_eq!(rows.len(), migrator.iter().count());
    for (row, m) in rows.iter().zip(migrator.iter()) {
        assert_eq!(row.get::<i64, _>(0), m.version);
        assert_eq!(
            row.get::<Vec<u8>, _>(1),
            m.checksum.to_vec(),
            "checksum of {}",
            m.version
        );
    }
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM heartbeat_days")
        .fetch_one(&mut conn)
        .await
        .expect("upgrade test step")
        .get(0);
    assert_eq!(n, 1, "report data kept");
}

#[tokio::test]
async fn sqlite_database_of_today_upgrades() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("upgrade test step");
    let url = Store::sqlite_url(dir.path());
    let mut conn = sqlx::AnyConnection::connect(&url)
        .await
        .expect("upgrade test step");
    build_legacy(
        &mut conn,
        "sqlite",
        // Reports was the old runner's third SQLite migration; it is 0004 now.
        &["0001_init", "0002_emergency_targets", "0004_reports"],
    )
    .await;
    conn.close().await.expect("upgrade test step");
    check(&url, Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_database_of_today_upgrades() {
    sqlx::any::install_default_drivers();
    let Some(url) = super::postgres_url().await else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let mut conn = sqlx::AnyConnection::connect(&url)
        .await
        .expect("upgrade test step");
    build_legacy(
        &mut conn,
        "postgres",
        &[
            "0001_init",
            "0002_emergency_targets",
            "0003_playlist_body_lz4",
            "0004_reports",
        ],
    )
    .await;
    conn.close().await.expect("upgrade test step");
    check(&url, Backend::Postgres).await;
}
