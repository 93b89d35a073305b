//! `GET /api/v1/fleet`: the dashboard's data for the caller's subtree. Every station's
//! state at this moment (problems first), filtered by state and area and paged; how
//! many stations are in each state; today's completion per area; the emergency
//! bulletins under way.
//!
//! [`fleet_status`] is the one function the API and the console's dashboard both show;
//! the state of a station is decided by `domain::classify` over what
//! `store::fleet::fleet_rows` reads.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::json::ApiQuery;
use super::scope::Scope;
use crate::domain::{AreaCode, GroupBy, State as StationState, Status, classify};
use crate::server::AppState;
use crate::server::auth::StaffAuth;
use crate::server::error::{ApiError, ApiResult};
use crate::store::fleet::{FleetRow, fleet_rows};
use crate::store::{ReportQuery, emergencies};
use crate::wire::HeartbeatJson;

mod paging;
mod summary;

pub(crate) use paging::{Paging, area_filter};
pub use summary::CompletionCache;
pub(super) use summary::{ActiveEmergencyJson, AreaCompletionJson};

/// The fleet part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(fleet),
    components(schemas(
        FleetJson,
        FleetStationJson,
        StateCountJson,
        ItemBriefJson,
        AreaCompletionJson,
        ActiveEmergencyJson
    ))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/fleet", get(fleet))
}

/// Query of `GET /api/v1/fleet`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct FleetParams {
    /// Only stations in this state (as their state, one of their problems or what they
    /// are doing): silent, chain_break, signature_failure, media_not_ready, clock_off,
    /// playlist_behind, outbox_backlog, playing, idle_in_window, idle_outside_windows.
    pub state: Option<String>,
    /// Only stations in this area's subtree (inside the caller's).
    pub area: Option<String>,
    /// Page, from 1 (default 1).
    pub page: Option<u32>,
    /// Stations per page, 1–500 (default 50).
    pub per_page: Option<u32>,
}

/// The dashboard's data.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct FleetJson {
    /// The instant the states hold at, RFC 3339 UTC.
    pub generated_at: String,
    /// The area listed: the filter, else the caller's area (absent for a whole-tree
    /// caller over several roots).
    pub area: Option<String>,
    /// Stations in each state (a station counts in its state, each of its problems and
    /// what it is doing), in state order, problems first; not narrowed by `state`.
    pub counts: Vec<StateCountJson>,
    /// Stations matching the filters.
    pub total: usize,
    /// This page, from 1.
    pub page: u32,
    /// Stations per page.
    pub per_page: u32,
    /// This page's stations: problems first, most severe first, then by code.
    pub stations: Vec<FleetStationJson>,
    /// Today's completion (station-local day): the area and the areas just below it.
    pub completion: Vec<AreaCompletionJson>,
    /// The instant `completion` was counted at, RFC 3339 UTC (at most a minute and a
    /// half before `generated_at`); absent with no stations.
    pub completion_at: Option<String>,
    /// Emergency bulletins still being delivered or aired that concern the caller.
    pub emergencies: Vec<ActiveEmergencyJson>,
}

/// How many stations are in one state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct StateCountJson {
    /// State keyword.
    pub state: String,
    /// In Vietnamese.
    pub label: String,
    /// Whether it is a problem.
    pub problem: bool,
    /// Stations in it.
    pub stations: usize,
}

/// One station's state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct FleetStationJson {
    /// Station code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Area code.
    pub area: String,
    /// Area name.
    pub area_name: String,
    /// IANA time zone.
    pub timezone: String,
    /// Its most severe problem, else what it is doing.
    pub state: String,
    /// `state` in Vietnamese.
    pub state_label: String,
    /// Every problem, most severe first.
    pub problems: Vec<String>,
    /// playing, idle_in_window or idle_outside_windows; absent while silent.
    pub activity: Option<String>,
    /// Whether now lies inside one of its windows.
    pub in_window: bool,
    /// Its last heartbeat's arrival, RFC 3339 UTC; absent when never seen.
    pub last_seen: Option<String>,
    /// Seconds since then.
    pub last_seen_s_ago: Option<i64>,
    /// Silent inside a window: for how long during this window, seconds.
    pub silent_in_window_s: Option<i64>,
    /// What its last heartbeat said.
    pub heartbeat: Option<HeartbeatJson>,
    /// Version of the playlist compiled for it now (compare `heartbeat.playlist_version`).
    pub playlist_version: Option<String>,
    /// The planned item due now.
    pub item_now: Option<ItemBriefJson>,
    /// Chain breaks found lately (see the README for the period).
    pub chain_breaks: u64,
    /// Airings refused lately for a bad signature.
    pub signature_failures: u64,
}

/// A planned item, briefly.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ItemBriefJson {
    /// Item id.
    pub id: String,
    /// Planned start, RFC 3339 UTC.
    pub start: String,
    /// Planned end, RFC 3339 UTC.
    pub end: String,
    /// Campaign id.
    pub campaign: String,
    /// Segment id.
    pub segment: String,
}

/// An instant as RFC 3339 UTC with milliseconds.
pub(crate) fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn state_param(text: Option<&str>) -> ApiResult<Option<StationState>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    StationState::parse(text).map(Some).ok_or_else(|| {
        let known: Vec<&str> = StationState::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::BadRequest(format!(
            "state: `{}` không phải trạng thái đã biết; viết một trong {}",
            text.chars().take(40).collect::<String>(),
            known.join(", ")
        ))
    })
}

