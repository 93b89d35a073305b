//! What each station plays now and next, and why: `GET /api/v1/now-playing` for the
//! caller's subtree (paged, by station code) and `GET /api/v1/stations/{code}/now` for
//! one station.
//!
//! The items come from compiling the stations' days on demand, exactly as
//! `GET /stations/{code}/plan` does, so they are the items of the agents' playlists;
//! "why" names the campaign and the slot rule that placed the item, in Vietnamese
//! (`domain::why_vi`). Only the page's stations are compiled. The list can be searched
//! (code, name and area name, diacritics ignored, as the console's station list) and
//! narrowed to the stations with an item on air now in the stored plan (what the fleet
//! status counts as "due now"), both before paging.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::fleet::{Paging, area_filter, rfc3339};
use super::json::ApiQuery;
use super::scope::Scope;
use crate::domain::{Inputs, Item, StationIdx, compile, slot_rule_at, why_vi};
use crate::server::AppState;
use crate::server::auth::StaffAuth;
use crate::server::error::{ApiError, ApiResult};

/// The now-playing part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(now_playing, station_now),
    components(schemas(NowPlayingJson, StationNowJson, NowItemJson))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/now-playing", get(now_playing))
        .route("/stations/{code}/now", get(station_now))
}

/// Local days compiled to find the next item: today and the two after it.
const DAYS_AHEAD: u32 = 3;

/// Query of `GET /api/v1/now-playing`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct NowParams {
    /// Only stations in this area's subtree (inside the caller's).
    pub area: Option<String>,
    /// Only stations whose code, name or area name holds every word of this (case
    /// and diacritics ignored: `phan dinh phung`); at most 100 characters.
    pub q: Option<String>,
    /// `true`: only stations with a planned item on air now.
    pub playing: Option<bool>,
    /// Page, from 1 (default 1).
    pub page: Option<u32>,
    /// Stations per page, 1–500 (default 50).
    pub per_page: Option<u32>,
}

/// What the stations of a page play now and next.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NowPlayingJson {
    /// The instant it holds at, RFC 3339 UTC.
    pub generated_at: String,
    /// Stations in the caller's subtree (inside `area` when given).
    pub total: usize,
    /// This page, from 1.
    pub page: u32,
    /// Stations per page.
    pub per_page: u32,
    /// This page's stations, by code.
    pub stations: Vec<StationNowJson>,
}

/// One station now and next.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct StationNowJson {
    /// Station code.
    pub station: String,
    /// Name.
    pub name: String,
    /// Area code.
    pub area: String,
    /// Area name.
    pub area_name: String,
    /// IANA time zone of the local times below.
    pub timezone: String,
    /// The planned item on air now; absent between items.
    pub now: Option<NowItemJson>,
    /// The next planned item (within three local days).
    pub next: Option<NowItemJson>,
}

/// A planned item and why it is there.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NowItemJson {
    /// Item id (as in the agent's playlist).
    pub id: String,
    /// Planned start, RFC 3339 UTC.
    pub start: String,
    /// Planned end, RFC 3339 UTC.
    pub end: String,
    /// Local date of the start, `dd/mm/yyyy`.
    pub local_date: String,
    /// Local start and end, `HH:MM:SS` (24-hour clock).
    pub local_start: String,
    /// See `local_start`.
    pub local_end: String,
    /// Segment id.
    pub segment: String,
    /// Its title.
    pub title: String,
    /// Its language.
    pub language: String,
    /// `normal` or `priority`.
    pub priority: String,
    /// Campaign id.
    pub campaign: String,
    /// Campaign name.
    pub campaign_name: String,
    /// Rotation id within the campaign.
    pub rotation: String,
    /// The crontab slot rule that placed it, when found.
    pub slot_rule: Option<String>,
    /// Why it airs, in Vietnamese: `Chiến dịch …, khung 06:30 hằng ngày`.
    pub why: String,
    /// For a relay, the live stream it plays.
    pub relay: Option<String>,
}

fn item_json(inputs: &Inputs, idx: StationIdx, item: &Item) -> NowItemJson {
    let st = inputs.station(idx);
    let campaign = &inputs.campaigns()[item.campaign];
    let rotation = &campaign.rotations[item.rotation];
    let segment = inputs.segment(item.segment);
    let start = item.start.with_timezone(&st.timezone);
    let end = item.end().with_timezone(&st.timezone);
    NowItemJson {
        id: item.id.to_string(),
        start: rfc3339(item.start.timestamp_millis()),
        end: rfc3339(item.end().timestamp_millis()),
        local_date: start.format("%d/%m/%Y").to_string(),
        local_start: start.format("%H:%M:%S").to_string(),
        local_end: end.format("%H:%M:%S").to_string(),
        segment: segment.id.to_string(),
        title: segment.title.clone(),
        language: segment.language.to_string(),
        priority: item.priority.as_str().to_owned(),
        campaign: campaign.id.to_string(),
        campaign_name: campaign.name.clone(),
        rotation: rotation.id.to_string(),
        slot_rule: slot_rule_at(rotation, start.naive_local()).map(|r| r.source().to_owned()),
        why: why_vi(&campaign.name, rotation, start.naive_local()),
        relay: item
            .relay
            .then(|| rotation.relay.as_ref().map(ToString::to_string))
            .flatten(),
    }
}

