//! The audit log: every write by a person or station, with who and when.

use sqlx::AnyConnection;

use super::StoreError;

/// Appends one entry inside the caller's transaction, so the change and its record
/// commit together.
pub async fn record(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at_ms, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(chrono::Utc::now().timestamp_millis())
    .bind(actor.to_owned())
    .bind(action.to_owned())
    .bind(target.to_owned())
    .bind(detail.to_owned())
    .execute(conn)
    .await?;
    Ok(())
}
