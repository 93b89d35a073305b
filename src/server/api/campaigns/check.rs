//! Checking a campaign written in the console against the whole stored schedule: its
//! fields with the campaign checker schedule files use ([`CampaignSpec::check`]), then
//! the whole-schedule rules; each problem is prefixed with the path of the field it
//! concerns (`rotations[0].spacing: …`).

use std::collections::HashMap;

use crate::domain::{AreaCode, AreaId, Inputs, InputsError, RangeCheck, check_campaign_range};
use crate::server::AppState;
use crate::server::api::scope::Scope;
use crate::server::error::{ApiError, ApiResult};
use crate::wire::{CampaignSpec, DiagnosticJson};

/// A campaign checked over its whole date range.
#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub(super) struct RangeCheckJson {
    /// Stations the campaign targets.
    pub(super) stations: usize,
    /// Days checked: the campaign's whole range.
    pub(super) days: u32,
    /// Diagnostics counted once per station they concern.
    pub(super) total: usize,
    /// Stations that compile alike (same time zone, windows, languages and campaigns),
    /// with what the range check found for them; only groups with something to say.
    pub(super) groups: Vec<StationGroupJson>,
}

/// Alike stations and their diagnostics (each names the group's first station).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(super) struct StationGroupJson {
    /// Codes of the stations, the compiled one first.
    pub(super) stations: Vec<String>,
    /// The diagnostics, by date.
    pub(super) diagnostics: Vec<DiagnosticJson>,
}

impl RangeCheckJson {
    fn new(inputs: &Inputs, r: &RangeCheck) -> Self {
        Self {
            stations: r.stations,
            days: r.days,
            total: r.total(),
            groups: r
                .groups
                .iter()
                .map(|g| StationGroupJson {
                    stations: g
                        .stations
                        .iter()
                        .map(|&s| inputs.station(s).code.to_string())
                        .collect(),
                    diagnostics: g.diagnostics.iter().map(DiagnosticJson::from).collect(),
                })
                .collect(),
        }
    }
}

/// What checking a campaign found: the stations whose plan it may change, and the
/// diagnostics of its whole date range.
pub(super) struct Checked {
    /// Codes of the stations in the subtrees of the old and new target areas.
    pub(super) stations: Vec<String>,
    /// The campaign compiled over its whole range at every station it targets.
    pub(super) range: RangeCheckJson,
}

/// Checks `spec` (replacing `old`, if any) over its whole date range.
///
/// Refuses (403) target areas outside the caller's subtree, old ones included, so a
/// campaign cannot be taken away from stations the caller does not reach. Segments must
/// be approved and owned in the caller's subtree or above it (the province's library).
pub(super) async fn check(
    state: &AppState,
    scope: &Scope,
    spec: &CampaignSpec,
    old: Option<&CampaignSpec>,
) -> ApiResult<Checked> {
    for code in spec.areas.iter().chain(old.iter().flat_map(|o| &o.areas)) {
        scope.require_area(code)?;
    }
    let loaded = crate::store::load_inputs(&state.store).await?;
    let inputs = &loaded.inputs;
    let owners = crate::store::approved_segment_owners(&state.store).await?;
    let usable = |id: &str| {
        owners
            .get(id)
            .filter(|o| scope.contains(o) || scope.is_above(o))
            .and_then(|_| inputs.segment_by_id(id))
    };
    let campaign = spec
        .check(inputs.tree(), usable)
        .map_err(ApiError::Invalid)?;

    let mut campaigns: Vec<_> = inputs
        .campaigns()
        .iter()
        .filter(|c| c.id.as_str() != spec.id)
        .cloned()
        .collect();
    let index = campaigns.len();
    campaigns.push(campaign);
    let area_windows = inputs.area_windows().map(|(a, w)| (a, w.clone())).collect();
    let id = campaigns[index].id.clone();
    let written = Inputs::new(
        inputs.tree().clone(),
        area_windows,
        inputs.stations().to_vec(),
        inputs.segments().to_vec(),
        campaigns,
    )
    .map_err(|found| ApiError::Invalid(found.iter().map(|e| field_problem(e, index)).collect()))?;
    // The whole range of a year-long national campaign is seconds of CPU: off the runtime.
    let range = tokio::task::spawn_blocking(move || {
        check_campaign_range(&written, &id).map(|r| RangeCheckJson::new(&written, &r))
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("range check: {e}")))?
    .unwrap_or_default();
    Ok(Checked {
        stations: stations_in(
            inputs,
            spec.areas.iter().chain(old.iter().flat_map(|o| &o.areas)),
        ),
        range,
    })
}

/// Codes of the stations a stored campaign reaches (what deleting it recompiles).
pub(super) async fn affected(state: &AppState, spec: &CampaignSpec) -> ApiResult<Vec<String>> {
    let loaded = crate::store::load_inputs(&state.store).await?;
    Ok(stations_in(&loaded.inputs, spec.areas.iter()))
}

/// Codes of the stations in the subtrees of the areas `codes` (unknown codes skipped).
fn stations_in<'a>(inputs: &Inputs, codes: impl Iterator<Item = &'a String>) -> Vec<String> {
    let tree = inputs.tree();
    let roots: Vec<AreaId> = codes
        .filter_map(|code| AreaCode::parse(code).ok().and_then(|c| tree.get(&c)))
        .collect();
    let mut memo: HashMap<AreaId, bool> = HashMap::new();
    inputs
        .stations()
        .iter()
        .filter(|s| {
            *memo
                .entry(s.area)
                .or_insert_with(|| roots.iter().any(|&r| tree.is_within(s.area, r)))
        })
        .map(|s| s.code.to_string())
        .collect()
}

/// A whole-schedule problem, with the field of the campaign being written it concerns.
fn field_problem(e: &InputsError, index: usize) -> String {
    let field = match e {
        InputsError::CampaignDates { campaign, .. } if *campaign == index => "until".to_owned(),
        InputsError::EmergencyScheduled { campaign, .. } if *campaign == index => {
            "priority".to_owned()
        }
        InputsError::UnknownSegment { campaign, .. } if *campaign == index => "pool".to_owned(),
        InputsError::SpacingTooLarge {
            campaign,
            rotation_index,
            ..
        } if *campaign == index => format!("rotations[{rotation_index}].spacing"),
        _ => return e.to_string(),
    };
    format!("{field}: {e}")
}
