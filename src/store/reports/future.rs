//! Planned items beyond the stored horizon, compiled on demand, so a report over a
//! period partly or wholly in the future counts what is planned (as upcoming).
//!
//! Stored items (`planned_items`) cover the past and the compiled horizon; days after
//! a station's horizon are compiled here. Stations that compile alike (same time
//! zone, windows, languages and campaigns) are compiled once and counted alike.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate};
use sqlx::Row;

use super::ReportQuery;
use crate::domain::{PlannedCell, ReportStation, alike_stations, compile};
use crate::store::inputs::load_inputs;
use crate::store::{Store, StoreError};

/// Longest stretch after the horizon compiled for one report, in days.
const MAX_FUTURE_DAYS: u64 = 731;

/// Cells of the items planned after each station's stored horizon inside the period.
pub(super) async fn future_cells(
    store: &Store,
    q: &ReportQuery,
    stations: &[ReportStation],
) -> Result<Vec<PlannedCell>, StoreError> {
    let now = DateTime::from_timestamp_millis(q.now_ms).unwrap_or_default();
    let mut horizon_end: HashMap<String, NaiveDate> = HashMap::new();
    for r in sqlx::query("SELECT station_code, from_date, days FROM playlists")
        .fetch_all(store.pool())
        .await?
    {
        let (code, from, days): (String, String, i64) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        if let Ok(from) = from.parse::<NaiveDate>() {
            horizon_end.insert(code, from + Days::new(days.max(0) as u64));
        }
    }
    // Nothing past any horizon inside the period: no inputs to load.
    let wanted: Vec<&ReportStation> = stations
        .iter()
        .filter(|s| horizon_end.get(&s.code).is_none_or(|&end| end <= q.until))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let loaded = load_inputs(store).await?;
    let inputs = &loaded.inputs;
    // Stations by first day to compile (their horizon's end, or today without one).
    let mut by_first: BTreeMap<NaiveDate, Vec<crate::domain::StationIdx>> = BTreeMap::new();
    for s in wanted {
        let Some(idx) = inputs.station_by_code(&s.code) else {
            continue;
        };
        let today = now
            .with_timezone(&inputs.station(idx).timezone)
            .date_naive();
        let first = horizon_end
            .get(&s.code)
            .copied()
            .unwrap_or(today)
            .max(q.from);
        if first <= q.until {
            by_first.entry(first).or_default().push(idx);
        }
    }
    let mut cells = Vec::new();
    for (first, members) in by_first {
        let last = q.until.min(first + Days::new(MAX_FUTURE_DAYS - 1));
        let days = (last - first).num_days() as u32 + 1;
        for group in alike_stations(inputs, members, first, last) {
            let rep = group[0];
            let tz = inputs.station(rep).timezone;
            let compiled = compile(inputs, rep, first, days);
            let mut counted: BTreeMap<CellKey, (u64, i64)> = BTreeMap::new();
            for item in &compiled.playlist.items {
                let campaign = inputs.campaigns()[item.campaign].id.as_str();
                if q.campaign.as_deref().is_some_and(|c| c != campaign) {
                    continue;
                }
                let day =
                    q.by.needs_day()
                        .then(|| item.start.with_timezone(&tz).date_naive());
                let segment = if q.by.needs_segment() {
                    inputs.segment(item.segment).id.to_string()
                } else {
                    String::new()
                };
                let priority = if q.by == crate::domain::GroupBy::Priority {
                    item.priority.as_str().to_owned()
                } else {
                    String::new()
                };
                let due = item.start.timestamp_millis() < q.now_ms;
                let cell = counted
                    .entry((day, campaign.to_owned(), segment, priority, due))
                    .or_default();
                cell.0 += 1;
                cell.1 += i64::from(item.duration_ms);
            }
            for &idx in &group {
                let code = inputs.station(idx).code.to_string();
                for ((day, campaign, segment, priority, due), (count, duration_ms)) in &counted {
                    cells.push(PlannedCell {
                        station: code.clone(),
                        day: *day,
                        campaign: campaign.clone(),
                        segment: segment.clone(),
                        priority: priority.clone(),
                        due: *due,
                        count: *count,
                        duration_ms: *duration_ms,
                    });
                }
            }
        }
    }
    Ok(cells)
}

/// The key future items are counted under (see the loop above).
type CellKey = (Option<NaiveDate>, String, String, String, bool);
