//! A year of plan and records, generated inside the database by `INSERT … SELECT`:
//! every station × a 365-day plan of 8 items a day (a temporary table `bench_plan`
//! filled from here), written a chunk of stations at a time into `planned_items`,
//! `airings`, `heartbeat_days` and `chain_breaks` as migrated, indexes and all.
//!
//! The mix, from a per-item number `h` in 0..1000 mixed from station and item: 95.0 %
//! aired, 1.5 % missed `agent_down`, 1.0 % missed `media_missing`, 0.8 % partial, 0.7 %
//! preempted, 0.5 % failed, 0.5 % no record yet; one station in 97 never reports nor
//! sends heartbeats; one in ten sends a fallback record every 30 days; one in 500 has a
//! chain break. Record ids are UUID-shaped text that rises per station (as a loader
//! would get from UUIDv7), hashes 64 hex digits.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sqlx::{AnyConnection, Row};

use crate::database::Dialect;
use crate::tree::{CAMPAIGNS, SEGMENTS, insert, station_code};

/// Days generated, from [`FIRST_DAY`].
pub const DAYS: i64 = 365;
/// Items planned per station and day.
pub const PER_DAY: i64 = 8;
/// 2026-01-01.
pub const FIRST_DAY: (i32, u32, u32) = (2026, 1, 1);
const DAY_MS: i64 = 86_400_000;
/// Vietnam is UTC+7 all year.
const OFFSET_MS: i64 = 7 * 3_600_000;
/// Local start of each of the day's items, minutes after midnight.
const SLOTS_MIN: [i64; PER_DAY as usize] = [330, 336, 342, 360, 375, 1020, 1040, 1060];

/// What was generated, counted back from the tables after loading.
#[derive(Debug, Default)]
pub struct Counts {
    /// Rows in `planned_items`.
    pub planned: u64,
    /// Rows in `airings` by source and outcome.
    pub airings: BTreeMap<(String, String), u64>,
    /// Rows in `heartbeat_days`.
    pub heartbeat_days: u64,
    /// Rows in `chain_breaks`.
    pub chain_breaks: u64,
}

