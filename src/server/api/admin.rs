//! Administration from the console (administrators only): accounts in the caller's
//! subtree. The audit log is read in [`super::audit`].

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::json::ApiJson;
use super::scope::Scope;
use crate::server::AppState;
use crate::server::accounts::{
    AccountRow, Disabled, create_account, disable_account, enable_account, list_accounts,
    record_created,
};
use crate::server::auth::{Role, StaffAuth};
use crate::server::error::{ApiError, ApiResult};

/// The administration part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(accounts, create, disable, enable, reset_password),
    components(schemas(NewAccount, AccountJson, ResetPassword))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(accounts).post(create))
        .route("/accounts/{username}/disable", post(disable))
        .route("/accounts/{username}/enable", post(enable))
        .route("/accounts/{username}/password", post(reset_password))
}

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AccountJson {
    username: String,
    display_name: String,
    /// `admin`, `approver`, `editor` or `viewer`.
    role: String,
    /// Root of the subtree it may see and change (ignored when `whole_tree`).
    area: String,
    /// Whether it reaches every area, under every root.
    whole_tree: bool,
    disabled: bool,
    /// RFC 3339 UTC.
    created_at: String,
}

impl From<AccountRow> for AccountJson {
    fn from(a: AccountRow) -> Self {
        Self {
            username: a.username,
            display_name: a.display_name,
            role: a.role,
            area: a.area_code,
            whole_tree: a.whole_tree,
            disabled: a.disabled,
            created_at: when(a.created_at_ms),
        }
    }
}

/// `POST /api/v1/accounts` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    /// 3 to 64 of `a-z`, `0-9`, `.`, `_`, `-`.
    username: String,
    /// Full name; defaults to the username.
    #[serde(default)]
    display_name: Option<String>,
    /// At least 10 characters, not a common password, not containing the username.
    password: String,
    /// `admin`, `approver`, `editor` or `viewer`.
    role: String,
    /// Root of its subtree: inside the creating administrator's.
    area: String,
}

/// Accounts whose area lies in the caller's subtree.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "console", security(("session_token" = [])),
    responses((status = 200, body = [AccountJson]), (status = 403)))]
async fn accounts(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<axum::Json<Vec<AccountJson>>> {
    auth.require(Role::Admin)?;
    let scope = Scope::load(&state.store, &auth).await?;
    Ok(axum::Json(
        list_accounts(&state.store)
            .await?
            .into_iter()
            .filter(|a| scope.reaches_account(&a.area_code, a.whole_tree))
            .map(AccountJson::from)
            .collect(),
    ))
}

/// Creates an account in the caller's subtree.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "console", security(("session_token" = [])),
    request_body = NewAccount,
    responses((status = 201, body = AccountJson), (status = 403), (status = 409), (status = 422)))]
async fn create(
    State(state): State<AppState>,
    auth: StaffAuth,
    ApiJson(req): ApiJson<NewAccount>,
) -> ApiResult<impl IntoResponse> {
    auth.require(Role::Admin)?;
    let scope = Scope::load(&state.store, &auth).await?;
    scope.require_area(&req.area)?;
    let mut problems = Vec::new();
    let username = req.username.trim();
    let slug = (3..=64).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if !slug {
        problems.push(format!(
            "username: `{username}` không hợp lệ: 3–64 ký tự gồm chữ thường không dấu, số, `.`, `_`, `-`"
        ));
    }
    if let Err(e) = crate::server::accounts::check_password(&req.password, username) {
        problems.push(format!("password: {e}"));
    }
    let role = Role::parse(&req.role);
    if role.is_none() {
        problems.push(format!(
            "role: vai trò `{}` không hợp lệ: viết `admin`, `approver`, `editor` hoặc `viewer`",
            req.role
        ));
    }
    if !scope.contains(&req.area) {
        problems.push(format!(
            "area: đơn vị `{}` không có trong danh sách đơn vị hành chính",
            req.area
        ));
    }
    let Some(role) = role.filter(|_| problems.is_empty()) else {
        return Err(ApiError::Invalid(problems));
    };
    let display = req.display_name.as_deref().unwrap_or(username);
    create_account(
        &state.store,
        username,
        display,
        &req.password,
        role,
        &req.area,
    )
    .await?;
    record_created(&state.store, &auth.username, username, role, &req.area).await?;
    let created = list_accounts(&state.store)
        .await?
        .into_iter()
        .find(|a| a.username == username)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("account {username} vanished")))?;
    Ok((StatusCode::CREATED, axum::Json(AccountJson::from(created))))
}

