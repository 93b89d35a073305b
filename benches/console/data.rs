//! The national-shape data the console is measured on, written into a fresh database:
//! the tree of `national/` (10,000 stations over 63 provinces, 693 districts and
//! 10,000 communes) imported as `loa serve` imports a schedule set, yesterday to two
//! weeks ahead compiled and stored, then a day of heartbeats (one a minute from every
//! station for the last 24 hours: the 1,440 the server keeps) and a day of airings
//! (every planned item of the last 24 hours) generated inside the database.
//!
//! The mix, from the station number `n`: one in 97 never heard; one in 31 silent for
//! the last 40 minutes; one in 101 with media missing, one in 103 with its clock 1.8 s
//! off, one in 107 holding an older playlist, one in 109 with a backlog of 80 airings.
//! Airings: 95 % aired, 2.5 % missed, the rest partial, preempted or failed. Twenty
//! communes are named "Phường Phan Đình Phùng" for the search.

use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use loa::schedule_file::ScheduleSet;
use loa::store::{MediaDir, Store, import_set, recompile};
use sqlx::{AnyConnection, Connection, Row};

use crate::national::{COMMUNES, Country, commune_code};
use crate::thousands;

/// Days compiled ahead of today, as `loa serve` does at start.
const HORIZON_DAYS: u32 = 14;
/// Stations written per statement.
const CHUNK: usize = 500;
/// Communes renamed "Phường Phan Đình Phùng" (every 500th).
pub const RENAMED_EVERY: usize = 500;

/// Which SQL the generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// The embedded file.
    Sqlite,
    /// The server.
    Postgres,
}

/// What was written, for the printed lines.
#[derive(Debug, Default)]
pub struct Written {
    pub stations: u64,
    pub areas: u64,
    pub planned: u64,
    pub airings: u64,
    pub heartbeats: u64,
    /// The instant the heartbeats run up to, ms since the epoch.
    pub heard_until_ms: i64,
}

/// A loading connection: no fsync on SQLite, no wait for the WAL flush on PostgreSQL.
pub async fn loader(url: &str, dialect: Dialect) -> AnyConnection {
    let mut conn = AnyConnection::connect(url)
        .await
        .expect("connect the loader");
    let setup: &[&'static str] = match dialect {
        Dialect::Postgres => &[
            "SET synchronous_commit = off",
            "SET maintenance_work_mem = '512MB'",
        ],
        Dialect::Sqlite => &[
            "PRAGMA synchronous = OFF",
            "PRAGMA cache_size = -262144",
            "PRAGMA busy_timeout = 5000",
        ],
    };
    for s in setup {
        sqlx::raw_sql(*s)
            .execute(&mut conn)
            .await
            .expect("set up the loader");
    }
    conn
}

async fn exec(conn: &mut AnyConnection, sql: String) -> u64 {
    // Only numbers and codes generated here are formatted into the text.
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{e}: {}", &sql[..sql.len().min(300)]))
        .rows_affected()
}

async fn count(conn: &mut AnyConnection, table: &str) -> u64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await
        .expect("count");
    row.try_get::<i64, _>(0).expect("count") as u64
}

