//! Timing one report three times over, stage by stage (the SQL of `load_report`, the
//! counting of `aggregate`, `make` end to end), and checking that the report's totals
//! are what the generator wrote. Knows nothing of how the data was made.

use std::time::Instant;

use loa::domain::{Report, aggregate};
use loa::report::{Format, make};
use loa::store::{ReportQuery, Store, load_report};

use crate::thousands;
use crate::year::Counts;

/// Runs of each measurement.
const RUNS: usize = 3;

/// One report to time.
pub struct Case {
    /// What the lines say it is.
    pub label: String,
    /// The query.
    pub query: ReportQuery,
    /// Also time the XLSX file (with its misses list).
    pub xlsx: bool,
    /// Seconds the table report must take at most (median), if this case has a target.
    pub target_s: Option<f64>,
}

/// What the report's total must show.
pub struct Expected {
    /// Stations covered × days × items a day.
    pub planned: u64,
    /// Stations that never report (no heartbeat either).
    pub silent: u64,
    /// The tables counted back.
    pub counts: Counts,
}

/// Times `case` and prints its figures and check.
pub async fn run(store: &Store, case: &Case, expected: &Expected) {
    let q = &case.query;
    println!("-- {} --", case.label);
    let (times, data) = thrice(async || {
        load_report(store, q)
            .await
            .unwrap_or_else(|e| panic!("load_report: {e}"))
    })
    .await;
    print_times("load_report (SQL)", &times);
    println!(
        "    {} stations, {} planned cells, {} airing cells",
        thousands(data.stations.len() as u64),
        thousands(data.planned.len() as u64),
        thousands(data.airings.len() as u64),
    );

    let (times, report) = thrice(async || aggregate(&data.inputs(), q.by)).await;
    print_times("aggregate", &times);
    println!("    {} rows", thousands(report.rows.len() as u64));
    check(&report, expected);

    let (times, made) = thrice(async || {
        make(store, q, Format::Table)
            .await
            .unwrap_or_else(|e| panic!("make table: {e}"))
    })
    .await;
    print_times("make(Table) end to end", &times);
    println!("    {} bytes of table", thousands(made.bytes.len() as u64));
    let table_median = median(&times);

    if case.xlsx {
        let (times, made) = thrice(async || {
            make(store, q, Format::Xlsx)
                .await
                .unwrap_or_else(|e| panic!("make xlsx: {e}"))
        })
        .await;
        print_times("make(Xlsx) end to end, misses list included", &times);
        println!("    {} bytes of XLSX", thousands(made.bytes.len() as u64));
    }
    if let Some(target) = case.target_s {
        println!(
            "    target: table report < {target} s: {} (median {table_median:.2} s)",
            if table_median < target {
                "met"
            } else {
                "MISSED"
            }
        );
    }
}

/// Runs `f` [`RUNS`] times; the times in seconds and the last result.
async fn thrice<T>(mut f: impl AsyncFnMut() -> T) -> (Vec<f64>, T) {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        last = Some(f().await);
        times.push(started.elapsed().as_secs_f64());
    }
    (times, last.expect("at least one run"))
}

fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn print_times(what: &str, times: &[f64]) {
    let each: Vec<String> = times.iter().map(|t| format!("{t:.3}")).collect();
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "  {what}: {} s (best {best:.3} s, median {:.3} s)",
        each.join(", "),
        median(times),
    );
}

/// Prints the report's total beside what the tables hold, `ok` or `MISMATCH` each.
fn check(report: &Report, e: &Expected) {
    let t = &report.total;
    let c = &e.counts;
    let records: u64 = ["aired", "partial", "missed", "failed", "preempted"]
        .iter()
        .map(|o| c.planned_with(o))
        .sum();
    let silent = report.stations.iter().filter(|s| !s.facts.heard).count() as u64;
    let breaks: u64 = report.stations.iter().map(|s| s.facts.chain_breaks).sum();
    let pairs = [
        ("planned", t.planned, e.planned),
        ("planned (rows in planned_items)", t.planned, c.planned),
        ("aired", t.aired, c.planned_with("aired")),
        ("partial", t.partial, c.planned_with("partial")),
        ("missed", t.missed, c.planned_with("missed")),
        ("failed", t.failed, c.planned_with("failed")),
        ("preempted", t.preempted, c.planned_with("preempted")),
        ("unreported", t.unreported, c.planned - records),
        ("upcoming", t.upcoming, 0),
        ("fallback", t.fallback, c.with_source("fallback")),
        ("silent stations", silent, e.silent),
        ("chain breaks", breaks, c.chain_breaks),
    ];
    let all_ok = pairs.iter().all(|(_, got, want)| got == want);
    let line: Vec<String> = pairs
        .iter()
        .map(|(what, got, want)| {
            let mark = if got == want { "" } else { " MISMATCH" };
            format!(
                "{what} {} (want {}){mark}",
                thousands(*got),
                thousands(*want)
            )
        })
        .collect();
    println!(
        "    check {}: {}",
        if all_ok { "ok" } else { "FAILED" },
        line.join("; ")
    );
    println!(
        "    completion {:.2} %, reasons: {}",
        t.completion_pct().unwrap_or(0.0),
        t.reasons
            .iter()
            .map(|(r, n)| format!("{r} {}", thousands(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
