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
mod signed;
mod station_api;
mod upgrade;
mod windowless;

use std::path::PathBuf;

use loa::server::auth::Role;
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
    /// A pool of the test's own on the server's database, for setting rows up and
    /// reading them back (the server's pool is private to its store).
    pub db: sqlx::AnyPool,
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
        login_at(&self.client, &self.base, username, password).await
    }

    /// Creates an account in the store (as the CLI does) with [`STAFF_PASSWORD`] and
    /// returns its session token.
    pub async fn staff(&self, username: &str, role: Role, area: &str) -> String {
        loa::server::accounts::create_account(
            &self.state.store,
            username,
            username,
            STAFF_PASSWORD,
            role,
            area,
        )
        .await
        .expect("account created");
        self.login(username, STAFF_PASSWORD).await
    }

    /// Creates an account through `POST /api/v1/accounts` as `admin` (a session token)
    /// and returns its session token.
    pub async fn account(&self, admin: &str, username: &str, role: &str, area: &str) -> String {
        let res = self
            .client
            .post(self.url("/api/v1/accounts"))
            .bearer_auth(admin)
            .json(&serde_json::json!({
                "username": username, "password": STAFF_PASSWORD, "role": role, "area": area
            }))
            .send()
            .await
            .expect("create account request");
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        assert_eq!(status, 201, "create {username}: {body}");
        self.login(username, STAFF_PASSWORD).await
    }

    /// The seeded administrator's session token.
    pub async fn admin(&self) -> String {
        self.login("admin", &self.admin_password.clone()).await
    }

    /// Enrolls `station` through the API and returns its token.
    pub async fn enroll(&self, station: &str) -> String {
        self.enroll_with_key(station, None).await
    }

    /// A one-time enrollment code for `station`, asked for by the administrator.
    pub async fn enroll_code(&self, station: &str) -> String {
        let admin = self.admin().await;
        let res = self
            .client
            .post(self.url(&format!("/api/v1/stations/{station}/enroll-code")))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("enroll-code request");
        assert_eq!(res.status(), 201, "enroll code for {station}");
        res.json::<serde_json::Value>().await.expect("json")["code"]
            .as_str()
            .expect("code")
            .to_owned()
    }

    /// Enrolls `station` through the API with `public_key` (hex) as its signing key,
    /// as `loa agent --enroll` does (`None`: as an agent from before signed airings);
    /// returns its token.
    pub async fn enroll_with_key(&self, station: &str, public_key: Option<&str>) -> String {
        let code = self.enroll_code(station).await;
        let res = self
            .client
            .post(self.url("/api/v1/enroll"))
            .json(&serde_json::json!({ "code": code, "public_key": public_key }))
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

impl TestApp {
    /// Puts the airings' items in the plan of `token`'s station: the server refuses
    /// records of items a station could not have played.
    pub async fn plan_airings(&self, token: &str, airings: &[loa::wire::AiringJson]) {
        use sqlx::Row;
        let pool = &self.db;
        let station: String =
            sqlx::query("SELECT station_code FROM station_tokens WHERE token_hash = $1")
                .bind(loa::server::auth::hash_secret(token))
                .fetch_one(pool)
                .await
                .expect("token's station")
                .get(0);
        for a in airings {
            sqlx::query("INSERT INTO planned_items (station_code, item_id, start_ms, duration_ms, segment_id, campaign_id, priority) VALUES ($1, $2, $3, 60000, 'gia-dinh-hoc-tap', 'xhht-ca-nam', 'normal') ON CONFLICT DO NOTHING")
                .bind(station.clone())
                .bind(a.item_id.clone())
                .bind(a.planned_start_ms)
                .execute(pool)
                .await
                .expect("plan item");
        }
    }

    /// Posts `airings` (planning their items first) with `token`; the answer.
    pub async fn post_airings(
        &self,
        token: &str,
        airings: &[loa::wire::AiringJson],
    ) -> serde_json::Value {
        self.plan_airings(token, airings).await;
        let res = self
            .client
            .post(self.url("/api/v1/airings"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "airings": airings }))
            .send()
            .await
            .expect("airings request");
        assert_eq!(res.status(), 200);
        res.json().await.expect("json")
    }

    /// Runs `loa verify ARGS` on this server's database: exit code and standard output.
    pub fn verify_cli(&self, args: &[&str]) -> (i32, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_loa"))
            .arg("verify")
            .args(args)
            .arg("--database-url")
            .arg(self.state.config.database_url())
            .env_remove("LOA_DATA_DIR")
            .env_remove("LOA_CONFIG")
            .env("LOA_LOG", "error")
            .output()
            .expect("run loa verify");
        (
            out.status.code().expect("exit code"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The password of every account the tests create.
pub const STAFF_PASSWORD: &str = "song-hong-mua-thu-9";

/// Logs in to the server at `base` (one the test started as a `loa` process, say) and
/// returns the session token.
pub async fn login_at(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> String {
    let res = client
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("login request");
    assert_eq!(res.status(), 200, "login as {username}");
    let body: serde_json::Value = res.json().await.expect("login json");
    body["token"].as_str().expect("token").to_owned()
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

/// A pool of the test's own on the database at `url` (made by `Store::open`), for
/// setting rows up and reading them back directly. On SQLite it waits for the server's
/// writers as the store's own connections do.
pub async fn raw_db(url: &str) -> sqlx::AnyPool {
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
        .expect("test connection to the server's database")
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
        // Tests run `loa verify`'s check when they mean to.
        verify_interval_s: 0,
        ..Config::default()
    };
    adjust(&mut config);
    let url = config
        .database_url
        .clone()
        .unwrap_or_else(|| loa::store::Store::sqlite_url(dir.path()));
    let app = App::build(config).await.expect("server builds");
    let db = raw_db(&url).await;
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
        db,
        stop: Some(stop),
        _dir: dir,
    })
}

/// Runs each test function once on SQLite and once on PostgreSQL (when
/// `LOA_TEST_DATABASE_URL` is set; otherwise the PostgreSQL run says it is skipped):
///
/// - `both_backends!(name, …)` for `async fn name(app: TestApp)` on the seeded server;
/// - `both_backends!(seed_fn; name, …)` for servers seeded from `seed_fn() -> PathBuf`;
/// - `both_backends!(@spawn spawn_fn; name, …)` for servers started by
///   `spawn_fn(db: Db) -> Option<TestApp>` (a path seen from inside the generated
///   module, so `super::spawn_fn` for one of the calling file);
/// - `both_backends!(db: name, …)` for `async fn name(db: Db)` that start what they need
///   themselves (a `loa` child process, a configured server) and skip PostgreSQL when
///   it is not set.
#[macro_export]
macro_rules! both_backends {
    (db: $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::server::Db::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::server::Db::Postgres).await;
            }
        }
    )*};
    (@spawn $spawn:expr; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = ($spawn)($crate::server::Db::Sqlite).await.expect("sqlite app");
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match ($spawn)($crate::server::Db::Postgres).await {
                    Some(app) => super::$name(app).await,
                    None => eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped"),
                }
            }
        }
    )*};
    ($seed:path; $($name:ident),* $(,)?) => {
        $crate::both_backends!(@spawn |db| $crate::server::spawn_app_with_seed(db, $seed()); $($name),*);
    };
    ($($name:ident),* $(,)?) => {
        $crate::both_backends!(@spawn $crate::server::spawn_app; $($name),*);
    };
}
