//! The compiled plan of one station as JSON (`loa schedule plan --format json`).

use chrono::SecondsFormat;
use serde::Serialize;

use crate::domain::{Compilation, Diagnostic, Inputs, Item, StationIdx};

/// A station's plan.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlanJson {
    /// Station code.
    pub station: String,
    /// Station name.
    pub station_name: String,
    /// IANA time zone of the station; `start` values carry its offset.
    pub timezone: String,
    /// First local date (YYYY-MM-DD).
    pub from: String,
    /// Number of days.
    pub days: u32,
    /// Version hash of the items.
    pub version: String,
    /// Items in start order.
    pub items: Vec<ItemJson>,
    /// Warnings a person should act on.
    pub diagnostics: Vec<DiagnosticJson>,
}

/// One planned airing.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ItemJson {
    /// Stable item id (16 hex digits).
    pub id: String,
    /// Planned start, RFC 3339 in station time.
    pub start: String,
    /// Planned end, RFC 3339 in station time.
    pub end: String,
    /// Length in milliseconds.
    pub duration_ms: u32,
    /// Segment id.
    pub segment: String,
    /// Segment title.
    pub title: String,
    /// Language of the segment.
    pub language: String,
    /// SHA-256 of the audio.
    pub sha256: String,
    /// Campaign id.
    pub campaign: String,
    /// Rotation id within the campaign.
    pub rotation: String,
    /// `normal` or `priority`.
    pub priority: String,
    /// For a relay item: the live stream (`segment` is then its fallback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay: Option<String>,
}

/// One diagnostic.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct DiagnosticJson {
    /// Machine-readable kind (`target_not_met`, `rule_never_in_window`, ...).
    pub kind: String,
    /// Station code.
    pub station: String,
    /// Local date (YYYY-MM-DD).
    pub date: String,
    /// The message, in Vietnamese.
    pub message: String,
}

impl PlanJson {
    /// Converts a compilation of `station`.
    pub fn new(inputs: &Inputs, station: StationIdx, compiled: &Compilation) -> Self {
        let st = inputs.station(station);
        let p = &compiled.playlist;
        Self {
            station: st.code.to_string(),
            station_name: st.name.clone(),
            timezone: st.timezone.name().to_owned(),
            from: p.from.to_string(),
            days: p.days,
            version: p.version.clone(),
            items: p
                .items
                .iter()
                .map(|i| ItemJson::new(inputs, st.timezone, i))
                .collect(),
            diagnostics: compiled
                .diagnostics
                .iter()
                .map(DiagnosticJson::from)
                .collect(),
        }
    }
}

impl ItemJson {
    fn new(inputs: &Inputs, tz: chrono_tz::Tz, item: &Item) -> Self {
        let segment = inputs.segment(item.segment);
        let campaign = &inputs.campaigns()[item.campaign];
        let local = |t: chrono::DateTime<chrono::Utc>| {
            t.with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::AutoSi, true)
        };
        Self {
            id: item.id.to_string(),
            start: local(item.start),
            end: local(item.end()),
            duration_ms: item.duration_ms,
            segment: segment.id.to_string(),
            title: segment.title.clone(),
            language: segment.language.to_string(),
            sha256: segment.sha256.to_string(),
            campaign: campaign.id.to_string(),
            rotation: campaign.rotations[item.rotation].id.to_string(),
            priority: item.priority.as_str().to_owned(),
            relay: item
                .relay
                .then(|| campaign.rotations[item.rotation].relay.as_ref())
                .flatten()
                .map(ToString::to_string),
        }
    }
}

impl From<&Diagnostic> for DiagnosticJson {
    fn from(d: &Diagnostic) -> Self {
        Self {
            kind: d.kind().to_owned(),
            station: d.station().to_owned(),
            date: d.date().to_string(),
            message: d.to_string(),
        }
    }
}
