//! Alert subscriptions: who is told, by e-mail and/or webhook, about the stations of an
//! area subtree. Administrators only, within their own subtree: they list, add and
//! delete the subscriptions of the areas they reach. Those written in the configuration
//! file are listed too but changed only there.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use serde::{Deserialize, Serialize};

use super::json::ApiJson;
use super::scope::Scope;
use crate::server::AppState;
use crate::server::alerts::check::check_channels;
use crate::server::auth::{Role, StaffAuth};
use crate::server::error::{ApiError, ApiResult};
use crate::store::alerts::{self, Subscription};

/// The alerts part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, remove),
    components(schemas(SubscriptionSpec, SubscriptionJson))
)]
pub(super) struct Doc;

/// Most subscriptions stored in all.
const MAX_SUBSCRIPTIONS: usize = 1000;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/alert-subscriptions", get(list).post(create))
        .route("/alert-subscriptions/{id}", delete(remove))
}

/// `POST /api/v1/alert-subscriptions` body: an area and at least one channel.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SubscriptionSpec {
    /// Root of the area subtree whose stations it covers (inside the caller's).
    area: String,
    /// Address to e-mail the digests to.
    #[serde(default)]
    email: Option<String>,
    /// URL to POST the digests to as JSON.
    #[serde(default)]
    webhook: Option<String>,
}

/// A subscription.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct SubscriptionJson {
    id: i64,
    area: String,
    email: Option<String>,
    webhook: Option<String>,
    /// `api` (made here) or `config` (from the configuration file; change it there).
    origin: String,
    created_by: String,
    /// RFC 3339 UTC.
    created_at: String,
}

impl From<Subscription> for SubscriptionJson {
    fn from(s: Subscription) -> Self {
        Self {
            created_at: super::fleet::rfc3339(s.created_at_ms),
            id: s.id,
            area: s.area_code,
            email: s.email,
            webhook: s.webhook,
            origin: s.origin,
            created_by: s.created_by,
        }
    }
}

/// The subscriptions of the areas in the caller's subtree (admin).
#[utoipa::path(get, path = "/api/v1/alert-subscriptions", tag = "console",
    security(("session_token" = [])),
    responses((status = 200, body = [SubscriptionJson]), (status = 403)))]
async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<axum::Json<Vec<SubscriptionJson>>> {
    auth.require(Role::Admin)?;
    let scope = Scope::load(&state.store, &auth).await?;
    Ok(axum::Json(
        alerts::list_subscriptions(&state.store)
            .await?
            .into_iter()
            .filter(|s| scope.contains(&s.area_code))
            .map(SubscriptionJson::from)
            .collect(),
    ))
}

/// Adds a subscription for an area of the caller's subtree (admin).
#[utoipa::path(post, path = "/api/v1/alert-subscriptions", tag = "console",
    security(("session_token" = [])), request_body = SubscriptionSpec,
    responses((status = 201, body = SubscriptionJson),
        (status = 403, description = "not an administrator, or an area outside the caller's subtree"),
        (status = 409, description = "too many subscriptions"),
        (status = 422, description = "unknown area, no channel, a bad address or URL")))]
async fn create(
    State(state): State<AppState>,
    auth: StaffAuth,
    ApiJson(spec): ApiJson<SubscriptionSpec>,
) -> ApiResult<impl IntoResponse> {
    auth.require(Role::Admin)?;
    let scope = Scope::load(&state.store, &auth).await?;
    let area = spec.area.trim();
    scope.require_area(area)?;
    let checked = check_channels(spec.email.as_deref(), spec.webhook.as_deref());
    let mut problems = checked.as_ref().err().cloned().unwrap_or_default();
    if !scope.contains(area) {
        problems.insert(
            0,
            format!(
                "area: không có đơn vị `{}`; viết mã một đơn vị trong phạm vi của tài khoản",
                area.chars().take(64).collect::<String>()
            ),
        );
    }
    let (Ok((email, webhook)), true) = (checked, problems.is_empty()) else {
        return Err(ApiError::Invalid(problems));
    };
    if alerts::list_subscriptions(&state.store).await?.len() >= MAX_SUBSCRIPTIONS {
        return Err(ApiError::Conflict(format!(
            "đã có {MAX_SUBSCRIPTIONS} đăng ký cảnh báo (tối đa); xóa bớt đăng ký không dùng"
        )));
    }
    let now = state.clock.now().timestamp_millis();
    let id = alerts::create_subscription(
        &state.store,
        area,
        email.as_deref(),
        webhook.as_deref(),
        &auth.username,
        now,
    )
    .await?;
    let made = alerts::get_subscription(&state.store, id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("subscription {id} vanished")))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(SubscriptionJson::from(made)),
    ))
}

/// Deletes a subscription of the caller's subtree (admin); those from the
/// configuration file are changed there (409).
#[utoipa::path(delete, path = "/api/v1/alert-subscriptions/{id}", tag = "console",
    security(("session_token" = [])),
    params(("id" = String, Path, description = "subscription id")),
    responses((status = 204, description = "deleted"), (status = 403), (status = 404),
        (status = 409, description = "kept in the configuration file")))]
async fn remove(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.require(Role::Admin)?;
    let scope = Scope::load(&state.store, &auth).await?;
    let absent = || {
        ApiError::NotFound(format!(
            "không có đăng ký cảnh báo `{}`",
            id.chars().take(40).collect::<String>()
        ))
    };
    let Ok(number) = id.trim().parse::<i64>() else {
        return Err(absent());
    };
    let sub = alerts::get_subscription(&state.store, number)
        .await?
        .filter(|s| scope.contains(&s.area_code))
        .ok_or_else(absent)?;
    if sub.origin == "config" {
        return Err(ApiError::Conflict(format!(
            "đăng ký cảnh báo {number} nằm trong tệp cấu hình (alert_subscriptions); sửa ở đó rồi khởi động lại"
        )));
    }
    if !alerts::delete_subscription(&state.store, number, &auth.username).await? {
        return Err(absent());
    }
    Ok(StatusCode::NO_CONTENT)
}
