//! What a station is told when an emergency bulletin is sent: the `emergency` event
//! of `GET /api/v1/events`, carrying everything the agent needs to play it at once.

use serde::{Deserialize, Serialize};

/// The data of an `emergency` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct EmergencyEventJson {
    /// Emergency id: acknowledge with `POST /api/v1/emergencies/{id}/ack`; the same
    /// bulletin may be sent again after a reconnect until it is acknowledged.
    pub emergency: String,
    /// Segment id.
    pub segment: String,
    /// Segment title.
    pub title: String,
    /// SHA-256 of the audio.
    pub sha256: String,
    /// Size of the audio file in bytes.
    pub size_bytes: i64,
    /// Length in milliseconds.
    pub duration_ms: u32,
    /// Gain in dB bringing the segment to this station's target loudness.
    pub gain_db: f64,
    /// Where to fetch the audio (`/api/v1/media/{sha256}`).
    pub media: String,
    /// When the bulletin was sent, RFC 3339 UTC with milliseconds.
    pub sent_at: String,
}
