//! Console accounts: passwords (argon2), the first administrator, login with a rate limit
//! shared by all replicas (failures are counted in the database).

use std::path::Path;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sqlx::Row;

use super::auth::{Role, SESSION_PREFIX, hash_secret, new_secret};
use super::error::ApiError;
use crate::store::{Store, StoreError};

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Creates an account; the username must be new.
pub async fn create_account(
    store: &Store,
    username: &str,
    display_name: &str,
    password: &str,
    role: Role,
    area_code: &str,
) -> Result<i64, ApiError> {
    create_account_in(
        store,
        username,
        display_name,
        password,
        role,
        Reach::Subtree(area_code.to_owned()),
    )
    .await
}

/// What an account may see and change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The subtree rooted at this area.
    Subtree(String),
    /// Every area, under every root (a national set has 34 provinces).
    WholeTree,
}

/// Creates an account reaching `reach`; the username must be new. A whole-tree account
/// is stored with the first root as its area (the column names a stored area) and the
/// `whole_tree` flag, which wins.
pub async fn create_account_in(
    store: &Store,
    username: &str,
    display_name: &str,
    password: &str,
    role: Role,
    reach: Reach,
) -> Result<i64, ApiError> {
    if username.trim().is_empty() || password.chars().count() < 8 {
        return Err(ApiError::Invalid(vec![
            "tên đăng nhập không được trống; mật khẩu cần ít nhất 8 ký tự".to_owned(),
        ]));
    }
    let (area_code, whole_tree) = match reach {
        Reach::Subtree(code) => {
            let exists = sqlx::query("SELECT 1 FROM areas WHERE code = $1")
                .bind(code.clone())
                .fetch_optional(store.pool())
                .await?;
            if exists.is_none() {
                return Err(ApiError::Invalid(vec![format!(
                    "đơn vị `{code}` không tồn tại"
                )]));
            }
            (code, 0_i64)
        }
        Reach::WholeTree => {
            let root = sqlx::query(
                "SELECT code FROM areas WHERE parent_code IS NULL ORDER BY code LIMIT 1",
            )
            .fetch_optional(store.pool())
            .await?
            .ok_or_else(|| {
                ApiError::Invalid(vec![
                    "chưa có đơn vị hành chính nào: nạp cây đơn vị trước (loa areas import TỆP.csv)"
                        .to_owned(),
                ])
            })?;
            (root.try_get::<String, _>(0)?, 1_i64)
        }
    };
    let hash = hash_password(password).map_err(ApiError::Internal)?;
    let row = sqlx::query(
        "INSERT INTO accounts (username, display_name, password_hash, role, area_code, whole_tree, disabled, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7) RETURNING id",
    )
    .bind(username.trim().to_owned())
    .bind(crate::schedule_file::nfc(display_name.trim()))
    .bind(hash)
    .bind(role.as_str())
    .bind(area_code)
    .bind(whole_tree)
    .bind(chrono::Utc::now().timestamp_millis())
    .fetch_one(store.pool())
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => ApiError::Conflict(format!("tên đăng nhập `{username}` đã có")),
        _ => ApiError::from(e),
    })?;
    Ok(row.try_get(0)?)
}

/// How many accounts exist (any state).
pub async fn account_count(store: &Store) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT COUNT(*) FROM accounts")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?)
}

