//! The audit log: every write by a person or station, with who and when.

use sqlx::AnyConnection;

use super::StoreError;

/// Appends one entry inside the caller's transaction, so the change and its record
/// commit together.
pub(super) async fn record(
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

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Increasing id (newer entries have larger ids).
    pub id: i64,
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// Who: an account's username, or `seed`, `cli` for the system.
    pub actor: String,
    /// What, `kind.verb` (`campaign.update`, `station.enroll_code`).
    pub action: String,
    /// Which object: a station code, campaign id, username, area code, path…
    pub target: String,
    /// Details (often the new value as JSON).
    pub detail: String,
}

/// Up to `limit` entries with id below `before` (all when `None`), newest first.
pub async fn page(
    store: &super::Store,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    use sqlx::Row;
    sqlx::query(
        "SELECT id, at_ms, actor, action, target, detail FROM audit_log
         WHERE id < $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(AuditEntry {
            id: r.try_get(0)?,
            at_ms: r.try_get(1)?,
            actor: r.try_get(2)?,
            action: r.try_get(3)?,
            target: r.try_get(4)?,
            detail: r.try_get(5)?,
        })
    })
    .collect()
}

/// The area each kind of audited object lies in, to decide who may read an entry:
/// by kind (`station`, `campaign`, `segment`, `account`, `emergency`), object key → area.
pub async fn object_areas(
    store: &super::Store,
) -> Result<
    std::collections::HashMap<&'static str, std::collections::HashMap<String, String>>,
    StoreError,
> {
    use sqlx::Row;
    let mut out = std::collections::HashMap::new();
    for (kind, sql) in [
        ("station", "SELECT code, area_code FROM stations"),
        ("campaign", "SELECT id, area_code FROM campaigns"),
        ("segment", "SELECT id, area_code FROM segments"),
        // A whole-tree account's stored area is only the first root: `*`, so that a
        // province's admins do not read what the national admin did elsewhere.
        (
            "account",
            "SELECT username, CASE WHEN whole_tree <> 0 THEN '*' ELSE area_code END FROM accounts",
        ),
        ("emergency", "SELECT id, area_code FROM emergencies"),
        ("area", "SELECT code, code FROM areas"),
    ] {
        let map = sqlx::query(sql)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?;
        out.insert(kind, map);
    }
    Ok(out)
}
