//! A station's plan for any range of days, past or future, compiled on demand.
//!
//! The items are what the compiler gives for those days, so their ids are the ids the
//! agent gets in its playlist for the same days (a day's items do not depend on the
//! day compiling started from). Items already due carry what the station recorded.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat};
use serde::{Deserialize, Serialize};

use super::visible;
use crate::domain::{compile, slot_rule_at, why_vi};
use crate::server::AppState;
use crate::server::api::scope::Scope;
use crate::server::auth::StaffAuth;
use crate::server::error::{ApiError, ApiResult};
use crate::store::ItemAiring;
use crate::wire::{DiagnosticJson, PlaylistItemJson, PlaylistJson};

/// Longest range one request may ask for, in days.
pub(super) const MAX_PLAN_DAYS: i64 = 366;

/// Query of `GET /stations/{code}/plan`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PlanParams {
    /// First local day, `yyyy-mm-dd` or `dd/mm/yyyy`.
    from: Option<String>,
    /// Last local day (included), `yyyy-mm-dd` or `dd/mm/yyyy`; at most 366 days
    /// from `from`.
    until: Option<String>,
}

/// A station's plan for a range of local days.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct StationPlanJson {
    /// Station code.
    pub(crate) station: String,
    /// IANA time zone of its days.
    pub(crate) timezone: String,
    /// First local day.
    pub(crate) from: String,
    /// Last local day (included).
    pub(crate) until: String,
    /// The items, in start order.
    pub(crate) items: Vec<PlanItemJson>,
    /// What the compiler found over the range.
    pub(crate) diagnostics: Vec<DiagnosticJson>,
}

/// One planned item and, once due, what happened to it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PlanItemJson {
    /// The item exactly as the agent's playlist carries it.
    #[serde(flatten)]
    pub(crate) item: PlaylistItemJson,
    /// `upcoming` (not due yet), `unreported` (due, no record yet) or the recorded
    /// outcome: `aired`, `partial`, `missed`, `failed`, `preempted`.
    pub(crate) status: String,
    /// The recorded reason, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
    /// Real start, RFC 3339 UTC, when it went on air.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) actual_start: Option<String>,
    /// Real end, RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) actual_end: Option<String>,
    /// Records the station sent for this item (more than one is a station fault).
    pub(crate) records: usize,
    /// Rotation id within the campaign.
    pub(crate) rotation: String,
    /// The crontab slot rule that placed it, when found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) slot_rule: Option<String>,
    /// Why it airs, in Vietnamese: `Chiến dịch …, khung 06:30 hằng ngày`.
    pub(crate) why: String,
}

/// Parses a day parameter, `yyyy-mm-dd` or `dd/mm/yyyy`.
fn day(name: &str, value: Option<&str>) -> ApiResult<NaiveDate> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(ApiError::BadRequest(format!(
            "{name}: thiếu ngày; viết yyyy-mm-dd hoặc dd/mm/yyyy, ví dụ 2027-10-01 hoặc 01/10/2027"
        )));
    };
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| {
            ApiError::BadRequest(format!(
                "{name}: `{text}` không phải ngày hợp lệ; viết yyyy-mm-dd hoặc dd/mm/yyyy, ví dụ 01/10/2027"
            ))
        })
}

/// The checked range: first day and number of days.
pub(super) fn range(from: Option<&str>, until: Option<&str>) -> ApiResult<(NaiveDate, u32)> {
    let (first, last) = (day("from", from)?, day("until", until)?);
    if last < first {
        return Err(ApiError::BadRequest(format!(
            "until: {} trước from {}; until phải từ from trở đi",
            last.format("%d/%m/%Y"),
            first.format("%d/%m/%Y")
        )));
    }
    let days = (last - first).num_days() + 1;
    if days > MAX_PLAN_DAYS {
        return Err(ApiError::BadRequest(format!(
            "until: khoảng {days} ngày dài quá {MAX_PLAN_DAYS} ngày; chia thành nhiều lần hỏi"
        )));
    }
    Ok((first, days as u32))
}

