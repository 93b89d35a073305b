//! Station credentials as rows: one-time enrollment codes, the long-lived tokens they
//! are exchanged for, and revocation.
//!
//! Only hashes are stored (the caller hashes; secrets never reach this module). Every
//! change is audited in the same transaction. It knows nothing of HTTP or of how
//! secrets are made.

use sqlx::Row;

use super::{Store, StoreError};

/// The event kind that tells every replica a station's tokens were revoked (its
/// cached tokens and open streams go at once). Never sent to a station.
pub const TOKENS_REVOKED: &str = "tokens_revoked";

/// The station of the unrevoked token whose hash is `token_hash`.
pub async fn station_of_token(
    store: &Store,
    token_hash: &str,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        "SELECT station_code FROM station_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash.to_owned())
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// Stores the hash of a one-time enrollment code for `station`, valid until
/// `expires_ms`, and records who asked.
pub async fn insert_enroll_code(
    store: &Store,
    code_hash: &str,
    station: &str,
    expires_ms: i64,
    created_by: &str,
) -> Result<(), StoreError> {
    let mut tx = store.pool().begin().await?;
    sqlx::query("INSERT INTO enroll_codes (code_hash, station_code, expires_at, created_by) VALUES ($1, $2, $3, $4)")
        .bind(code_hash.to_owned())
        .bind(station.to_owned())
        .bind(expires_ms)
        .bind(created_by.to_owned())
        .execute(&mut *tx)
        .await?;
    super::audit::record(&mut tx, created_by, "station.enroll_code", station, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Spends the unexpired, unused code whose hash is `code_hash` and stores the token
/// hashed `token_hash` for its station, audited as the station's own enrollment.
/// The station, or `None` when the code is wrong, used or expired.
pub async fn enroll_station(
    store: &Store,
    code_hash: &str,
    token_hash: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    let mut tx = store.pool().begin().await?;
    // One statement both checks and spends the code, so of two concurrent exchanges
    // only one can win it (and SQLite takes its write lock at once).
    let row = sqlx::query(
        "UPDATE enroll_codes SET used_at = $1
         WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING station_code",
    )
    .bind(now)
    .bind(code_hash.to_owned())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let station: String = row.try_get(0)?;
    sqlx::query(
        "INSERT INTO station_tokens (token_hash, station_code, created_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash.to_owned())
    .bind(station.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    super::audit::record(
        &mut tx,
        &format!("station:{station}"),
        "station.enroll",
        &station,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(Some(station))
}

/// Revokes every token of `station` at `now`, tells every replica (a
/// [`TOKENS_REVOKED`] event) and records who did it. How many tokens were revoked.
pub async fn revoke_station_tokens(
    store: &Store,
    station: &str,
    actor: &str,
    now: i64,
) -> Result<u64, StoreError> {
    let mut tx = store.pool().begin().await?;
    let done = sqlx::query(
        "UPDATE station_tokens SET revoked_at = $1 WHERE station_code = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(station.to_owned())
    .execute(&mut *tx)
    .await?;
    // Every replica drops its cached copies of the tokens when it reads this event.
    sqlx::query(
        "INSERT INTO events (station_code, kind, payload, at_ms) VALUES ($1, $2, '{}', $3)",
    )
    .bind(station.to_owned())
    .bind(TOKENS_REVOKED)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    super::audit::record(&mut tx, actor, "station.revoke_tokens", station, "").await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}
