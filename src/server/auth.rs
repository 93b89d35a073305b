//! Credentials: station tokens, console sessions and one-time enrollment codes.
//!
//! Secrets are random and shown once; the database keeps only their SHA-256 (they are
//! high-entropy, so a slow hash adds nothing; passwords use argon2 in `accounts`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;

/// Prefix of station tokens.
pub const STATION_PREFIX: &str = "lst_";
/// Prefix of console session tokens.
pub const SESSION_PREFIX: &str = "lss_";

/// A fresh random secret with `prefix`, 32 bytes as hex.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", crate::domain::hex(&bytes))
}

/// A one-time enrollment code a person can read over the phone: 12 letters and digits
/// without look-alikes, in groups of four (`K7QM-3XWD-9HPA`).
pub fn new_enroll_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalises a typed enrollment code (case, spaces, dashes) before hashing.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Hex SHA-256 of a secret, as stored.
pub fn hash_secret(secret: &str) -> String {
    crate::domain::hex(&Sha256::digest(secret.as_bytes()))
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// A request made by a station agent with a valid, unrevoked token.
#[derive(Debug, Clone)]
pub struct StationAuth {
    /// The station the token belongs to.
    pub station: String,
}

impl FromRequestParts<AppState> for StationAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;
        if token.starts_with(SESSION_PREFIX) {
            return match session_account(state, token).await? {
                Some(account) => Err(ApiError::Forbidden(format!(
                    "phiên đăng nhập của {} không dùng được cho API của trạm; máy trạm dùng mã truy cập của trạm",
                    account.username
                ))),
                None => Err(ApiError::Unauthorized),
            };
        }
        match station_of(state, token).await? {
            Some(station) => Ok(Self { station }),
            None => Err(ApiError::Unauthorized),
        }
    }
}

/// A console role, each able to do what the ones before it can (approver ⊃ editor ⊃ viewer;
/// admin ⊃ all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads everything in its area.
    Viewer,
    /// Uploads segments, edits campaigns and stations in its area.
    Editor,
    /// Also approves segments (not their own) and sends emergencies.
    Approver,
    /// Also manages accounts, areas and station credentials.
    Admin,
}

impl Role {
    /// Parses the stored keyword.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Self::Viewer),
            "editor" => Some(Self::Editor),
            "approver" => Some(Self::Approver),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// The stored keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Approver => "approver",
            Self::Admin => "admin",
        }
    }
}

/// A request made by a logged-in person.
#[derive(Debug, Clone)]
pub struct StaffAuth {
    /// Account id.
    pub account_id: i64,
    /// Login name (recorded in the audit log).
    pub username: String,
    /// Role.
    pub role: Role,
    /// Root of the subtree the account may see and change.
    pub area_code: String,
    /// The hash of the session token the request came with (logout ends it).
    pub session_hash: String,
    /// Whether the account reaches every area, under every root (then `area_code` is
    /// not its limit).
    pub whole_tree: bool,
}

/// Paths (under `/api/v1`) an account that must change its password may still reach.
const WHILE_MUST_CHANGE: &[&str] = &["/me", "/me/password", "/logout"];

impl StaffAuth {
    /// Fails with 403 unless the account has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "tài khoản {} (vai trò {}) không được làm việc này; cần vai trò {} trở lên",
                self.username,
                self.role.as_str(),
                role.as_str()
            )))
        }
    }
}

impl FromRequestParts<AppState> for StaffAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(ApiError::Unauthorized)?;
        if token.starts_with(STATION_PREFIX) {
            // A real station token is a known caller in the wrong place: 403, not 401,
            // so the agent's operator sees a scoping error rather than "log in again".
            return match station_of(state, token).await? {
                Some(station) => Err(ApiError::Forbidden(format!(
                    "mã truy cập của trạm {station} chỉ dùng cho API của trạm, không dùng cho bảng điều khiển"
                ))),
                None => Err(ApiError::Unauthorized),
            };
        }
        let account = session_account(state, token)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let path = parts.uri.path();
        let allowed = WHILE_MUST_CHANGE
            .iter()
            .any(|p| path == *p || path.strip_prefix("/api/v1") == Some(p));
        if !allowed
            && crate::store::logins::must_change_password(&state.store, account.account_id).await?
        {
            return Err(ApiError::Forbidden(format!(
                "mật khẩu của {} vừa được quản trị viên đặt lại; đổi mật khẩu trước (POST /api/v1/me/password)",
                account.username
            )));
        }
        Ok(account)
    }
}

/// The station of an unrevoked station token.
async fn station_of(state: &AppState, token: &str) -> Result<Option<String>, ApiError> {
    if !token.starts_with(STATION_PREFIX) {
        return Ok(None);
    }
    let hash = hash_secret(token);
    if let Some(station) = state.cache.station_of(&hash) {
        return Ok(Some(station.to_string()));
    }
    let station = crate::store::station_of_token(&state.store, &hash).await?;
    if let Some(s) = &station {
        state
            .cache
            .remember_token(hash, std::sync::Arc::from(s.as_str()));
    }
    Ok(station)
}

/// The account of an open console session.
pub(crate) async fn session_account(
    state: &AppState,
    token: &str,
) -> Result<Option<StaffAuth>, ApiError> {
    if !token.starts_with(SESSION_PREFIX) {
        return Ok(None);
    }
    let session_hash = hash_secret(token);
    let now = chrono::Utc::now().timestamp_millis();
    let Some(row) = crate::store::logins::session_account(&state.store, &session_hash, now).await?
    else {
        return Ok(None);
    };
    Ok(Some(StaffAuth {
        account_id: row.account_id,
        username: row.username,
        role: Role::parse(&row.role)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("bad role {}", row.role)))?,
        area_code: row.area_code,
        session_hash,
        whole_tree: row.whole_tree,
    }))
}

/// Issues a one-time enrollment code for `station`, valid `minutes`, and records who
/// asked. The code is shown once; only its hash is kept.
pub async fn create_enroll_code(
    store: &crate::store::Store,
    station: &str,
    minutes: u32,
    created_by: &str,
) -> Result<(String, chrono::DateTime<chrono::Utc>), ApiError> {
    if crate::store::station_area(store, station).await?.is_none() {
        return Err(ApiError::NotFound(format!("không có trạm `{station}`")));
    }
    let code = new_enroll_code();
    let expires = chrono::Utc::now() + chrono::Duration::minutes(i64::from(minutes));
    crate::store::insert_enroll_code(
        store,
        &hash_secret(&normalise_code(&code)),
        station,
        expires.timestamp_millis(),
        created_by,
    )
    .await?;
    Ok((code, expires))
}

/// Revokes every token of `station`; its agent must enroll again.
pub async fn revoke_tokens(
    store: &crate::store::Store,
    station: &str,
    actor: &str,
) -> Result<u64, ApiError> {
    let now = chrono::Utc::now().timestamp_millis();
    Ok(crate::store::revoke_station_tokens(store, station, actor, now).await?)
}

/// The address of the caller: the socket's peer, or, when `trust_proxy` is set, the
/// last address in `X-Forwarded-For` (the one the trusted proxy in front added).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_proxy
            && let Some(forwarded) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .map(str::trim)
                .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        {
            return Ok(Self(forwarded.to_owned()));
        }
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default();
        Ok(Self(peer))
    }
}
