//! Benchmark: `loa serve` under load, on loopback, in one run.
//!
//! 1. Playlist fetches: a real station token, `wrk -t1 -c32 -d10s` for 200s and for
//!    304s (`If-None-Match`), then the same playlist bytes served as a static file by
//!    nginx (its own ETag) the same way; prints the ratios loa/nginx.
//! 2. Airings ingested: 10,000 stations each sending a chained batch of 50 airings to
//!    `POST /api/v1/airings` over 48 concurrent connections, on SQLite and PostgreSQL.
//! 3. The national-shape tree (`national/`) imported and compiled for 14 days, every
//!    playlist and planned item stored: `store::recompile`, on SQLite and PostgreSQL.
//!
//! Run with `cargo bench --bench serve_load` (release profile, no criterion); add
//! `-- playlist`, `-- ingest` or `-- national` to run only those parts. Needs `wrk`,
//! `nginx` and `curl` on the PATH (`scripts/install-bench-tools.sh`); PostgreSQL figures
//! need `LOA_BENCH_DATABASE_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`): each
//! run works in a fresh schema and drops it afterwards.

#[path = "../machine/mod.rs"]
mod machine;
#[path = "../national/mod.rs"]
mod national;
#[path = "../pg_schema/mod.rs"]
mod pg_schema;

mod db;
mod ingest;
mod national_store;
mod playlist;
mod tools;

use std::path::PathBuf;

use db::Database;

fn main() {
    // `cargo bench --bench serve_load -- ingest` runs only the parts named (playlist,
    // ingest, national); cargo itself passes `--bench`.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    println!("== machine ==");
    println!("{}", machine::machine());
    println!("load average at start: {}", machine::load_average());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let postgres = std::env::var("LOA_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());

    if wanted("playlist") {
        println!();
        playlist::run(&rt);
    }
    if wanted("ingest") {
        println!();
        ingest::header();
        ingest::run(&rt, Database::sqlite());
        match &postgres {
            Some(base) => ingest::run(&rt, rt.block_on(Database::postgres(base))),
            None => skipped("ingest"),
        }
    }
    if wanted("national") {
        println!();
        national_store::header();
        national_store::run(&rt, Database::sqlite());
        match &postgres {
            Some(base) => national_store::run(&rt, rt.block_on(Database::postgres(base))),
            None => skipped("national compile"),
        }
    }
    println!();
    println!("load average at end: {}", machine::load_average());
}

fn skipped(what: &str) {
    println!("PostgreSQL {what}: skipped (set LOA_BENCH_DATABASE_URL=postgres://… to run it)");
}

/// The repository's example province.
fn seed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schedules/thai-nguyen-2025")
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A rate, rounded, with thousands separators.
fn per_sec(n: u64, seconds: f64) -> String {
    thousands((n as f64 / seconds).round() as u64)
}

/// A `loa serve` running on the benchmark's runtime.
struct Server {
    addr: std::net::SocketAddr,
    state: loa::server::AppState,
    /// The bench's own pool on the server's database (the store's is private).
    db: sqlx::AnyPool,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Server {
    /// Builds (migrating and seeding the database) and starts serving.
    fn start(rt: &tokio::runtime::Runtime, config: loa::server::Config) -> Self {
        let url = config
            .database_url
            .clone()
            .unwrap_or_else(|| loa::store::Store::sqlite_url(&config.data_dir));
        let app = rt
            .block_on(loa::server::App::build(config))
            .expect("loa serve builds");
        let addr = app.local_addr();
        let state = app.state().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = rt.spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        let db = rt.block_on(db::raw_pool(&url));
        Self {
            addr,
            state,
            db,
            stop,
            task,
        }
    }

    /// Stops serving and waits until the database is closed.
    fn stop(self, rt: &tokio::runtime::Runtime) {
        rt.block_on(self.db.close());
        let _ = self.stop.send(());
        rt.block_on(self.task)
            .expect("server task")
            .expect("server stops cleanly");
    }
}
