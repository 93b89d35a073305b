//! The misses list: every due planned item that did not air in full, with its record's
//! outcome and reason (or none yet), for the XLSX sheet.

use chrono::Days;
use chrono_tz::Tz;
use sqlx::Row;

use super::days::day_start_ms;
use super::{ReportData, ReportQuery};
use crate::domain::{Miss, Outcome};
use crate::store::inputs::corrupt;
use crate::store::{Store, StoreError};

/// Every due planned item of the covered stations in the period that did not air in
/// full, oldest first per station, at most `limit`; and whether there were more.
pub async fn load_misses(
    store: &Store,
    data: &ReportData,
    q: &ReportQuery,
    limit: usize,
) -> Result<(Vec<Miss>, bool), StoreError> {
    let mut out = Vec::new();
    let mut more = false;
    for station in &data.stations {
        if out.len() > limit {
            more = true;
            break;
        }
        let Some(zone) = data.timezones.get(&station.code) else {
            continue;
        };
        let tz: Tz = zone
            .parse()
            .map_err(|_| corrupt("stations", format!("timezone {zone}")))?;
        let start = day_start_ms(tz, q.from);
        let end = day_start_ms(tz, q.until + Days::new(1)).min(q.now_ms);
        let campaign = if q.campaign.is_some() {
            " AND p.campaign_id = $5"
        } else {
            ""
        };
        let sql = format!(
            "SELECT p.item_id, p.start_ms, p.duration_ms, p.campaign_id, p.segment_id,
                    a.outcome, a.reason, a.actual_start_ms, a.actual_end_ms
             FROM planned_items p
             LEFT JOIN airings a ON a.station_code = p.station_code
               AND a.planned_start_ms = p.start_ms AND a.item_id = p.item_id
             WHERE p.station_code = $1 AND p.start_ms >= $2 AND p.start_ms < $3
               AND (a.outcome IS NULL OR a.outcome <> 'aired'){campaign}
             ORDER BY p.start_ms LIMIT $4"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(station.code.clone())
            .bind(start)
            .bind(end)
            .bind((limit + 1 - out.len()) as i64);
        if let Some(c) = &q.campaign {
            query = query.bind(c.clone());
        }
        for r in query.fetch_all(store.pool()).await? {
            let outcome: Option<String> = r.try_get(5)?;
            let outcome = outcome
                .map(|o| {
                    Outcome::parse(&o).ok_or_else(|| corrupt("airings", format!("outcome {o}")))
                })
                .transpose()?;
            let reason: Option<String> = r.try_get(6)?;
            let started: Option<i64> = r.try_get(7)?;
            let ended: Option<i64> = r.try_get(8)?;
            out.push(Miss {
                station: station.code.clone(),
                item_id: r.try_get(0)?,
                start_ms: r.try_get(1)?,
                duration_ms: r.try_get(2)?,
                campaign: r.try_get(3)?,
                segment: r.try_get(4)?,
                reason: match (&outcome, reason) {
                    (None, _) => crate::domain::UNREPORTED.to_owned(),
                    (Some(_), Some(r)) if !r.is_empty() => r,
                    (Some(o), _) => o.as_str().to_owned(),
                },
                outcome,
                aired_ms: match (started, ended) {
                    (Some(s), Some(e)) => e - s,
                    _ => 0,
                },
            });
        }
    }
    if out.len() > limit {
        out.truncate(limit);
        more = true;
    }
    Ok((out, more))
}
