//! Benchmark: compile a national-shape schedule for every commune station.
//!
//! Builds a synthetic tree the size of Vietnam's pre-reform 3-tier tree (63 provinces,
//! 693 districts, 10,000 communes), one station per commune, three overlapping
//! nationwide campaigns, and measures:
//!
//! - the time to validate and prepare [`Inputs`];
//! - compiling 14 days for every station on all cores (wall time, stations per second,
//!   items, peak RSS with every compilation kept in memory);
//! - compiling 14 days for one station, repeated, as median and p99 per compile.
//!
//! Run with `cargo bench --bench compile_country` (release profile, no criterion).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use loa::domain::{
    Area, AreaCode, AreaKind, AreaTree, Campaign, CampaignId, Compilation, CronSchedule, Inputs,
    Language, Order, PoolEntry, Priority, Rotation, RotationId, Segment, SegmentId, SegmentIdx,
    Sha256Digest, Station, StationCode, StationIdx, WeekdaySet, Window, Windows, compile,
};

const PROVINCES: usize = 63;
const DISTRICTS_PER_PROVINCE: usize = 11;
const COMMUNES: usize = 10_000;
/// Roughly one station in ten broadcasts in Tày first, then Vietnamese.
const MINORITY_EVERY: usize = 10;
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

/// The raw pieces, before validation.
struct Country {
    areas: Vec<Area>,
    province_codes: Vec<AreaCode>,
    stations: Vec<(StationCode, AreaCode, Vec<Language>)>,
    segments: Vec<Segment>,
}

impl Country {
    fn build() -> Self {
        let mut areas = Vec::with_capacity(PROVINCES * (1 + DISTRICTS_PER_PROVINCE) + COMMUNES);
        let mut province_codes = Vec::with_capacity(PROVINCES);
        let mut stations = Vec::with_capacity(COMMUNES);
        let districts = PROVINCES * DISTRICTS_PER_PROVINCE;
        let mut commune = 0usize;
        for p in 0..PROVINCES {
            let p_code = code(&format!("{:02}", p + 1));
            areas.push(Area {
                code: p_code.clone(),
                name: format!("Tỉnh số {}", p + 1),
                kind: AreaKind::Province,
                parent: None,
            });
            for k in 0..DISTRICTS_PER_PROVINCE {
                let d = p * DISTRICTS_PER_PROVINCE + k;
                let d_code = code(&format!("{:03}", d + 1));
                areas.push(Area {
                    code: d_code.clone(),
                    name: format!("Huyện số {}", d + 1),
                    kind: AreaKind::District,
                    parent: Some(p_code.clone()),
                });
                // 14 or 15 communes per district, 10,000 in all.
                let end = COMMUNES * (d + 1) / districts;
                while commune < end {
                    let c_code = commune_code(commune);
                    areas.push(Area {
                        code: code(&c_code),
                        name: format!("Xã số {}", commune + 1),
                        kind: AreaKind::Commune,
                        parent: Some(d_code.clone()),
                    });
                    let languages = if commune % MINORITY_EVERY == 0 {
                        vec![lang("tyz"), lang("vi")]
                    } else {
                        vec![lang("vi")]
                    };
                    stations.push((
                        StationCode::parse(&c_code).expect("commune code is a station code"),
                        code(&c_code),
                        languages,
                    ));
                    commune += 1;
                }
            }
            province_codes.push(p_code);
        }

        // Eight messages in Vietnamese, 15–60 s, two of them also recorded in Tày.
        let durations_ms = [
            15_320, 22_480, 31_050, 44_900, 59_760, 27_130, 38_640, 52_210,
        ];
        let mut segments: Vec<Segment> = durations_ms
            .iter()
            .enumerate()
            .map(|(i, &ms)| segment(&format!("ban-tin-{}-vi", i + 1), "vi", None, ms, i as u8))
            .collect();
        segments.push(segment(
            "ban-tin-1-tyz",
            "tyz",
            Some("ban-tin-1-vi"),
            17_400,
            100,
        ));
        segments.push(segment(
            "ban-tin-3-tyz",
            "tyz",
            Some("ban-tin-3-vi"),
            34_250,
            101,
        ));

        Self {
            areas,
            province_codes,
            stations,
            segments,
        }
    }

