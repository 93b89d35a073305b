//! Reading what a report needs: the stations of an area subtree, their planned items
//! and airing records counted into cells per local day in SQL, chain breaks, heartbeat
//! days and the misses list. The counting rules live in `domain::report`; this module
//! only groups rows, and must not decide what counts as missed.
//!
//! A station's local day is found by its time zone. The period is split per zone into
//! runs of days with one UTC offset (all of Vietnam: one run), so a day is
//! `(planned_start_ms + offset) / 86 400 000` inside SQL; a day on which the offset
//! changes (daylight saving elsewhere) is a run of its own.

use std::collections::{BTreeSet, HashMap};

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use sqlx::Row;

mod days;
mod future;
mod misses;

use days::{DAY_MS, DayRule, Run, day_start_ms, runs};
pub use misses::load_misses;

use super::inputs::{corrupt, load_tree};
use super::{Store, StoreError};
use crate::domain::{
    AiringCell, AreaCode, AreaId, AreaTree, GroupBy, Names, Outcome, PlannedCell, ReportStation,
    Source, StationFacts,
};

/// What to report on.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// First local day, inclusive.
    pub from: NaiveDate,
    /// Last local day, inclusive.
    pub until: NaiveDate,
    /// The area subtree; `None` for every station.
    pub area: Option<AreaCode>,
    /// Only this campaign's items.
    pub campaign: Option<String>,
    /// How rows are split (decides whether days are counted).
    pub by: GroupBy,
    /// Items planned at or after this instant are upcoming, ms since the epoch.
    pub now_ms: i64,
}

/// Why a report cannot be made; nothing is changed either way.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `from` after `until`.
    #[error(
        "khoảng ngày không hợp lệ: từ {} đến {} (ngày bắt đầu sau ngày kết thúc)",
        from.format("%d/%m/%Y"),
        until.format("%d/%m/%Y")
    )]
    Range {
        /// First day.
        from: NaiveDate,
        /// Last day.
        until: NaiveDate,
    },
    /// No such area.
    #[error("không có đơn vị hành chính mã `{0}`")]
    UnknownArea(String),
    /// No such campaign.
    #[error("không có chiến dịch `{0}`")]
    UnknownCampaign(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Everything [`crate::domain::aggregate`] needs, loaded.
#[derive(Debug, Clone)]
pub struct ReportData {
    /// The administrative tree.
    pub tree: AreaTree,
    /// The subtree reported on.
    pub root: Option<AreaId>,
    /// Stations covered, in tree order then code.
    pub stations: Vec<ReportStation>,
    /// Station code → time zone name.
    pub timezones: HashMap<String, String>,
    /// Chain breaks and heartbeats per station code.
    pub facts: HashMap<String, StationFacts>,
    /// Campaign and segment names.
    pub names: Names,
    /// Planned items, counted.
    pub planned: Vec<PlannedCell>,
    /// Airing records, counted.
    pub airings: Vec<AiringCell>,
}

impl ReportData {
    /// The inputs of [`crate::domain::aggregate`].
    pub fn inputs(&self) -> crate::domain::ReportInputs<'_> {
        crate::domain::ReportInputs {
            tree: &self.tree,
            root: self.root,
            stations: &self.stations,
            facts: &self.facts,
            names: &self.names,
            planned: &self.planned,
            airings: &self.airings,
        }
    }
}

