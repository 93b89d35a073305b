//! Stations from the console: list and read inside the caller's subtree; create and
//! change (editor or above), checked like `[[station]]` in schedule files (area, code,
//! languages, time zone, windows that must not overlap and must narrow the windows the
//! station inherits), then recorded in the audit log and recompiled.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;

use super::campaigns::{Recompiled, recompile};
use super::json::ApiJson;
use super::scope::Scope;
use crate::domain::{Inputs, InputsError, Station};
use crate::server::AppState;
use crate::server::auth::{Role, StaffAuth};
use crate::server::error::{ApiError, ApiResult};
use crate::store::StationRow;

pub(crate) mod bulk;
mod plan;
mod spec;

pub(crate) use plan::station_plan;

pub(super) use spec::{StationSpec, WindowSpec};

/// The station part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, show, create, update, plan::plan, import, create_all),
    components(schemas(
        StationSpec,
        WindowSpec,
        StationJson,
        StationWritten,
        plan::StationPlanJson,
        plan::PlanItemJson,
        BulkWritten,
        CreateAll
    ))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/stations", get(list).post(create))
        .route("/stations/{code}", get(show).put(update))
        .route("/stations/{code}/plan", get(plan::plan))
        .route(
            "/stations/import",
            axum::routing::post(import).layer(axum::extract::DefaultBodyLimit::max(BULK_LIMIT)),
        )
        .route("/stations/create-all", axum::routing::post(create_all))
}

/// Largest station CSV accepted, bytes (20,000 rows of a few hundred bytes).
const BULK_LIMIT: usize = 4 * 1024 * 1024;

/// The answer to a bulk write.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct BulkWritten {
    /// Codes of the stations created.
    created: Vec<String>,
    /// Codes of the stations whose settings changed.
    updated: Vec<String>,
    /// Rows equal to what was stored.
    unchanged: usize,
    recompiled: Recompiled,
}

/// `POST /api/v1/stations/create-all` body.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateAll {
    /// Root of the subtree: each of its communes without a station gets one.
    area: String,
}

async fn bulk_answer(
    state: &AppState,
    result: Result<bulk::BulkSummary, Vec<String>>,
) -> ApiResult<axum::Json<BulkWritten>> {
    let done = result.map_err(ApiError::Invalid)?;
    let touched: Vec<String> = done.created.iter().chain(&done.updated).cloned().collect();
    let recompiled = recompile(state, &touched).await?;
    Ok(axum::Json(BulkWritten {
        created: done.created,
        updated: done.updated,
        unchanged: done.unchanged,
        recompiled,
    }))
}

/// Creates or updates stations from CSV `code,area,name,languages,windows` (editor or
/// above, areas inside the caller's subtree); any problem: every one with its line
/// (422), nothing written. Rows equal to what is stored are left alone.
#[utoipa::path(post, path = "/api/v1/stations/import", tag = "console",
    security(("session_token" = [])),
    request_body(content = String, content_type = "text/csv",
        description = "code,area,name,languages,windows; windows `T2-T6 05:30-06:30; 17:00-18:00`"),
    responses((status = 200, body = BulkWritten), (status = 403), (status = 413),
        (status = 422, description = "every problem, `dòng N: field: …`")))]
async fn import(
    State(state): State<AppState>,
    auth: StaffAuth,
    body: String,
) -> ApiResult<axum::Json<BulkWritten>> {
    auth.require(Role::Editor)?;
    let scope = Scope::load(&state.store, &auth).await?;
    let allowed = |a: &str| scope.contains(a);
    let result = bulk::import_csv(&state.store, &body, &allowed, &auth.username).await?;
    bulk_answer(&state, result).await
}

/// One station per commune of `area`'s subtree that holds none (editor or above).
#[utoipa::path(post, path = "/api/v1/stations/create-all", tag = "console",
    security(("session_token" = [])), request_body = CreateAll,
    responses((status = 200, body = BulkWritten), (status = 403), (status = 422)))]