fn rfc3339(ms: Option<i64>) -> Option<String> {
    ms.and_then(DateTime::from_timestamp_millis)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// The plan of one station for any range of days (404 when absent or outside the
/// caller's subtree).
#[utoipa::path(get, path = "/api/v1/stations/{code}/plan", tag = "console",
    security(("session_token" = [])),
    params(("code" = String, Path, description = "station code"), PlanParams),
    responses((status = 200, body = StationPlanJson),
        (status = 400, description = "a missing or bad date, until before from, more than 366 days"),
        (status = 404)))]
pub(super) async fn plan(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(code): Path<String>,
    Query(p): Query<PlanParams>,
) -> ApiResult<axum::Json<StationPlanJson>> {
    let scope = Scope::load(&state.store, &auth).await?;
    visible(&state, &scope, &code).await?;
    let (from, days) = range(p.from.as_deref(), p.until.as_deref())?;
    let (plan, _) = station_plan(&state, &scope, &code, from, days).await?;
    Ok(axum::Json(plan))
}

/// The plan of station `code` (inside `scope`, else 404) for `days` local days from
/// `from`, with what the station recorded for the items already due; also the inputs
/// it was compiled from (the console names segments and campaigns from them). What
/// `GET /stations/{code}/plan` answers and the console's calendar shows.
pub(crate) async fn station_plan(
    state: &AppState,
    scope: &Scope,
    code: &str,
    from: NaiveDate,
    days: u32,
) -> ApiResult<(StationPlanJson, std::sync::Arc<crate::store::Loaded>)> {
    visible(state, scope, code).await?;
    if days == 0 || i64::from(days) > MAX_PLAN_DAYS {
        return Err(ApiError::BadRequest(format!(
            "until: khoảng {days} ngày; cần từ 1 đến {MAX_PLAN_DAYS} ngày"
        )));
    }
    let loaded = crate::store::shared_inputs(&state.store).await?;
    let inputs = &loaded.inputs;
    let Some(idx) = inputs.station_by_code(code) else {
        return Err(ApiError::NotFound(format!("không có trạm `{code}`")));
    };
    let st = inputs.station(idx);
    let compiled = compile(inputs, idx, from, days);
    let target = loaded
        .target_lufs
        .get(idx.index())
        .copied()
        .unwrap_or(-16.0);
    let playlist = PlaylistJson::new(inputs, idx, &compiled, &loaded.segment_media, target);
    let start_ms = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(st.timezone).earliest())
            .map_or(0, |t| t.timestamp_millis())
    };
    let until = from + Duration::days(i64::from(days) - 1);
    let records = crate::store::airings_planned_between(
        &state.store,
        code,
        start_ms(from),
        start_ms(until + Duration::days(1)),
    )
    .await?;
    let mut by_item: HashMap<&str, Vec<&ItemAiring>> = HashMap::new();
    for r in &records {
        by_item.entry(r.item_id.as_str()).or_default().push(r);
    }
    // The server's clock, as the now-playing block and the fleet status read it.
    let now = state.clock.now();
    let items = compiled
        .playlist
        .items
        .iter()
        .zip(playlist.items)
        .map(|(planned, item)| {
            let found = by_item.get(item.id.as_str());
            let campaign = &inputs.campaigns()[planned.campaign];
            let rotation = &campaign.rotations[planned.rotation];
            let local = planned.start.with_timezone(&st.timezone).naive_local();
            let first = found.and_then(|f| f.first());
            let status = match first {
                Some(r) => r.outcome.clone(),
                None if planned.start > now => "upcoming".to_owned(),
                None => "unreported".to_owned(),
            };
            PlanItemJson {
                status,
                reason: first.and_then(|r| r.reason.clone()),
                actual_start: first.and_then(|r| rfc3339(r.actual_start_ms)),
                actual_end: first.and_then(|r| rfc3339(r.actual_end_ms)),
                records: found.map_or(0, Vec::len),
                rotation: rotation.id.to_string(),
                slot_rule: slot_rule_at(rotation, local).map(|r| r.source().to_owned()),
                why: why_vi(&campaign.name, rotation, local),
                item,
            }
        })
        .collect();
    let plan = StationPlanJson {
        station: st.code.to_string(),
        timezone: st.timezone.name().to_owned(),
        from: from.to_string(),
        until: until.to_string(),
        items,
        diagnostics: compiled
            .diagnostics
            .iter()
            .map(DiagnosticJson::from)
            .collect(),
    };
    Ok((plan, loaded))
}
