//! Builds domain inputs in code so each test states only what matters.
//!
//! [`Scenario::province`] is province `06` with windows 05:30-06:30 and 17:00-18:00 every
//! day, district `058` and communes `01834`, `01837`, `01840`; tests add stations,
//! segments and campaigns by id, and pool entries name segments by id too.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use loa::domain::{
    Area, AreaCode, AreaKind, AreaTree, Campaign, CampaignId, Compilation, CronSchedule, Inputs,
    Item, Language, Order, PoolEntry, Priority, Rotation, RotationId, Segment, SegmentId,
    SegmentIdx, Sha256Digest, Station, StationCode, Window, WeekdaySet, Windows, compile,
};

/// The time zone of every station built here.
pub const TZ: Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// A date written `YYYY-MM-DD`.
pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// Windows from `(days, "HH:MM-HH:MM")` pairs, days as [`WeekdaySet::parse`] reads them.
pub fn windows(list: &[(&str, &str)]) -> Windows {
    let list = list
        .iter()
        .map(|(days, range)| {
            let days = WeekdaySet::parse(days).expect("test days");
            Window::parse_range(days, range).expect("test window")
        })
        .collect();
    Windows::new(list).expect("test windows do not overlap")
}

/// Compiles `days` days from `from` for the station with code `station`.
pub fn plan(inputs: &Inputs, station: &str, from: &str, days: u32) -> Compilation {
    let idx = inputs.station_by_code(station).expect("station exists");
    compile(inputs, idx, date(from), days)
}

/// An item's start in station-local time.
pub fn local_start(item: &Item) -> NaiveDateTime {
    item.start.with_timezone(&TZ).naive_local()
}

/// Items as `"MM-DD HH:MM:SS segment"` lines in local time, for readable assertions.
pub fn timeline(inputs: &Inputs, items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            let at = local_start(i).format("%m-%d %H:%M:%S");
            format!("{at} {}", inputs.segment(i.segment).id)
        })
        .collect()
}

/// Segment ids of the items, in order.
pub fn segment_ids<'a>(inputs: &'a Inputs, items: &[Item]) -> Vec<&'a str> {
    items.iter().map(|i| inputs.segment(i.segment).id.as_str()).collect()
}

/// A station to add: in the commune of the same code unless told otherwise.
#[derive(Debug, Clone)]
pub struct StationSpec {
    code: String,
    area: String,
    languages: Vec<String>,
    windows: Option<Vec<(String, String)>>,
}

/// A Vietnamese-language station in the commune with the same code.
pub fn station(code: &str) -> StationSpec {
    StationSpec { code: code.to_owned(), area: code.to_owned(), languages: vec!["vi".to_owned()], windows: None }
}

impl StationSpec {
    /// Languages, preferred first.
    pub fn languages(mut self, languages: &[&str]) -> Self {
        self.languages = languages.iter().map(|l| (*l).to_owned()).collect();
        self
    }

    /// The station's own windows, narrowing what its area gives it.
    pub fn windows(mut self, list: &[(&str, &str)]) -> Self {
        self.windows = Some(list.iter().map(|(d, r)| ((*d).to_owned(), (*r).to_owned())).collect());
        self
    }
}

/// A segment to add: Vietnamese, its own translation group, always valid.
#[derive(Debug, Clone)]
pub struct SegmentSpec {
    id: String,
    duration_ms: u32,
    language: String,
    group: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
}

/// A segment of `seconds` seconds.
pub fn segment(id: &str, seconds: u32) -> SegmentSpec {
    segment_ms(id, seconds * 1000)
}

/// A segment of `ms` milliseconds.
pub fn segment_ms(id: &str, ms: u32) -> SegmentSpec {
    SegmentSpec {
        id: id.to_owned(),
        duration_ms: ms,
        language: "vi".to_owned(),
        group: None,
        valid_from: None,
        valid_until: None,
    }
}

impl SegmentSpec {
    /// Language of the recording.
    pub fn lang(mut self, language: &str) -> Self {
        self.language = language.to_owned();
        self
    }

    /// The message (translation group) it belongs to.
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_owned());
        self
    }

    /// Validity dates, inclusive; `None` leaves that end open.
    pub fn valid(mut self, from: Option<&str>, until: Option<&str>) -> Self {
        self.valid_from = from.map(date);
        self.valid_until = until.map(date);
        self
    }
}