/// Imports, compiles and generates everything; `now` is the instant the data is
/// current at (heartbeats and airings run up to it).
pub async fn build(
    url: &str,
    dialect: Dialect,
    data_dir: &std::path::Path,
    now: DateTime<Utc>,
    heartbeat_minutes: i64,
) -> Written {
    let label = match dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
    };
    let started = Instant::now();
    let store = Store::open(url).await.expect("open the database");
    let media = MediaDir::new(data_dir.join("media"));
    let set = national_set();
    import_set(&store, &media, &set, "bench")
        .await
        .expect("import the national tree");
    loa::server::accounts::ensure_admin(&store, data_dir)
        .await
        .expect("first administrator");
    // Yesterday's items first (kept for the airings and the calendar), then from today
    // as the server compiles at start, so its own start finds nothing to rewrite.
    recompile(&store, None, now - Duration::days(1), 1)
        .await
        .expect("compile yesterday");
    recompile(&store, None, now, HORIZON_DAYS)
        .await
        .expect("compile the horizon");
    store.close().await;
    let import_s = started.elapsed().as_secs_f64();

    let mut conn = loader(url, dialect).await;
    let renamed = (0..COMMUNES)
        .step_by(RENAMED_EVERY)
        .map(|i| format!("'{}'", commune_code(i)))
        .collect::<Vec<_>>()
        .join(",");
    exec(
        &mut conn,
        format!("UPDATE areas SET name = 'Phường Phan Đình Phùng' WHERE code IN ({renamed})"),
    )
    .await;
    exec(
        &mut conn,
        "CREATE TEMP TABLE bench_minutes (m BIGINT PRIMARY KEY)".to_owned(),
    )
    .await;
    let minutes: Vec<String> = (0..heartbeat_minutes).map(|m| format!("({m})")).collect();
    for part in minutes.chunks(500) {
        exec(
            &mut conn,
            format!("INSERT INTO bench_minutes (m) VALUES {}", part.join(",")),
        )
        .await;
    }

    let now_ms = now.timestamp_millis();
    let rows_started = Instant::now();
    let mut heartbeats = 0;
    let mut airings = 0;
    for lo in (0..COMMUNES).step_by(CHUNK) {
        let hi = (lo + CHUNK).min(COMMUNES);
        heartbeats += exec(&mut conn, heartbeat_sql(lo, hi, now_ms, 0, i64::MAX)).await;
        airings += exec(&mut conn, airing_sql(dialect, lo, hi, now_ms)).await;
        if hi.is_multiple_of(2_000) {
            println!(
                "  {label}: {} stations' heartbeats and airings written, {:.0} s",
                thousands(hi as u64),
                rows_started.elapsed().as_secs_f64()
            );
        }
    }
    exec(
        &mut conn,
        "INSERT INTO heartbeat_days (station_code, day, first_ms, last_ms)
         SELECT station_code, at_ms / 86400000, MIN(at_ms), MAX(at_ms) FROM heartbeats
         GROUP BY station_code, at_ms / 86400000"
            .to_owned(),
    )
    .await;
    after_heartbeats(&mut conn, dialect).await;
    if dialect == Dialect::Postgres {
        exec(&mut conn, "VACUUM ANALYZE".to_owned()).await;
    } else {
        exec(&mut conn, "ANALYZE".to_owned()).await;
    }
    let written = Written {
        stations: count(&mut conn, "stations").await,
        areas: count(&mut conn, "areas").await,
        planned: count(&mut conn, "planned_items").await,
        airings,
        heartbeats,
        heard_until_ms: now_ms,
    };
    conn.close().await.expect("close the loader");
    println!(
        "{label} data: import and compile {import_s:.1} s, heartbeats and airings {:.1} s: {} areas, {} stations, {} planned items, {} airings, {} heartbeats",
        rows_started.elapsed().as_secs_f64(),
        thousands(written.areas),
        thousands(written.stations),
        thousands(written.planned),
        thousands(written.airings),
        thousands(written.heartbeats),
    );
    written
}

/// Heartbeats since the data was built, up to `now_ms` (one a minute per station, as
/// agents keep sending while the server starts).
pub async fn top_up(url: &str, dialect: Dialect, from_ms: i64, now_ms: i64) -> u64 {
    let mut conn = loader(url, dialect).await;
    let minutes = (now_ms - from_ms) / 60_000 + 1;
    exec(
        &mut conn,
        "CREATE TEMP TABLE bench_minutes (m BIGINT PRIMARY KEY)".to_owned(),
    )
    .await;
    let rows: Vec<String> = (0..minutes).map(|m| format!("({m})")).collect();
    exec(
        &mut conn,
        format!("INSERT INTO bench_minutes (m) VALUES {}", rows.join(",")),
    )
    .await;
    let mut n = 0;
    for lo in (0..COMMUNES).step_by(CHUNK * 4) {
        let hi = (lo + CHUNK * 4).min(COMMUNES);
        n += exec(
            &mut conn,
            heartbeat_sql(lo, hi, now_ms, 0, now_ms - from_ms),
        )
        .await;
    }
    after_heartbeats(&mut conn, dialect).await;
    conn.close().await.expect("close the loader");
    n
}

