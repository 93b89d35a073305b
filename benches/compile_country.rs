//! Benchmark: compile a national-shape schedule for every commune station.
//!
//! Builds the synthetic national tree of `national/` (63 provinces, 693 districts,
//! 10,000 communes), one station per commune, three overlapping nationwide campaigns,
//! and measures:
//!
//! - the time to validate and prepare [`Inputs`];
//! - compiling 14 days for every station on all cores (wall time, stations per second,
//!   items, peak RSS with every compilation kept in memory);
//! - compiling 14 days for one station, repeated, as median and p99 per compile.
//!
//! Run with `cargo bench --bench compile_country` (release profile, no criterion).

#[path = "national/mod.rs"]
mod national;

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use loa::domain::{Compilation, Inputs, StationIdx, compile};

use national::{Country, commune_code};

const HORIZON_DAYS: u32 = 14;
const SINGLE_RUNS: usize = 2_000;
const SINGLE_WARMUP: usize = 50;

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores (std::thread::available_parallelism)");

    // Inputs: built from scratch, validated, look-ups prepared.
    let started = Instant::now();
    let country = Country::build();
    let raw = started.elapsed();
    let started = Instant::now();
    let (inputs, areas) = country.into_inputs();
    let prepared = started.elapsed();
    println!(
        "inputs: {} areas, {} stations, {} segments, {} campaigns: generated in {}, AreaTree + Inputs::new in {} (total {}), RSS so far {} MB",
        thousands(areas as u64),
        thousands(inputs.stations().len() as u64),
        inputs.segments().len(),
        inputs.campaigns().len(),
        ms(raw),
        ms(prepared),
        ms(raw + prepared),
        peak_rss_mb(),
    );

    let from = NaiveDate::from_ymd_opt(2026, 9, 28).expect("valid start date");
    country_run(&inputs, from, cores);
    single_station(&inputs, from);
}

/// Every station, 14 days, chunked over all cores; every compilation is kept until the
/// end so the peak RSS covers holding the whole country's plans at once.
fn country_run(inputs: &Inputs, from: NaiveDate, threads: usize) {
    let stations: Vec<StationIdx> = inputs.station_ids().collect();
    let chunk = stations.len().div_ceil(threads.max(1)).max(1);
    let started = Instant::now();
    let results: Vec<Vec<Compilation>> = std::thread::scope(|scope| {
        let handles: Vec<_> = stations
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&s| {
                            black_box(compile(black_box(inputs), s, black_box(from), HORIZON_DAYS))
                        })
                        .collect::<Vec<Compilation>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("compile thread panicked"))
            .collect()
    });
    let wall = started.elapsed();
    let peak = peak_rss_mb();

    let compiled: usize = results.iter().map(Vec::len).sum();
    let items: u64 = results
        .iter()
        .flatten()
        .map(|c| c.playlist.items.len() as u64)
        .sum();
    let diagnostics: u64 = results
        .iter()
        .flatten()
        .map(|c| c.diagnostics.len() as u64)
        .sum();
    let per_sec = compiled as f64 / wall.as_secs_f64();
    println!(
        "country: {} stations × {HORIZON_DAYS} days in {:.3} s ({} stations/s, {} threads), {} items, peak RSS {peak} MB",
        thousands(compiled as u64),
        wall.as_secs_f64(),
        thousands(per_sec.round() as u64),
        threads,
        thousands(items),
    );
    println!(
        "country: {:.1} items per station-day, {} diagnostics",
        items as f64 / (compiled as f64 * f64::from(HORIZON_DAYS)),
        thousands(diagnostics),
    );
    drop(black_box(results));
}

/// One Tày-speaking station (variants resolved), 14 days, compiled many times.
fn single_station(inputs: &Inputs, from: NaiveDate) {
    let station = inputs
        .station_by_code(&commune_code(0))
        .expect("station of the first commune");
    let code = inputs.station(station).code.to_string();
    let reference = compile(inputs, station, from, HORIZON_DAYS);
    let items = reference.playlist.items.len();
    let mut by_campaign = vec![0usize; inputs.campaigns().len()];
    for item in &reference.playlist.items {
        by_campaign[item.campaign] += 1;
    }
    let minority = reference
        .playlist
        .items
        .iter()
        .filter(|i| inputs.segment(i.segment).language.as_str() != "vi")
        .count();
    let summary: Vec<String> = inputs
        .campaigns()
        .iter()
        .zip(&by_campaign)
        .map(|(c, n)| format!("{} {n}", c.id))
        .collect();
    println!(
        "one station ({code}): items by campaign: {}; {minority} in Tày; {} diagnostics",
        summary.join(", "),
        reference.diagnostics.len(),
    );
    for _ in 0..SINGLE_WARMUP {
        black_box(compile(
            black_box(inputs),
            black_box(station),
            black_box(from),
            HORIZON_DAYS,
        ));
    }
    let mut samples: Vec<Duration> = Vec::with_capacity(SINGLE_RUNS);
    for _ in 0..SINGLE_RUNS {
        let started = Instant::now();
        let c = compile(
            black_box(inputs),
            black_box(station),
            black_box(from),
            HORIZON_DAYS,
        );
        samples.push(started.elapsed());
        black_box(c);
    }
    samples.sort_unstable();
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "one station ({code}, {items} items): {HORIZON_DAYS} days × {} runs: median {} µs, p99 {} µs, min {} µs, max {} µs",
        thousands(SINGLE_RUNS as u64),
        us(pick(0.5)),
        us(pick(0.99)),
        us(samples[0]),
        us(samples[samples.len() - 1]),
    );
}

/// Peak resident set size of this process (VmHWM), in MB; 0 where /proc is missing.
fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

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

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}