/// Loads a report's data. Checks the query first: an unknown area or campaign, or a
/// range that ends before it starts, is refused by name.
pub async fn load_report(store: &Store, q: &ReportQuery) -> Result<ReportData, ReportError> {
    if q.from > q.until {
        return Err(ReportError::Range {
            from: q.from,
            until: q.until,
        });
    }
    let tree = load_tree(store).await?;
    let root = match &q.area {
        Some(code) => Some(
            tree.get(code)
                .ok_or_else(|| ReportError::UnknownArea(code.as_str().to_owned()))?,
        ),
        None => None,
    };
    let names = load_names(store).await?;
    if let Some(c) = &q.campaign
        && !names.campaigns.contains_key(c)
    {
        return Err(ReportError::UnknownCampaign(c.clone()));
    }
    let (stations, timezones) = load_stations(store, &tree, root).await?;
    let zones: BTreeSet<&str> = timezones.values().map(String::as_str).collect();
    let (mut planned, mut airings, mut facts) = (Vec::new(), Vec::new(), HashMap::new());
    // One snapshot for every query, so a batch arriving meanwhile is counted whole or
    // not at all. PostgreSQL: a year of a country groups tens of millions of rows; give
    // the hash room (the default 4 MB spills to disk) and skip JIT (it costs more than
    // it saves on these queries).
    let mut tx = store.pool().begin().await.map_err(StoreError::from)?;
    if store.backend() == super::Backend::Postgres {
        sqlx::raw_sql("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
    }
    for &zone in &zones {
        let tz: Tz = zone
            .parse()
            .map_err(|_| corrupt("stations", format!("timezone {zone}")))?;
        let zone_runs = if q.by.needs_day() {
            runs(tz, q.from, q.until)
        } else {
            let start_ms = day_start_ms(tz, q.from);
            let end_ms = day_start_ms(tz, q.until + Days::new(1));
            vec![Run {
                start_ms,
                end_ms,
                day: DayRule::Fixed(q.from),
            }]
        };
        for run in &zone_runs {
            let scope = Scope {
                q,
                zone,
                run,
                with_day: q.by.needs_day(),
                with_segment: q.by.needs_segment(),
                with_priority: q.by == GroupBy::Priority,
                every_station: q.area.is_none() && zones.len() == 1,
            };
            planned.extend(planned_cells(&mut tx, &scope).await?);
            airings.extend(airing_cells(&mut tx, &scope).await?);
        }
        let (first, last) = (zone_runs[0].start_ms, zone_runs[zone_runs.len() - 1].end_ms);
        station_facts(&mut tx, zone, first, last, &mut facts).await?;
    }
    tx.commit().await.map_err(StoreError::from)?;
    planned.extend(future::future_cells(store, q, &stations).await?);
    Ok(ReportData {
        tree,
        root,
        stations,
        timezones,
        facts,
        names,
        planned,
        airings,
    })
}

/// One SQL pass: a query, one time zone, one run of days.
struct Scope<'a> {
    q: &'a ReportQuery,
    zone: &'a str,
    run: &'a Run,
    /// Whether rows are counted per local day, segment, priority: each dimension left
    /// out is a column fewer to group tens of millions of rows by.
    with_day: bool,
    with_segment: bool,
    with_priority: bool,
    /// Whether the report covers every station and they share this one time zone.
    every_station: bool,
}

impl Scope<'_> {
    /// The SELECT and GROUP BY lists: `station_code`, the local day, `campaign_id`,
    /// the segment and the priority, each left out of the grouping (and selected as a
    /// constant) when the report does not need it.
    fn dimensions(&self, start: &str) -> (String, String) {
        let day = self.day_sql(start);
        let mut select = vec![
            "station_code".to_owned(),
            format!("{day} AS d"),
            "campaign_id".to_owned(),
        ];
        let mut group = vec!["station_code", "campaign_id"];
        if self.with_day {
            group.push("d");
        }
        for (on, column) in [
            (self.with_segment, "segment_id"),
            (self.with_priority, "priority"),
        ] {
            if on {
                select.push(column.to_owned());
                group.push(column);
            } else {
                select.push("NULL".to_owned());
            }
        }
        (select.join(", "), group.join(", "))
    }

    /// The SQL giving a row's local day number (days since 1970-01-01), or 0.
    fn day_sql(&self, column: &str) -> String {
        match (self.with_day, self.run.day) {
            (false, _) => "CAST(0 AS BIGINT)".to_owned(),
            (true, DayRule::Offset(off)) => format!("(({column} + {off}) / {DAY_MS})"),
            (true, DayRule::Fixed(d)) => format!(
                "CAST({} AS BIGINT)",
                d.signed_duration_since(NaiveDate::default()).num_days()
            ),
        }
    }

    fn day_of(&self, n: i64) -> Option<NaiveDate> {
        self.with_day
            .then(|| NaiveDate::default().checked_add_days(Days::new(n.max(0) as u64)))
            .flatten()
    }

    /// `$2 …`: the stations filter; binds zone (and area) after `$1`… of the caller.
    fn stations_sql(&self, first: usize) -> String {
        if self.every_station {
            // Every station is in this one zone: no filter to probe for each of tens of
            // millions of rows (a one-time check of the bound zone keeps the numbering).
            return format!("CAST(${first} AS TEXT) IS NOT NULL");
        }
        match &self.q.area {
            Some(_) => format!(
                "station_code IN (SELECT code FROM stations WHERE timezone = ${first} AND area_code IN (SELECT code FROM subtree))"
            ),
            None => {
                format!("station_code IN (SELECT code FROM stations WHERE timezone = ${first})")
            }
        }
    }

    /// The subtree CTE (`subtree`) when an area is asked for (bound as `$1`).
    fn with_sql(&self) -> &'static str {
        if self.q.area.is_some() {
            crate::store::areas::SUBTREE_CTE
        } else {
            ""
        }
    }

    /// Binds `$1` (area, if any), the zone, start, end, then the campaign if any.
    fn bind<'q>(
        &self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        if let Some(a) = &self.q.area {
            query = query.bind(a.as_str().to_owned());
        }
        query = query
            .bind(self.zone.to_owned())
            .bind(self.run.start_ms)
            .bind(self.run.end_ms);
        if let Some(c) = &self.q.campaign {
            query = query.bind(c.clone());
        }
        query
    }

    /// The WHERE clause on `start` (the column of the planned start): the run, the
    /// stations, the campaign if asked for. Placeholders follow the order of [`bind`].
    fn filter(&self, start: &str) -> String {
        let z = if self.q.area.is_some() { 2 } else { 1 };
        let (a, b, c) = (z + 1, z + 2, z + 3);
        let mut w = format!(
            "{start} >= ${a} AND {start} < ${b} AND {}",
            self.stations_sql(z)
        );
        if self.q.campaign.is_some() {
            w.push_str(&format!(" AND campaign_id = ${c}"));
        }
        w
    }

    /// Runs `select` (a query of this scope, without its WITH clause) and returns its
    /// rows.
    async fn fetch(
        &self,
        conn: &mut sqlx::AnyConnection,
        select: String,
    ) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
        let sql = format!("{}{select}", self.with_sql());
        // Only numbers this module computed and placeholders are formatted into the text.
        Ok(self
            .bind(sqlx::query(sqlx::AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?)
    }
}

