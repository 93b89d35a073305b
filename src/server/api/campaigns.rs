//! Campaigns from the console: list, read, create, replace, delete.
//!
//! A campaign belongs to an owner area (the area of the account that created it);
//! accounts whose subtree holds that area see it and, with the editor role, change it.
//! Every target area must lie in the writer's subtree. A write is checked against the
//! whole stored schedule with the schedule files' rules, recorded in the audit log, and
//! followed by a recompile of only the stations it can touch, whose diagnostics are
//! returned.

mod check;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::json::ApiJson;
use super::scope::Scope;
use crate::server::AppState;
use crate::server::auth::{Role, StaffAuth};
use crate::server::error::{ApiError, ApiResult};
use crate::store::{CampaignRow, RecompileSummary};
use crate::wire::{CampaignSpec, DiagnosticJson, RotationSpec};

/// The campaign part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, show, create, replace, remove),
    components(schemas(
        CampaignSpec,
        RotationSpec,
        CampaignJson,
        Recompiled,
        CampaignWritten,
        DiagnosticJson,
        check::RangeCheckJson,
        check::StationGroupJson
    ))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list).post(create))
        .route("/campaigns/{id}", get(show).put(replace).delete(remove))
}

/// A stored campaign.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct CampaignJson {
    /// The campaign as written (the body of `POST` and `PUT`).
    spec: CampaignSpec,
    /// Code of the area that owns it.
    owner_area: String,
    /// Last change, RFC 3339 UTC.
    updated_at: String,
}

impl From<CampaignRow> for CampaignJson {
    fn from(row: CampaignRow) -> Self {
        Self {
            spec: row.spec,
            owner_area: row.owner_area,
            updated_at: chrono::DateTime::from_timestamp_millis(row.updated_at_ms)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }
    }
}

/// What recompiling after a write did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct Recompiled {
    /// Stations compiled (those the change can touch).
    stations: usize,
    /// Of those, stations whose playlist changed.
    changed: usize,
    /// What the compiler found worth acting on, for the stations compiled.
    diagnostics: Vec<DiagnosticJson>,
}

impl From<RecompileSummary> for Recompiled {
    fn from(s: RecompileSummary) -> Self {
        Self {
            stations: s.stations,
            changed: s.changed,
            diagnostics: s.diagnostics.iter().map(DiagnosticJson::from).collect(),
        }
    }
}

/// Recompiles `stations` (none: nothing to do) and reports.
pub(super) async fn recompile(state: &AppState, stations: &[String]) -> ApiResult<Recompiled> {
    if stations.is_empty() {
        return Ok(Recompiled::from(RecompileSummary::default()));
    }
    Ok(state.recompile(Some(stations)).await?.into())
}

/// The answer to a write.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct CampaignWritten {
    /// The campaign as stored now (absent after a delete).
    #[serde(skip_serializing_if = "Option::is_none")]
    campaign: Option<CampaignJson>,
    /// The recompile of the stations it touches (nothing on a dry run or a delete's
    /// empty target).
    recompiled: Recompiled,
    /// The campaign checked over its whole date range (absent after a delete).
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<check::RangeCheckJson>,
    /// True when nothing was saved (`?dry_run=true`).
    dry_run: bool,
}

/// Query of a campaign write.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct WriteParams {
    /// `true`: check the campaign over its whole range and save nothing.
    dry_run: Option<String>,
    /// Area that owns a new campaign (default: the caller's). Required from a
    /// whole-tree account when the tree has several roots (a national set).
    area: Option<String>,
}

impl WriteParams {
    fn dry_run(&self) -> ApiResult<bool> {
        match self.dry_run.as_deref().map(str::trim) {
            None | Some("false" | "0" | "") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(other) => Err(ApiError::BadRequest(format!(
                "dry_run: `{other}` không hợp lệ; viết `true` (chỉ kiểm tra, không lưu) hoặc `false`"
            ))),
        }
    }
}

