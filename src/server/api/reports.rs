//! `GET /api/v1/reports`: the airing report of an area subtree and period, as JSON,
//! CSV or XLSX. The area must lie in the caller's subtree (absent: the caller's own
//! area); outside it, the area looks absent (404), as everywhere in the API.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::scope::Scope;
use crate::domain::{AreaCode, GroupBy, Report, Tally};
use crate::report::{Format, MakeError, compute, make};
use crate::server::AppState;
use crate::server::auth::StaffAuth;
use crate::server::error::{ApiError, ApiResult};
use crate::store::{ReportError, ReportQuery};

/// The reports part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(report),
    components(schemas(ReportJson, ReportRowJson, TallyJson))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/reports", get(report))
}

/// Query of `GET /api/v1/reports`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportParams {
    /// First local day, `dd/mm/yyyy` or `yyyy-mm-dd`.
    from: String,
    /// Last local day (inclusive), `dd/mm/yyyy` or `yyyy-mm-dd`.
    until: String,
    /// Area code (default: the caller's area).
    area: Option<String>,
    /// Only this campaign.
    campaign: Option<String>,
    /// station, area (default), campaign, segment, language, priority, day, week, month.
    by: Option<String>,
    /// json (default), csv, xlsx, table.
    format: Option<String>,
}

/// Counts of one row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct TallyJson {
    planned: u64,
    due: u64,
    upcoming: u64,
    aired: u64,
    partial: u64,
    /// Started late and cut where the next item began (also counted in `partial`).
    late_start: u64,
    missed: u64,
    failed: u64,
    preempted: u64,
    unreported: u64,
    extra_records: u64,
    minutes_aired: f64,
    /// Aired in full over due, percent; absent when nothing is due.
    completion_pct: Option<f64>,
    fallback: u64,
    emergency: u64,
    /// Not aired in full, by reason (`agent_down`, `media_missing`, `unreported`, …).
    reasons: BTreeMap<String, u64>,
}

impl From<&Tally> for TallyJson {
    fn from(t: &Tally) -> Self {
        Self {
            planned: t.planned,
            due: t.due(),
            upcoming: t.upcoming,
            aired: t.aired,
            partial: t.partial,
            late_start: t.late_start,
            missed: t.missed,
            failed: t.failed,
            preempted: t.preempted,
            unreported: t.unreported,
            extra_records: t.extra,
            minutes_aired: (t.minutes_aired() * 10.0).round() / 10.0,
            completion_pct: t.completion_pct().map(|p| (p * 10.0).round() / 10.0),
            fallback: t.fallback,
            emergency: t.emergency,
            reasons: t.reasons.clone(),
        }
    }
}

/// One row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ReportRowJson {
    /// Station or area code, campaign id, `YYYY-MM-DD`, ….
    key: String,
    /// Name, title or `dd/mm/yyyy`.
    label: String,
    /// Depth under the report's area, for area rows.
    depth: Option<u8>,
    counts: TallyJson,
}

/// A report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ReportJson {
    from: String,
    until: String,
    /// Area code; empty for a whole-tree report over several roots.
    area: String,
    /// The area's name; `Toàn quốc` for a whole-tree report over several roots.
    area_name: String,
    by: String,
    stations: usize,
    total: TallyJson,
    rows: Vec<ReportRowJson>,
    /// Stations whose log chain has a break among the period's records.
    chain_breaks: Vec<String>,
    /// Stations that sent no heartbeat in the period.
    silent_stations: Vec<String>,
    /// Stations whose period's records failed the latest `loa verify` (signature or
    /// chain).
    log_failed: Vec<String>,
    /// Stations with records in the period sent before they had a signing key.
    log_unsigned: Vec<String>,
}

fn to_json(q: &ReportQuery, area: &str, area_name: &str, by: &str, r: &Report) -> ReportJson {
    ReportJson {
        from: q.from.to_string(),
        until: q.until.to_string(),
        area: area.to_owned(),
        area_name: area_name.to_owned(),
        by: by.to_owned(),
        stations: r.stations.len(),
        total: (&r.total).into(),
        rows: r
            .rows
            .iter()
            .map(|row| ReportRowJson {
                key: row.key.clone(),
                label: row.label.clone(),
                depth: row.area.map(|(_, d)| d),
                counts: (&row.tally).into(),
            })
            .collect(),
        chain_breaks: r.broken_chains().into_iter().map(String::from).collect(),
        silent_stations: r.silent_stations().into_iter().map(String::from).collect(),
        log_failed: r.failed_logs().into_iter().map(String::from).collect(),
        log_unsigned: r.unsigned_logs().into_iter().map(String::from).collect(),
    }
}

/// Which field of a report request a refusal is about (the console shows the message
/// next to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReportField {
    /// The first day.
    From,
    /// The last day.
    Until,
    /// The area.
    Area,
    /// The campaign.
    Campaign,
    /// The grouping.
    By,
}