async fn planned_cells(
    conn: &mut sqlx::AnyConnection,
    s: &Scope<'_>,
) -> Result<Vec<PlannedCell>, StoreError> {
    let (select, mut group) = s.dimensions("start_ms");
    // A run wholly past (a yearly report after the year) or wholly future needs no
    // comparison per row.
    let now = s.q.now_ms;
    let due = if now >= s.run.end_ms {
        "CAST(1 AS BIGINT)".to_owned()
    } else if now <= s.run.start_ms {
        "CAST(0 AS BIGINT)".to_owned()
    } else {
        group.push_str(", due");
        format!("CAST(CASE WHEN start_ms < {now} THEN 1 ELSE 0 END AS BIGINT)")
    };
    let sql = format!(
        "SELECT {select}, {due} AS due, COUNT(*), CAST(SUM(duration_ms) AS BIGINT)
         FROM planned_items WHERE {filter} GROUP BY {group}",
        filter = s.filter("start_ms"),
    );
    let rows = s.fetch(conn, sql).await?;
    rows.iter()
        .map(|r| {
            Ok(PlannedCell {
                station: r.try_get(0)?,
                day: s.day_of(r.try_get(1)?),
                campaign: r.try_get(2)?,
                segment: r.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
                priority: r.try_get::<Option<String>, _>(4)?.unwrap_or_default(),
                due: r.try_get::<i64, _>(5)? == 1,
                count: r.try_get::<i64, _>(6)? as u64,
                duration_ms: r.try_get(7)?,
            })
        })
        .collect()
}

async fn airing_cells(
    conn: &mut sqlx::AnyConnection,
    s: &Scope<'_>,
) -> Result<Vec<AiringCell>, StoreError> {
    let (select, group) = s.dimensions("planned_start_ms");
    // SUM skips the records that never started (their times are NULL): no CASE per row.
    let sql = format!(
        "SELECT {select}, source, outcome, reason, COUNT(*),
                CAST(COALESCE(SUM(actual_end_ms - actual_start_ms), 0) AS BIGINT)
         FROM airings WHERE {filter} GROUP BY {group}, source, outcome, reason",
        filter = s.filter("planned_start_ms"),
    );
    let rows = s.fetch(conn, sql).await?;
    let text = |r: &sqlx::any::AnyRow, i: usize| -> Result<String, StoreError> {
        Ok(r.try_get::<Option<String>, _>(i)?.unwrap_or_default())
    };
    rows.iter()
        .map(|r| {
            let source: String = r.try_get(5)?;
            let outcome: String = r.try_get(6)?;
            Ok(AiringCell {
                station: r.try_get(0)?,
                day: s.day_of(r.try_get(1)?),
                source: match source.as_str() {
                    "planned" => Source::Planned,
                    "emergency" => Source::Emergency,
                    _ => Source::Fallback,
                },
                campaign: text(r, 2)?,
                segment: text(r, 3)?,
                priority: text(r, 4)?,
                outcome: Outcome::parse(&outcome)
                    .ok_or_else(|| corrupt("airings", format!("outcome {outcome}")))?,
                reason: text(r, 7)?,
                count: r.try_get::<i64, _>(8)? as u64,
                aired_ms: r.try_get(9)?,
            })
        })
        .collect()
}