/// What ingest keeps beside the heartbeats themselves (each station's newest, in
/// `last_heartbeats`), brought up to date after rows were written behind its back.
async fn after_heartbeats(conn: &mut AnyConnection, dialect: Dialect) {
    let newest = match dialect {
        Dialect::Sqlite => {
            "SELECT s.code, h.at_ms, h.body FROM stations s CROSS JOIN heartbeats h
             WHERE h.station_code = s.code
               AND h.at_ms = (SELECT MAX(x.at_ms) FROM heartbeats x WHERE x.station_code = s.code)"
        }
        Dialect::Postgres => {
            "SELECT s.code, h.at_ms, h.body FROM stations s CROSS JOIN LATERAL (
               SELECT x.at_ms, x.body FROM heartbeats x WHERE x.station_code = s.code
               ORDER BY x.at_ms DESC LIMIT 1) h"
        }
    };
    exec(
        conn,
        format!(
            "INSERT INTO last_heartbeats (station_code, at_ms, body) {newest}
             ON CONFLICT (station_code) DO UPDATE SET at_ms = excluded.at_ms, body = excluded.body"
        ),
    )
    .await;
}

/// The number of station code `code` (`00001` is 1).
const N: &str = "CAST(s.code AS BIGINT)";

/// The body a station `s` (joined to its playlist `p`) reports, its agent up for
/// `uptime_s` (an SQL expression).
fn body_sql(uptime_s: &str) -> String {
    let version = format!(
        "CASE WHEN {N} % 107 = 3 OR p.version IS NULL THEN '\"old\"'
              ELSE '\"' || REPLACE(p.version, '\"', '\\\"') || '\"' END"
    );
    format!(
        "'{{\"version\":\"0.9.0\",\"playlist_version\":' || {version} ||
           ',\"media_ready\":12,\"media_missing\":' || (CASE WHEN {N} % 101 = 5 THEN 2 ELSE 0 END) ||
           ',\"disk_free_bytes\":' || (40000000000 + {N} * 1000003) ||
           ',\"clock_offset_ms\":' || (CASE WHEN {N} % 103 = 7 THEN 1800 ELSE {N} % 41 - 20 END) ||
           ',\"outbox_backlog\":' || (CASE WHEN {N} % 109 = 9 THEN 80 ELSE 0 END) ||
           ',\"last_error\":null,\"uptime_s\":' || ({uptime_s}) || '}}'"
    )
}

/// One heartbeat a minute for stations `lo..hi`, minute `m` (from `bench_minutes`)
/// arriving `m` minutes and a few seconds before `end_ms`, for the minutes whose age
/// is below `max_age_ms`.
fn heartbeat_sql(lo: usize, hi: usize, end_ms: i64, min_age_ms: i64, max_age_ms: i64) -> String {
    let at = format!("{end_ms} - m.m * 60000 - ({N} % 50) * 1000");
    let body = body_sql("86400 + m.m * 60");
    format!(
        "INSERT INTO heartbeats (station_code, at_ms, body)
         SELECT s.code, {at}, {body}
         FROM stations s LEFT JOIN playlists p ON p.station_code = s.code CROSS JOIN bench_minutes m
         WHERE s.code >= '{}' AND s.code < '{}' AND {N} % 97 <> 96
           AND ({N} % 31 <> 4 OR m.m >= 40)
           AND m.m * 60000 + ({N} % 50) * 1000 >= {min_age_ms}
           AND m.m * 60000 + ({N} % 50) * 1000 < {max_age_ms}",
        commune_code(lo),
        commune_code(hi),
    )
}

/// Heartbeats arriving now from stations `lo..hi` (those that report), as ingest
/// writes them: into `heartbeats` and `last_heartbeats`.
fn live_sql(lo: usize, hi: usize, now_ms: i64) -> [String; 2] {
    let body = body_sql(&format!("86400 + {now_ms} / 1000 % 86400"));
    let select = format!(
        "SELECT s.code, {now_ms}, {body}
         FROM stations s LEFT JOIN playlists p ON p.station_code = s.code
         WHERE s.code >= '{}' AND s.code < '{}' AND {N} % 97 <> 96 AND {N} % 31 <> 4",
        commune_code(lo),
        commune_code(hi),
    );
    [
        format!("INSERT INTO heartbeats (station_code, at_ms, body) {select}"),
        format!(
            "INSERT INTO last_heartbeats (station_code, at_ms, body) {select}
             ON CONFLICT (station_code) DO UPDATE SET at_ms = excluded.at_ms, body = excluded.body"
        ),
    ]
}