/// A report request as `GET /api/v1/reports` and the console's form carry it, before
/// it is checked.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReportAsk<'a> {
    /// First local day, `dd/mm/yyyy` or `yyyy-mm-dd`.
    pub from: &'a str,
    /// Last local day, inclusive.
    pub until: &'a str,
    /// Area code; `None`: the caller's area.
    pub area: Option<&'a str>,
    /// Campaign id.
    pub campaign: Option<&'a str>,
    /// Grouping keyword; `None`: `area`.
    pub by: Option<&'a str>,
}

/// Checks a report request in the caller's scope, as the API does: the query to run,
/// or the field at fault with the API's answer (an area outside the scope looks absent,
/// 404; a bad day or keyword is a 400 naming it).
pub(crate) fn report_query(
    scope: &Scope,
    ask: ReportAsk<'_>,
    now_ms: i64,
) -> Result<ReportQuery, (ReportField, ApiError)> {
    let area = ask.area.or_else(|| scope.root_area());
    if let Some(area) = area
        && !scope.contains(area)
    {
        let shown: String = area.chars().take(64).collect();
        return Err((
            ReportField::Area,
            ApiError::NotFound(format!("không có đơn vị hành chính mã `{shown}`")),
        ));
    }
    let by_text = ask.by.unwrap_or("area");
    let by = GroupBy::parse(by_text).ok_or_else(|| {
        let shown: String = by_text.chars().take(64).collect();
        (
            ReportField::By,
            ApiError::BadRequest(format!(
                "by `{shown}` không hợp lệ: dùng {}",
                GroupBy::KEYWORDS
            )),
        )
    })?;
    Ok(ReportQuery {
        from: day("from", ask.from).map_err(|e| (ReportField::From, e))?,
        until: day("until", ask.until).map_err(|e| (ReportField::Until, e))?,
        area: area
            .map(|a| {
                AreaCode::parse(a).map_err(|e| {
                    (
                        ReportField::Area,
                        ApiError::BadRequest(format!("area: {e}")),
                    )
                })
            })
            .transpose()?,
        campaign: ask.campaign.map(str::to_owned),
        by,
        now_ms,
    })
}

fn day(name: &str, s: &str) -> ApiResult<NaiveDate> {
    let shown: String = s.chars().take(64).collect();
    crate::wire::day::parse(s)
        .ok_or_else(|| ApiError::BadRequest(format!("{name}: {}", crate::wire::day::hint(&shown))))
}

/// The API's answer to a query the store refused, and the field it is about (`None`
/// when the store failed).
pub(crate) fn report_refused(e: ReportError) -> (Option<ReportField>, ApiError) {
    match e {
        ReportError::Range { .. } => (
            Some(ReportField::Until),
            ApiError::BadRequest(e.to_string()),
        ),
        ReportError::UnknownArea(_) => (Some(ReportField::Area), ApiError::NotFound(e.to_string())),
        ReportError::UnknownCampaign(_) => (
            Some(ReportField::Campaign),
            ApiError::NotFound(e.to_string()),
        ),
        ReportError::Store(s) => (None, ApiError::Internal(s.into())),
    }
}

fn refused(e: ReportError) -> ApiError {
    report_refused(e).1
}

/// The airing report of an area and period.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", params(ReportParams),
    security(("session_token" = [])),
    responses((status = 200, body = ReportJson, description = "JSON, or the CSV/XLSX file asked for"),
        (status = 400, description = "bad date, range or keyword"),
        (status = 404, description = "area or campaign unknown or outside the caller's area")))]
pub(super) async fn report(
    State(state): State<AppState>,
    auth: StaffAuth,
    Query(p): Query<ReportParams>,
) -> ApiResult<Response> {
    let scope = Scope::load(&state.store, &auth).await?;
    let ask = ReportAsk {
        from: &p.from,
        until: &p.until,
        area: p.area.as_deref(),
        campaign: p.campaign.as_deref(),
        by: p.by.as_deref(),
    };
    let query =
        report_query(&scope, ask, chrono::Utc::now().timestamp_millis()).map_err(|(_, e)| e)?;
    let area = query.area.as_ref().map(|a| a.as_str().to_owned());
    let by_text = p.by.as_deref().unwrap_or("area");
    let format = match p.format.as_deref().unwrap_or("json") {
        "json" => None,
        other => Some(Format::parse(other).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "format `{other}` không hợp lệ: dùng json, csv, xlsx hoặc table"
            ))
        })?),
    };
    let Some(format) = format else {
        let (_, report) = compute(&state.store, &query).await.map_err(refused)?;
        let area_name = match &area {
            Some(code) => scope
                .name_inside(code)
                .map_or_else(|| code.clone(), str::to_owned),
            None => "Toàn quốc".to_owned(),
        };
        return Ok(axum::Json(to_json(
            &query,
            area.as_deref().unwrap_or(""),
            &area_name,
            by_text,
            &report,
        ))
        .into_response());
    };
    let made = make(&state.store, &query, format)
        .await
        .map_err(|e| match e {
            MakeError::Report(e) => refused(e),
            other => ApiError::Internal(other.into()),
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, made.content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", made.file_name),
            ),
        ],
        made.bytes,
    )
        .into_response())
}
