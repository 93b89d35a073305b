//! The national-shape dataset the benchmarks share: a synthetic tree the size of
//! Vietnam's pre-reform 3-tier tree (63 provinces, 693 districts, 10,000 communes), one
//! station per commune (one in ten airing Tày first), ten segments and three overlapping
//! nationwide campaigns. Deterministic: every run builds the same inputs.
//!
//! Included by each benchmark with `#[path = "national/mod.rs"] mod national;`.

use std::collections::HashMap;

use chrono::NaiveDate;
use loa::domain::{
    Area, AreaCode, AreaKind, AreaTree, Campaign, CampaignId, CronSchedule, Inputs, Language,
    Order, PoolEntry, Priority, Rotation, RotationId, Segment, SegmentId, SegmentIdx, Sha256Digest,
    Station, StationCode, WeekdaySet, Window, Windows,
};

const PROVINCES: usize = 63;
const DISTRICTS_PER_PROVINCE: usize = 11;
/// Communes in the tree, each with one station.
pub const COMMUNES: usize = 10_000;
/// Roughly one station in ten broadcasts in Tày first, then Vietnamese.
const MINORITY_EVERY: usize = 10;

/// The raw pieces, before validation.
pub struct Country {
    areas: Vec<Area>,
    province_codes: Vec<AreaCode>,
    stations: Vec<(StationCode, AreaCode, Vec<Language>)>,
    segments: Vec<Segment>,
}

impl Country {
    /// Generates the areas, stations and segments.
    pub fn build() -> Self {
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
                    let languages = if commune.is_multiple_of(MINORITY_EVERY) {
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
    pub fn into_inputs(self) -> (Inputs, usize) {
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
        relay: None,
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

/// The code of the `i`-th commune (from 0), which is also its station's code.
pub fn commune_code(i: usize) -> String {
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
