//! Airing reports: what was planned, what aired, what was missed and why, per area
//! (rolled up the tree), station, campaign, segment, language, priority and period.
//!
//! Pure: the store counts rows into [`PlannedCell`]s and [`AiringCell`]s (one per
//! station, local day, campaign, segment, priority and outcome); this module matches
//! them, rolls them up and returns plain rows. It knows no SQL and no file format.
//!
//! Truthful numbers: an item still in the future is `upcoming`, never missed; an item
//! whose time has passed with no record from the station is `unreported` (the station
//! may still be offline and send it later, which then changes the report); a record
//! that has no planned item (fallback rotation, emergency bulletin) is counted apart.

mod aggregate;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::{AreaId, AreaTree, Outcome};

pub use aggregate::aggregate;

/// The reason key under which items with no record yet are counted.
pub const UNREPORTED: &str = "unreported";

/// A station a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportStation {
    /// Station code.
    pub code: String,
    /// Station name.
    pub name: String,
    /// The area it stands in.
    pub area: AreaId,
}

/// Where an airing record came from, when it is not a planned item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// One of the station's planned items.
    Planned,
    /// The fallback rotation, played when the horizon ran out.
    Fallback,
    /// An emergency bulletin.
    Emergency,
}

/// Planned items of one station, local day, campaign, segment and priority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedCell {
    /// Station code.
    pub station: String,
    /// Local day, when the report is counted by day.
    pub day: Option<NaiveDate>,
    /// Campaign id.
    pub campaign: String,
    /// Segment id.
    pub segment: String,
    /// Priority keyword.
    pub priority: String,
    /// Whether these items' planned start has passed.
    pub due: bool,
    /// How many items.
    pub count: u64,
    /// Their planned length together, ms.
    pub duration_ms: i64,
}

/// Airing records of one station, local day (of the planned start), campaign, segment,
/// priority, outcome and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiringCell {
    /// Station code.
    pub station: String,
    /// Local day of the planned start, when the report is counted by day.
    pub day: Option<NaiveDate>,
    /// Planned item, fallback or emergency.
    pub source: Source,
    /// Campaign id of the planned item (empty otherwise).
    pub campaign: String,
    /// Segment id of the planned item (empty otherwise).
    pub segment: String,
    /// Priority of the planned item (empty otherwise).
    pub priority: String,
    /// Outcome.
    pub outcome: Outcome,
    /// Reason, empty when none.
    pub reason: String,
    /// How many records.
    pub count: u64,
    /// Time on air together (end − start of those that started), ms.
    pub aired_ms: i64,
}

/// Counts for one row of a report. Sums of rows are sums of their fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Items planned in the period, future ones included.
    pub planned: u64,
    /// Planned items not yet due.
    pub upcoming: u64,
    /// Played in full.
    pub aired: u64,
    /// Cut short.
    pub partial: u64,
    /// Started late (inside the grace window) and cut where the next item began:
    /// "phát muộn", counted apart (each is also counted as `partial`).
    pub late_start: u64,
    /// Not played.
    pub missed: u64,
    /// Tried and failed.
    pub failed: u64,
    /// Interrupted by an emergency bulletin.
    pub preempted: u64,
    /// Due, but no record from the station yet.
    pub unreported: u64,
    /// Records beyond one per planned item (a station fault; shown, never merged).
    pub extra: u64,
    /// Planned length of the due items, ms.
    pub due_ms: i64,
    /// Time on air of planned items, ms.
    pub aired_ms: i64,
    /// Records of the fallback rotation.
    pub fallback: u64,
    /// Records of emergency bulletins.
    pub emergency: u64,
    /// Time on air of fallback and emergency records, ms.
    pub unplanned_ms: i64,
    /// Items not aired in full, by reason: `missed`/`failed`/`partial`/`preempted`
    /// records by their reason (or the outcome when none), and [`UNREPORTED`].
    pub reasons: BTreeMap<String, u64>,
}

impl Tally {
    /// Items whose time has passed.
    pub fn due(&self) -> u64 {
        self.planned - self.upcoming
    }

    /// Share of the due items aired in full, in percent; `None` when none is due.
    pub fn completion_pct(&self) -> Option<f64> {
        let due = self.due();
        (due > 0).then(|| self.aired as f64 * 100.0 / due as f64)
    }

    /// Minutes on air of planned items.
    pub fn minutes_aired(&self) -> f64 {
        self.aired_ms as f64 / 60_000.0
    }

    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &Tally) {
        self.planned += other.planned;
        self.upcoming += other.upcoming;
        self.aired += other.aired;
        self.partial += other.partial;
        self.late_start += other.late_start;
        self.missed += other.missed;
        self.failed += other.failed;
        self.preempted += other.preempted;
        self.unreported += other.unreported;
        self.extra += other.extra;
        self.due_ms += other.due_ms;
        self.aired_ms += other.aired_ms;
        self.fallback += other.fallback;
        self.emergency += other.emergency;
        self.unplanned_ms += other.unplanned_ms;
        for (reason, n) in &other.reasons {
            *self.reasons.entry(reason.clone()).or_default() += n;
        }
    }
}

/// How a report's rows are split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One row per station.
    Station,
    /// One row per area at every level of the tree, each the sum of its stations.
    Area,
    /// One row per campaign.
    Campaign,
    /// One row per segment.
    Segment,
    /// One row per language.
    Language,
    /// One row per priority.
    Priority,
    /// One row per local day.
    Day,
    /// One row per ISO week (Monday to Sunday).
    Week,
    /// One row per calendar month.
    Month,
}

