//! The scheduling core: plain data and pure functions.
//!
//! Owns the meaning of areas, stations, broadcast windows, segments, campaigns,
//! rotations and playlists, the compiler that turns them into a station's plan, and the
//! aggregation of airings into reports, the state of each station at an instant, and
//! slot rules put in Vietnamese words.
//! It must not do I/O: no files, network, database, clock or JSON. Callers pass the
//! dates to compile and get plain values back; the same inputs always give the same
//! output, byte for byte.

mod airing;
mod alert;
mod area;
mod campaign;
pub mod check;
mod compile;
mod crontab;
mod diagnostic;
mod fleet;
mod inputs;
mod log_check;
mod playlist;
mod range_check;
mod reform;
mod report;
mod segment;
mod sequence;
mod signature;
mod slot_words;
mod station;
mod text;
mod window;

pub use airing::{AiringRecord, GENESIS_HASH, Outcome, Reason, fallback_item_id, hash_of};
pub use alert::{
    AlertKind, AlertLimits, Change, Digest, Notice, Signal, changes, digest, local_time_vi, signals,
};
pub use area::{Area, AreaCode, AreaError, AreaId, AreaKind, AreaTree};
pub use campaign::{
    Campaign, CampaignId, Order, PoolEntry, Priority, RelayUrl, Rotation, RotationId,
};
pub use compile::{Compilation, compile};
pub use crontab::{CronError, CronField, CronSchedule};
pub use diagnostic::{Diagnostic, ShortfallReason};
pub use fleet::{Heard, Observation, State, Status, Thresholds, classify, window_start};
pub use inputs::{Inputs, InputsError, StationIdx};
pub use log_check::{
    ChainFault, LogCheck, LogStatus, RecordCheck, SignatureCheck, SignatureFault, Span, StationKey,
    check_signature,
};
pub use playlist::{Item, ItemId, Playlist};
pub use range_check::{RangeCheck, StationGroup, alike_stations, check_campaign_range};
pub use reform::{CarriedWindows, carry_windows};
pub use report::{
    AiringCell, AreaTotals, GroupBy, Miss, Names, PlannedCell, Report, ReportInputs, ReportStation,
    Row, Source, StationFacts, StationTotals, Tally, UNREPORTED, aggregate,
};
pub use segment::{Language, Segment, SegmentId, SegmentIdx, Sha256Digest, hex};
pub use signature::{PublicKey, RecordSignature, SignatureError, StationSecret};
pub use slot_words::{describe_slot_rule, slot_rule_at, why_vi};
pub use station::{Station, StationCode};
pub use text::{area_hint, nfc, suggest};
pub use window::{TimeOfDay, WeekdaySet, Window, WindowError, Windows};

/// Checks an identifier written by a person: 1 to 64 characters of lowercase ASCII
/// letters, digits, `-`, `_` or `.`, starting with a letter or digit.
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}
