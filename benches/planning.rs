//! Benchmark: planning over a campaign's whole range, and one station's plan on demand.
//!
//! On the national-shape tree of `national/` (10,000 commune stations) it adds a
//! year-long campaign (2027) targeting every station and measures:
//!
//! - `check_campaign_range` over its 365 days at all 10,000 stations (stations that
//!   compile alike are compiled once), three runs;
//! - for comparison, compiling the same 365 days for every station one by one, timed
//!   on the first 500 stations and scaled to 10,000;
//! - one station's 31-day plan on demand (`compile` + the agent's playlist JSON), as
//!   median and p99 of 1,000 runs.
//!
//! Run with `cargo bench --bench planning` (release profile, no criterion).

#[path = "machine/mod.rs"]
mod machine;
#[path = "national/mod.rs"]
mod national;

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use loa::domain::{CampaignId, Inputs, StationIdx, check_campaign_range, compile};
use loa::wire::PlaylistJson;

use national::Country;

const RUNS: usize = 3;
const ONE_BY_ONE: usize = 500;
const PLAN_RUNS: usize = 1_000;
const PLAN_DAYS: u32 = 31;

fn main() {
    println!(
        "machine: {}, load average {}",
        machine::machine(),
        machine::load_average()
    );
    let (inputs, _) = Country::build().into_inputs();
    let inputs = with_year_campaign(&inputs);
    let id = CampaignId::parse("ca-nam-2027").expect("id");

    for run in 1..=RUNS {
        let started = Instant::now();
        let check = check_campaign_range(&inputs, &id).expect("campaign");
        let took = started.elapsed();
        println!(
            "whole-range check, run {run}: {} stations × {} days in {} ({} groups of alike stations compiled, {} with findings, {} findings counted per station)",
            check.stations,
            check.days,
            ms(took),
            national_groups(&inputs),
            check.groups.len(),
            check.total(),
        );
    }

    let from = NaiveDate::from_ymd_opt(2027, 1, 1).expect("date");
    let started = Instant::now();
    for idx in inputs.station_ids().take(ONE_BY_ONE) {
        black_box(compile(&inputs, idx, from, 365));
    }
    let took = started.elapsed();
    let per = took / ONE_BY_ONE as u32;
    println!(
        "one by one, 365 days: {ONE_BY_ONE} stations in {} ({} each): 10,000 stations would take {}",
        ms(took),
        us(per),
        ms(per * inputs.stations().len() as u32),
    );

    let station: StationIdx = inputs.station_ids().next().expect("a station");
    let media = vec![(Some(-20.0), 1_000_000); inputs.segments().len()];
    let from = NaiveDate::from_ymd_opt(2027, 10, 1).expect("date");
    let mut times = Vec::with_capacity(PLAN_RUNS);
    let mut items = 0;
    for _ in 0..PLAN_RUNS {
        let started = Instant::now();
        let compiled = compile(&inputs, station, from, PLAN_DAYS);
        let json = PlaylistJson::new(&inputs, station, &compiled, &media, -16.0);
        items = json.items.len();
        black_box(json);
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "one station's {PLAN_DAYS}-day plan on demand (compile + playlist JSON, {items} items): median {}, p99 {} ({PLAN_RUNS} runs)",
        us(times[PLAN_RUNS / 2]),
        us(times[PLAN_RUNS * 99 / 100]),
    );
}

/// The national inputs plus "ca-nam-2027": the year-round plan's pool and rotations,
/// 1 January to 31 December 2027, every province.
fn with_year_campaign(inputs: &Inputs) -> Inputs {
    let mut year = inputs.campaigns()[0].clone();
    year.id = CampaignId::parse("ca-nam-2027").expect("id");
    year.name = "Kế hoạch cả năm 2027".to_owned();
    year.from = NaiveDate::from_ymd_opt(2027, 1, 1).expect("date");
    year.until = NaiveDate::from_ymd_opt(2027, 12, 31).expect("date");
    let mut campaigns = inputs.campaigns().to_vec();
    campaigns.push(year);
    Inputs::new(
        inputs.tree().clone(),
        inputs.area_windows().map(|(a, w)| (a, w.clone())).collect(),
        inputs.stations().to_vec(),
        inputs.segments().to_vec(),
        campaigns,
    )
    .expect("valid inputs")
}

/// How many groups of alike stations the 2027 range has.
fn national_groups(inputs: &Inputs) -> usize {
    loa::domain::alike_stations(
        inputs,
        inputs.station_ids(),
        NaiveDate::from_ymd_opt(2027, 1, 1).expect("date"),
        NaiveDate::from_ymd_opt(2027, 12, 31).expect("date"),
    )
    .len()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}
