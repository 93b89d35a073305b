//! The dashboard's summaries beside the station list: today's completion per area
//! (counted by the report aggregation, not by a second rule, from a snapshot of the
//! whole tree at most a minute and a half old) and the emergency bulletins under way.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::{rfc3339, today_query, visible_emergency};
use crate::domain::{AreaCode, AreaId, AreaTotals, GroupBy, ReportInputs, Status, aggregate};
use crate::server::AppState;
use crate::server::api::scope::Scope;
use crate::server::error::{ApiError, ApiResult};
use crate::store::ReportData;
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

/// A snapshot younger than this is shown as it is, ms.
const FRESH_MS: i64 = 30_000;
/// One younger than this is shown while a newer one is counted in the background; an
/// older one (or none, or another day's) is counted first, ms.
const USABLE_MS: i64 = 90_000;

/// Today's tallies of every station, counted by the report (whole tree, by area) at an
/// instant and shared by every dashboard request until they are too old. Counting a
/// country's day takes longer than a page may (a day of 10,000 stations is 200,000
/// planned items and as many records); cut to a subtree and rolled up, a snapshot
/// costs a few milliseconds.
#[derive(Debug, Default)]
pub struct CompletionCache {
    current: std::sync::Mutex<Option<Arc<Snapshot>>>,
    counting: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct Snapshot {
    day: NaiveDate,
    at_ms: i64,
    data: ReportData,
    /// The areas of the report rolled up under each root asked for so far (depth 0
    /// and 1 only).
    rolled: std::sync::Mutex<HashMap<Option<AreaId>, Arc<Vec<AreaTotals>>>>,
}

impl Snapshot {
    /// The report by area under `root` (the whole tree when `None`), as `load_report`
    /// for that area and `aggregate` give it: its stations, in the same order, and
    /// their cells.
    fn rolled_up(&self, root: Option<AreaId>) -> Arc<Vec<AreaTotals>> {
        if let Some(r) = self.rolled.lock().ok().and_then(|m| m.get(&root).cloned()) {
            return r;
        }
        let data = &self.data;
        let (stations, planned, airings);
        let inputs = match root {
            None => data.inputs(),
            Some(root) => {
                stations = data
                    .stations
                    .iter()
                    .filter(|s| data.tree.is_within(s.area, root))
                    .cloned()
                    .collect::<Vec<_>>();
                let inside: HashSet<&str> = stations.iter().map(|s| s.code.as_str()).collect();
                planned = data
                    .planned
                    .iter()
                    .filter(|c| inside.contains(c.station.as_str()))
                    .cloned()
                    .collect::<Vec<_>>();
                airings = data
                    .airings
                    .iter()
                    .filter(|c| inside.contains(c.station.as_str()))
                    .cloned()
                    .collect::<Vec<_>>();
                ReportInputs {
                    tree: &data.tree,
                    root: Some(root),
                    stations: &stations,
                    facts: &data.facts,
                    names: &data.names,
                    planned: &planned,
                    airings: &airings,
                }
            }
        };
        let rolled: Arc<Vec<AreaTotals>> = Arc::new(
            aggregate(&inputs, GroupBy::Area)
                .areas
                .into_iter()
                .filter(|a| a.depth <= 1)
                .collect(),
        );
        if let Ok(mut m) = self.rolled.lock() {
            m.insert(root, rolled.clone());
        }
        rolled
    }
}

impl CompletionCache {
    fn held(&self, day: NaiveDate) -> Option<Arc<Snapshot>> {
        let guard = self.current.lock().ok()?;
        guard.as_ref().filter(|s| s.day == day).cloned()
    }

    /// Counts `day` at `now` and keeps it (one count at a time).
    async fn count(
        &self,
        state: &AppState,
        day: NaiveDate,
        now_ms: i64,
        at_least_ms: i64,
    ) -> ApiResult<Arc<Snapshot>> {
        let _one = self.counting.lock().await;
        // Counted meanwhile by another request.
        if let Some(s) = self.held(day).filter(|s| s.at_ms >= at_least_ms) {
            return Ok(s);
        }
        let q = today_query(None, day, now_ms);
        let data = crate::store::load_report(&state.store, &q)
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        let snapshot = Arc::new(Snapshot {
            day,
            at_ms: now_ms,
            data,
            rolled: std::sync::Mutex::default(),
        });
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some(snapshot.clone());
        }
        Ok(snapshot)
    }

    /// Today's tallies as of at most [`USABLE_MS`] ago.
    async fn snapshot(
        &self,
        state: &AppState,
        day: NaiveDate,
        now_ms: i64,
    ) -> ApiResult<Arc<Snapshot>> {
        match self.held(day) {
            Some(s) if now_ms - s.at_ms <= FRESH_MS && s.at_ms <= now_ms => Ok(s),
            Some(s) if now_ms - s.at_ms <= USABLE_MS && s.at_ms <= now_ms => {
                if let Ok(one) = state.completion.counting.try_lock() {
                    drop(one);
                    let state = state.clone();
                    tokio::spawn(async move {
                        let cache = state.completion.clone();
                        if let Err(e) = cache.count(&state, day, now_ms, now_ms).await {
                            tracing::warn!(error = %e, "không đếm được tỉ lệ phát hôm nay");
                        }
                    });
                }
                Ok(s)
            }
            _ => self.count(state, day, now_ms, now_ms).await,
        }
    }
}

/// Today's completion of `area` (the caller's when `None`) and the areas just below,
/// as of the instant returned (RFC 3339 UTC; at most a minute and a half old).
pub(super) async fn completion(
    state: &AppState,
    scope: &Scope,
    area: Option<&str>,
    rows: &[(FleetRow, Status)],
    now: DateTime<Utc>,
) -> ApiResult<(Vec<AreaCompletionJson>, Option<String>)> {
    if rows.is_empty() {
        return Ok((Vec::new(), None));
    }
    let day = now.with_timezone(&main_zone(rows)).date_naive();
    let area = area.or_else(|| scope.root_area());
    let snapshot = state
        .completion
        .snapshot(state, day, now.timestamp_millis())
        .await?;
    let data = &snapshot.data;
    let root = match area.and_then(|a| AreaCode::parse(a).ok()) {
        Some(code) => match data.tree.get(&code) {
            Some(id) => Some(id),
            None => {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    crate::store::ReportError::UnknownArea(code.as_str().to_owned())
                )));
            }
        },
        None => None,
    };
    let report = snapshot.rolled_up(root);
    let list = report
        .iter()
        .filter(|a| scope.contains(data.tree.area(a.area).code.as_str()))
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
        .collect();
    Ok((list, Some(rfc3339(snapshot.at_ms))))
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
