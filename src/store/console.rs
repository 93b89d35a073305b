//! The questions the web console asks that the API had no need of: the station
//! directory its list pages through, when stations were last heard, a station's
//! credentials at a glance, and its airing log with filters and paging.
//!
//! Scope is the caller's: these functions answer for the codes they are given.

use std::collections::HashMap;

use sqlx::Row;

use super::airings::placeholders;
use super::{Store, StoreError};

/// What changes whenever a station or an area is written, however (the triggers of
/// `data_version`). A cached directory is current while this is unchanged.
pub async fn directory_stamp(store: &Store) -> Result<i64, StoreError> {
    super::cache::stamp(store).await
}

/// One station as the directory lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryRow {
    /// Station code.
    pub code: String,
    /// Its area's code.
    pub area: String,
    /// Its name.
    pub name: String,
    /// Its area's name.
    pub area_name: String,
}

/// Every station with its area's name, by code.
pub async fn station_directory(store: &Store) -> Result<Vec<DirectoryRow>, StoreError> {
    sqlx::query(
        "SELECT s.code, s.area_code, s.name, COALESCE(a.name, '') FROM stations s
         LEFT JOIN areas a ON a.code = s.area_code ORDER BY s.code",
    )
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|r| {
        Ok(DirectoryRow {
            code: r.try_get(0)?,
            area: r.try_get(1)?,
            name: r.try_get(2)?,
            area_name: r.try_get(3)?,
        })
    })
    .collect()
}

/// When each of `codes` last sent a heartbeat, ms since the epoch (absent: never).
pub async fn last_heard(
    store: &Store,
    codes: &[String],
) -> Result<HashMap<String, i64>, StoreError> {
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT station_code, MAX(at_ms) FROM heartbeats WHERE station_code IN ({})
         GROUP BY station_code",
        placeholders(codes.len(), 1)
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for c in codes {
        query = query.bind(c.clone());
    }
    query
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// A station's latest heartbeat: when, and the body it sent (JSON).
pub async fn last_heartbeat(
    store: &Store,
    code: &str,
) -> Result<Option<(i64, String)>, StoreError> {
    sqlx::query(
        "SELECT at_ms, body FROM heartbeats WHERE station_code = $1 ORDER BY at_ms DESC LIMIT 1",
    )
    .bind(code.to_owned())
    .fetch_optional(store.pool())
    .await?
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .transpose()
}

/// A station's credentials at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialState {
    /// Unrevoked tokens (one per enrolled agent).
    pub active_tokens: i64,
    /// Revoked tokens.
    pub revoked_tokens: i64,
    /// When the newest unrevoked token was issued, ms since the epoch.
    pub enrolled_at_ms: Option<i64>,
    /// Enrollment codes neither used nor expired.
    pub open_codes: i64,
    /// When the last of those expires, ms since the epoch.
    pub code_expires_ms: Option<i64>,
}

/// The tokens and open enrollment codes of `code` at `now_ms`.
pub async fn credential_state(
    store: &Store,
    code: &str,
    now_ms: i64,
) -> Result<CredentialState, StoreError> {
    let tokens = sqlx::query(
        "SELECT
           COALESCE(SUM(CASE WHEN revoked_at IS NULL THEN 1 ELSE 0 END), 0),
           COALESCE(SUM(CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END), 0),
           MAX(CASE WHEN revoked_at IS NULL THEN created_at END)
         FROM station_tokens WHERE station_code = $1",
    )
    .bind(code.to_owned())
    .fetch_one(store.pool())
    .await?;
    let codes = sqlx::query(
        "SELECT COUNT(*), MAX(expires_at) FROM enroll_codes
         WHERE station_code = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(code.to_owned())
    .bind(now_ms)
    .fetch_one(store.pool())
    .await?;
    Ok(CredentialState {
        active_tokens: tokens.try_get(0)?,
        revoked_tokens: tokens.try_get(1)?,
        enrolled_at_ms: tokens.try_get(2)?,
        open_codes: codes.try_get(0)?,
        code_expires_ms: codes.try_get(1)?,
    })
}

/// Which airings of one station to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiringLogQuery {
    /// Station code.
    pub station: String,
    /// Planned start from (included), ms since the epoch.
    pub from_ms: i64,
    /// Planned start until (excluded), ms since the epoch.
    pub until_ms: i64,
    /// Only this outcome (`aired`, `missed`, …), if given.
    pub outcome: Option<String>,
    /// Rows skipped (paging).
    pub offset: i64,
    /// Rows returned at most.
    pub limit: i64,
}

