//! The server through its real HTTP interface: a fresh `loa serve` on port 0 per test,
//! with its own data directory and database (SQLite always; PostgreSQL too when
//! `LOA_TEST_DATABASE_URL` is set, in a fresh schema per test).

mod admin;
mod airings;
mod api_dates;
mod backup;
mod campaigns;
mod cli_server;
mod deployment;
mod emergency;
mod enrollment;
mod events;
mod hardening;
mod library;
mod media;
pub mod monitor;
mod openapi;
mod ops;
mod permissions;
mod planning;
mod reports;
mod schedule_import;
mod station_api;
mod upgrade;

use std::path::PathBuf;

use loa::server::{App, AppState, Config};
use tokio::sync::oneshot;

/// Which database a test app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    /// Embedded SQLite in the temp data dir.
    Sqlite,
    /// A fresh schema on the PostgreSQL of `LOA_TEST_DATABASE_URL`.
    Postgres,
}

/// A running server for one test.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// HTTP client.
    pub client: reqwest::Client,
    /// The server's state (store, media, config).
    pub state: AppState,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The administrator's password (seeded).
    pub admin_password: String,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Logs in and returns the session token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let res = self
            .client
            .post(self.url("/api/v1/login"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), 200, "login as {username}");
        let body: serde_json::Value = res.json().await.expect("login json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// The seeded administrator's session token.
    pub async fn admin(&self) -> String {
        self.login("admin", &self.admin_password.clone()).await
    }

    /// Enrolls `station` through the API and returns its token.
    pub async fn enroll(&self, station: &str) -> String {
        let admin = self.admin().await;
        let res = self
            .client
            .post(self.url(&format!("/api/v1/stations/{station}/enroll-code")))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("enroll-code request");
        assert_eq!(res.status(), 201, "enroll code for {station}");
        let code = res.json::<serde_json::Value>().await.expect("json")["code"]
            .as_str()
            .expect("code")
            .to_owned();
        let res = self
            .client
            .post(self.url("/api/v1/enroll"))
            .json(&serde_json::json!({ "code": code }))
            .send()
            .await
            .expect("enroll request");
        assert_eq!(res.status(), 201, "enroll {station}");
        res.json::<serde_json::Value>().await.expect("json")["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The repository's example province after the 2025 reform.
pub fn seed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schedules/thai-nguyen-2025")
}

async fn postgres_url() -> Option<String> {
    let base = std::env::var("LOA_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    use sqlx::ConnectOptions;
    let schema = format!("t_{}", uuid_like());
    let options: sqlx::postgres::PgConnectOptions = base
        .parse()
        .expect("LOA_TEST_DATABASE_URL is a postgres:// URL");
    let mut conn = options
        .connect()
        .await
        .expect("connect to LOA_TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .expect("create test schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

fn uuid_like() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}{:x}", nanos, std::process::id())
}

/// The pre-2025 province with districts: a 3-tier tree (province, 8 districts, communes).
pub fn bac_kan_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schedules/bac-kan-2024")
}

/// Starts a seeded server on `db`; `None` for PostgreSQL when no test database is set.
pub async fn spawn_app(db: Db) -> Option<TestApp> {
    spawn_app_with_seed(db, seed_dir()).await
}

/// Starts a server on `db` seeded from the schedule set in `seed`.
pub async fn spawn_app_with_seed(db: Db, seed: PathBuf) -> Option<TestApp> {
    spawn_app_configured(db, seed, |_| {}).await
}

/// Starts a server on `db` seeded from `seed`, with `adjust` applied to its settings.
pub async fn spawn_app_configured(
    db: Db,
    seed: PathBuf,
    adjust: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = match db {
        Db::Sqlite => None,
        Db::Postgres => Some(postgres_url().await?),
    };
    let mut config = Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: dir.path().to_owned(),
        database_url,
        seed: Some(seed),
        // Agents in tests run on simulated clocks, up to weeks ahead of the server's
        // real one; their records must still be accepted.
        airing_clock_tolerance_minutes: 31 * 24 * 60,
        ..Config::default()
    };
    adjust(&mut config);
    let app = App::build(config).await.expect("server builds");
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let admin_password = std::fs::read_to_string(dir.path().join("admin-password.txt"))
        .expect("seeded admin password")
        .lines()
        .nth(1)
        .expect("password line")
        .to_owned();
    Some(TestApp {
        base,
        client: reqwest::Client::new(),
        state,
        data_dir: dir.path().to_owned(),
        admin_password,
        stop: Some(stop),
        _dir: dir,
    })
}

/// Runs an async test function once on SQLite and once on PostgreSQL (when
/// `LOA_TEST_DATABASE_URL` is set): `both_backends!(name)` for `async fn name(app: TestApp)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::server::spawn_app($crate::server::Db::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::server::spawn_app($crate::server::Db::Postgres).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped"),
                }
            }
        }
    )*};
}

/// Like [`both_backends!`], for servers seeded from another schedule set:
/// `both_backends_seeded!(seed_fn; name, …)` with `seed_fn() -> PathBuf`.
#[macro_export]
macro_rules! both_backends_seeded {
    ($seed:path; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::server::spawn_app_with_seed($crate::server::Db::Sqlite, $seed())
                    .await
                    .expect("sqlite app");
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::server::spawn_app_with_seed($crate::server::Db::Postgres, $seed()).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped"),
                }
            }
        }
    )*};
}