/// Chain breaks among the zone's records planned in `[start, end)`, and which of its
/// stations sent a heartbeat then.
async fn station_facts(
    conn: &mut sqlx::AnyConnection,
    zone: &str,
    start_ms: i64,
    end_ms: i64,
    facts: &mut HashMap<String, StationFacts>,
) -> Result<(), StoreError> {
    let breaks = sqlx::query(
        "SELECT b.station_code, COUNT(*) FROM chain_breaks b
         JOIN airings a ON a.uuid = b.airing_uuid
         JOIN stations s ON s.code = b.station_code
         WHERE s.timezone = $1 AND a.planned_start_ms >= $2 AND a.planned_start_ms < $3
         GROUP BY b.station_code",
    )
    .bind(zone.to_owned())
    .bind(start_ms)
    .bind(end_ms)
    .fetch_all(&mut *conn)
    .await?;
    for r in breaks {
        let code: String = r.try_get(0)?;
        facts.entry(code).or_default().chain_breaks = r.try_get::<i64, _>(1)? as u64;
    }
    let heard = sqlx::query(
        "SELECT DISTINCT h.station_code FROM heartbeat_days h
         JOIN stations s ON s.code = h.station_code
         WHERE s.timezone = $1 AND h.day >= $2 AND h.day <= $3
           AND h.last_ms >= $4 AND h.first_ms < $5",
    )
    .bind(zone.to_owned())
    .bind(start_ms.div_euclid(DAY_MS))
    .bind((end_ms - 1).div_euclid(DAY_MS))
    .bind(start_ms)
    .bind(end_ms)
    .fetch_all(&mut *conn)
    .await?;
    for r in heard {
        let code: String = r.try_get(0)?;
        facts.entry(code).or_default().heard = true;
    }
    Ok(())
}

async fn load_names(store: &Store) -> Result<Names, StoreError> {
    let mut names = Names::default();
    for r in sqlx::query("SELECT id, name FROM campaigns")
        .fetch_all(store.pool())
        .await?
    {
        names.campaigns.insert(r.try_get(0)?, r.try_get(1)?);
    }
    for r in sqlx::query("SELECT id, title, language FROM segments")
        .fetch_all(store.pool())
        .await?
    {
        names
            .segments
            .insert(r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?));
    }
    Ok(names)
}

/// The stations under `root` (all when `None`) in tree order, then by code, and their
/// time zones.
async fn load_stations(
    store: &Store,
    tree: &AreaTree,
    root: Option<AreaId>,
) -> Result<(Vec<ReportStation>, HashMap<String, String>), StoreError> {
    let order: HashMap<AreaId, usize> = tree.ids().enumerate().map(|(i, id)| (id, i)).collect();
    let mut stations = Vec::new();
    let mut zones = HashMap::new();
    for r in sqlx::query("SELECT code, name, area_code, timezone FROM stations")
        .fetch_all(store.pool())
        .await?
    {
        let code: String = r.try_get(0)?;
        let area: String = r.try_get(2)?;
        let area = AreaCode::parse(&area)
            .ok()
            .and_then(|c| tree.get(&c))
            .ok_or_else(|| corrupt(format!("station {code}"), format!("area {area}")))?;
        if root.is_some_and(|root| !tree.is_within(area, root)) {
            continue;
        }
        zones.insert(code.clone(), r.try_get(3)?);
        stations.push(ReportStation {
            code,
            name: r.try_get(1)?,
            area,
        });
    }
    stations.sort_by(|a, b| (order[&a.area], &a.code).cmp(&(order[&b.area], &b.code)));
    Ok((stations, zones))
}