/// Disables an account in the caller's subtree and ends its sessions.
#[utoipa::path(post, path = "/api/v1/accounts/{username}/disable", tag = "console",
    security(("session_token" = [])),
    params(("username" = String, Path, description = "login name")),
    responses((status = 200, body = AccountJson), (status = 403), (status = 404), (status = 409)))]
async fn disable(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<AccountJson>> {
    auth.require(Role::Admin)?;
    let scope = Scope::load(&state.store, &auth).await?;
    let not_found = || ApiError::NotFound(format!("không có tài khoản `{username}`"));
    let account = list_accounts(&state.store)
        .await?
        .into_iter()
        .find(|a| a.username == username && scope.reaches_account(&a.area_code, a.whole_tree))
        .ok_or_else(not_found)?;
    if account.username == auth.username {
        return Err(ApiError::Conflict(
            "không tự khóa tài khoản đang dùng; nhờ một quản trị viên khác".to_owned(),
        ));
    }
    match disable_account(&state.store, &username, &auth.username).await? {
        Disabled::Done => {}
        Disabled::NoSuchAccount => return Err(not_found()),
        Disabled::LastAdmin => {
            return Err(ApiError::Conflict(format!(
                "`{username}` là quản trị viên cuối cùng còn hoạt động; tạo hoặc mở lại một quản trị viên khác trước"
            )));
        }
    }
    Ok(axum::Json(AccountJson {
        disabled: true,
        ..account.into()
    }))
}

/// The account `username` if it lies in the caller's subtree (404 otherwise).
async fn account_in_scope(
    state: &AppState,
    auth: &StaffAuth,
    username: &str,
) -> ApiResult<AccountRow> {
    let scope = Scope::load(&state.store, auth).await?;
    list_accounts(&state.store)
        .await?
        .into_iter()
        .find(|a| a.username == username && scope.contains(&a.area_code))
        .ok_or_else(|| ApiError::NotFound(format!("không có tài khoản `{username}`")))
}

/// Enables a disabled account in the caller's subtree again.
#[utoipa::path(post, path = "/api/v1/accounts/{username}/enable", tag = "console",
    security(("session_token" = [])),
    params(("username" = String, Path, description = "login name")),
    responses((status = 200, body = AccountJson), (status = 403), (status = 404)))]
async fn enable(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<AccountJson>> {
    auth.require(Role::Admin)?;
    let account = account_in_scope(&state, &auth, &username).await?;
    if !enable_account(&state.store, &username, &auth.username).await? {
        return Err(ApiError::NotFound(format!(
            "không có tài khoản `{username}`"
        )));
    }
    Ok(axum::Json(AccountJson {
        disabled: false,
        ..account.into()
    }))
}

/// `POST /api/v1/accounts/{username}/password` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ResetPassword {
    /// The new password (same policy as at creation); the account must change it at
    /// its next login.
    new_password: String,
}

/// Sets another account's password: its sessions end and it must choose a new
/// password at its next login.
#[utoipa::path(post, path = "/api/v1/accounts/{username}/password", tag = "console",
    security(("session_token" = [])), request_body = ResetPassword,
    params(("username" = String, Path, description = "login name")),
    responses((status = 200, body = AccountJson), (status = 403), (status = 404), (status = 422)))]
async fn reset_password(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(username): Path<String>,
    ApiJson(req): ApiJson<ResetPassword>,
) -> ApiResult<axum::Json<AccountJson>> {
    auth.require(Role::Admin)?;
    let account = account_in_scope(&state, &auth, &username).await?;
    if account.username == auth.username {
        return Err(ApiError::Conflict(
            "đổi mật khẩu của chính mình bằng POST /api/v1/me/password".to_owned(),
        ));
    }
    if !crate::server::accounts::reset_password(
        &state.store,
        &username,
        &req.new_password,
        &auth.username,
    )
    .await?
    {
        return Err(ApiError::NotFound(format!(
            "không có tài khoản `{username}`"
        )));
    }
    Ok(axum::Json(account.into()))
}
