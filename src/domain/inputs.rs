//! Everything the compiler reads, checked for consistency once, with look-ups prepared.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{
    AreaCode, AreaId, AreaTree, Campaign, CampaignId, Priority, Segment, SegmentId, SegmentIdx,
    Station, StationCode, Window, Windows,
};

/// Index of a station inside [`Inputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StationIdx(pub(crate) u32);

impl StationIdx {
    /// The position in the stations vector given to [`Inputs::new`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Longest campaign loa accepts, in days (the national schemes run ten years).
const MAX_CAMPAIGN_DAYS: i64 = 20 * 366;

/// A consistency problem between otherwise valid pieces. Indices point into the
/// vectors given to [`Inputs::new`], so a caller can say where the piece was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputsError {
    /// Two stations share a code.
    #[error("mã trạm {code} bị trùng")]
    DuplicateStation {
        /// The later station.
        station: usize,
        /// The code.
        code: StationCode,
    },
    /// Two segments share an id.
    #[error("mã bản tin {id} bị trùng")]
    DuplicateSegment {
        /// The later segment.
        segment: usize,
        /// The id.
        id: SegmentId,
    },
    /// Two campaigns share an id.
    #[error("mã chiến dịch {id} bị trùng")]
    DuplicateCampaign {
        /// The later campaign.
        campaign: usize,
        /// The id.
        id: CampaignId,
    },
    /// Windows set on an area reach outside what the area inherits.
    #[error(
        "khung giờ {window} của đơn vị {area} nằm ngoài khung giờ của {parent} ({inherited}); \
         cấp dưới chỉ được thu hẹp khung giờ cấp trên"
    )]
    AreaWindowOutside {
        /// The area.
        area: AreaCode,
        /// Index of the window in that area's list.
        window_index: usize,
        /// The window.
        window: Window,
        /// The ancestor whose windows it should narrow.
        parent: AreaCode,
        /// That ancestor's windows, rendered.
        inherited: String,
    },
    /// A station's own windows reach outside what its area gives it.
    #[error(
        "khung giờ {window} của trạm {station_code} nằm ngoài khung giờ của đơn vị {parent} ({inherited}); \
         trạm chỉ được thu hẹp khung giờ được giao"
    )]
    StationWindowOutside {
        /// The station.
        station: usize,
        /// Its code.
        station_code: StationCode,
        /// Index of the window in the station's list.
        window_index: usize,
        /// The window.
        window: Window,
        /// The area whose windows it should narrow.
        parent: AreaCode,
        /// Those windows, rendered.
        inherited: String,
    },
    /// Neither the station nor any area above it sets windows (or its own list is empty).
    #[error("{}", no_windows_message(code.as_str(), area.as_str()))]
    NoWindows {
        /// The station.
        station: usize,
        /// Its code.
        code: StationCode,
        /// The area it is in.
        area: AreaCode,
    },
    /// A campaign whose dates are reversed or too far apart.
    #[error(
        "chiến dịch {id}: ngày bắt đầu {from} phải trước hoặc bằng ngày kết thúc {until}, và dài không quá 20 năm"
    )]
    CampaignDates {
        /// The campaign.
        campaign: usize,
        /// Its id.
        id: CampaignId,
        /// Start.
        from: NaiveDate,
        /// End.
        until: NaiveDate,
    },
    /// A segment whose validity dates are reversed.
    #[error("bản tin {id}: `valid_from` {from} phải trước hoặc bằng `valid_until` {until}")]
    SegmentDates {
        /// The segment.
        segment: usize,
        /// Its id.
        id: SegmentId,
        /// Start.
        from: NaiveDate,
        /// End.
        until: NaiveDate,
    },
    /// Emergencies are sent from the console, not planned.
    #[error(
        "chiến dịch {id}: mức `emergency` không lên lịch trước được; bản tin khẩn cấp được gửi trực tiếp. Dùng `priority` hoặc `normal`"
    )]
    EmergencyScheduled {
        /// The campaign.
        campaign: usize,
        /// Its id.
        id: CampaignId,
    },
    /// A pool entry pointing past the end of the segment list.
    #[error(
        "chiến dịch {id}: danh sách phát trỏ tới bản tin số {index}, nhưng thư viện chỉ có {count} bản tin"
    )]
    UnknownSegment {
        /// The campaign.
        campaign: usize,
        /// Its id.
        id: CampaignId,
        /// The bad index.
        index: u32,
        /// Number of segments.
        count: usize,
    },
    /// Spacing that would stall the rotation.
    #[error(
        "chiến dịch {id}, lịch {rotation}: giãn cách {spacing} lượt cần ít nhất {} bản tin khác nhau trong danh sách, \
         hiện có {pool}; giảm `spacing` xuống tối đa {} hoặc thêm bản tin",
        spacing + 1,
        pool.saturating_sub(1)
    )]
    SpacingTooLarge {
        /// The campaign.
        campaign: usize,
        /// Its id.
        id: CampaignId,
        /// Index of the rotation.
        rotation_index: usize,
        /// Rotation id.
        rotation: String,
        /// The spacing.
        spacing: u32,
        /// Distinct messages in the pool.
        pool: usize,
    },
}