/// The stations whose area `keep` accepts, with their states at `now`, in code order.
pub(crate) async fn classified(
    state: &AppState,
    keep: impl Fn(&str) -> bool,
    now: DateTime<Utc>,
) -> Result<Vec<(FleetRow, Status)>, crate::store::StoreError> {
    let since = now.timestamp_millis() - i64::from(state.config.fleet_problem_days) * 86_400_000;
    let rows = fleet_rows(&state.store, keep, now.timestamp_millis(), since).await?;
    let limits = state.config.fleet_thresholds();
    Ok(rows
        .into_iter()
        .map(|row| {
            let heard = row.heard();
            let status = classify(&row.observation(heard.as_ref()), now, &limits);
            (row, status)
        })
        .collect())
}

/// The dashboard's data for `auth`'s subtree: what `GET /api/v1/fleet` answers.
pub(crate) async fn fleet_status(
    state: &AppState,
    auth: &StaffAuth,
    p: &FleetParams,
) -> ApiResult<FleetJson> {
    let scope = Scope::load(&state.store, auth).await?;
    let wanted = state_param(p.state.as_deref())?;
    let paging = Paging::new(p.page, p.per_page)?;
    let (area, keep) = area_filter(&scope, p.area.as_deref())?;
    let now = state.clock.now();
    let now_ms = now.timestamp_millis();
    let mut all = classified(state, |a| keep.contains(a), now).await?;
    let counts = StationState::ALL
        .iter()
        .map(|&s| StateCountJson {
            state: s.as_str().to_owned(),
            label: s.label_vi().to_owned(),
            problem: s.is_problem(),
            stations: all.iter().filter(|(_, st)| st.has(s)).count(),
        })
        .collect();
    let (completion, completion_at) =
        summary::completion(state, &scope, area.as_deref(), &all, now).await?;
    all.retain(|(_, st)| wanted.is_none_or(|w| st.has(w)));
    // Stable: `classified` gives them in code order.
    all.sort_by_key(|(_, st)| st.state);
    let total = all.len();
    let stations = paging
        .slice(all)
        .into_iter()
        .map(|(row, st)| station_json(row, &st, &scope, now_ms))
        .collect();
    Ok(FleetJson {
        generated_at: rfc3339(now_ms),
        area,
        counts,
        total,
        page: paging.page,
        per_page: paging.per_page,
        stations,
        completion,
        completion_at,
        emergencies: summary::emergencies(state, &scope, now_ms).await?,
    })
}

fn station_json(row: FleetRow, st: &Status, scope: &Scope, now_ms: i64) -> FleetStationJson {
    let seen = row.heartbeat.as_ref().map(|(at, _)| *at);
    FleetStationJson {
        area_name: scope
            .area_inside(&row.area)
            .map_or_else(String::new, |a| a.name.clone()),
        timezone: row.timezone.name().to_owned(),
        state: st.state.as_str().to_owned(),
        state_label: st.state.label_vi().to_owned(),
        problems: st.problems.iter().map(|s| s.as_str().to_owned()).collect(),
        activity: st.activity.map(|s| s.as_str().to_owned()),
        in_window: st.in_window,
        last_seen: seen.map(rfc3339),
        last_seen_s_ago: seen.map(|at| (now_ms - at).max(0) / 1000),
        silent_in_window_s: st.silent_in_window_ms.map(|ms| ms / 1000),
        heartbeat: row
            .heartbeat
            .map(|(_, hb)| std::sync::Arc::unwrap_or_clone(hb)),
        playlist_version: row.current_version,
        item_now: row.item_now.map(|i| ItemBriefJson {
            start: rfc3339(i.start_ms),
            end: rfc3339(i.start_ms + i.duration_ms),
            id: i.item_id,
            campaign: i.campaign,
            segment: i.segment,
        }),
        chain_breaks: row.chain_breaks,
        signature_failures: row.signature_failures,
        code: row.code,
        name: row.name,
        area: row.area,
    }
}

/// Every station of the caller's subtree with its state now, problems first (see the
/// README, "Fleet status, now playing and alerts").
#[utoipa::path(get, path = "/api/v1/fleet", tag = "console",
    security(("session_token" = [])), params(FleetParams),
    responses((status = 200, body = FleetJson),
        (status = 400, description = "unknown state, bad page or per_page"),
        (status = 404, description = "area unknown or outside the caller's subtree")))]
async fn fleet(
    State(state): State<AppState>,
    auth: StaffAuth,
    ApiQuery(p): ApiQuery<FleetParams>,
) -> ApiResult<axum::Json<FleetJson>> {
    Ok(axum::Json(fleet_status(&state, &auth, &p).await?))
}

/// The report query of today's completion under `area`.
pub(super) fn today_query(area: Option<&str>, day: chrono::NaiveDate, now_ms: i64) -> ReportQuery {
    ReportQuery {
        from: day,
        until: day,
        area: area.and_then(|a| AreaCode::parse(a).ok()),
        campaign: None,
        by: GroupBy::Area,
        now_ms,
    }
}

/// Bulletins under way that the caller sees, with their targets inside its subtree.
pub(super) async fn visible_emergency(
    state: &AppState,
    scope: &Scope,
    id: &str,
) -> ApiResult<Option<emergencies::EmergencyRow>> {
    Ok(emergencies::get_emergency(&state.store, id)
        .await?
        .filter(|e| scope.contains(&e.area_code) || scope.is_above(&e.area_code)))
}
