//! Diagnostics: what a person should know about a compiled plan, and can act on.
//!
//! Each names the station, the date and the reason. Rendering is Vietnamese, since the
//! readers are culture officers.

use std::fmt;

use chrono::NaiveDate;

use super::inputs::no_windows_message;

/// Why a campaign aired fewer times than its target on a day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ShortfallReason {
    /// The rotation's slot rules give fewer slots inside the windows than the target.
    TooFewSlots {
        /// Slots that reach a window that day.
        slots: u32,
    },
    /// Another campaign's items already held the slot time.
    SlotTakenBy {
        /// That campaign's name.
        campaign: String,
    },
    /// No pool segment may air that day (validity window).
    NoValidSegment,
    /// No pool segment has a variant in the station's languages or Vietnamese.
    NoLanguageVariant,
    /// Every valid segment is longer than the time left in the slot.
    SegmentsTooLong,
    /// Spacing kept the remaining segments out.
    Spacing,
}

impl fmt::Display for ShortfallReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooFewSlots { slots } => {
                write!(
                    f,
                    "quy tắc khung phát chỉ cho {slots} khung trong giờ phát sóng"
                )
            }
            Self::SlotTakenBy { campaign } => write!(f, "thời gian đã dành cho «{campaign}»"),
            Self::NoValidSegment => f.write_str("không bản tin nào còn hiệu lực trong ngày"),
            Self::NoLanguageVariant => f.write_str("không có bản tin bằng ngôn ngữ của trạm"),
            Self::SegmentsTooLong => f.write_str("bản tin dài hơn thời gian còn lại của khung"),
            Self::Spacing => f.write_str("quy tắc giãn cách không cho phát lại bản tin"),
        }
    }
}

/// Something about a compiled plan a person should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnostic {
    /// A campaign aired fewer times than its daily target.
    TargetNotMet {
        /// Station code.
        station: String,
        /// Local date.
        date: NaiveDate,
        /// Campaign name.
        campaign: String,
        /// Airings planned.
        planned: u32,
        /// Target.
        target: u32,
        /// Why, most important first.
        reasons: Vec<ShortfallReason>,
    },
    /// A slot rule fired during the horizon but never inside a broadcast window.
    RuleNeverInWindow {
        /// Station code.
        station: String,
        /// First local date of the campaign inside the horizon.
        date: NaiveDate,
        /// Campaign name.
        campaign: String,
        /// Rotation id.
        rotation: String,
        /// The rule as written.
        rule: String,
        /// The station's windows, rendered.
        windows: String,
    },
    /// A pool segment stops being valid while its campaign still runs.
    SegmentExpires {
        /// Station code.
        station: String,
        /// Its last valid local date.
        date: NaiveDate,
        /// Segment id.
        segment: String,
        /// Campaign name.
        campaign: String,
        /// Last date of the campaign.
        campaign_until: NaiveDate,
    },
    /// A pool segment has no variant the station can air.
    NoLanguageVariant {
        /// Station code.
        station: String,
        /// First local date the campaign is active in the horizon.
        date: NaiveDate,
        /// Segment id as listed in the pool.
        segment: String,
        /// Campaign name.
        campaign: String,
        /// The station's languages.
        languages: String,
    },
    /// A rotation's slot is shorter than every segment it could air: it never airs.
    SlotTooShort {
        /// Station code.
        station: String,
        /// First local date the campaign is active in the range compiled.
        date: NaiveDate,
        /// Campaign name.
        campaign: String,
        /// Rotation id.
        rotation: String,
        /// The slot's length in seconds.
        slot_seconds: u32,
        /// The shortest segment the station could air from the pool, in milliseconds.
        shortest_ms: u32,
    },
    /// Neither the station nor any area above it sets windows: it airs nothing.
    NoWindows {
        /// Station code.
        station: String,
        /// First local date compiled.
        date: NaiveDate,
        /// Code of the area it is in.
        area: String,
    },
}

impl Diagnostic {
    /// A stable machine-readable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TargetNotMet { .. } => "target_not_met",
            Self::RuleNeverInWindow { .. } => "rule_never_in_window",
            Self::SegmentExpires { .. } => "segment_expires",
            Self::NoLanguageVariant { .. } => "no_language_variant",
            Self::SlotTooShort { .. } => "slot_too_short",
            Self::NoWindows { .. } => "no_windows",
        }
    }

    /// The station it concerns.
    pub fn station(&self) -> &str {
        match self {
            Self::TargetNotMet { station, .. }
            | Self::RuleNeverInWindow { station, .. }
            | Self::SegmentExpires { station, .. }
            | Self::NoLanguageVariant { station, .. }
            | Self::SlotTooShort { station, .. }
            | Self::NoWindows { station, .. } => station,
        }
    }

    /// The local date it concerns.
    pub fn date(&self) -> NaiveDate {
        match self {
            Self::TargetNotMet { date, .. }
            | Self::RuleNeverInWindow { date, .. }
            | Self::SegmentExpires { date, .. }
            | Self::NoLanguageVariant { date, .. }
            | Self::SlotTooShort { date, .. }
            | Self::NoWindows { date, .. } => *date,
        }
    }
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TargetNotMet {
                station,
                date,
                campaign,
                planned,
                target,
                reasons,
            } => {
                let why: Vec<String> = reasons.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "Trạm {station}, {}: chiến dịch «{campaign}» chỉ có {planned}/{target} lượt phát \
                     trong ngày ({})",
                    dmy(*date),
                    why.join("; ")
                )
            }
            Self::RuleNeverInWindow {
                station,
                date,
                campaign,
                rotation,
                rule,
                windows,
            } => write!(
                f,
                "Trạm {station}, từ {}: quy tắc `{rule}` của lịch «{rotation}» (chiến dịch «{campaign}») \
                 không rơi vào giờ phát sóng nào ({windows}); sửa giờ trong quy tắc hoặc khung giờ của trạm",
                dmy(*date)
            ),
            Self::SegmentExpires {
                station,
                date,
                segment,
                campaign,
                campaign_until,
            } => write!(
                f,
                "Trạm {station}, {}: bản tin `{segment}` hết hiệu lực sau ngày này nhưng chiến dịch \
                 «{campaign}» kéo dài đến {}; thêm bản tin thay thế hoặc gia hạn",
                dmy(*date),
                dmy(*campaign_until)
            ),
            Self::NoLanguageVariant {
                station,
                date,
                segment,
                campaign,
                languages,
            } => write!(
                f,
                "Trạm {station}, từ {}: bản tin `{segment}` (chiến dịch «{campaign}») không có bản \
                 {languages} hay tiếng Việt nên không được phát",
                dmy(*date)
            ),
            Self::SlotTooShort {
                station,
                date,
                campaign,
                rotation,
                slot_seconds,
                shortest_ms,
            } => write!(
                f,
                "Trạm {station}, từ {}: khung {slot_seconds} giây của lịch «{rotation}» (chiến dịch \
                 «{campaign}») ngắn hơn mọi bản tin (ngắn nhất {} giây) nên không phát được gì; \
                 đặt `slot_seconds` từ {} trở lên hoặc thêm bản tin ngắn hơn",
                dmy(*date),
                shortest_ms.div_ceil(1000),
                shortest_ms.div_ceil(1000)
            ),
            Self::NoWindows { station, area, .. } => {
                let text = no_windows_message(station, area);
                let mut chars = text.chars();
                let first = chars.next().map(|c| c.to_uppercase().to_string());
                write!(f, "{}{}", first.unwrap_or_default(), chars.as_str())
            }
        }
    }
}
