//! The dashboard's summaries beside the station list: today's completion per area
//! (counted by the report aggregation, not by a second rule) and the emergency
//! bulletins under way.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::{rfc3339, today_query, visible_emergency};
use crate::domain::Status;
use crate::server::AppState;
use crate::server::api::scope::Scope;
use crate::server::error::{ApiError, ApiResult};
use crate::store::fleet::{FleetRow, active_emergencies};

/// How long after its audio ends a bulletin still shows as under way: stations that
/// reconnect within this time are sent it again.
const EMERGENCY_LINGER_MS: i64 = 10 * 60_000;

/// Today's completion of one area.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AreaCompletionJson {
    /// Area code.
    pub area: String,
    /// Name.
    pub name: String,
    /// 0 for the area listed, 1 for those just below it.
    pub depth: u8,
    /// Items due so far today.
    pub due: u64,
    /// Of those, aired in full.
    pub aired: u64,
    /// Aired in full over due, percent, one decimal; absent when nothing is due yet.
    pub completion_pct: Option<f64>,
}

/// An emergency bulletin under way.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ActiveEmergencyJson {
    /// Id.
    pub id: String,
    /// Segment aired.
    pub segment: String,
    /// Its title.
    pub title: String,
    /// Root of the target subtree.
    pub area: String,
    /// Who sent it.
    pub sent_by: String,
    /// When, RFC 3339 UTC.
    pub sent_at: String,
    /// Targeted stations inside the caller's subtree.
    pub targeted: usize,
    /// Of those, how many acknowledged.
    pub acknowledged: usize,
}

/// The time zone most of `rows` are in: "today" is that zone's date (each station's
/// own day is then counted by the report in its own zone).
fn main_zone(rows: &[(FleetRow, Status)]) -> Tz {
    let mut by_zone: HashMap<Tz, usize> = HashMap::new();
    for (row, _) in rows {
        *by_zone.entry(row.timezone).or_default() += 1;
    }
    by_zone
        .into_iter()
        .max_by_key(|&(tz, n)| (n, std::cmp::Reverse(tz.name())))
        .map_or(chrono_tz::Asia::Ho_Chi_Minh, |(tz, _)| tz)
}

/// Today's completion of `area` (the caller's when `None`) and the areas just below.
pub(super) async fn completion(
    state: &AppState,
    scope: &Scope,
    area: Option<&str>,
    rows: &[(FleetRow, Status)],
    now: DateTime<Utc>,
) -> ApiResult<Vec<AreaCompletionJson>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let day = now.with_timezone(&main_zone(rows)).date_naive();
    let area = area.or_else(|| scope.root_area());
    let q = today_query(area, day, now.timestamp_millis());
    let (data, report) = crate::report::compute(&state.store, &q)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(report
        .areas
        .iter()
        .filter(|a| a.depth <= 1 && scope.contains(data.tree.area(a.area).code.as_str()))
        .map(|a| {
            let info = data.tree.area(a.area);
            AreaCompletionJson {
                area: info.code.to_string(),
                name: info.name.clone(),
                depth: a.depth,
                due: a.tally.due(),
                aired: a.tally.aired,
                completion_pct: a.tally.completion_pct().map(|p| (p * 10.0).round() / 10.0),
            }
        })
        .collect())
}

/// Bulletins under way at `now_ms` that the caller sees.
pub(super) async fn emergencies(
    state: &AppState,
    scope: &Scope,
    now_ms: i64,
) -> ApiResult<Vec<ActiveEmergencyJson>> {
    let mut out = Vec::new();
    for e in active_emergencies(&state.store, now_ms, EMERGENCY_LINGER_MS).await? {
        let Some(row) = visible_emergency(state, scope, &e.id).await? else {
            continue;
        };
        let mine: Vec<_> = row
            .targets
            .iter()
            .filter(|t| scope.contains(&t.area_code))
            .collect();
        out.push(ActiveEmergencyJson {
            targeted: mine.len(),
            acknowledged: mine.iter().filter(|t| t.acked_at_ms.is_some()).count(),
            id: e.id,
            segment: e.segment,
            title: e.title,
            area: e.area_code,
            sent_by: row.sent_by,
            sent_at: rfc3339(e.sent_at_ms),
        });
    }
    Ok(out)
}
