//! Login failures and account credentials: what throttling counts (failures per account
//! and per client address, shared by every replica) and the password operations on
//! accounts (set, force a change, re-enable, end sessions, count administrators).
//!
//! It stores nothing an unauthenticated caller sent beyond [`MAX_STORED_NAME`]
//! characters of the username and the client address.

use sqlx::Row;

use super::{Store, StoreError};

/// Most characters of a typed username kept in `login_failures`: longer names cannot
/// be real accounts (usernames are at most 64 characters), so nothing is lost.
pub const MAX_STORED_NAME: usize = 64;

/// Most characters of a client address kept (an IPv6 address is at most 45).
const MAX_STORED_CLIENT: usize = 64;

fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Recent failures of one kind: how many since a time, and when the last was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Failures {
    /// Failures counted.
    pub count: u32,
    /// When the latest one happened, ms since the epoch.
    pub last_ms: i64,
}

fn failures_of(row: &sqlx::any::AnyRow) -> Result<Failures, sqlx::Error> {
    let count: i64 = row.try_get(0)?;
    let last: Option<i64> = row.try_get(1)?;
    Ok(Failures {
        count: u32::try_from(count).unwrap_or(u32::MAX),
        last_ms: last.unwrap_or(0),
    })
}

/// Failures for `username` (from anywhere) since `since_ms`.
pub async fn account_failures(
    store: &Store,
    username: &str,
    since_ms: i64,
) -> Result<Failures, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*), MAX(at_ms) FROM login_failures WHERE username = $1 AND at_ms > $2",
    )
    .bind(cut(username, MAX_STORED_NAME))
    .bind(since_ms)
    .fetch_one(store.pool())
    .await?;
    Ok(failures_of(&row)?)
}

/// Failures from `client` (for any username) since `since_ms`.
pub async fn client_failures(
    store: &Store,
    client: &str,
    since_ms: i64,
) -> Result<Failures, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*), MAX(at_ms) FROM login_failures WHERE client = $1 AND at_ms > $2",
    )
    .bind(cut(client, MAX_STORED_CLIENT))
    .bind(since_ms)
    .fetch_one(store.pool())
    .await?;
    Ok(failures_of(&row)?)
}

/// Records a failed login, and forgets failures older than `forget_before_ms` so the
/// table stays as small as the throttling window needs.
pub async fn record_failure(
    store: &Store,
    username: &str,
    client: &str,
    at_ms: i64,
    forget_before_ms: i64,
) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM login_failures WHERE at_ms < $1")
        .bind(forget_before_ms)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO login_failures (username, client, at_ms) VALUES ($1, $2, $3)")
        .bind(cut(username, MAX_STORED_NAME))
        .bind(cut(client, MAX_STORED_CLIENT))
        .bind(at_ms)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets the failures of `username` from `client` (after it logged in there).
pub async fn clear_failures(store: &Store, username: &str, client: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM login_failures WHERE username = $1 AND client = $2")
        .bind(cut(username, MAX_STORED_NAME))
        .bind(cut(client, MAX_STORED_CLIENT))
        .execute(store.pool())
        .await?;
    Ok(())
}

/// What login needs of an enabled account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Account id.
    pub id: i64,
    /// Argon2 PHC string.
    pub password_hash: String,
}

/// The credentials of the enabled account `username`.
pub async fn credentials(store: &Store, username: &str) -> Result<Option<Credentials>, StoreError> {
    let row =
        sqlx::query("SELECT id, password_hash FROM accounts WHERE username = $1 AND disabled = 0")
            .bind(cut(username, MAX_STORED_NAME + 1))
            .fetch_optional(store.pool())
            .await?;
    row.map(|r| {
        Ok(Credentials {
            id: r.try_get(0)?,
            password_hash: r.try_get(1)?,
        })
    })
    .transpose()
}

/// Opens a session (the token's hash is stored) for `account` until `expires_ms`.
pub async fn open_session(
    store: &Store,
    token_hash: &str,
    account: i64,
    expires_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (token_hash, account_id, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash.to_owned())
        .bind(account)
        .bind(expires_ms)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// The account behind an open session, as a request sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAccount {
    /// Account id.
    pub account_id: i64,
    /// Login name.
    pub username: String,
    /// Role keyword.
    pub role: String,
    /// Root of its subtree.
    pub area_code: String,
    /// Whether it reaches every area.
    pub whole_tree: bool,
}