async fn create_all(
    State(state): State<AppState>,
    auth: StaffAuth,
    ApiJson(req): ApiJson<CreateAll>,
) -> ApiResult<axum::Json<BulkWritten>> {
    auth.require(Role::Editor)?;
    let scope = Scope::load(&state.store, &auth).await?;
    let allowed = |a: &str| scope.contains(a);
    let result = bulk::create_all(&state.store, &req.area, &allowed, &auth.username).await?;
    bulk_answer(&state, result).await
}

/// A station as the console shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct StationJson {
    code: String,
    area: String,
    name: String,
    timezone: String,
    languages: Vec<String>,
    /// Its own windows; absent when it airs in the windows of its area.
    windows: Option<Vec<WindowSpec>>,
    target_lufs: f64,
    /// Version (ETag) of its current playlist.
    playlist_etag: Option<String>,
}

impl StationJson {
    fn new(row: StationRow) -> ApiResult<Self> {
        let windows = row
            .windows
            .as_deref()
            .map(|text| {
                crate::store::windows_from_text(text).map_err(|e| {
                    ApiError::Internal(anyhow::anyhow!("station {}: windows {text}: {e}", row.code))
                })
            })
            .transpose()?
            .map(|w| spec::window_specs(&w));
        Ok(Self {
            code: row.code,
            area: row.area,
            name: row.name,
            timezone: row.timezone,
            languages: row.languages,
            windows,
            target_lufs: row.target_lufs,
            playlist_etag: row.playlist_etag,
        })
    }
}

/// The answer to a write.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct StationWritten {
    station: StationJson,
    recompiled: Recompiled,
}

/// Stations in the caller's subtree.
#[utoipa::path(get, path = "/api/v1/stations", tag = "console",
    security(("session_token" = [])), responses((status = 200, body = [StationJson])))]
async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<axum::Json<Vec<StationJson>>> {
    let scope = Scope::load(&state.store, &auth).await?;
    let rows = crate::store::list_stations(&state.store).await?;
    let stations = rows
        .into_iter()
        .filter(|s| scope.contains(&s.area))
        .map(StationJson::new)
        .collect::<ApiResult<_>>()?;
    Ok(axum::Json(stations))
}

/// The station `code` when it lies in `scope`; 404 otherwise (outside looks absent).
pub(crate) async fn visible(state: &AppState, scope: &Scope, code: &str) -> ApiResult<StationRow> {
    match crate::store::get_station(&state.store, code).await? {
        Some(row) if scope.contains(&row.area) => Ok(row),
        _ => Err(ApiError::NotFound(format!("không có trạm `{code}`"))),
    }
}

/// One station (404 when absent or outside the caller's subtree).
#[utoipa::path(get, path = "/api/v1/stations/{code}", tag = "console",
    security(("session_token" = [])),
    params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = StationJson), (status = 404)))]
async fn show(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<StationJson>> {
    let scope = Scope::load(&state.store, &auth).await?;
    Ok(axum::Json(StationJson::new(
        visible(&state, &scope, &code).await?,
    )?))
}

/// Creates a station in an area of the caller's subtree (editor or above).
#[utoipa::path(post, path = "/api/v1/stations", tag = "console",
    security(("session_token" = [])), request_body = StationSpec,
    responses((status = 201, body = StationWritten), (status = 403), (status = 409),
        (status = 422, description = "every problem, each prefixed with its field")))]
async fn create(
    State(state): State<AppState>,
    auth: StaffAuth,
    ApiJson(spec): ApiJson<StationSpec>,
) -> ApiResult<impl IntoResponse> {
    auth.require(Role::Editor)?;
    let scope = Scope::load(&state.store, &auth).await?;
    let Some(code) = spec.code.clone() else {
        return Err(ApiError::Invalid(vec![
            "code: cần mã trạm, ví dụ \"01834\"".to_owned(),
        ]));
    };
    scope.require_area(&spec.area)?;
    let taken = || ApiError::Conflict(format!("mã trạm `{code}` đã có"));
    if crate::store::get_station(&state.store, &code)
        .await?
        .is_some()
    {
        return Err(taken());
    }
    let written = write(&state, &auth, &spec, &code, true).await?;
    let Some(station) = written else {
        return Err(taken());
    };
    Ok((StatusCode::CREATED, axum::Json(station)))
}

