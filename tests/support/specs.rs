//! The pieces a [`super::Scenario`] is made of: stations, segments, campaigns and
//! rotations, each with defaults so a test sets only what it is about.

use chrono::NaiveDate;
use loa::domain::{
    AreaId, Campaign, CampaignId, CronSchedule, Language, Order, PoolEntry, Priority, Rotation,
    RotationId, Segment, SegmentId, SegmentIdx, Sha256Digest, Station, StationCode,
};

use super::{TZ, date, owned_windows};

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
    StationSpec {
        code: code.to_owned(),
        area: code.to_owned(),
        languages: vec!["vi".to_owned()],
        windows: None,
    }
}

impl StationSpec {
    /// Languages, preferred first.
    pub fn languages(mut self, languages: &[&str]) -> Self {
        self.languages = languages.iter().map(|l| (*l).to_owned()).collect();
        self
    }

    /// The station's own windows, narrowing what its area gives it.
    pub fn windows(mut self, list: &[(&str, &str)]) -> Self {
        self.windows = Some(
            list.iter()
                .map(|(d, r)| ((*d).to_owned(), (*r).to_owned()))
                .collect(),
        );
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
        self.pool = entries
            .iter()
            .map(|(id, w)| ((*id).to_owned(), *w))
            .collect();
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

impl SegmentSpec {
    /// The domain segment.
    pub(super) fn to_segment(&self) -> Segment {
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
    /// The domain rotation; `position` names it when no id was given.
    fn to_rotation(&self, position: usize) -> Rotation {
        let id = self.id.clone().unwrap_or_else(|| format!("r{position}"));
        Rotation {
            id: RotationId::parse(&id).expect("rotation id"),
            slots: self
                .rules
                .iter()
                .map(|r| CronSchedule::parse(r).expect("crontab rule"))
                .collect(),
            slot_seconds: self.slot_seconds,
            order: self.order,
            spacing: self.spacing,
            relay: None,
        }
    }
}

impl StationSpec {
    /// The domain station, its area looked up by code.
    pub(super) fn to_station(&self, area: &dyn Fn(&str) -> AreaId) -> Station {
        Station {
            code: StationCode::parse(&self.code).expect("station code"),
            name: format!("Trạm {}", self.code),
            area: area(&self.area),
            timezone: TZ,
            languages: self
                .languages
                .iter()
                .map(|l| Language::parse(l).expect("language"))
                .collect(),
            windows: self.windows.as_deref().map(owned_windows),
        }
    }
}

impl CampaignSpec {
    /// The domain campaign, its areas and pool segments looked up by code and id.
    pub(super) fn to_campaign(
        &self,
        area: &dyn Fn(&str) -> AreaId,
        segment: &dyn Fn(&str) -> SegmentIdx,
    ) -> Campaign {
        Campaign {
            id: CampaignId::parse(&self.id).expect("campaign id"),
            name: self.name.clone().unwrap_or_else(|| self.id.clone()),
            from: self.from,
            until: self.until,
            areas: self.areas.iter().map(|a| area(a)).collect(),
            priority: self.priority,
            pool: self
                .pool
                .iter()
                .map(|(id, weight)| PoolEntry {
                    segment: segment(id),
                    weight: *weight,
                })
                .collect(),
            min_airings_per_day: self.min_airings_per_day,
            rotations: self
                .rotations
                .iter()
                .enumerate()
                .map(|(i, r)| r.to_rotation(i))
                .collect(),
        }
    }
}
