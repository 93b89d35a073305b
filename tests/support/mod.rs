//! Builds domain inputs in code so each test states only what matters.
//!
//! [`Scenario::province`] is province `06` with windows 05:30-06:30 and 17:00-18:00 every
//! day, district `058` and communes `01834`, `01837`, `01840`; tests add stations,
//! segments and campaigns by id, and pool entries name segments by id too.

pub mod pulse;
mod specs;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use loa::domain::{
    Area, AreaCode, AreaKind, AreaTree, Compilation, Inputs, Item, Segment, SegmentIdx, WeekdaySet,
    Window, Windows, compile,
};

pub use specs::{
    CampaignSpec, SegmentSpec, StationSpec, campaign, rotation, segment, segment_ms, station,
};

/// Hex SHA-256 of `bytes`, computed here rather than by loa's own hex writer, so a
/// test comparing the two checks loa.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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
    items
        .iter()
        .map(|i| inputs.segment(i.segment).id.as_str())
        .collect()
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
        Self {
            area_windows: Vec::new(),
            stations: Vec::new(),
            segments: Vec::new(),
            campaigns: Vec::new(),
        }
        .area_windows("06", &[("*", "05:30-06:30"), ("*", "17:00-18:00")])
    }

    /// Sets (or replaces) the windows written on an area.
    pub fn area_windows(mut self, code: &str, list: &[(&str, &str)]) -> Self {
        let list: Vec<(String, String)> = list
            .iter()
            .map(|(d, r)| ((*d).to_owned(), (*r).to_owned()))
            .collect();
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

    /// Removes the windows written on an area.
    pub fn without_area_windows(mut self, code: &str) -> Self {
        self.area_windows.retain(|(c, _)| c != code);
        self
    }

    /// Builds and validates the inputs; panics with every problem if they are invalid.
    pub fn build(&self) -> Inputs {
        self.try_build().expect("valid test inputs")
    }

    /// Builds and validates the inputs as schedule files and the API are checked.
    pub fn try_build(&self) -> Result<Inputs, Vec<loa::domain::InputsError>> {
        let (tree, area_windows, stations, segments, campaigns) = self.parts();
        Inputs::new(tree, area_windows, stations, segments, campaigns)
    }

    /// Builds the inputs as a stored schedule is read: a station without windows kept.
    pub fn build_stored(&self) -> Inputs {
        let (tree, area_windows, stations, segments, campaigns) = self.parts();
        Inputs::new_allowing_windowless(tree, area_windows, stations, segments, campaigns)
            .expect("valid stored test inputs")
    }

    #[allow(clippy::type_complexity)]
    fn parts(
        &self,
    ) -> (
        AreaTree,
        HashMap<loa::domain::AreaId, Windows>,
        Vec<loa::domain::Station>,
        Vec<Segment>,
        Vec<loa::domain::Campaign>,
    ) {
        let tree = tree();
        let area = |code: &str| {
            tree.get(&AreaCode::parse(code).expect("area code"))
                .expect("area in the tree")
        };
        let area_windows: HashMap<_, _> = self
            .area_windows
            .iter()
            .map(|(code, list)| (area(code), owned_windows(list)))
            .collect();
        let stations = self.stations.iter().map(|s| s.to_station(&area)).collect();
        let segments: Vec<Segment> = self.segments.iter().map(SegmentSpec::to_segment).collect();
        let index = |id: &str| {
            let i = segments
                .iter()
                .position(|s| s.id.as_str() == id)
                .expect("pool names a known segment");
            SegmentIdx::new(u32::try_from(i).expect("few segments"))
        };
        let campaigns = self
            .campaigns
            .iter()
            .map(|c| c.to_campaign(&area, &index))
            .collect();
        (tree, area_windows, stations, segments, campaigns)
    }
}

pub(crate) fn owned_windows(list: &[(String, String)]) -> Windows {
    let borrowed: Vec<(&str, &str)> = list.iter().map(|(d, r)| (d.as_str(), r.as_str())).collect();
    windows(&borrowed)
}

/// One unit of a test tree.
pub fn area(code: &str, name: &str, kind: AreaKind, parent: Option<&str>) -> Area {
    Area {
        code: AreaCode::parse(code).expect("area code"),
        name: name.to_owned(),
        kind,
        parent: parent.map(|p| AreaCode::parse(p).expect("parent code")),
    }
}

/// Province 06 > district 058 > communes 01834, 01837, 01840.
fn tree() -> AreaTree {
    AreaTree::build(vec![
        area("06", "Bắc Kạn", AreaKind::Province, None),
        area("058", "Thành phố Bắc Kạn", AreaKind::District, Some("06")),
        area(
            "01834",
            "Phường Nguyễn Thị Minh Khai",
            AreaKind::Commune,
            Some("058"),
        ),
        area("01837", "Phường Sông Cầu", AreaKind::Commune, Some("058")),
        area("01840", "Phường Đức Xuân", AreaKind::Commune, Some("058")),
    ])
    .expect("test tree")
}

/// One final, unsigned airing record of a plan item (an item of
/// `GET /stations/{code}/plan`), chained after `prev`.
pub fn plan_record(
    prev: &str,
    item: &serde_json::Value,
    outcome: &str,
    reason: &str,
) -> loa::wire::AiringJson {
    let planned = chrono::DateTime::parse_from_rfc3339(item["start"].as_str().expect("start"))
        .expect("rfc3339")
        .timestamp_millis();
    let mut a = loa::wire::AiringJson {
        uuid: uuid::Uuid::new_v4().to_string(),
        item_id: item["id"].as_str().expect("id").to_owned(),
        planned_start_ms: planned,
        actual_start_ms: (outcome != "missed").then_some(planned + 5),
        actual_end_ms: (outcome != "missed").then_some(planned + 1_000),
        outcome: outcome.to_owned(),
        reason: reason.to_owned(),
        clock_offset_ms: 0,
        prev_hash: prev.to_owned(),
        hash: String::new(),
        key_id: None,
        signature: None,
    };
    a.hash = loa::domain::AiringRecord {
        uuid: &a.uuid,
        item_id: &a.item_id,
        planned_start_ms: a.planned_start_ms,
        actual_start_ms: a.actual_start_ms,
        actual_end_ms: a.actual_end_ms,
        outcome: loa::domain::Outcome::parse(&a.outcome).expect("outcome"),
        reason: &a.reason,
        clock_offset_ms: a.clock_offset_ms,
        prev_hash: &a.prev_hash,
    }
    .chain_hash();
    a
}