/// Replaces a station's settings (editor or above); its code stays.
#[utoipa::path(put, path = "/api/v1/stations/{code}", tag = "console",
    security(("session_token" = [])), request_body = StationSpec,
    params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = StationWritten), (status = 403), (status = 404), (status = 422)))]
async fn update(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(code): Path<String>,
    ApiJson(spec): ApiJson<StationSpec>,
) -> ApiResult<axum::Json<StationWritten>> {
    auth.require(Role::Editor)?;
    let scope = Scope::load(&state.store, &auth).await?;
    visible(&state, &scope, &code).await?;
    if let Some(other) = spec.code.as_ref().filter(|c| **c != code) {
        return Err(ApiError::Invalid(vec![format!(
            "code: `{other}` khác mã trong đường dẫn `{code}`; mã trạm không đổi được"
        )]));
    }
    scope.require_area(&spec.area)?;
    write(&state, &auth, &spec, &code, false)
        .await?
        .map(axum::Json)
        .ok_or_else(|| ApiError::NotFound(format!("không có trạm `{code}`")))
}

/// Checks `spec` as station `code` against the stored schedule, writes it and
/// recompiles it. `None` when the row to create exists or the row to update is gone.
async fn write(
    state: &AppState,
    auth: &StaffAuth,
    spec: &StationSpec,
    code: &str,
    create: bool,
) -> ApiResult<Option<StationWritten>> {
    let loaded = crate::store::load_inputs(&state.store).await?;
    let inputs = &loaded.inputs;
    let (station, target_lufs, window_paths) = spec
        .to_domain(code, inputs.tree())
        .map_err(ApiError::Invalid)?;
    let area = inputs.tree().area(station.area).code.to_string();
    // A station already in a retired unit may keep it; none is placed in one.
    if crate::store::retired_area_codes(&state.store)
        .await?
        .contains(&area)
    {
        let stays = inputs
            .stations()
            .iter()
            .any(|s| s.code.as_str() == code && s.area == station.area);
        if create || !stays {
            return Err(ApiError::Invalid(vec![crate::store::retired_area_message(
                "area", &area,
            )]));
        }
    }
    check_with_schedule(inputs, station.clone(), &window_paths)?;
    if !crate::store::write_station(
        &state.store,
        &station,
        &area,
        target_lufs,
        create,
        &auth.username,
    )
    .await?
    {
        return Ok(None);
    }
    let recompiled = recompile(state, &[code.to_owned()]).await?;
    let row = crate::store::get_station(&state.store, code)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("không có trạm `{code}`")))?;
    Ok(Some(StationWritten {
        station: StationJson::new(row)?,
        recompiled,
    }))
}

/// Checks the whole schedule with `station` added or replacing its namesake: its
/// windows must narrow those it inherits, and it must have some.
fn check_with_schedule(
    inputs: &Inputs,
    station: Station,
    window_paths: &[String],
) -> ApiResult<()> {
    let mut stations: Vec<Station> = inputs
        .stations()
        .iter()
        .filter(|s| s.code != station.code)
        .cloned()
        .collect();
    let index = stations.len();
    stations.push(station);
    let area_windows = inputs.area_windows().map(|(a, w)| (a, w.clone())).collect();
    let Err(found) = Inputs::new(
        inputs.tree().clone(),
        area_windows,
        stations,
        inputs.segments().to_vec(),
        inputs.campaigns().to_vec(),
    ) else {
        return Ok(());
    };
    let problems = found
        .iter()
        .map(|e| match e {
            InputsError::StationWindowOutside {
                station,
                window_index,
                ..
            } if *station == index => format!(
                "{}: {e}",
                window_paths
                    .get(*window_index)
                    .map_or("windows", String::as_str)
            ),
            InputsError::NoWindows { station, .. } if *station == index => format!("windows: {e}"),
            _ => e.to_string(),
        })
        .collect();
    Err(ApiError::Invalid(problems))
}
