//! Benchmark: the web console's pages at national shape, as an officer's browser gets
//! them from a real `loa serve`.
//!
//! For each backend (an SQLite file; PostgreSQL when `LOA_BENCH_DATABASE_URL` is set,
//! in a fresh schema dropped afterwards): the national-shape data of `data.rs` (10,000
//! stations, a day of heartbeats and airings), then the fleet read timed piece by
//! piece in this process (`profile.rs`), then the release `loa serve` binary started on
//! a loopback port, an administrator logged in through the console's login form
//! (cookie), and every page fetched `LOA_BENCH_CONSOLE_N` times (default 50) after
//! five warm-up fetches, one at a time: client time over loopback (request sent to
//! body read) and the server's own time (its `Server-Timing` header), p50, p95 and
//! max, and the HTML size.
//!
//! Run: `cargo bench --bench console` (add `-- sqlite` or `-- postgres` for one
//! backend). `LOA_BENCH_CONSOLE_MINUTES` shortens the day of heartbeats (default
//! 1,440, one a minute) for a quick look; `LOA_BENCH_CONSOLE_KEEP=1` keeps the data
//! (the SQLite folder, the PostgreSQL schema) and prints where. While the pages are
//! fetched, heartbeats keep arriving at the national rate (every reporting station once
//! a minute, written straight into the database as ingest writes them);
//! `LOA_BENCH_CONSOLE_LIVE=0` measures a fleet that has gone quiet instead.

#[path = "../machine/mod.rs"]
mod machine;
#[path = "../national/mod.rs"]
mod national;
#[path = "../pg_schema/mod.rs"]
mod pg_schema;

mod client;
mod data;
mod profile;
mod server;

use std::time::Instant;

use data::Dialect;
use pg_schema::PgSchema;

/// Target of issue 13.
const TARGET_P95_MS: f64 = 100.0;
/// Target of issue 13.
const TARGET_KB: f64 = 200.0;

fn main() {
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    let n: usize = std::env::var("LOA_BENCH_CONSOLE_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let minutes: i64 = std::env::var("LOA_BENCH_CONSOLE_MINUTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1440);
    println!("== machine ==");
    println!("{}", machine::machine());
    println!("load average at start: {}", machine::load_average());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if wanted("sqlite") {
        let dir = tempfile::tempdir().expect("temp data dir");
        let url = loa::store::Store::sqlite_url(dir.path());
        run(
            &rt,
            "SQLite",
            Dialect::Sqlite,
            &url,
            None,
            dir.path(),
            minutes,
            n,
        );
        if std::env::var_os("LOA_BENCH_CONSOLE_KEEP").is_some() {
            println!("SQLite data kept: {}", dir.keep().display());
        }
    }
    if wanted("postgres") {
        match std::env::var("LOA_BENCH_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            Some(base) => {
                let schema = rt.block_on(PgSchema::create(&base, "bench_console"));
                let dir = tempfile::tempdir().expect("temp data dir");
                let url = schema.url();
                run(
                    &rt,
                    "PostgreSQL",
                    Dialect::Postgres,
                    &url,
                    Some(&url),
                    dir.path(),
                    minutes,
                    n,
                );
                if std::env::var_os("LOA_BENCH_CONSOLE_KEEP").is_some() {
                    println!("PostgreSQL schema kept: {}", schema.name);
                } else {
                    rt.block_on(schema.drop_all());
                }
            }
            None => {
                println!("PostgreSQL: skipped (set LOA_BENCH_DATABASE_URL=postgres://… to run it)")
            }
        }
    }
    println!();
    println!("load average at end: {}", machine::load_average());
}

#[allow(clippy::too_many_arguments)]
fn run(
    rt: &tokio::runtime::Runtime,
    label: &str,
    dialect: Dialect,
    url: &str,
    database_url: Option<&str>,
    data_dir: &std::path::Path,
    minutes: i64,
    n: usize,
) {
    println!();
    println!("== {label} ==");
    let now = chrono::Utc::now();
    let written = rt.block_on(data::build(url, dialect, data_dir, now, minutes));
    rt.block_on(profile::fleet_pieces(url, label));

    let started = Instant::now();
    let server = server::Server::start(data_dir, database_url);
    println!(
        "{label}: loa serve (release) listening on {} after {:.1} s",
        server.addr,
        started.elapsed().as_secs_f64()
    );
    // The agents kept sending while the server started.
    let fresh = chrono::Utc::now().timestamp_millis();
    let topped = rt.block_on(data::top_up(url, dialect, written.heard_until_ms, fresh));
    println!(
        "{label}: {} heartbeats added for the {:.0} s since the data was built",
        thousands(topped),
        (fresh - written.heard_until_ms) as f64 / 1000.0
    );
    // Agents keep reporting while the officers look: at the national rate, unless
    // `LOA_BENCH_CONSOLE_LIVE=0`.
    let live = std::env::var("LOA_BENCH_CONSOLE_LIVE").map_or(true, |v| v != "0");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let writer = live.then(|| rt.spawn(data::live(url.to_owned(), dialect, stopped)));
    let started = Instant::now();
    let figures = rt.block_on(client::measure(&server, data_dir, n));
    println!("load average after the pages: {}", machine::load_average());
    if let Some(writer) = writer {
        let _ = stop.send(true);
        let beats = rt.block_on(writer).expect("the live writer");
        println!(
            "{label}: {} heartbeats arrived while the pages were fetched ({:.0} s)",
            thousands(beats),
            started.elapsed().as_secs_f64()
        );
    }
    client::print(label, &figures, n);
    server.stop();
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