/// Writes heartbeats at the national rate (every station once a minute, a sixtieth of
/// them each second, silent ones excepted) until `stop` turns true; returns how many.
pub async fn live(url: String, dialect: Dialect, stop: tokio::sync::watch::Receiver<bool>) -> u64 {
    let mut conn = loader(&url, dialect).await;
    let per_second = COMMUNES.div_ceil(60);
    let mut next = 0;
    let mut written = 0;
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    while !*stop.borrow() {
        tick.tick().await;
        let now_ms = Utc::now().timestamp_millis();
        let hi = (next + per_second).min(COMMUNES);
        let [beats, last] = live_sql(next, hi, now_ms);
        written += exec(&mut conn, beats).await;
        exec(&mut conn, last).await;
        next = if hi == COMMUNES { 0 } else { hi };
    }
    conn.close().await.expect("close the live writer");
    written
}

/// A record for every item of stations `lo..hi` planned in the 24 hours before
/// `now_ms` and over by then, from stations that report.
fn airing_sql(dialect: Dialect, lo: usize, hi: usize, now_ms: i64) -> String {
    let hex = |e: &str, w: usize| match dialect {
        Dialect::Postgres => format!("lpad(to_hex(CAST({e} AS BIGINT)), {w}, '0')"),
        Dialect::Sqlite => format!("printf('%0{w}x', {e})"),
    };
    let hash = |seq: &str| {
        (0..4)
            .map(|k| {
                hex(
                    &format!(
                        "(({seq}) * {} % 1152921504606846976)",
                        98_765_432_101_i64 - k * 11_111_111_087
                    ),
                    16,
                )
            })
            .collect::<Vec<_>>()
            .join(" || ")
    };
    let started = "p.start_ms + (h % 50) * 10";
    format!(
        "INSERT INTO airings (uuid, station_code, item_id, planned_start_ms, actual_start_ms,
           actual_end_ms, outcome, reason, clock_offset_ms, prev_hash, hash, received_at,
           campaign_id, segment_id, priority, source)
         SELECT p.station_code || '-' || p.item_id, p.station_code, p.item_id, p.start_ms,
           CASE WHEN h >= 950 AND h < 975 THEN NULL ELSE {started} END,
           CASE WHEN h < 950 THEN {started} + p.duration_ms WHEN h < 975 THEN NULL
                WHEN h < 983 THEN {started} + p.duration_ms / 2
                WHEN h < 990 THEN {started} + p.duration_ms / 3 ELSE {started} + 800 END,
           CASE WHEN h < 950 THEN 'aired' WHEN h < 975 THEN 'missed' WHEN h < 983 THEN 'partial'
                WHEN h < 990 THEN 'preempted' ELSE 'failed' END,
           CASE WHEN h < 950 THEN NULL WHEN h < 965 THEN 'agent_down' WHEN h < 975 THEN 'media_missing'
                WHEN h < 983 THEN 'agent_restart' WHEN h < 990 THEN 'emergency' ELSE NULL END,
           n % 41 - 20, {}, {}, p.start_ms + p.duration_ms + 5000 + h * 37,
           p.campaign_id, p.segment_id, p.priority, 'planned'
         FROM (SELECT x.*, CAST(x.station_code AS BIGINT) AS n,
                      ((CAST(x.station_code AS BIGINT) * 2654435761 + x.start_ms / 1000) % 1000003) % 1000 AS h
               FROM planned_items x
               WHERE x.station_code >= '{}' AND x.station_code < '{}'
                 AND x.start_ms >= {} AND x.start_ms + x.duration_ms <= {now_ms}) p
         WHERE n % 97 <> 96",
        hash("n * 1440 + p.start_ms / 60000 % 1440 - 1"),
        hash("n * 1440 + p.start_ms / 60000 % 1440"),
        commune_code(lo),
        commune_code(hi),
        now_ms - 86_400_000,
    )
}

/// The national inputs as a schedule set whose segments point at the repository's real
/// audio files (cycling through them), so the import copies and measures real media.
fn national_set() -> ScheduleSet {
    let (inputs, _) = Country::build().into_inputs();
    let audio = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("audio");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&audio)
        .expect("read audio/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("mp3" | "ogg" | "wav" | "flac")
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "audio/ holds the example recordings");
    let media = (0..inputs.segments().len())
        .map(|i| files[i % files.len()].clone())
        .collect();
    ScheduleSet {
        dir: PathBuf::from("benches/national (generated)"),
        inputs,
        media,
    }
}
