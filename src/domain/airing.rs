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

/// Why an item did not air in full as planned, or how it aired: the keyword is the
/// contract between the agent (which writes it), the server (which stores it) and the
/// reports (which count and label it). Records made before this type carry other text
/// (a device's message); [`Reason::parse`] gives `None` for it and it is kept as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// The agent was not running at the item's start.
    AgentDown,
    /// The agent stopped abruptly (power cut, crash) while the item played.
    AgentRestart,
    /// The agent was stopped while the item played.
    AgentStopped,
    /// The item's audio was not in the cache.
    MediaMissing,
    /// Too late to start the item at all.
    Late,
    /// Started late (inside the grace window) and cut where the next item begins.
    LateStart,
    /// Interrupted by an emergency bulletin.
    Emergency,
    /// A relay whose stream failed; its fallback segment aired.
    RelayFallback,
    /// A relay whose stream and fallback both failed.
    RelayFailed,
    /// Played by the station's fallback rotation (beyond the playlist's horizon).
    FallbackRotation,
    /// The sound card did not take the samples placed for the item.
    OutputStalled,
    /// The sound card could not be opened or reported an error.
    DeviceError,
    /// The audio file could not be opened or decoded.
    DecodeError,
}

impl Reason {
    /// Every reason, in a fixed order.
    pub const ALL: [Reason; 13] = [
        Self::AgentDown,
        Self::AgentRestart,
        Self::AgentStopped,
        Self::MediaMissing,
        Self::Late,
        Self::LateStart,
        Self::Emergency,
        Self::RelayFallback,
        Self::RelayFailed,
        Self::FallbackRotation,
        Self::OutputStalled,
        Self::DeviceError,
        Self::DecodeError,
    ];

    /// Parses the keyword; `None` for anything else (older free text).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The keyword, as stored, sent and hashed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AgentDown => "agent_down",
            Self::AgentRestart => "agent_restart",
            Self::AgentStopped => "agent_stopped",
            Self::MediaMissing => "media_missing",
            Self::Late => "late",
            Self::LateStart => "late_start",
            Self::Emergency => "emergency",
            Self::RelayFallback => "relay_fallback",
            Self::RelayFailed => "relay_failed",
            Self::FallbackRotation => "fallback_rotation",
            Self::OutputStalled => "output_stalled",
            Self::DeviceError => "device_error",
            Self::DecodeError => "decode_error",
        }
    }

    /// The reason as reports show it.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::AgentDown => "Máy trạm tắt hoặc mất điện",
            Self::AgentRestart => "Máy trạm khởi động lại giữa chừng",
            Self::AgentStopped => "Máy trạm bị dừng giữa chừng",
            Self::MediaMissing => "Chưa có tệp âm thanh",
            Self::Late => "Không kịp phát đúng giờ",
            Self::LateStart => "Phát muộn",
            Self::Emergency => "Bị tin khẩn cắt ngang",
            Self::RelayFallback => "Tiếp sóng hỏng, đã phát bản dự phòng",
            Self::RelayFailed => "Tiếp sóng hỏng",
            Self::FallbackRotation => "Phát theo lịch dự phòng",
            Self::OutputStalled => "Card âm thanh không nhận mẫu",
            Self::DeviceError => "Lỗi card âm thanh",
            Self::DecodeError => "Không đọc được tệp âm thanh",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
        super::hex(&Sha256::digest(text.as_bytes()))
    }
}

/// The item id of a fallback airing: a station out of horizon replays a past day's
/// item `sha256` (hex) at `start_ms`. The agent makes it and the server checks it
/// (a fallback record must name something the station could have played).
pub fn fallback_item_id(station: &str, start_ms: i64, sha256: &str) -> String {
    let digest = Sha256::digest(format!("fallback|{station}|{start_ms}|{sha256}"));
    format!("fb-{}", super::hex(&digest[..8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_keyword_parses_back_and_older_text_does_not() {
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(r));
        }
        assert_eq!(Reason::parse("card âm thanh báo lỗi"), None);
        assert_eq!(Reason::parse(""), None);
    }

    #[test]
    fn the_hash_covers_the_reason_keyword_as_before() {
        // A record made before `Reason` existed: its hash must not change.
        let r = AiringRecord {
            uuid: "u",
            item_id: "i",
            planned_start_ms: 1,
            actual_start_ms: Some(2),
            actual_end_ms: Some(3),
            outcome: Outcome::Partial,
            reason: Reason::AgentRestart.as_str(),
            clock_offset_ms: 0,
            prev_hash: GENESIS_HASH,
        };
        let text = format!("u|i|1|2|3|partial|agent_restart|0|{GENESIS_HASH}");
        let want: String = Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(r.chain_hash(), want);
    }
}
