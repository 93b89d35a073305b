//! The playlist a station agent fetches: items with what the agent needs to play them.

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

use crate::domain::{Compilation, Inputs, StationIdx};

/// A station's playlist as served at `GET /api/v1/playlist`. Its bytes are stable for
/// unchanged inputs, so their hash is the ETag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlaylistJson {
    /// Station code.
    pub station: String,
    /// IANA time zone.
    pub timezone: String,
    /// First local date.
    pub from: String,
    /// Days covered.
    pub days: u32,
    /// The compiler's version hash of the items.
    pub version: String,
    /// Items in start order.
    pub items: Vec<PlaylistItemJson>,
}

/// One item to play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlaylistItemJson {
    /// Stable id.
    pub id: String,
    /// Planned start, RFC 3339 UTC with milliseconds.
    pub start: String,
    /// Length in milliseconds.
    pub duration_ms: u32,
    /// Segment id.
    pub segment: String,
    /// SHA-256 of the audio (fetch from `/api/v1/media/{sha256}`).
    pub sha256: String,
    /// Size of the audio file in bytes.
    pub size_bytes: i64,
    /// Gain in dB bringing the segment to the station's target loudness.
    pub gain_db: f64,
    /// `normal` or `priority`.
    pub priority: String,
    /// Campaign id.
    pub campaign: String,
    /// For a relay: the live stream to play for `duration_ms`; `segment` is then the
    /// fallback, played if the stream fails or stalls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay: Option<String>,
}

/// Gain from a measured loudness to a target, clamped to ±[`MAX_GAIN_DB`] and rounded
/// to 0.1 dB. Digital silence has no loudness (`None`), and a loudness or target that
/// is not a finite number cannot be trusted: both give 0 dB, never an infinite or NaN
/// gain that would turn a near-silent file into full-scale noise.
///
/// [`MAX_GAIN_DB`]: crate::audio::MAX_GAIN_DB
pub fn gain_db(loudness_lufs: Option<f64>, target_lufs: f64) -> f64 {
    let max = crate::audio::MAX_GAIN_DB;
    match loudness_lufs {
        Some(l) if l.is_finite() && target_lufs.is_finite() => {
            ((target_lufs - l).clamp(-max, max) * 10.0).round() / 10.0
        }
        _ => 0.0,
    }
}

impl PlaylistJson {
    /// Builds the agent's playlist from a compilation. `media` gives each segment's
    /// loudness and size (same order as `inputs.segments()`).
    pub fn new(
        inputs: &Inputs,
        station: StationIdx,
        compiled: &Compilation,
        media: &[(Option<f64>, i64)],
        target_lufs: f64,
    ) -> Self {
        let st = inputs.station(station);
        let p = &compiled.playlist;
        Self {
            station: st.code.to_string(),
            timezone: st.timezone.name().to_owned(),
            from: p.from.to_string(),
            days: p.days,
            version: p.version.clone(),
            items: p
                .items
                .iter()
                .map(|i| {
                    let s = inputs.segment(i.segment);
                    let (loudness, size) =
                        media.get(i.segment.index()).copied().unwrap_or((None, 0));
                    PlaylistItemJson {
                        id: i.id.to_string(),
                        start: i.start.to_rfc3339_opts(SecondsFormat::Millis, true),
                        duration_ms: i.duration_ms,
                        segment: s.id.to_string(),
                        sha256: s.sha256.to_string(),
                        size_bytes: size,
                        gain_db: gain_db(loudness, target_lufs),
                        priority: i.priority.as_str().to_owned(),
                        campaign: inputs.campaigns()[i.campaign].id.to_string(),
                        relay: i
                            .relay
                            .then(|| {
                                inputs.campaigns()[i.campaign].rotations[i.rotation]
                                    .relay
                                    .as_ref()
                                    .map(ToString::to_string)
                            })
                            .flatten(),
                    }
                })
                .collect(),
        }
    }
}