/// The enabled account of the session whose token hashes to `token_hash`, if that
/// session is still open at `now_ms`.
pub async fn session_account(
    store: &Store,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<SessionAccount>, StoreError> {
    let row = sqlx::query(
        "SELECT a.id, a.username, a.role, a.area_code, a.whole_tree FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = 0",
    )
    .bind(token_hash.to_owned())
    .bind(now_ms)
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(SessionAccount {
        account_id: row.try_get(0)?,
        username: row.try_get(1)?,
        role: row.try_get(2)?,
        area_code: row.try_get(3)?,
        whole_tree: row.try_get::<i64, _>(4)? != 0,
    }))
}

/// Ends the session whose token hashes to `token_hash`. False when none was open.
pub async fn close_session(store: &Store, token_hash: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash.to_owned())
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether the account must change its password before doing anything else.
pub async fn must_change_password(store: &Store, account: i64) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT must_change_password FROM accounts WHERE id = $1")
        .bind(account)
        .fetch_optional(store.pool())
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64, _>(0))
        .transpose()?
        .is_some_and(|v| v != 0))
}

/// Sets the password hash of `username`. With `force_change` the account must change
/// it at its next login, and every session of the account ends except `keep_session`
/// (the hash of the caller's own session, when people change their own password).
/// Records `action` in the audit log. False when there is no such account.
pub async fn set_password(
    store: &Store,
    username: &str,
    password_hash: &str,
    force_change: bool,
    keep_session: Option<&str>,
    actor: &str,
    action: &str,
) -> Result<bool, StoreError> {
    let mut tx = store.begin_write().await?;
    let row = sqlx::query(
        "UPDATE accounts SET password_hash = $1, must_change_password = $2 WHERE username = $3 RETURNING id",
    )
    .bind(password_hash.to_owned())
    .bind(i64::from(force_change))
    .bind(username.to_owned())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(false) };
    let id: i64 = row.try_get(0)?;
    sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2")
        .bind(id)
        .bind(keep_session.unwrap_or_default().to_owned())
        .execute(&mut *tx)
        .await?;
    super::audit::record(&mut tx, actor, action, username, "").await?;
    tx.commit().await?;
    Ok(true)
}

/// Enables `username` again, recording who did it. False when there is no such account.
pub async fn enable_account(
    store: &Store,
    username: &str,
    actor: &str,
) -> Result<bool, StoreError> {
    let mut tx = store.begin_write().await?;
    let done = sqlx::query("UPDATE accounts SET disabled = 0 WHERE username = $1")
        .bind(username.to_owned())
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    super::audit::record(&mut tx, actor, "account.enable", username, "").await?;
    tx.commit().await?;
    Ok(true)
}

/// Disables `username` unless it is the last enabled administrator, ends its sessions
/// and records who did it, in one write transaction (so two administrators disabling
/// each other at once cannot both win).
pub async fn disable_account(
    store: &Store,
    username: &str,
    actor: &str,
) -> Result<Disabled, StoreError> {
    let mut tx = store.begin_write().await?;
    if store.backend() == super::Backend::Postgres {
        // SQLite's write transaction already holds the database; on PostgreSQL lock
        // the enabled administrators, so a concurrent disable waits and then counts
        // what this one left.
        sqlx::query("SELECT id FROM accounts WHERE role = 'admin' AND disabled = 0 FOR UPDATE")
            .fetch_all(&mut *tx)
            .await?;
    }
    let row = sqlx::query("SELECT id, role, disabled FROM accounts WHERE username = $1")
        .bind(username.to_owned())
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        return Ok(Disabled::NoSuchAccount);
    };
    let id: i64 = row.try_get(0)?;
    let role: String = row.try_get(1)?;
    let disabled: i64 = row.try_get(2)?;
    if role == "admin" && disabled == 0 {
        let admins: i64 = sqlx::query(
            "SELECT COUNT(*) FROM accounts WHERE role = 'admin' AND disabled = 0 AND id <> $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if admins == 0 {
            return Ok(Disabled::LastAdmin);
        }
    }
    sqlx::query("UPDATE accounts SET disabled = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    super::audit::record(&mut tx, actor, "account.disable", username, "").await?;
    tx.commit().await?;
    Ok(Disabled::Done)
}

/// What [`disable_account`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disabled {
    /// The account is disabled and its sessions ended.
    Done,
    /// There is no such account.
    NoSuchAccount,
    /// Refused: it is the last enabled administrator.
    LastAdmin,
}