impl Counts {
    /// Records of planned items with this outcome.
    pub fn planned_with(&self, outcome: &str) -> u64 {
        self.airings
            .get(&("planned".to_owned(), outcome.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// Records with this source, any outcome.
    pub fn with_source(&self, source: &str) -> u64 {
        self.airings
            .iter()
            .filter(|((s, _), _)| s == source)
            .map(|(_, n)| n)
            .sum()
    }

    /// All rows in `airings`.
    pub fn airings_total(&self) -> u64 {
        self.airings.values().sum()
    }
}

/// Fills `bench_plan`: one row per day and slot with its UTC start, campaign, priority
/// and the segment (Vietnamese, and Tày for stations that air Tày first).
pub async fn plan(conn: &mut AnyConnection) {
    sqlx::raw_sql(
        "CREATE TEMP TABLE bench_plan (d BIGINT, k BIGINT, start_ms BIGINT, campaign_id TEXT,
         priority TEXT, segment_vi TEXT, duration_vi BIGINT, segment_tyz TEXT, duration_tyz BIGINT)",
    )
    .execute(&mut *conn)
    .await
    .expect("create bench_plan");
    let (y, m, d) = FIRST_DAY;
    let first = NaiveDate::from_ymd_opt(y, m, d).expect("valid first day");
    let epoch_first = first.signed_duration_since(NaiveDate::default()).num_days();
    let seg = |i: usize| SEGMENTS[i];
    let mut rows = Vec::new();
    for day in 0..DAYS {
        let date = first + chrono::Days::new(day as u64);
        let md = (date.month(), date.day());
        let midnight = (epoch_first + day) * DAY_MS - OFFSET_MS;
        for (k, min) in SLOTS_MIN.iter().enumerate() {
            let n = (day * PER_DAY) as usize + k;
            // Campaign index into CAMPAIGNS, and its pool (indexes into SEGMENTS).
            let (c, pool): (usize, &[usize]) = match k {
                3 | 6 if ((10, 1)..=(10, 7)).contains(&md) => (1, &[2, 6, 0, 1]),
                4 if ((9, 15)..=(10, 31)).contains(&md) => (2, &[2, 5, 6]),
                _ => (0, &[0, 1, 3, 4, 5, 7]),
            };
            let vi = pool[n % pool.len()];
            let tyz = match vi {
                0 => 8,
                2 => 9,
                other => other,
            };
            let (id, priority) = (CAMPAIGNS[c].0, CAMPAIGNS[c].4);
            rows.push(format!(
                "({day}, {k}, {}, '{id}', '{priority}', '{}', {}, '{}', {})",
                midnight + min * 60_000,
                seg(vi).0,
                seg(vi).2,
                seg(tyz).0,
                seg(tyz).2,
            ));
        }
    }
    insert(conn, "bench_plan", &rows).await;
    sqlx::raw_sql("ANALYZE bench_plan")
        .execute(&mut *conn)
        .await
        .expect("analyze bench_plan");
}

/// Hex digits of an integer expression, zero-padded to `width`.
fn hex(dialect: Dialect, expr: &str, width: usize) -> String {
    match dialect {
        Dialect::Postgres => format!("lpad(to_hex(CAST({expr} AS BIGINT)), {width}, '0')"),
        Dialect::Sqlite => format!("printf('%0{width}x', {expr})"),
    }
}

/// A 64-hex-digit, hash-shaped value of integer expression `seq`.
fn hash(dialect: Dialect, seq: &str) -> String {
    // Four 60-bit mixes; the multipliers keep seq × p inside BIGINT for seq < 9·10⁷
    // (30,000 stations).
    [
        98_765_432_101_i64,
        87_654_321_013,
        76_543_210_987,
        65_432_109_871,
    ]
    .iter()
    .map(|p| {
        hex(
            dialect,
            &format!("(({seq}) * {p} % 1152921504606846976)"),
            16,
        )
    })
    .collect::<Vec<_>>()
    .join(" || ")
}

/// `WITH g, r`: the rows of stations `lo..hi` × the plan where `filter` holds, with
/// the station number `n`, the item's number `seq` and its mix `h`.
fn rows(lo: usize, hi: usize, filter: &str) -> String {
    format!(
        "WITH g AS (
           SELECT s.code AS station, CAST(s.code AS BIGINT) AS n, p.d, p.k, p.start_ms,
                  p.campaign_id, p.priority,
                  CASE WHEN CAST(s.code AS BIGINT) % 10 = 1 THEN p.segment_tyz ELSE p.segment_vi END AS segment_id,
                  CASE WHEN CAST(s.code AS BIGINT) % 10 = 1 THEN p.duration_tyz ELSE p.duration_vi END AS duration_ms
           FROM stations s CROSS JOIN bench_plan p
           WHERE s.code >= '{}' AND s.code < '{}' AND {filter}
         ), r AS (
           SELECT g.*, ((g.n * 2654435761 + (g.d * 8 + g.k) * 40503) % 1000003) % 1000 AS h,
                  g.n * 2920 + g.d * 8 + g.k AS seq
           FROM g
         ) ",
        station_code(lo),
        station_code(hi),
    )
}

const AIRING_COLUMNS: &str = "airings (uuid, station_code, item_id, planned_start_ms, actual_start_ms, actual_end_ms, outcome, reason, clock_offset_ms, prev_hash, hash, received_at, campaign_id, segment_id, priority, source)";
/// Stations that never report.
const REPORTS: &str = "n % 97 <> 96";

/// The statements that write stations `lo..hi`'s year.
pub fn chunk_sql(dialect: Dialect, lo: usize, hi: usize) -> Vec<String> {
    let x = |e: &str, w| hex(dialect, e, w);
    let item = format!("{} || {}", x("n", 6), x("d * 8 + k", 10));
    let uuid = format!(
        "{} || '-' || {} || '-4' || {} || '-8' || {} || '-' || {}",
        x("n", 8),
        x("d", 4),
        x("k", 3),
        x("h", 3),
        x("(seq * 2654435761 % 281474976710656)", 12),
    );
    let planned = format!(
        "{}INSERT INTO planned_items (station_code, item_id, start_ms, duration_ms, segment_id, campaign_id, priority)
         SELECT station, {item}, start_ms, duration_ms, segment_id, campaign_id, priority FROM r",
        rows(lo, hi, "1 = 1"),
    );
    let started = "start_ms + (h % 50) * 10";
    let airings = format!(
        "{}INSERT INTO {AIRING_COLUMNS}
         SELECT {uuid}, station, {item}, start_ms,
                CASE WHEN h >= 950 AND h < 975 THEN NULL ELSE {started} END,
                CASE WHEN h < 950 THEN {started} + duration_ms WHEN h < 975 THEN NULL
                     WHEN h < 983 THEN {started} + duration_ms / 2
                     WHEN h < 990 THEN {started} + duration_ms / 3 ELSE {started} + 800 END,
                CASE WHEN h < 950 THEN 'aired' WHEN h < 975 THEN 'missed' WHEN h < 983 THEN 'partial'
                     WHEN h < 990 THEN 'preempted' ELSE 'failed' END,
                CASE WHEN h < 950 THEN NULL WHEN h < 965 THEN 'agent_down' WHEN h < 975 THEN 'media_missing'
                     WHEN h < 983 THEN 'agent_restart' WHEN h < 990 THEN 'emergency' ELSE NULL END,
                n % 61 - 30, {}, {}, start_ms + duration_ms + 5000 + h * 37,
                campaign_id, segment_id, priority, 'planned'
         FROM r WHERE h < 995 AND {REPORTS}",
        rows(lo, hi, "1 = 1"),
        hash(dialect, "seq - 1"),
        hash(dialect, "seq"),
    );
    // A fallback record at 11:30 local, every 30 days, for one station in ten.
    // Numbered after every planned item (`seq` < 2920 per station).
    let fb = "(2920 * 30000 + n * 13 + d / 30)";
    let fallback = format!(
        "{}INSERT INTO {AIRING_COLUMNS}
         SELECT {} || '-' || {} || '-4fff-8000-' || {}, station, {} || 'f' || {},
                start_ms + 21600000, start_ms + 21600120, start_ms + 21645120, 'aired', NULL,
                n % 61 - 30, {}, {}, start_ms + 21650000, NULL, NULL, NULL, 'fallback'
         FROM r WHERE n % 10 = 3 AND {REPORTS}",
        rows(lo, hi, "p.k = 0 AND p.d % 30 = 7"),
        x("n", 8),
        x("d", 4),
        x(&format!("({fb} * 2654435761 % 281474976710656)"), 12),
        x("n", 6),
        x("d", 9),
        hash(dialect, &format!("{fb} - 1")),
        hash(dialect, fb),
    );
    // Heard all day, every UTC day of the year.
    let heartbeats = format!(
        "{}INSERT INTO heartbeat_days (station_code, day, first_ms, last_ms)
         SELECT station, (start_ms + {OFFSET_MS}) / {DAY_MS},
                (start_ms + {OFFSET_MS}) / {DAY_MS} * {DAY_MS} + 30000,
                (start_ms + {OFFSET_MS}) / {DAY_MS} * {DAY_MS} + {DAY_MS} - 30000
         FROM r WHERE {REPORTS}",
        rows(lo, hi, "p.k = 0"),
    );
    let breaks = format!(
        "{}INSERT INTO chain_breaks (station_code, airing_uuid, expected_prev, got_prev, detected_at)
         SELECT station, {uuid}, {}, {}, start_ms + 60000
         FROM r WHERE h < 995 AND {REPORTS} AND n % 500 = 7",
        rows(lo, hi, "p.k = 0 AND p.d = 100"),
        hash(dialect, "seq - 1"),
        hash(dialect, "seq + 7"),
    );
    vec![planned, airings, fallback, heartbeats, breaks]
}

/// Counts every generated table back.
pub async fn counts(conn: &mut AnyConnection) -> Counts {
    let one = |sql: &'static str| sqlx::query(sql);
    let mut c = Counts {
        planned: count(conn, one("SELECT COUNT(*) FROM planned_items")).await,
        heartbeat_days: count(conn, one("SELECT COUNT(*) FROM heartbeat_days")).await,
        chain_breaks: count(conn, one("SELECT COUNT(*) FROM chain_breaks")).await,
        ..Counts::default()
    };
    for r in sqlx::query("SELECT source, outcome, COUNT(*) FROM airings GROUP BY source, outcome")
        .fetch_all(&mut *conn)
        .await
        .expect("count airings")
    {
        let key = (
            r.try_get(0).expect("source"),
            r.try_get(1).expect("outcome"),
        );
        c.airings
            .insert(key, r.try_get::<i64, _>(2).expect("count") as u64);
    }
    c
}

async fn count<'q>(
    conn: &mut AnyConnection,
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
) -> u64 {
    let r = q.fetch_one(&mut *conn).await.expect("count");
    r.try_get::<i64, _>(0).expect("count") as u64
}