/// The campaign `id` if the caller's subtree holds its owner area; else 404, as if absent.
async fn visible(state: &AppState, scope: &Scope, id: &str) -> ApiResult<CampaignRow> {
    match crate::store::get_campaign(&state.store, id).await? {
        Some(row) if scope.contains(&row.owner_area) => Ok(row),
        _ => Err(ApiError::NotFound(format!("không có chiến dịch `{id}`"))),
    }
}

/// Campaigns owned inside the caller's subtree.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "console",
    security(("session_token" = [])),
    responses((status = 200, body = [CampaignJson])))]
async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<axum::Json<Vec<CampaignJson>>> {
    let scope = Scope::load(&state.store, &auth).await?;
    Ok(axum::Json(
        crate::store::list_campaigns(&state.store)
            .await?
            .into_iter()
            .filter(|c| scope.contains(&c.owner_area))
            .map(CampaignJson::from)
            .collect(),
    ))
}

/// One campaign (404 when absent or owned outside the caller's subtree).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "console",
    security(("session_token" = [])),
    params(("id" = String, Path, description = "campaign id")),
    responses((status = 200, body = CampaignJson), (status = 404)))]
async fn show(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CampaignJson>> {
    let scope = Scope::load(&state.store, &auth).await?;
    Ok(axum::Json(visible(&state, &scope, &id).await?.into()))
}

/// Creates a campaign owned by the caller's area (editor or above).
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "console",
    security(("session_token" = [])), request_body = CampaignSpec, params(WriteParams),
    responses((status = 201, body = CampaignWritten),
        (status = 200, description = "dry run: the whole-range check, nothing saved", body = CampaignWritten),
        (status = 403, description = "role too low or a target area outside the caller's subtree"),
        (status = 409, description = "id taken"),
        (status = 422, description = "every problem, each prefixed with its field")))]
async fn create(
    State(state): State<AppState>,
    auth: StaffAuth,
    Query(params): Query<WriteParams>,
    ApiJson(spec): ApiJson<CampaignSpec>,
) -> ApiResult<impl IntoResponse> {
    auth.require(Role::Editor)?;
    let dry_run = params.dry_run()?;
    let scope = Scope::load(&state.store, &auth).await?;
    let owner = owner_area(&auth, &scope, params.area.as_deref())?;
    let spec = normalised(spec);
    let taken = || ApiError::Conflict(format!("mã chiến dịch `{}` đã có", spec.id));
    if crate::store::get_campaign(&state.store, &spec.id)
        .await?
        .is_some()
    {
        return Err(taken());
    }
    let checked = check::check(&state, &scope, &spec, None).await?;
    if dry_run {
        return Ok((StatusCode::OK, axum::Json(dry(checked))));
    }
    let stations = checked.stations;
    match crate::store::insert_campaign(&state.store, &spec, &owner, &auth.username).await {
        Err(e) if crate::store::is_unique_violation(&e) => return Err(taken()),
        other => other?,
    }
    let recompiled = recompile(&state, &stations).await?;
    let campaign = visible(&state, &scope, &spec.id).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CampaignWritten {
            campaign: Some(campaign.into()),
            recompiled,
            check: Some(checked.range),
            dry_run: false,
        }),
    ))
}

/// Replaces a campaign (editor or above; its owner stays).
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "console",
    security(("session_token" = [])), request_body = CampaignSpec,
    params(("id" = String, Path, description = "campaign id"), WriteParams),
    responses((status = 200, body = CampaignWritten), (status = 403), (status = 404), (status = 422)))]