/// A rotation to add to a campaign: sequential, no spacing.
#[derive(Debug, Clone)]
pub struct RotationSpec {
    id: Option<String>,
    rules: Vec<String>,
    slot_seconds: u32,
    order: Order,
    spacing: u32,
}

/// Slots at the crontab `rules`, each `slot_seconds` long.
pub fn rotation(rules: &[&str], slot_seconds: u32) -> RotationSpec {
    RotationSpec {
        id: None,
        rules: rules.iter().map(|r| (*r).to_owned()).collect(),
        slot_seconds,
        order: Order::Sequential,
        spacing: 0,
    }
}

impl RotationSpec {
    /// Identifier (default `r0`, `r1`, … by position).
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    /// Order of the pool.
    pub fn order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }

    /// No message repeats within this many airings.
    pub fn spacing(mut self, spacing: u32) -> Self {
        self.spacing = spacing;
        self
    }
}

/// A campaign to add: normal, 2026-10-01 to 2026-12-31, the whole province.
#[derive(Debug, Clone)]
pub struct CampaignSpec {
    id: String,
    name: Option<String>,
    from: NaiveDate,
    until: NaiveDate,
    areas: Vec<String>,
    priority: Priority,
    pool: Vec<(String, u32)>,
    min_airings_per_day: u32,
    rotations: Vec<RotationSpec>,
}

/// A campaign with the given id (also its name unless [`CampaignSpec::name`] is set).
pub fn campaign(id: &str) -> CampaignSpec {
    CampaignSpec {
        id: id.to_owned(),
        name: None,
        from: date("2026-10-01"),
        until: date("2026-12-31"),
        areas: vec!["06".to_owned()],
        priority: Priority::Normal,
        pool: Vec::new(),
        min_airings_per_day: 0,
        rotations: Vec::new(),
    }
}

impl CampaignSpec {
    /// Display name.
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// First and last local date, inclusive.
    pub fn dates(mut self, from: &str, until: &str) -> Self {
        self.from = date(from);
        self.until = date(until);
        self
    }

    /// Roots of the target subtrees, by area code.
    pub fn areas(mut self, areas: &[&str]) -> Self {
        self.areas = areas.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    /// Bulletin level.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// Pool entries of weight 1, by segment id.
    pub fn pool(mut self, ids: &[&str]) -> Self {
        self.pool = ids.iter().map(|id| ((*id).to_owned(), 1)).collect();
        self
    }

    /// Pool entries with weights, by segment id.
    pub fn weighted_pool(mut self, entries: &[(&str, u32)]) -> Self {
        self.pool = entries.iter().map(|(id, w)| ((*id).to_owned(), *w)).collect();
        self
    }

    /// Daily target per station.
    pub fn min_per_day(mut self, n: u32) -> Self {
        self.min_airings_per_day = n;
        self
    }

    /// Adds a rotation.
    pub fn rotation(mut self, rotation: RotationSpec) -> Self {
        self.rotations.push(rotation);
        self
    }
}

/// A whole set of inputs under construction.
#[derive(Debug, Clone)]
pub struct Scenario {
    area_windows: Vec<(String, Vec<(String, String)>)>,
    stations: Vec<StationSpec>,
    segments: Vec<SegmentSpec>,
    campaigns: Vec<CampaignSpec>,
}

impl Scenario {
    /// Province `06` (windows 05:30-06:30 and 17:00-18:00 every day), district `058`,
    /// communes `01834`, `01837`, `01840`; no stations, segments or campaigns yet.
    pub fn province() -> Self {
        Self { area_windows: Vec::new(), stations: Vec::new(), segments: Vec::new(), campaigns: Vec::new() }
            .area_windows("06", &[("*", "05:30-06:30"), ("*", "17:00-18:00")])
    }

    /// Sets (or replaces) the windows written on an area.
    pub fn area_windows(mut self, code: &str, list: &[(&str, &str)]) -> Self {
        let list: Vec<(String, String)> = list.iter().map(|(d, r)| ((*d).to_owned(), (*r).to_owned())).collect();
        self.area_windows.retain(|(c, _)| c != code);
        self.area_windows.push((code.to_owned(), list));
        self
    }

    /// Adds a station.
    pub fn station(mut self, spec: StationSpec) -> Self {
        self.stations.push(spec);
        self
    }

    /// Adds a segment.
    pub fn segment(mut self, spec: SegmentSpec) -> Self {
        self.segments.push(spec);
        self
    }

