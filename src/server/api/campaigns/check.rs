//! Checking a campaign written in the console against the whole stored schedule, with
//! the rules and Vietnamese messages of schedule files; each problem is prefixed with
//! the path of the field it concerns (`rotations[0].spacing: …`).

use std::collections::HashMap;

use crate::domain::{AreaCode, AreaId, Inputs, InputsError};
use crate::server::AppState;
use crate::server::api::scope::Scope;
use crate::server::error::{ApiError, ApiResult};
use crate::wire::CampaignSpec;

/// Checks `spec` (replacing `old`, if any) and returns the codes of the stations whose
/// plan it may change: those in the subtrees of the old and new target areas.
///
/// Refuses (403) target areas outside the caller's subtree, old ones included, so a
/// campaign cannot be taken away from stations the caller does not reach. Segments must
/// be approved and owned in the caller's subtree or above it (the province's library).
pub(super) async fn check(
    state: &AppState,
    scope: &Scope,
    spec: &CampaignSpec,
    old: Option<&CampaignSpec>,
) -> ApiResult<Vec<String>> {
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
    let mut errors = Vec::new();
    let campaign = spec.to_domain(inputs.tree(), usable);
    for (i, r) in spec.rotations.iter().enumerate() {
        // Schedule files require weights for `weighted`; stored specs may omit weights
        // of 1, so only the API checks this (not `to_domain`, which also reads them).
        if r.order == "weighted" && spec.weights.is_empty() {
            errors.push(format!(
                "rotations[{i}].order: `order` = `weighted` cần `weights`, ví dụ {{\"ma-ban-tin\": 3}}"
            ));
        }
    }
    let campaign = match campaign {
        Ok(c) if errors.is_empty() => c,
        Ok(_) => return Err(ApiError::Invalid(errors)),
        Err(mut first) => {
            first.extend(errors);
            return Err(ApiError::Invalid(first));
        }
    };

    let mut campaigns: Vec<_> = inputs
        .campaigns()
        .iter()
        .filter(|c| c.id.as_str() != spec.id)
        .cloned()
        .collect();
    let index = campaigns.len();
    campaigns.push(campaign);
    let area_windows = inputs.area_windows().map(|(a, w)| (a, w.clone())).collect();
    if let Err(found) = Inputs::new(
        inputs.tree().clone(),
        area_windows,
        inputs.stations().to_vec(),
        inputs.segments().to_vec(),
        campaigns,
    ) {
        return Err(ApiError::Invalid(
            found.iter().map(|e| field_problem(e, index)).collect(),
        ));
    }

    Ok(stations_in(
        inputs,
        spec.areas.iter().chain(old.iter().flat_map(|o| &o.areas)),
    ))
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
