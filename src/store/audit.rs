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
    debug_assert!(
        ACTIONS.contains(&action),
        "audit action `{action}` missing from audit::ACTIONS"
    );
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

/// Every action the log records, `kind.verb`, in the order the console lists them.
/// [`record`] refuses (in debug builds) an action missing here, so the console's
/// filter and its words cannot fall behind the writers.
pub const ACTIONS: &[&str] = &[
    "account.create",
    "account.disable",
    "account.enable",
    "account.reset_password",
    "account.change_password",
    "station.create",
    "station.update",
    "station.enroll_code",
    "station.enroll",
    "station.register_key",
    "station.revoke_tokens",
    "campaign.create",
    "campaign.update",
    "campaign.delete",
    "segment.upload",
    "segment.approve",
    "emergency.send",
    "emergency.ack",
    "alert_subscription.create",
    "alert_subscription.delete",
    "areas.import",
    "schedule.import",
];

/// Which entries to read: every field that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Made by exactly this actor.
    pub actor: Option<String>,
    /// Exactly this action.
    pub action: Option<String>,
    /// Target or detail contains this text, ignoring ASCII case.
    pub text: Option<String>,
    /// At or after this instant, ms since the epoch.
    pub from_ms: Option<i64>,
    /// Before this instant, ms since the epoch.
    pub until_ms: Option<i64>,
}

/// Where a page of the log starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// Ids below this one, newest first (`i64::MAX`: from the newest entry).
    Before(i64),
    /// Ids above this one, oldest first.
    After(i64),
}

/// `%`, `_` and the escape character itself taken literally in a `LIKE … ESCAPE '!'`.
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Up to `limit` entries matching `filter` on the side of `cursor` it names, in its
/// order (newest first for [`Cursor::Before`], oldest first for [`Cursor::After`]).
pub async fn page(
    store: &super::Store,
    filter: &AuditFilter,
    cursor: Cursor,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    use sqlx::Row;
    let (cond, order, id) = match cursor {
        Cursor::Before(id) => ("id < $1", "DESC", id),
        Cursor::After(id) => ("id > $1", "ASC", id),
    };
    let mut sql =
        format!("SELECT id, at_ms, actor, action, target, detail FROM audit_log WHERE {cond}");
    let mut texts: Vec<String> = Vec::new();
    let mut instants: Vec<i64> = Vec::new();
    // Parameters are numbered in this order: cursor, texts, instants, limit.
    let mut n = 1;
    let mut text_param = |sql: &mut String, clause: &str, value: String| {
        n += 1;
        sql.push_str(&clause.replace('?', &format!("${n}")));
        texts.push(value);
    };
    if let Some(actor) = &filter.actor {
        text_param(&mut sql, " AND actor = ?", actor.clone());
    }
    if let Some(action) = &filter.action {
        text_param(&mut sql, " AND action = ?", action.clone());
    }
    if let Some(text) = &filter.text {
        text_param(
            &mut sql,
            " AND (LOWER(target) LIKE ? ESCAPE '!' OR LOWER(detail) LIKE ? ESCAPE '!')",
            like_literal(text),
        );
    }
    for (bound, op) in [(filter.from_ms, ">="), (filter.until_ms, "<")] {
        if let Some(ms) = bound {
            n += 1;
            sql.push_str(&format!(" AND at_ms {op} ${n}"));
            instants.push(ms);
        }
    }
    sql.push_str(&format!(" ORDER BY id {order} LIMIT ${}", n + 1));
    // Only fixed clauses and numbered parameters are joined here; values are bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
    for t in texts {
        query = query.bind(t);
    }
    for ms in instants {
        query = query.bind(ms);
    }
    query
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
