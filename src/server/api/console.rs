//! The console side: login, the caller's area tree, station credentials.
//! Every read is limited to the caller's area subtree; writes need a role.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::json::ApiJson;
use super::scope::Scope;
use crate::server::AppState;
use crate::server::accounts::login as check_login;
use crate::server::auth::{ClientAddr, Role, StaffAuth, create_enroll_code, revoke_tokens};
use crate::server::error::{ApiError, ApiResult};

/// The console part of the OpenAPI document (sessions and one's own password).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(login, logout, me, change_password, areas, enroll_code, revoke),
    components(schemas(
        ChangePassword,
        LoginRequest,
        LoginResponse,
        MeResponse,
        AreaJson,
        EnrollCodeResponse,
        RevokeResponse
    ))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/me", get(me))
        .route("/me/password", post(change_password))
        .route("/areas", get(areas))
        .route("/stations/{code}/enroll-code", post(enroll_code))
        .route("/stations/{code}/revoke-tokens", post(revoke))
}

/// `POST /api/v1/login` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

/// A session token (`lss_…`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct LoginResponse {
    token: String,
}

/// Opens a staff session.
#[utoipa::path(post, path = "/api/v1/login", tag = "console", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401), (status = 413), (status = 429)))]
async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<axum::Json<LoginResponse>> {
    let token = check_login(
        &state.store,
        &req.username,
        &req.password,
        &client,
        state.config.max_login_failures,
        state.config.session_hours,
    )
    .await?;
    Ok(axum::Json(LoginResponse { token }))
}

/// Ends the caller's session (the token stops working at once).
#[utoipa::path(post, path = "/api/v1/logout", tag = "console", security(("session_token" = [])),
    responses((status = 204, description = "the session is over"), (status = 401)))]
async fn logout(State(state): State<AppState>, auth: StaffAuth) -> ApiResult<StatusCode> {
    crate::store::logins::close_session(&state.store, &auth.session_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/me/password` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ChangePassword {
    /// The password in use now.
    current_password: String,
    /// At least 10 characters, not a common password, not containing the username.
    new_password: String,
}

/// Changes the caller's own password (also ends a forced change after a reset); the
/// caller's other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "console", security(("session_token" = [])),
    request_body = ChangePassword,
    responses((status = 204, description = "changed"), (status = 401), (status = 413), (status = 422)))]
async fn change_password(
    State(state): State<AppState>,
    auth: StaffAuth,
    ApiJson(req): ApiJson<ChangePassword>,
) -> ApiResult<StatusCode> {
    crate::server::accounts::change_own_password(
        &state.store,
        &auth,
        &req.current_password,
        &req.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the caller is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MeResponse {
    username: String,
    role: &'static str,
    area: String,
    /// Whether the account reaches every area, under every root.
    whole_tree: bool,
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/me", tag = "console", security(("session_token" = [])),
    responses((status = 200, body = MeResponse), (status = 401)))]
async fn me(auth: StaffAuth) -> axum::Json<MeResponse> {
    axum::Json(MeResponse {
        username: auth.username,
        role: auth.role.as_str(),
        area: auth.area_code,
        whole_tree: auth.whole_tree,
    })
}

/// One area of the caller's tree.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AreaJson {
    code: String,
    name: String,
    kind: String,
    parent: Option<String>,
    /// A unit the last `loa areas import --apply` no longer listed (merged or
    /// dissolved): listed still, because its stations and their history keep naming
    /// it, but no new station may be placed in it.
    retired: bool,
}

/// The areas the caller reaches.
#[utoipa::path(get, path = "/api/v1/areas", tag = "console", security(("session_token" = [])),
    responses((status = 200, body = [AreaJson]), (status = 401)))]
async fn areas(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<axum::Json<Vec<AreaJson>>> {
    let scope = Scope::load(&state.store, &auth).await?;
    let retired = crate::store::retired_area_codes(&state.store).await?;
    Ok(axum::Json(
        scope
            .areas()
            .into_iter()
            .map(|a| AreaJson {
                code: a.code.to_string(),
                name: a.name.clone(),
                kind: a.kind.as_str().to_owned(),
                parent: a.parent.as_ref().map(ToString::to_string),
                retired: retired.contains(a.code.as_str()),
            })
            .collect(),
    ))
}

/// 404 unless `station` exists inside the caller's subtree (outside looks like absent).
async fn station_in_scope(state: &AppState, auth: &StaffAuth, station: &str) -> ApiResult<()> {
    let area = crate::store::station_area(&state.store, station).await?;
    let inside = match area {
        Some(area) => Scope::load(&state.store, auth).await?.contains(&area),
        None => false,
    };
    if !inside {
        return Err(ApiError::NotFound(format!("không có trạm `{station}`")));
    }
    Ok(())
}

/// A one-time enrolment code for a station.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct EnrollCodeResponse {
    station: String,
    code: String,
    expires_at: String,
}

/// Issues a one-time enrolment code for the station (admin).
#[utoipa::path(post, path = "/api/v1/stations/{code}/enroll-code", tag = "console",
    security(("session_token" = [])),
    params(("code" = String, Path, description = "station code")),
    responses((status = 201, body = EnrollCodeResponse), (status = 401), (status = 403), (status = 404)))]
async fn enroll_code(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(code): Path<String>,
) -> ApiResult<impl IntoResponse> {
    auth.require(Role::Admin)?;
    station_in_scope(&state, &auth, &code).await?;
    let (enroll, expires) = create_enroll_code(
        &state.store,
        &code,
        state.config.enroll_code_minutes,
        &auth.username,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(EnrollCodeResponse {
            station: code,
            code: enroll,
            expires_at: expires.to_rfc3339(),
        }),
    ))
}

/// How many station tokens were revoked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RevokeResponse {
    revoked: u64,
}

/// Revokes every token of the station (admin).
#[utoipa::path(post, path = "/api/v1/stations/{code}/revoke-tokens", tag = "console",
    security(("session_token" = [])),
    params(("code" = String, Path, description = "station code")),
    responses((status = 200, body = RevokeResponse), (status = 401), (status = 403), (status = 404)))]
async fn revoke(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<RevokeResponse>> {
    auth.require(Role::Admin)?;
    station_in_scope(&state, &auth, &code).await?;
    let revoked = revoke_tokens(&state.store, &code, &auth.username).await?;
    state.cache.forget_tokens(&code);
    Ok(axum::Json(RevokeResponse { revoked }))
}