/// Everything the compiler reads, validated.
#[derive(Debug, Clone)]
pub struct Inputs {
    tree: AreaTree,
    area_windows: HashMap<AreaId, Windows>,
    stations: Vec<Station>,
    station_index: HashMap<StationCode, StationIdx>,
    station_windows: Vec<Windows>,
    segments: Vec<Segment>,
    segment_index: HashMap<SegmentId, SegmentIdx>,
    /// Variants of each message (translation group), in input order.
    groups: HashMap<SegmentId, Vec<SegmentIdx>>,
    /// Per segment: the first segment of its translation group, which stands for the
    /// message when spacing compares airings.
    messages: Vec<SegmentIdx>,
    campaigns: Vec<Campaign>,
    /// Per campaign, per rotation: slot firings before each day of the campaign
    /// (`prefix[d]` counts days `from .. from + d`), station-independent.
    firing_prefix: Vec<Vec<Vec<u32>>>,
}

/// What building [`Inputs`] does with a station that has no windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Windowless {
    /// It is an error ([`InputsError::NoWindows`]): what a person writes is checked so.
    Refuse,
    /// It is kept, airs nothing, and compiling it says so.
    Keep,
}

/// Why a station airs nothing: no windows of its own nor from any area above it. One
/// text for the schedule-file error, the API refusal and the compile diagnostic.
pub(crate) fn no_windows_message(station: &str, area: &str) -> String {
    format!(
        "trạm {station} không có khung phát sóng: cả trạm lẫn đơn vị {area} và các cấp trên \
         đều không đặt khung giờ nên trạm không phát gì; đặt `windows` cho trạm hoặc khung giờ \
         (`[[window]]`) cho đơn vị {area} hay một cấp trên"
    )
}

impl Inputs {
    /// Checks that the pieces agree with each other and prepares look-ups.
    /// `area_windows` are the windows written on areas. Returns every problem found; a
    /// station without windows is one ([`InputsError::NoWindows`]).
    pub fn new(
        tree: AreaTree,
        area_windows: HashMap<AreaId, Windows>,
        stations: Vec<Station>,
        segments: Vec<Segment>,
        campaigns: Vec<Campaign>,
    ) -> Result<Self, Vec<InputsError>> {
        Self::build(
            tree,
            area_windows,
            stations,
            segments,
            campaigns,
            Windowless::Refuse,
        )
    }

    /// As [`Inputs::new`], but a station without windows is kept instead of refused: it
    /// airs nothing and compiling it gives [`super::Diagnostic::NoWindows`]. A stored
    /// schedule is read so: one station left without windows (by a reform re-import,
    /// say) must not stop every other station's writes, plans and reports.
    pub fn new_allowing_windowless(
        tree: AreaTree,
        area_windows: HashMap<AreaId, Windows>,
        stations: Vec<Station>,
        segments: Vec<Segment>,
        campaigns: Vec<Campaign>,
    ) -> Result<Self, Vec<InputsError>> {
        Self::build(
            tree,
            area_windows,
            stations,
            segments,
            campaigns,
            Windowless::Keep,
        )
    }