/// One airing in the log, with what was planned.
#[derive(Debug, Clone, PartialEq)]
pub struct AiringLogRow {
    /// Planned start, ms since the epoch.
    pub planned_start_ms: i64,
    /// Real start, if it went on air.
    pub actual_start_ms: Option<i64>,
    /// Real end.
    pub actual_end_ms: Option<i64>,
    /// Outcome keyword.
    pub outcome: String,
    /// Reason keyword (or older free text), if any.
    pub reason: Option<String>,
    /// Station clock minus server clock when recorded, ms.
    pub clock_offset_ms: i64,
    /// The planned item's id.
    pub item_id: String,
    /// The segment planned, if the item is a planned one.
    pub segment_id: Option<String>,
    /// Its title.
    pub segment_title: Option<String>,
    /// Its language.
    pub language: Option<String>,
    /// The campaign's name.
    pub campaign: Option<String>,
}

fn log_filter(q: &AiringLogQuery) -> String {
    let mut sql =
        "a.station_code = $1 AND a.planned_start_ms >= $2 AND a.planned_start_ms < $3".to_owned();
    if q.outcome.is_some() {
        sql.push_str(" AND a.outcome = $4");
    }
    sql
}

/// One page of a station's airings, newest planned start first, and how many match.
pub async fn airing_log(
    store: &Store,
    q: &AiringLogQuery,
) -> Result<(Vec<AiringLogRow>, i64), StoreError> {
    let filter = log_filter(q);
    let count_sql = format!("SELECT COUNT(*) FROM airings a WHERE {filter}");
    let mut count = sqlx::query(sqlx::AssertSqlSafe(count_sql))
        .bind(q.station.clone())
        .bind(q.from_ms)
        .bind(q.until_ms);
    let n = if q.outcome.is_some() { 5 } else { 4 };
    let page_sql = format!(
        "SELECT a.planned_start_ms, a.actual_start_ms, a.actual_end_ms, a.outcome, a.reason,
                a.clock_offset_ms, a.item_id, p.segment_id, s.title, s.language, c.name
         FROM airings a
         LEFT JOIN planned_items p ON p.station_code = a.station_code AND p.item_id = a.item_id
         LEFT JOIN segments s ON s.id = p.segment_id
         LEFT JOIN campaigns c ON c.id = p.campaign_id
         WHERE {filter}
         ORDER BY a.planned_start_ms DESC, a.received_at DESC, a.uuid
         LIMIT ${n} OFFSET ${}",
        n + 1
    );
    let mut page = sqlx::query(sqlx::AssertSqlSafe(page_sql))
        .bind(q.station.clone())
        .bind(q.from_ms)
        .bind(q.until_ms);
    if let Some(o) = &q.outcome {
        count = count.bind(o.clone());
        page = page.bind(o.clone());
    }
    let total: i64 = count.fetch_one(store.pool()).await?.try_get(0)?;
    let rows = page
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(AiringLogRow {
                planned_start_ms: r.try_get(0)?,
                actual_start_ms: r.try_get(1)?,
                actual_end_ms: r.try_get(2)?,
                outcome: r.try_get(3)?,
                reason: r.try_get(4)?,
                clock_offset_ms: r.try_get(5)?,
                item_id: r.try_get(6)?,
                segment_id: r.try_get(7)?,
                segment_title: r.try_get(8)?,
                language: r.try_get(9)?,
                campaign: r.try_get(10)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((rows, total))
}

/// An alert still open, as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAlertRow {
    /// Station code.
    pub station: String,
    /// Its name.
    pub name: String,
    /// Its area's code.
    pub area: String,
    /// Its IANA time zone.
    pub timezone: String,
    /// The stored kind keyword (`silent`, `clock_off`, …).
    pub kind: String,
    /// What the alert said when it opened (Vietnamese).
    pub detail: String,
    /// When it opened, ms since the epoch.
    pub opened_at_ms: i64,
}

/// The open alerts of stations whose area `keep` accepts, newest first: at most `limit`
/// of them, and how many there are in all. One read of the open alerts (a partial
/// index holds them), however many stations there are.
pub async fn open_alerts_in(
    store: &Store,
    keep: impl Fn(&str) -> bool,
    limit: usize,
) -> Result<(Vec<OpenAlertRow>, usize), StoreError> {
    let rows = sqlx::query(
        "SELECT a.station_code, s.name, s.area_code, s.timezone, a.kind, a.detail, a.opened_at
         FROM alerts a JOIN stations s ON s.code = a.station_code
         WHERE a.closed_at IS NULL ORDER BY a.opened_at DESC, a.id DESC",
    )
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::with_capacity(limit.min(rows.len()));
    let mut total = 0;
    for r in &rows {
        let area: String = r.try_get(2)?;
        if !keep(&area) {
            continue;
        }
        total += 1;
        if out.len() < limit {
            out.push(OpenAlertRow {
                station: r.try_get(0)?,
                name: r.try_get(1)?,
                area,
                timezone: r.try_get(3)?,
                kind: r.try_get(4)?,
                detail: r.try_get(5)?,
                opened_at_ms: r.try_get(6)?,
            });
        }
    }
    Ok((out, total))
}