    /// Validates the tree and the inputs; returns them with the number of areas.
    fn into_inputs(self) -> (Inputs, usize) {
        let area_count = self.areas.len();
        let tree = AreaTree::build(self.areas).expect("valid area tree");
        let id_of = |c: &AreaCode| tree.get(c).expect("area in tree");

        let every_day =
            |range: &str| Window::parse_range(WeekdaySet::ALL, range).expect("valid window");
        let windows = Windows::new(vec![every_day("05:30-06:30"), every_day("17:00-18:00")])
            .expect("non-overlapping windows");
        let area_windows: HashMap<_, _> = self
            .province_codes
            .iter()
            .map(|p| (id_of(p), windows.clone()))
            .collect();

        let timezone = chrono_tz::Asia::Ho_Chi_Minh;
        let stations: Vec<Station> = self
            .stations
            .into_iter()
            .map(|(code, area, languages)| Station {
                name: format!("Đài truyền thanh xã {code}"),
                code,
                area: id_of(&area),
                timezone,
                languages,
                windows: None,
            })
            .collect();

        let provinces: Vec<_> = self.province_codes.iter().map(id_of).collect();
        let seg = |id: &str| {
            let i = self
                .segments
                .iter()
                .position(|s| s.id.as_str() == id)
                .expect("segment listed in a pool exists");
            SegmentIdx::new(u32::try_from(i).expect("few segments"))
        };
        let pool = |entries: &[(&str, u32)]| -> Vec<PoolEntry> {
            entries
                .iter()
                .map(|&(id, weight)| PoolEntry {
                    segment: seg(id),
                    weight,
                })
                .collect()
        };

        let campaigns = vec![
            Campaign {
                id: CampaignId::parse("ke-hoach-nam").expect("id"),
                name: "Kế hoạch tuyên truyền thường xuyên 2021–2030".to_owned(),
                from: date(2021, 1, 1),
                until: date(2030, 12, 31),
                areas: provinces.clone(),
                priority: Priority::Normal,
                pool: pool(&[
                    ("ban-tin-1-vi", 1),
                    ("ban-tin-2-vi", 1),
                    ("ban-tin-4-vi", 1),
                    ("ban-tin-5-vi", 1),
                    ("ban-tin-6-vi", 1),
                    ("ban-tin-8-vi", 1),
                ]),
                min_airings_per_day: 8,
                rotations: vec![
                    rotation(
                        "sang-chieu",
                        &["30 5 * * *", "0 17 * * *"],
                        5 * 60,
                        Order::Sequential,
                        2,
                    ),
                    rotation("cuoi-buoi", &["40 17 * * *"], 3 * 60, Order::Weighted, 1),
                ],
            },
            Campaign {
                id: CampaignId::parse("tuan-le-hoc-tap-suot-doi-2026").expect("id"),
                name: "Tuần lễ hưởng ứng học tập suốt đời 2026".to_owned(),
                from: date(2026, 10, 1),
                until: date(2026, 10, 7),
                areas: provinces.clone(),
                priority: Priority::Priority,
                pool: pool(&[
                    ("ban-tin-3-vi", 3),
                    ("ban-tin-7-vi", 2),
                    ("ban-tin-1-vi", 1),
                    ("ban-tin-2-vi", 1),
                ]),
                min_airings_per_day: 6,
                rotations: vec![rotation(
                    "tuan-le",
                    &["0 6 * * *", "20 17 * * *"],
                    4 * 60,
                    Order::Shuffle { seed: 2026 },
                    1,
                )],
            },
            Campaign {
                id: CampaignId::parse("chuyen-doi-so-quy-4").expect("id"),
                name: "Chuyển đổi số quý IV".to_owned(),
                from: date(2026, 9, 15),
                until: date(2026, 10, 31),
                areas: provinces,
                priority: Priority::Normal,
                pool: pool(&[
                    ("ban-tin-3-vi", 2),
                    ("ban-tin-6-vi", 1),
                    ("ban-tin-7-vi", 1),
                ]),
                min_airings_per_day: 2,
                rotations: vec![rotation(
                    "buoi-sang",
                    &["15 6 * * *"],
                    2 * 60,
                    Order::Weighted,
                    0,
                )],
            },
        ];

        let inputs = Inputs::new(tree, area_windows, stations, self.segments, campaigns)
            .unwrap_or_else(|errors| panic!("inputs should be consistent: {errors:?}"));
        (inputs, area_count)
    }
}

fn rotation(id: &str, slots: &[&str], slot_seconds: u32, order: Order, spacing: u32) -> Rotation {
    Rotation {
        id: RotationId::parse(id).expect("rotation id"),
        slots: slots
            .iter()
            .map(|s| CronSchedule::parse(s).expect("valid crontab"))
            .collect(),
        slot_seconds,
        order,
        spacing,
    }
}

fn segment(id: &str, language: &str, group: Option<&str>, duration_ms: u32, salt: u8) -> Segment {
    let id = SegmentId::parse(id).expect("segment id");
    let mut digest = [salt; 32];
    digest[0] = 0x5a;
    Segment {
        title: format!("Bản tin {id}"),
        group: group.map_or_else(|| id.clone(), |g| SegmentId::parse(g).expect("group id")),
        id,
        language: lang(language),
        tags: vec!["hoc-tap".to_owned()],
        duration_ms,
        sha256: Sha256Digest::from_bytes(digest),
        valid_from: None,
        valid_until: None,
    }
}

fn commune_code(i: usize) -> String {
    format!("{:05}", i + 1)
}

fn code(s: &str) -> AreaCode {
    AreaCode::parse(s).expect("numeric area code")
}

fn lang(s: &str) -> Language {
    Language::parse(s).expect("language code")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
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
        if i > 0 && (digits.len() - i) % 3 == 0 {
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