    fn build(
        tree: AreaTree,
        area_windows: HashMap<AreaId, Windows>,
        stations: Vec<Station>,
        segments: Vec<Segment>,
        campaigns: Vec<Campaign>,
        windowless: Windowless,
    ) -> Result<Self, Vec<InputsError>> {
        let mut errors = Vec::new();
        let inherited = |area: AreaId, skip_self: bool| -> Option<(AreaId, &Windows)> {
            tree.ancestors(area)
                .skip(usize::from(skip_self))
                .find_map(|a| area_windows.get(&a).map(|w| (a, w)))
        };
        for id in tree.ids() {
            if let (Some(own), Some((parent, outer))) = (area_windows.get(&id), inherited(id, true))
                && let Some((window_index, window)) = own.first_outside(outer)
            {
                errors.push(InputsError::AreaWindowOutside {
                    area: tree.area(id).code.clone(),
                    window_index,
                    window,
                    parent: tree.area(parent).code.clone(),
                    inherited: outer.to_string(),
                });
            }
        }

        let mut station_index = HashMap::with_capacity(stations.len());
        let mut station_windows = Vec::with_capacity(stations.len());
        for (i, station) in stations.iter().enumerate() {
            if station_index
                .insert(station.code.clone(), StationIdx(i as u32))
                .is_some()
            {
                errors.push(InputsError::DuplicateStation {
                    station: i,
                    code: station.code.clone(),
                });
            }
            let from_area = inherited(station.area, false);
            let effective = match (&station.windows, from_area) {
                (Some(own), Some((parent, outer))) => {
                    if let Some((window_index, window)) = own.first_outside(outer) {
                        errors.push(InputsError::StationWindowOutside {
                            station: i,
                            station_code: station.code.clone(),
                            window_index,
                            window,
                            parent: tree.area(parent).code.clone(),
                            inherited: outer.to_string(),
                        });
                    }
                    own.clone()
                }
                (Some(own), None) => own.clone(),
                (None, Some((_, outer))) => outer.clone(),
                (None, None) => Windows::none(),
            };
            if effective.is_empty() && windowless == Windowless::Refuse {
                errors.push(InputsError::NoWindows {
                    station: i,
                    code: station.code.clone(),
                    area: tree.area(station.area).code.clone(),
                });
            }
            station_windows.push(effective);
        }

        let mut segment_index = HashMap::with_capacity(segments.len());
        let mut groups: HashMap<SegmentId, Vec<SegmentIdx>> = HashMap::new();
        for (i, segment) in segments.iter().enumerate() {
            let idx = SegmentIdx(i as u32);
            if segment_index.insert(segment.id.clone(), idx).is_some() {
                errors.push(InputsError::DuplicateSegment {
                    segment: i,
                    id: segment.id.clone(),
                });
            }
            if let (Some(from), Some(until)) = (segment.valid_from, segment.valid_until)
                && from > until
            {
                errors.push(InputsError::SegmentDates {
                    segment: i,
                    id: segment.id.clone(),
                    from,
                    until,
                });
            }
            groups.entry(segment.group.clone()).or_default().push(idx);
        }

        let mut seen_campaigns = HashMap::new();
        let mut firing_prefix = Vec::with_capacity(campaigns.len());
        for (i, c) in campaigns.iter().enumerate() {
            if seen_campaigns.insert(c.id.clone(), i).is_some() {
                errors.push(InputsError::DuplicateCampaign {
                    campaign: i,
                    id: c.id.clone(),
                });
            }
            if c.priority == Priority::Emergency {
                errors.push(InputsError::EmergencyScheduled {
                    campaign: i,
                    id: c.id.clone(),
                });
            }
            let span = (c.until - c.from).num_days();
            if !(0..MAX_CAMPAIGN_DAYS).contains(&span) {
                errors.push(InputsError::CampaignDates {
                    campaign: i,
                    id: c.id.clone(),
                    from: c.from,
                    until: c.until,
                });
                firing_prefix.push(Vec::new());
                continue;
            }
            if let Some(bad) = c
                .pool
                .iter()
                .find(|e| e.segment.0 as usize >= segments.len())
            {
                errors.push(InputsError::UnknownSegment {
                    campaign: i,
                    id: c.id.clone(),
                    index: bad.segment.0,
                    count: segments.len(),
                });
                firing_prefix.push(Vec::new());
                continue;
            }
            let messages = {
                let mut m: Vec<&SegmentId> = c
                    .pool
                    .iter()
                    .map(|e| &segments[e.segment.0 as usize].group)
                    .collect();
                m.sort();
                m.dedup();
                m.len()
            };
            for (r, rotation) in c.rotations.iter().enumerate() {
                if rotation.spacing as usize >= messages {
                    errors.push(InputsError::SpacingTooLarge {
                        campaign: i,
                        id: c.id.clone(),
                        rotation_index: r,
                        rotation: rotation.id.to_string(),
                        spacing: rotation.spacing,
                        pool: messages,
                    });
                }
            }
            firing_prefix.push(c.rotations.iter().map(|r| firing_prefix_of(c, r)).collect());
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        let messages = segments.iter().map(|s| groups[&s.group][0]).collect();
        Ok(Self {
            tree,
            area_windows,
            stations,
            station_index,
            station_windows,
            segments,
            segment_index,
            groups,
            messages,
            campaigns,
            firing_prefix,
        })
    }

    /// The administrative tree.
    pub fn tree(&self) -> &AreaTree {
        &self.tree
    }

    /// Windows written on areas (not those inherited), by area.
    pub fn area_windows(&self) -> impl Iterator<Item = (AreaId, &Windows)> {
        let mut list: Vec<(AreaId, &Windows)> =
            self.area_windows.iter().map(|(a, w)| (*a, w)).collect();
        list.sort_by_key(|(a, _)| *a);
        list.into_iter()
    }

    /// All stations, in input order.
    pub fn stations(&self) -> &[Station] {
        &self.stations
    }

    /// Every station index.
    pub fn station_ids(&self) -> impl Iterator<Item = StationIdx> {
        (0..self.stations.len() as u32).map(StationIdx)
    }

    /// Looks a station up by code.
    pub fn station_by_code(&self, code: &str) -> Option<StationIdx> {
        StationCode::parse(code).and_then(|c| self.station_index.get(&c).copied())
    }

    /// The station behind an index.
    pub fn station(&self, idx: StationIdx) -> &Station {
        &self.stations[idx.0 as usize]
    }

    /// The windows the station actually airs in (its own, or inherited).
    pub fn station_windows(&self, idx: StationIdx) -> &Windows {
        &self.station_windows[idx.0 as usize]
    }

    /// The windows written on `area` itself, if any (not those it inherits).
    pub fn area_windows_of(&self, area: AreaId) -> Option<&Windows> {
        self.area_windows.get(&area)
    }

    /// Whether `station`, stored here or not, has a window to air in: its own, or else
    /// those of the nearest area above it that sets any.
    pub fn has_windows(&self, station: &Station) -> bool {
        match &station.windows {
            Some(own) => !own.is_empty(),
            None => self
                .tree
                .ancestors(station.area)
                .find_map(|a| self.area_windows.get(&a))
                .is_some_and(|w| !w.is_empty()),
        }
    }

    /// All segments, in input order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The segment behind an index.
    pub fn segment(&self, idx: SegmentIdx) -> &Segment {
        &self.segments[idx.0 as usize]
    }

    /// Looks a segment up by id.
    pub fn segment_by_id(&self, id: &str) -> Option<SegmentIdx> {
        SegmentId::parse(id).and_then(|i| self.segment_index.get(&i).copied())
    }

    /// All variants (translations) of the message `idx` belongs to.
    pub fn variants(&self, idx: SegmentIdx) -> &[SegmentIdx] {
        self.groups
            .get(&self.segment(idx).group)
            .map_or(&[], Vec::as_slice)
    }

    /// The message `idx` says: the first segment of its translation group.
    pub fn message_of(&self, idx: SegmentIdx) -> SegmentIdx {
        self.messages[idx.0 as usize]
    }

    /// All campaigns, in input order.
    pub fn campaigns(&self) -> &[Campaign] {
        &self.campaigns
    }

    /// Slot firings of a rotation on the campaign's days before `date`.
    pub(crate) fn firings_before(&self, campaign: usize, rotation: usize, date: NaiveDate) -> u64 {
        let c = &self.campaigns[campaign];
        let prefix = &self.firing_prefix[campaign][rotation];
        let d = (date - c.from).num_days().clamp(0, prefix.len() as i64 - 1) as usize;
        u64::from(prefix[d])
    }
}

/// Distinct firing times of all of a rotation's rules on one local date.
pub(crate) fn firing_times(rotation: &super::Rotation, date: NaiveDate, out: &mut Vec<u16>) {
    out.clear();
    for rule in &rotation.slots {
        if rule.fires_on(date) {
            out.extend_from_slice(rule.times());
        }
    }
    out.sort_unstable();
    out.dedup();
}

fn firing_prefix_of(c: &Campaign, rotation: &super::Rotation) -> Vec<u32> {
    let days = (c.until - c.from).num_days() as usize + 1;
    let mut prefix = Vec::with_capacity(days + 1);
    let mut total = 0u32;
    let mut times = Vec::new();
    prefix.push(0);
    for date in c.from.iter_days().take(days) {
        firing_times(rotation, date, &mut times);
        total = total.saturating_add(times.len() as u32);
        prefix.push(total);
    }
    prefix
}