impl GroupBy {
    /// Parses the keyword of `--by`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "station" => Self::Station,
            "area" => Self::Area,
            "campaign" => Self::Campaign,
            "segment" => Self::Segment,
            "language" => Self::Language,
            "priority" => Self::Priority,
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            _ => return None,
        })
    }

    /// The keywords, for messages.
    pub const KEYWORDS: &'static str =
        "station, area, campaign, segment, language, priority, day, week, month";

    /// Whether the cells must carry the local day.
    pub fn needs_day(self) -> bool {
        matches!(self, Self::Day | Self::Week | Self::Month)
    }

    /// Whether the cells must carry the segment (its title or language labels rows).
    pub fn needs_segment(self) -> bool {
        matches!(self, Self::Segment | Self::Language)
    }
}

/// Names the rows are labelled with.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Campaign id → name.
    pub campaigns: HashMap<String, String>,
    /// Segment id → (title, language).
    pub segments: HashMap<String, (String, String)>,
}

/// One row of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Sort and identity key: station or area code, campaign id, `yyyy-mm-dd`, ….
    pub key: String,
    /// What the row is about, for people (name, title, `dd/mm/yyyy`, …).
    pub label: String,
    /// For area rows, the area and its depth under the report's root (0 = the root).
    pub area: Option<(AreaId, u8)>,
    /// The counts.
    pub tally: Tally,
}

/// Per station, for integrity columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StationFacts {
    /// Breaks found in the station's log chain among the period's records.
    pub chain_breaks: u64,
    /// Whether the station sent a heartbeat in the period.
    pub heard: bool,
    /// Whether the period's records verified at the latest check (`loa verify`).
    pub log: super::LogStatus,
}

/// A whole report.
#[derive(Debug, Clone)]
pub struct Report {
    /// The rows, in key order (area rows in tree order).
    pub rows: Vec<Row>,
    /// All rows together.
    pub total: Tally,
    /// Every station covered, with its counts.
    pub stations: Vec<StationTotals>,
    /// Every area of the covered tree with its sums, parents before children.
    pub areas: Vec<AreaTotals>,
}

impl Report {
    /// Codes of the stations whose log chain has a break among the period's records.
    pub fn broken_chains(&self) -> Vec<&str> {
        self.codes(|f| f.chain_breaks > 0)
    }

    /// Codes of the stations that sent no heartbeat in the period.
    pub fn silent_stations(&self) -> Vec<&str> {
        self.codes(|f| !f.heard)
    }

    /// Codes of the stations whose period's records failed the latest log check
    /// (signature or chain).
    pub fn failed_logs(&self) -> Vec<&str> {
        use super::LogStatus;
        self.codes(|f| matches!(f.log, LogStatus::SignatureFailed | LogStatus::ChainFailed))
    }

    /// Codes of the stations with unsigned records in the period.
    pub fn unsigned_logs(&self) -> Vec<&str> {
        self.codes(|f| f.log == super::LogStatus::Unsigned)
    }

    fn codes(&self, pick: impl Fn(&StationFacts) -> bool) -> Vec<&str> {
        self.stations
            .iter()
            .filter(|s| pick(&s.facts))
            .map(|s| s.station.code.as_str())
            .collect()
    }
}

/// One station's sums in a report.
#[derive(Debug, Clone)]
pub struct StationTotals {
    /// The station.
    pub station: ReportStation,
    /// Its counts.
    pub tally: Tally,
    /// Its counts per campaign id.
    pub by_campaign: BTreeMap<String, Tally>,
    /// Chain breaks and heartbeats.
    pub facts: StationFacts,
}

/// One area's sums in a report.
#[derive(Debug, Clone)]
pub struct AreaTotals {
    /// The area.
    pub area: AreaId,
    /// Depth under the report's root (0 = the root).
    pub depth: u8,
    /// Counts of all its stations.
    pub tally: Tally,
    /// Counts per campaign id.
    pub by_campaign: BTreeMap<String, Tally>,
    /// Its stations with a break in their log chain.
    pub chain_breaks: u64,
    /// Its stations that sent no heartbeat in the period.
    pub silent_stations: u64,
}

/// What a report is built from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInputs<'a> {
    /// The administrative tree.
    pub tree: &'a AreaTree,
    /// The subtree covered; `None` for the whole tree.
    pub root: Option<AreaId>,
    /// Every station covered, in the order wanted.
    pub stations: &'a [ReportStation],
    /// Integrity facts per station code.
    pub facts: &'a HashMap<String, StationFacts>,
    /// Names for labels.
    pub names: &'a Names,
    /// Planned items, counted.
    pub planned: &'a [PlannedCell],
    /// Airing records, counted.
    pub airings: &'a [AiringCell],
}

/// A due planned item that did not air in full, for the misses list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// Station code.
    pub station: String,
    /// Item id.
    pub item_id: String,
    /// Planned start, ms since the epoch.
    pub start_ms: i64,
    /// Planned length, ms.
    pub duration_ms: i64,
    /// Campaign id.
    pub campaign: String,
    /// Segment id.
    pub segment: String,
    /// The station's record of it; `None` when no record has arrived.
    pub outcome: Option<Outcome>,
    /// Its reason ([`UNREPORTED`] when no record has arrived).
    pub reason: String,
    /// Time on air, ms.
    pub aired_ms: i64,
}
