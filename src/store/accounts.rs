//! Console accounts as rows: creating one, listing them, counting them.
//!
//! Password hashing and policy belong to the server (`server::accounts`); this module
//! stores the hash it is given. Login, sessions and throttling are in [`super::logins`].

use sqlx::Row;

use super::{Store, StoreError};

/// An account about to be created (its password already hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// Login name (trimmed).
    pub username: String,
    /// Display name (NFC).
    pub display_name: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Role keyword.
    pub role: String,
    /// Root of its subtree (for a whole-tree account, a stored root).
    pub area_code: String,
    /// Whether it reaches every area.
    pub whole_tree: bool,
    /// Creation time, ms since the epoch.
    pub created_at_ms: i64,
}

/// Creates `account`; its id, or `None` when the username is taken.
pub async fn insert_account(
    store: &Store,
    account: &NewAccount,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "INSERT INTO accounts (username, display_name, password_hash, role, area_code, whole_tree, disabled, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7) RETURNING id",
    )
    .bind(account.username.clone())
    .bind(account.display_name.clone())
    .bind(account.password_hash.clone())
    .bind(account.role.clone())
    .bind(account.area_code.clone())
    .bind(i64::from(account.whole_tree))
    .bind(account.created_at_ms)
    .fetch_one(store.pool())
    .await;
    match row {
        Ok(row) => Ok(Some(row.try_get(0)?)),
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// How many accounts exist (any state).
pub async fn account_count(store: &Store) -> Result<i64, StoreError> {
    Ok(sqlx::query("SELECT COUNT(*) FROM accounts")
        .fetch_one(store.pool())
        .await?
        .try_get(0)?)
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

/// Records in the audit log that `actor` created `username` (`detail` says with which
/// role and area).
pub async fn record_account_created(
    store: &Store,
    actor: &str,
    username: &str,
    detail: &str,
) -> Result<(), StoreError> {
    let mut conn = store.pool().acquire().await?;
    super::audit::record(&mut conn, actor, "account.create", username, detail).await
}