    /// Adds a campaign.
    pub fn campaign(mut self, spec: CampaignSpec) -> Self {
        self.campaigns.push(spec);
        self
    }

    /// Builds and validates the inputs; panics with every problem if they are invalid.
    pub fn build(&self) -> Inputs {
        let tree = tree();
        let area = |code: &str| tree.get(&AreaCode::parse(code).expect("area code")).expect("area in the tree");
        let area_windows: HashMap<_, _> = self
            .area_windows
            .iter()
            .map(|(code, list)| (area(code), owned_windows(list)))
            .collect();
        let stations = self
            .stations
            .iter()
            .map(|s| Station {
                code: StationCode::parse(&s.code).expect("station code"),
                name: format!("Trạm {}", s.code),
                area: area(&s.area),
                timezone: TZ,
                languages: s.languages.iter().map(|l| Language::parse(l).expect("language")).collect(),
                windows: s.windows.as_deref().map(owned_windows),
            })
            .collect();
        let segments: Vec<Segment> = self.segments.iter().map(SegmentSpec::to_segment).collect();
        let index = |id: &str| {
            let i = segments.iter().position(|s| s.id.as_str() == id).expect("pool names a known segment");
            SegmentIdx::new(u32::try_from(i).expect("few segments"))
        };
        let campaigns = self
            .campaigns
            .iter()
            .map(|c| Campaign {
                id: CampaignId::parse(&c.id).expect("campaign id"),
                name: c.name.clone().unwrap_or_else(|| c.id.clone()),
                from: c.from,
                until: c.until,
                areas: c.areas.iter().map(|a| area(a)).collect(),
                priority: c.priority,
                pool: c.pool.iter().map(|(id, weight)| PoolEntry { segment: index(id), weight: *weight }).collect(),
                min_airings_per_day: c.min_airings_per_day,
                rotations: c.rotations.iter().enumerate().map(|(i, r)| r.to_rotation(i)).collect(),
            })
            .collect();
        Inputs::new(tree, area_windows, stations, segments, campaigns).expect("valid test inputs")
    }
}

impl SegmentSpec {
    fn to_segment(&self) -> Segment {
        let mut digest = [0u8; 32];
        for (d, b) in digest.iter_mut().zip(self.id.bytes()) {
            *d = b;
        }
        Segment {
            id: SegmentId::parse(&self.id).expect("segment id"),
            title: self.id.clone(),
            language: Language::parse(&self.language).expect("language"),
            group: SegmentId::parse(self.group.as_deref().unwrap_or(&self.id)).expect("group id"),
            tags: Vec::new(),
            duration_ms: self.duration_ms,
            sha256: Sha256Digest::from_bytes(digest),
            valid_from: self.valid_from,
            valid_until: self.valid_until,
        }
    }
}

impl RotationSpec {
    fn to_rotation(&self, position: usize) -> Rotation {
        let id = self.id.clone().unwrap_or_else(|| format!("r{position}"));
        Rotation {
            id: RotationId::parse(&id).expect("rotation id"),
            slots: self.rules.iter().map(|r| CronSchedule::parse(r).expect("crontab rule")).collect(),
            slot_seconds: self.slot_seconds,
            order: self.order,
            spacing: self.spacing,
        }
    }
}

fn owned_windows(list: &[(String, String)]) -> Windows {
    let borrowed: Vec<(&str, &str)> = list.iter().map(|(d, r)| (d.as_str(), r.as_str())).collect();
    windows(&borrowed)
}

/// Province 06 > district 058 > communes 01834, 01837, 01840.
fn tree() -> AreaTree {
    let area = |code: &str, name: &str, kind, parent: Option<&str>| Area {
        code: AreaCode::parse(code).expect("area code"),
        name: name.to_owned(),
        kind,
        parent: parent.map(|p| AreaCode::parse(p).expect("parent code")),
    };
    AreaTree::build(vec![
        area("06", "Bắc Kạn", AreaKind::Province, None),
        area("058", "Thành phố Bắc Kạn", AreaKind::District, Some("06")),
        area("01834", "Phường Nguyễn Thị Minh Khai", AreaKind::Commune, Some("058")),
        area("01837", "Phường Sông Cầu", AreaKind::Commune, Some("058")),
        area("01840", "Phường Đức Xuân", AreaKind::Commune, Some("058")),
    ])
    .expect("test tree")
}