async fn replace(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
    Query(params): Query<WriteParams>,
    ApiJson(spec): ApiJson<CampaignSpec>,
) -> ApiResult<axum::Json<CampaignWritten>> {
    auth.require(Role::Editor)?;
    let dry_run = params.dry_run()?;
    let scope = Scope::load(&state.store, &auth).await?;
    let old = visible(&state, &scope, &id).await?;
    let spec = normalised(spec);
    if spec.id != id {
        return Err(ApiError::Invalid(vec![format!(
            "id: `{}` khác mã trong đường dẫn `{id}`; mã chiến dịch không đổi được (tạo chiến dịch mới rồi xóa chiến dịch cũ)",
            spec.id
        )]));
    }
    let checked = check::check(&state, &scope, &spec, Some(&old.spec)).await?;
    if dry_run {
        return Ok(axum::Json(dry(checked)));
    }
    let stations = checked.stations;
    if !crate::store::replace_campaign(&state.store, &spec, &auth.username).await? {
        return Err(ApiError::NotFound(format!("không có chiến dịch `{id}`")));
    }
    let recompiled = recompile(&state, &stations).await?;
    let campaign = visible(&state, &scope, &id).await?;
    Ok(axum::Json(CampaignWritten {
        campaign: Some(campaign.into()),
        recompiled,
        check: Some(checked.range),
        dry_run: false,
    }))
}

/// Deletes a campaign (editor or above); its stations are recompiled without it.
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}", tag = "console",
    security(("session_token" = [])),
    params(("id" = String, Path, description = "campaign id")),
    responses((status = 200, body = CampaignWritten), (status = 403), (status = 404)))]
async fn remove(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<CampaignWritten>> {
    auth.require(Role::Editor)?;
    let scope = Scope::load(&state.store, &auth).await?;
    let old = visible(&state, &scope, &id).await?;
    for code in &old.spec.areas {
        scope.require_area(code)?;
    }
    let stations = check::affected(&state, &old.spec).await?;
    if !crate::store::delete_campaign(&state.store, &id, &auth.username).await? {
        return Err(ApiError::NotFound(format!("không có chiến dịch `{id}`")));
    }
    Ok(axum::Json(CampaignWritten {
        campaign: None,
        recompiled: recompile(&state, &stations).await?,
        check: None,
        dry_run: false,
    }))
}

/// The answer to a dry run: the check, nothing saved or recompiled.
fn dry(checked: check::Checked) -> CampaignWritten {
    CampaignWritten {
        campaign: None,
        recompiled: Recompiled::from(RecompileSummary::default()),
        check: Some(checked.range),
        dry_run: true,
    }
}

/// The spec as stored: the name trimmed and in NFC, like schedule files.
fn normalised(mut spec: CampaignSpec) -> CampaignSpec {
    spec.name = crate::schedule_file::nfc(spec.name.trim());
    spec
}

/// The area that owns something new made by `auth`: `asked` when given (inside the
/// caller's subtree), else the caller's own area, or for a whole-tree account the
/// tree's root when there is one only. A whole-tree account on a tree of several roots
/// must name it (`?area=CODE`): which province owns it cannot be guessed.
pub(super) fn owner_area(
    auth: &StaffAuth,
    scope: &Scope,
    asked: Option<&str>,
) -> ApiResult<String> {
    match asked.map(str::trim).filter(|a| !a.is_empty()) {
        Some(code) if scope.contains(code) => Ok(code.to_owned()),
        Some(code) => Err(ApiError::Invalid(vec![format!(
            "area: đơn vị `{code}` không có trong phạm vi của tài khoản; ghi mã một đơn vị hành chính mà tài khoản quản lý"
        )])),
        None if auth.whole_tree => scope.root_area().map(str::to_owned).ok_or_else(|| {
            ApiError::Invalid(vec![
                "area: tài khoản toàn quốc cần ghi rõ đơn vị sở hữu chiến dịch (tham số `?area=MÃ`, ví dụ mã tỉnh `19`); cây đơn vị có nhiều tỉnh nên không tự chọn được"
                    .to_owned(),
            ])
        }),
        None => Ok(auth.area_code.clone()),
    }
}
