//! The compiled plan of one station: time-ordered items with a version hash.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::{Priority, SegmentIdx, StationCode};

/// A planned airing's id: stable across recompiles of unchanged inputs because it is a
/// hash of what the item is (station, start, segment, campaign), not of where it sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemId(pub(crate) u64);

impl ItemId {
    pub(crate) fn derive(
        station: &StationCode,
        start_ms: i64,
        segment: &str,
        campaign: &str,
    ) -> Self {
        let mut h = Sha256::new();
        h.update(station.as_str().as_bytes());
        h.update([0]);
        h.update(start_ms.to_be_bytes());
        h.update(segment.as_bytes());
        h.update([0]);
        h.update(campaign.as_bytes());
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        Self(u64::from_be_bytes(first))
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// One planned airing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Stable id.
    pub id: ItemId,
    /// Planned start (UTC; shown in station time at the edges).
    pub start: DateTime<Utc>,
    /// Length, milliseconds (the segment's measured duration).
    pub duration_ms: u32,
    /// What airs (already the station's language variant).
    pub segment: SegmentIdx,
    /// The campaign it serves (index into [`super::Inputs::campaigns`]).
    pub campaign: usize,
    /// The rotation within that campaign.
    pub rotation: usize,
    /// Bulletin level, from the campaign.
    pub priority: Priority,
    /// A relay of the rotation's live stream for `duration_ms`; `segment` is then the
    /// fallback, aired if the stream fails.
    pub relay: bool,
}

impl Item {
    /// Planned end.
    pub fn end(&self) -> DateTime<Utc> {
        self.start + chrono::Duration::milliseconds(i64::from(self.duration_ms))
    }
}

/// A station's items over a horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playlist {
    /// The station.
    pub station: StationCode,
    /// First local date compiled.
    pub from: NaiveDate,
    /// Number of local days compiled.
    pub days: u32,
    /// Items in start order, never overlapping.
    pub items: Vec<Item>,
    /// Hex SHA-256 over the items: changes exactly when what airs changes.
    pub version: String,
}

pub(crate) fn version_of(items: &[Item], segment_sha: impl Fn(SegmentIdx) -> [u8; 32]) -> String {
    let mut h = Sha256::new();
    for item in items {
        h.update(item.id.0.to_be_bytes());
        h.update(item.start.timestamp_millis().to_be_bytes());
        h.update(item.duration_ms.to_be_bytes());
        h.update(segment_sha(item.segment));
        h.update([item.priority as u8]);
    }
    super::hex(&h.finalize())
}
