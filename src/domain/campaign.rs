//! Campaigns and their rotations: what to air, where, when and how often.

use std::fmt;

use chrono::NaiveDate;

use super::{AreaId, CronSchedule, SegmentIdx};

/// Bulletin level of the national rules for IT-based commune stations
/// (Thông tư 39/2020/TT-BTTTT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// Bản tin thông thường: fills the time priority items leave.
    Normal,
    /// Bản tin ưu tiên: placed ahead of normal items.
    Priority,
    /// Bản tin khẩn cấp: sent live, interrupts whatever plays; never scheduled ahead.
    Emergency,
}

impl Priority {
    /// Parses `normal`, `priority` or `emergency`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "normal" => Some(Self::Normal),
            "priority" => Some(Self::Priority),
            "emergency" => Some(Self::Emergency),
            _ => None,
        }
    }

    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Priority => "priority",
            Self::Emergency => "emergency",
        }
    }

    /// The Vietnamese name used in the national rules.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Normal => "thông thường",
            Self::Priority => "ưu tiên",
            Self::Emergency => "khẩn cấp",
        }
    }
}

/// A campaign's identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CampaignId(String);

impl CampaignId {
    /// Lowercase letters, digits, `-`, `_`, `.`; 1 to 64 characters.
    pub fn parse(s: &str) -> Option<Self> {
        super::is_slug(s).then(|| Self(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CampaignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A rotation's identifier, unique within its campaign.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RotationId(String);

impl RotationId {
    /// Lowercase letters, digits, `-`, `_`, `.`; 1 to 64 characters.
    pub fn parse(s: &str) -> Option<Self> {
        super::is_slug(s).then(|| Self(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RotationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a rotation walks its campaign's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// In the order the pool lists them, over and over.
    Sequential,
    /// Each pass over the pool in a fresh order drawn from `seed` (and the station),
    /// so it is random-looking yet the same on every compile.
    Shuffle {
        /// The seed written in the schedule.
        seed: u64,
    },
    /// Each entry as often as its weight, spread evenly (smooth weighted round-robin).
    Weighted,
}

/// One entry of a campaign's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolEntry {
    /// The segment as listed; stations get its variant in their language.
    pub segment: SegmentIdx,
    /// Relative weight for [`Order::Weighted`], at least 1.
    pub weight: u32,
}

/// How a campaign fills time on a station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// Identifier, unique within the campaign.
    pub id: RotationId,
    /// Slot rules in station-local time.
    pub slots: Vec<CronSchedule>,
    /// How long each slot lasts, seconds.
    pub slot_seconds: u32,
    /// Order of the pool.
    pub order: Order,
    /// No message (translations count as one) repeats within this many airings of the
    /// rotation at a station. Exact within a local day; at the start of each day the
    /// rotation's planned order before that day stands in for what aired the evening
    /// before, which is what keeps each day independent of where compiling began.
    pub spacing: u32,
    /// When set, each slot relays this live stream for its whole free length instead of
    /// airing segments; the pool's next segment is the fallback if the stream fails.
    pub relay: Option<RelayUrl>,
}

/// The address of a live stream to relay (an HTTP or HTTPS MP3/OGG stream, e.g. a
/// provincial or national programme).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RelayUrl(String);

impl RelayUrl {
    /// `http://` or `https://`, a host, no spaces, at most 500 characters.
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s
            .strip_prefix("http://")
            .or_else(|| s.strip_prefix("https://"))?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let ok = !host.is_empty() && s.len() <= 500 && s.chars().all(|c| c.is_ascii_graphic());
        ok.then(|| Self(s.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RelayUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A communication effort over a date range and a set of area subtrees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Identifier.
    pub id: CampaignId,
    /// Display name, NFC.
    pub name: String,
    /// First local date, inclusive.
    pub from: NaiveDate,
    /// Last local date, inclusive.
    pub until: NaiveDate,
    /// Roots of the target subtrees.
    pub areas: Vec<AreaId>,
    /// `Normal` or `Priority` (emergencies are not scheduled).
    pub priority: Priority,
    /// Segments to air.
    pub pool: Vec<PoolEntry>,
    /// At least this many airings per station per day (0: no target).
    pub min_airings_per_day: u32,
    /// How the pool fills time.
    pub rotations: Vec<Rotation>,
}

impl Campaign {
    /// Whether `date` lies in the campaign's date range.
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.until
    }
}