/// Creates the `admin` account for the whole tree when there are no accounts, with a
/// random password written to `DATA_DIR/admin-password.txt` (readable by the owner only)
/// and logged once.
pub async fn ensure_admin(store: &Store, data_dir: &Path) -> anyhow::Result<()> {
    if account_count(store).await? > 0 || crate::store::is_empty(store).await? {
        return Ok(());
    }
    let password = new_secret("")[..20].to_owned();
    create_account_in(
        store,
        "admin",
        "Quản trị",
        &password,
        Role::Admin,
        Reach::WholeTree,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let file = data_dir.join("admin-password.txt");
    std::fs::write(&file, format!("admin\n{password}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
    }
    tracing::info!(username = "admin", password = %password, file = %file.display(), "đã tạo tài khoản quản trị đầu tiên");
    Ok(())
}

/// Checks a password and opens a session; failures are counted per username and a
/// username with too many recent failures is paused for 15 minutes.
pub async fn login(
    store: &Store,
    username: &str,
    password: &str,
    max_failures: u32,
    session_hours: u32,
) -> Result<String, ApiError> {
    let now = chrono::Utc::now().timestamp_millis();
    let window_start = now - 15 * 60 * 1000;
    let failures: i64 =
        sqlx::query("SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at_ms > $2")
            .bind(username.to_owned())
            .bind(window_start)
            .fetch_one(store.pool())
            .await?
            .try_get(0)?;
    if failures >= i64::from(max_failures) {
        return Err(ApiError::TooManyRequests(format!(
            "đăng nhập sai quá {max_failures} lần trong 15 phút; tài khoản tạm khóa, thử lại sau"
        )));
    }
    let row =
        sqlx::query("SELECT id, password_hash FROM accounts WHERE username = $1 AND disabled = 0")
            .bind(username.to_owned())
            .fetch_optional(store.pool())
            .await?;
    let account = match row {
        Some(r) if verify_password(password, &r.try_get::<String, _>(1)?) => {
            r.try_get::<i64, _>(0)?
        }
        _ => {
            sqlx::query("INSERT INTO login_failures (username, at_ms) VALUES ($1, $2)")
                .bind(username.to_owned())
                .bind(now)
                .execute(store.pool())
                .await?;
            return Err(ApiError::Unauthorized);
        }
    };
    let token = new_secret(SESSION_PREFIX);
    sqlx::query("INSERT INTO sessions (token_hash, account_id, expires_at) VALUES ($1, $2, $3)")
        .bind(hash_secret(&token))
        .bind(account)
        .bind(now + i64::from(session_hours) * 3600 * 1000)
        .execute(store.pool())
        .await?;
    Ok(token)
}

/// Whether `code` lies in the subtree of `root` (a unit is in its own subtree).
pub async fn area_within(store: &Store, code: &str, root: &str) -> Result<bool, StoreError> {
    let mut current = Some(code.to_owned());
    // The tree is at most a few levels deep; walk up.
    for _ in 0..16 {
        let Some(c) = current else { return Ok(false) };
        if c == root {
            return Ok(true);
        }
        current = sqlx::query("SELECT parent_code FROM areas WHERE code = $1")
            .bind(c)
            .fetch_optional(store.pool())
            .await?
            .map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten();
    }
    Ok(false)
}

/// An account as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role keyword.
    pub role: String,
    /// Root of its subtree.
    pub area_code: String,
    /// Whether it reaches every area (then `area_code` is not its limit).
    pub whole_tree: bool,
    /// Whether it may no longer log in.
    pub disabled: bool,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
}

/// Every account, by username.
pub async fn list_accounts(store: &Store) -> Result<Vec<AccountRow>, StoreError> {
    sqlx::query(
        "SELECT username, display_name, role, area_code, disabled, created_at, whole_tree FROM accounts ORDER BY username",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(AccountRow {
            username: r.try_get(0)?,
            display_name: r.try_get(1)?,
            role: r.try_get(2)?,
            area_code: r.try_get(3)?,
            disabled: r.try_get::<i64, _>(4)? != 0,
            created_at_ms: r.try_get(5)?,
            whole_tree: r.try_get::<i64, _>(6)? != 0,
        })
    })
    .collect()
}

/// Records in the audit log that `actor` created `username` (role and area in detail).
pub async fn record_created(
    store: &Store,
    actor: &str,
    username: &str,
    role: Role,
    area_code: &str,
) -> Result<(), StoreError> {
    let mut conn = store.pool().acquire().await?;
    crate::store::audit::record(
        &mut conn,
        actor,
        "account.create",
        username,
        &format!("role={} area={area_code}", role.as_str()),
    )
    .await
}

/// Disables `username` and ends its sessions, recording who did it. False when there
/// is no such account.
pub async fn disable_account(
    store: &Store,
    username: &str,
    actor: &str,
) -> Result<bool, StoreError> {
    let mut tx = store.begin_write().await?;
    let row = sqlx::query("UPDATE accounts SET disabled = 1 WHERE username = $1 RETURNING id")
        .bind(username.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else { return Ok(false) };
    let id: i64 = row.try_get(0)?;
    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::store::audit::record(&mut tx, actor, "account.disable", username, "").await?;
    tx.commit().await?;
    Ok(true)
}
