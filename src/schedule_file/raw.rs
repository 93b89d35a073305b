//! The schedule files as written: serde shapes with spans, before any meaning is checked.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

/// `[areas]`: where the administrative tree comes from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAreas {
    pub csv: Spanned<String>,
}

/// `[library]`: where the audio files named by segments live.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLibrary {
    pub audio_dir: Spanned<String>,
}

/// Days and time ranges, as in `[[window]]` and a station's `windows`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWindowSpec {
    #[serde(default)]
    pub days: Option<Spanned<String>>,
    pub times: Vec<Spanned<String>>,
}

/// `[[window]]`: broadcast windows set on an area.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWindow {
    pub area: Spanned<String>,
    #[serde(default)]
    pub days: Option<Spanned<String>>,
    pub times: Vec<Spanned<String>>,
}

/// `[[station]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStation {
    pub code: Spanned<String>,
    pub area: Spanned<String>,
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    #[serde(default)]
    pub languages: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub timezone: Option<Spanned<String>>,
    #[serde(default)]
    pub windows: Option<Vec<Spanned<RawWindowSpec>>>,
}

/// `[[segment]]`: one entry of the library manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSegment {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub file: Spanned<String>,
    #[serde(default)]
    pub language: Option<Spanned<String>>,
    #[serde(default)]
    pub group: Option<Spanned<String>>,
    #[serde(default)]
    pub tags: Vec<Spanned<String>>,
    pub duration_ms: Spanned<u32>,
    pub sha256: Spanned<String>,
    #[serde(default)]
    pub valid_from: Option<Spanned<Datetime>>,
    #[serde(default)]
    pub valid_until: Option<Spanned<Datetime>>,
}

/// `[[campaign.rotation]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRotation {
    pub id: Spanned<String>,
    pub slots: Spanned<Vec<Spanned<String>>>,
    pub length: Spanned<String>,
    #[serde(default)]
    pub order: Option<Spanned<String>>,
    #[serde(default)]
    pub seed: Option<Spanned<u64>>,
    #[serde(default)]
    pub spacing: Option<Spanned<u32>>,
    #[serde(default)]
    pub relay: Option<Spanned<String>>,
}

/// `[[campaign]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCampaign {
    pub id: Spanned<String>,
    pub name: Spanned<String>,
    pub from: Spanned<Datetime>,
    pub until: Spanned<Datetime>,
    pub areas: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub priority: Option<Spanned<String>>,
    pub pool: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub weights: Option<Spanned<BTreeMap<String, u32>>>,
    #[serde(default)]
    pub min_airings_per_day: Option<Spanned<u32>>,
    #[serde(default)]
    pub rotation: Vec<Spanned<RawRotation>>,
}
