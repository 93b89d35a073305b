//! The console side: login, the caller's area tree, stations and their credentials.
//! Every read is limited to the caller's area subtree; writes need a role.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::json::ApiJson;
use crate::server::AppState;
use crate::server::accounts::{area_within, login as check_login};
use crate::server::auth::{Role, StaffAuth, create_enroll_code, revoke_tokens};
use crate::server::error::{ApiError, ApiResult};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/areas", get(areas))
        .route("/stations", get(stations))
        .route("/stations/{code}/enroll-code", post(enroll_code))
        .route("/stations/{code}/revoke-tokens", post(revoke))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Debug, Serialize)]
struct LoginResponse {
    token: String,
}

async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> ApiResult<axum::Json<LoginResponse>> {
    let token = check_login(
        &state.store,
        &req.username,
        &req.password,
        state.config.max_login_failures,
        state.config.session_hours,
    )
    .await?;
    Ok(axum::Json(LoginResponse { token }))
}

#[derive(Debug, Serialize)]
struct MeResponse {
    username: String,
    role: &'static str,
    area: String,
}

async fn me(auth: StaffAuth) -> axum::Json<MeResponse> {
    axum::Json(MeResponse {
        username: auth.username,
        role: auth.role.as_str(),
        area: auth.area_code,
    })
}

#[derive(Debug, Serialize)]
struct AreaJson {
    code: String,
    name: String,
    kind: String,
    parent: Option<String>,
}

/// Codes of the subtree rooted at `root` (the tree is small enough to walk in memory).
async fn subtree(state: &AppState, root: &str) -> ApiResult<Vec<AreaJson>> {
    let rows = sqlx::query("SELECT code, name, kind, parent_code FROM areas ORDER BY code")
        .fetch_all(state.store.pool())
        .await?;
    let all: Vec<AreaJson> = rows
        .iter()
        .map(|r| {
            Ok(AreaJson {
                code: r.try_get(0)?,
                name: r.try_get(1)?,
                kind: r.try_get(2)?,
                parent: r.try_get(3)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let mut inside: std::collections::HashSet<String> =
        std::collections::HashSet::from([root.to_owned()]);
    // Parents may come after children in code order; repeat until nothing is added.
    loop {
        let before = inside.len();
        for a in &all {
            if a.parent.as_ref().is_some_and(|p| inside.contains(p)) {
                inside.insert(a.code.clone());
            }
        }
        if inside.len() == before {
            break;
        }
    }
    Ok(all
        .into_iter()
        .filter(|a| inside.contains(&a.code))
        .collect())
}

async fn areas(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<axum::Json<Vec<AreaJson>>> {
    Ok(axum::Json(subtree(&state, &auth.area_code).await?))
}

#[derive(Debug, Serialize)]
struct StationJson {
    code: String,
    area: String,
    name: String,
    timezone: String,
    languages: Vec<String>,
    windows: Option<String>,
    playlist_etag: Option<String>,
}

async fn stations(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<axum::Json<Vec<StationJson>>> {
    let areas: std::collections::HashSet<String> = subtree(&state, &auth.area_code)
        .await?
        .into_iter()
        .map(|a| a.code)
        .collect();
    let rows = sqlx::query(
        "SELECT s.code, s.area_code, s.name, s.timezone, s.languages, s.windows, p.version
         FROM stations s LEFT JOIN playlists p ON p.station_code = s.code ORDER BY s.code",
    )
    .fetch_all(state.store.pool())
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let area: String = r.try_get(1)?;
        if !areas.contains(&area) {
            continue;
        }
        let languages: String = r.try_get(4)?;
        out.push(StationJson {
            code: r.try_get(0)?,
            area,
            name: r.try_get(2)?,
            timezone: r.try_get(3)?,
            languages: languages.split(',').map(str::to_owned).collect(),
            windows: r.try_get(5)?,
            playlist_etag: r.try_get(6)?,
        });
    }
    Ok(axum::Json(out))
}

/// 404 unless `station` exists inside the caller's subtree (outside looks like absent).
async fn station_in_scope(state: &AppState, auth: &StaffAuth, station: &str) -> ApiResult<()> {
    let row = sqlx::query("SELECT area_code FROM stations WHERE code = $1")
        .bind(station.to_owned())
        .fetch_optional(state.store.pool())
        .await?;
    let Some(row) = row else {
        return Err(ApiError::NotFound(format!("không có trạm `{station}`")));
    };
    let area: String = row.try_get(0)?;
    if !area_within(&state.store, &area, &auth.area_code).await? {
        return Err(ApiError::NotFound(format!("không có trạm `{station}`")));
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct EnrollCodeResponse {
    station: String,
    code: String,
    expires_at: String,
}

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

#[derive(Debug, Serialize)]
struct RevokeResponse {
    revoked: u64,
}

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
