//! Airings: what really happened to a planned item, chained by hash per station so that
//! gaps and edits can be detected.

use sha2::{Digest, Sha256};

/// The `prev_hash` of a station's first airing.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened to an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Played in full.
    Aired,
    /// Started but cut short (power cut, restart).
    Partial,
    /// Not played (agent down, media missing, too late).
    Missed,
    /// Tried and failed (decode or device error).
    Failed,
    /// Interrupted by an emergency bulletin.
    Preempted,
}

impl Outcome {
    /// Parses the keyword.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "aired" => Some(Self::Aired),
            "partial" => Some(Self::Partial),
            "missed" => Some(Self::Missed),
            "failed" => Some(Self::Failed),
            "preempted" => Some(Self::Preempted),
            _ => None,
        }
    }

    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aired => "aired",
            Self::Partial => "partial",
            Self::Missed => "missed",
            Self::Failed => "failed",
            Self::Preempted => "preempted",
        }
    }
}

/// The fields of an airing that its hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiringRecord<'a> {
    /// UUID made on the station.
    pub uuid: &'a str,
    /// Item id.
    pub item_id: &'a str,
    /// Planned start, ms since the epoch.
    pub planned_start_ms: i64,
    /// Actual start, if it started.
    pub actual_start_ms: Option<i64>,
    /// Actual end, if it ended.
    pub actual_end_ms: Option<i64>,
    /// Outcome.
    pub outcome: Outcome,
    /// Reason (`agent_down`, `media_missing`, …), empty when none.
    pub reason: &'a str,
    /// The station clock's offset from the server's, ms.
    pub clock_offset_ms: i64,
    /// Hash of the station's previous airing ([`GENESIS_HASH`] for the first).
    pub prev_hash: &'a str,
}

impl AiringRecord<'_> {
    /// Hex SHA-256 over the fields in a fixed text form:
    /// `uuid|item|planned|start|end|outcome|reason|offset|prev` (absent times empty).
    pub fn chain_hash(&self) -> String {
        let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let text = format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.uuid,
            self.item_id,
            self.planned_start_ms,
            opt(self.actual_start_ms),
            opt(self.actual_end_ms),
            self.outcome.as_str(),
            self.reason,
            self.clock_offset_ms,
            self.prev_hash
        );
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The item id of a fallback airing: a station out of horizon replays a past day's
/// item `sha256` (hex) at `start_ms`. The agent makes it and the server checks it
/// (a fallback record must name something the station could have played).
pub fn fallback_item_id(station: &str, start_ms: i64, sha256: &str) -> String {
    let digest = Sha256::digest(format!("fallback|{station}|{start_ms}|{sha256}"));
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("fb-{hex}")
}
