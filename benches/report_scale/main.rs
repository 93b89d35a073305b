//! Benchmark (issue 5): yearly airing reports at scale.
//!
//! 1. SQLite, one district: 150 stations × 365 days × 8 items (438,000 planned items
//!    and about as many records); the district's year by area as a table (target
//!    < 1 s) and as XLSX with its misses list.
//! 2. PostgreSQL, the country: the national-shape tree (63 provinces, 693 districts),
//!    10,000 stations × 365 × 8 (29.2 million planned items, about as many records); the
//!    country's year by area (target < 10 s) and by station.
//!
//! Each database is fresh and filled by SQL inside it (`tree.rs`, `year.rs`) through
//! the schema the migrations made; loading time is printed apart from the reports. Each
//! report is timed three times per stage (`measure.rs`) and its totals are checked
//! against the tables.
//!
//! Run with `cargo bench --bench report_scale` (release profile, no criterion); add
//! `-- sqlite` or `-- postgres` to run one part. PostgreSQL needs `LOA_BENCH_DATABASE_URL`
//! (e.g. `postgres://postgres@127.0.0.1:5432/test`): the run works in a fresh schema and
//! drops it afterwards. `LOA_BENCH_REPORT_STATIONS=1000` scales the country down for a
//! quick try (the district stays 150); `LOA_BENCH_REPORT_KEEP=1` keeps the schema for
//! `EXPLAIN ANALYZE` by hand.

#[path = "../machine/mod.rs"]
mod machine;
#[path = "../pg_schema/mod.rs"]
mod pg_schema;

mod database;
mod load;
mod measure;
mod tree;
mod year;

use chrono::NaiveDate;
use loa::domain::{AreaCode, GroupBy};
use loa::store::{ReportQuery, Store};

use database::Database;
use measure::{Case, Expected};
use tree::Shape;

/// Stations of the district (issue 5's target).
const DISTRICT_STATIONS: usize = 150;
/// Stations of the country unless `LOA_BENCH_REPORT_STATIONS` says otherwise.
const COUNTRY_STATIONS: usize = 10_000;
/// Stations written per statement on PostgreSQL (about 730,000 rows each).
const PG_CHUNK: usize = 250;

fn main() {
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
    let country = std::env::var("LOA_BENCH_REPORT_STATIONS")
        .ok()
        .map(|s| {
            s.parse::<usize>()
                .ok()
                .filter(|n| (1..=30_000).contains(n))
                .expect("LOA_BENCH_REPORT_STATIONS is a station count, 1 to 30000")
        })
        .unwrap_or(COUNTRY_STATIONS);
    let postgres = std::env::var("LOA_BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());

    if wanted("sqlite") {
        println!();
        println!("== 1. a district's year on SQLite: {DISTRICT_STATIONS} stations ==");
        let district = AreaCode::parse("001").expect("district code");
        let cases = [Case {
            label: "district 001, 2026, by area".to_owned(),
            query: query(Some(district), GroupBy::Area),
            xlsx: true,
            target_s: Some(1.0),
        }];
        rt.block_on(scenario(
            Database::sqlite(),
            Shape::district(DISTRICT_STATIONS),
            DISTRICT_STATIONS,
            &cases,
        ));
    }
    if wanted("postgres") {
        println!();
        println!("== 2. the country's year on PostgreSQL: {country} stations ==");
        match &postgres {
            Some(base) => {
                let cases = [
                    Case {
                        label: "country, 2026, by area".to_owned(),
                        query: query(None, GroupBy::Area),
                        xlsx: false,
                        target_s: Some(10.0),
                    },
                    Case {
                        label: "country, 2026, by station".to_owned(),
                        query: query(None, GroupBy::Station),
                        xlsx: false,
                        target_s: None,
                    },
                ];
                let db = rt.block_on(Database::postgres(base));
                rt.block_on(scenario(db, Shape::country(country), PG_CHUNK, &cases));
            }
            None => println!("skipped (set LOA_BENCH_DATABASE_URL=postgres://… to run it)"),
        }
    }
    println!();
    println!("load average at end: {}", machine::load_average());
}

/// The year 2026, asked for on 2 January 2027 (nothing upcoming).
fn query(area: Option<AreaCode>, by: GroupBy) -> ReportQuery {
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("valid date");
    ReportQuery {
        from: day(1, 1),
        until: day(12, 31),
        area,
        campaign: None,
        by,
        now_ms: 1_798_848_000_000,
    }
}

/// Fills a fresh database of `shape`, `chunk` stations per statement, then times the
/// cases on it.
async fn scenario(db: Database, shape: Shape, chunk: usize, cases: &[Case]) {
    let store = Store::open(&db.url).await.expect("open the database");
    let counts = load::load(&db, shape, chunk).await;
    let expected = Expected {
        planned: (shape.stations as u64) * year::DAYS as u64 * year::PER_DAY as u64,
        silent: (1..=shape.stations).filter(|n| n % 97 == 96).count() as u64,
        counts,
    };
    for case in cases {
        measure::run(&store, case, &expected).await;
    }
    store.close().await;
    db.finish().await;
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
