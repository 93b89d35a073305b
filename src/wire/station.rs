//! What station agents and the server say to each other besides the playlist:
//! enrollment, airing batches and heartbeats.

use serde::{Deserialize, Serialize};

use crate::domain::{AiringRecord, Outcome};

/// `POST /api/v1/enroll` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time code printed by `loa station enroll-code`.
    pub code: String,
    /// The station's Ed25519 public key, 64 hex digits, made by the agent for this
    /// enrollment; it signs every airing from now on. Agents before signed airings
    /// send none: the station's records are then accepted unsigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

/// `POST /api/v1/enroll` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    /// The station the code was for.
    pub station: String,
    /// The long-lived token; shown once, keep it secret.
    pub token: String,
    /// The id of the public key registered, when one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

/// `POST /api/v1/station-key` body: an agent enrolled before signed airings registers
/// the key it made. Accepted only while the station has no current key (or for a key
/// it already holds): replacing a key takes a new enrollment code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StationKeyRequest {
    /// The Ed25519 public key, 64 hex digits.
    pub public_key: String,
}

/// `POST /api/v1/station-key` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct StationKeyResponse {
    /// The key's id: the first 16 hex digits of the SHA-256 of its 32 bytes.
    pub key_id: String,
    /// `registered` (new) or `known` (the station held it already).
    pub status: String,
}

/// One airing as the agent reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AiringJson {
    /// UUID made on the station.
    pub uuid: String,
    /// Planned item id.
    pub item_id: String,
    /// Planned start, ms since the epoch.
    pub planned_start_ms: i64,
    /// Actual start, ms since the epoch (server time), if it started.
    #[serde(default)]
    pub actual_start_ms: Option<i64>,
    /// Actual end, if it ended.
    #[serde(default)]
    pub actual_end_ms: Option<i64>,
    /// `aired`, `partial`, `missed`, `failed` or `preempted`.
    pub outcome: String,
    /// Why: empty or a `Reason` keyword (`agent_down`, `late_start`, `output_stalled`,
    /// …); anything else is rejected for this airing.
    #[serde(default)]
    pub reason: String,
    /// Station clock minus server clock, ms.
    #[serde(default)]
    pub clock_offset_ms: i64,
    /// Hash of the station's previous airing.
    pub prev_hash: String,
    /// Hash of this airing (see `AiringRecord::chain_hash`).
    pub hash: String,
    /// Id of the station key that signed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// Ed25519 signature (128 hex digits) over the record's canonical text (see
    /// `AiringRecord::canonical_text`), which includes the previous hash. Required
    /// from a station with a current key; a bad one is refused for this airing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl AiringJson {
    /// The fields its hash and signature cover; `None` for an unknown outcome.
    pub fn record(&self) -> Option<AiringRecord<'_>> {
        Some(AiringRecord {
            uuid: &self.uuid,
            item_id: &self.item_id,
            planned_start_ms: self.planned_start_ms,
            actual_start_ms: self.actual_start_ms,
            actual_end_ms: self.actual_end_ms,
            outcome: Outcome::parse(&self.outcome)?,
            reason: &self.reason,
            clock_offset_ms: self.clock_offset_ms,
            prev_hash: &self.prev_hash,
        })
    }
}

/// `POST /api/v1/airings` body: at most 1,000 airings, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AiringsBatch {
    /// The airings.
    pub airings: Vec<AiringJson>,
}

/// The server's answer for one airing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AiringAck {
    /// The airing's UUID.
    pub uuid: String,
    /// `stored`, `duplicate` (already held: safe to delete) or `rejected`.
    pub status: String,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /api/v1/airings` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AiringsResponse {
    /// One entry per airing, in the order sent.
    pub results: Vec<AiringAck>,
    /// Chain breaks found in this batch.
    pub chain_breaks: u32,
}

/// `POST /api/v1/heartbeat` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HeartbeatJson {
    /// Agent version.
    pub version: String,
    /// ETag of the playlist it holds.
    #[serde(default)]
    pub playlist_version: Option<String>,
    /// Upcoming items whose media is verified on disk.
    #[serde(default)]
    pub media_ready: u32,
    /// Upcoming items whose media is not ready.
    #[serde(default)]
    pub media_missing: u32,
    /// Free disk space, bytes.
    #[serde(default)]
    pub disk_free_bytes: u64,
    /// Station clock minus server clock, ms.
    #[serde(default)]
    pub clock_offset_ms: i64,
    /// Airings not yet acknowledged.
    #[serde(default)]
    pub outbox_backlog: u32,
    /// Last error, if any.
    #[serde(default)]
    pub last_error: Option<String>,
    /// Seconds since the agent started.
    #[serde(default)]
    pub uptime_s: u64,
}

/// `POST /api/v1/heartbeat` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct HeartbeatResponse {
    /// Server time when answering, ms since the epoch (for the clock offset).
    pub server_time_ms: i64,
}