/// Longest search accepted, characters.
pub(crate) const MAX_QUERY: usize = 100;

/// What `idx` (in area `area`, named `area_name`) plays at `now` and next, compiled
/// from its local yesterday (an item may run past midnight) over the next days.
pub(crate) fn station_at(
    inputs: &Inputs,
    idx: StationIdx,
    (area, area_name): (&str, &str),
    now: DateTime<Utc>,
) -> StationNowJson {
    let st = inputs.station(idx);
    let today = now.with_timezone(&st.timezone).date_naive();
    // An item still on air at midnight started the day before.
    let compiled = compile(inputs, idx, today - Duration::days(1), DAYS_AHEAD + 1);
    let items = &compiled.playlist.items;
    let on_air = items.iter().find(|i| i.start <= now && now < i.end());
    let next = items.iter().find(|i| i.start > now);
    StationNowJson {
        station: st.code.to_string(),
        name: st.name.clone(),
        area: area.to_owned(),
        area_name: area_name.to_owned(),
        timezone: st.timezone.name().to_owned(),
        now: on_air.map(|i| item_json(inputs, idx, i)),
        next: next.map(|i| item_json(inputs, idx, i)),
    }
}

/// What the page's stations of `auth`'s subtree play now and next: what
/// `GET /api/v1/now-playing` answers.
pub(crate) async fn now_playing_page(
    state: &AppState,
    auth: &StaffAuth,
    p: &NowParams,
) -> ApiResult<NowPlayingJson> {
    let scope = Scope::load(&state.store, auth).await?;
    let paging = Paging::new(p.page, p.per_page)?;
    let query = p.q.as_deref().unwrap_or_default().trim();
    if query.chars().count() > MAX_QUERY {
        return Err(ApiError::BadRequest(format!(
            "q: dài quá {MAX_QUERY} ký tự; gõ ngắn hơn, chẳng hạn một phần tên trạm hoặc tên xã"
        )));
    }
    let (_, keep) = area_filter(&scope, p.area.as_deref())?;
    let now = state.clock.now();
    let on_air = match p.playing {
        Some(true) => {
            Some(crate::store::fleet::stations_on_air(&state.store, now.timestamp_millis()).await?)
        }
        _ => None,
    };
    let directory = state.directory.current(&state.store).await?;
    let per_page = paging.per_page as usize;
    let found = directory.search_where(
        |e| keep.contains(e.area.as_str()) && on_air.as_ref().is_none_or(|s| s.contains(&e.code)),
        query,
        (paging.page as usize - 1).saturating_mul(per_page),
        per_page,
    );
    let loaded = crate::store::shared_inputs(&state.store).await?;
    let inputs = &loaded.inputs;
    let stations = found
        .page
        .iter()
        .filter_map(|e| {
            let idx = inputs.station_by_code(&e.code)?;
            Some(station_at(inputs, idx, (&e.area, &e.area_name), now))
        })
        .collect();
    Ok(NowPlayingJson {
        generated_at: rfc3339(now.timestamp_millis()),
        total: found.total,
        page: paging.page,
        per_page: paging.per_page,
        stations,
    })
}

/// What one station of `auth`'s subtree plays now and next (404 outside it).
pub(crate) async fn station_now_of(
    state: &AppState,
    auth: &StaffAuth,
    code: &str,
) -> ApiResult<StationNowJson> {
    let scope = Scope::load(&state.store, auth).await?;
    let absent = || ApiError::NotFound(format!("không có trạm `{code}`"));
    let row = crate::store::get_station(&state.store, code)
        .await?
        .filter(|r| scope.contains(&r.area))
        .ok_or_else(absent)?;
    let loaded = crate::store::shared_inputs(&state.store).await?;
    let idx = loaded.inputs.station_by_code(code).ok_or_else(absent)?;
    let area_name = scope.name_inside(&row.area).unwrap_or_default();
    Ok(station_at(
        &loaded.inputs,
        idx,
        (&row.area, area_name),
        state.clock.now(),
    ))
}

/// What each station of the caller's subtree plays now and next, and why.
#[utoipa::path(get, path = "/api/v1/now-playing", tag = "console",
    security(("session_token" = [])), params(NowParams),
    responses((status = 200, body = NowPlayingJson),
        (status = 400, description = "bad page, per_page, q or playing"),
        (status = 404, description = "area unknown or outside the caller's subtree")))]
async fn now_playing(
    State(state): State<AppState>,
    auth: StaffAuth,
    ApiQuery(p): ApiQuery<NowParams>,
) -> ApiResult<axum::Json<NowPlayingJson>> {
    Ok(axum::Json(now_playing_page(&state, &auth, &p).await?))
}

/// What one station plays now and next, and why (404 when absent or outside the
/// caller's subtree).
#[utoipa::path(get, path = "/api/v1/stations/{code}/now", tag = "console",
    security(("session_token" = [])),
    params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = StationNowJson), (status = 404)))]
async fn station_now(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<StationNowJson>> {
    Ok(axum::Json(station_now_of(&state, &auth, &code).await?))
}
