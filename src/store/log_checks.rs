//! Re-checking the stored log (`loa verify` and the verifier of `loa serve`): every
//! record's signature against its station's keys and its hash against its content and
//! its link to the record before, streamed in chunks so a database of hundreds of
//! millions of records is never held in memory, and verified on as many threads as
//! asked for. A check of whole stations (no date filter) is written to `log_checks`,
//! which reports read.
//!
//! The decisions are the domain's ([`RecordCheck`]); this module reads rows and writes
//! tallies.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::NaiveDate;
use chrono_tz::Tz;
use futures::TryStreamExt;
use sqlx::Row;

use super::inputs::corrupt;
use super::{Store, StoreError};
use crate::domain::{
    AiringRecord, GENESIS_HASH, LogCheck, LogStatus, Outcome, RecordCheck, Span, StationKey,
};

/// Records checked per blocking task: large enough that the hand-over costs nothing,
/// small enough to keep memory flat.
const CHUNK: usize = 4096;

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct VerifyQuery {
    /// One station; every station when `None`.
    pub station: Option<String>,
    /// First local day of planned starts, inclusive.
    pub from: Option<NaiveDate>,
    /// Last local day, inclusive.
    pub until: Option<NaiveDate>,
    /// Threads verifying at once; 0 for one per core (`loa verify`), 1 for the server's
    /// background check, which must leave the cores to requests.
    pub threads: usize,
}

/// A record that failed.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Station code.
    pub station: String,
    /// The record's UUID.
    pub uuid: String,
    /// Planned start, ms since the epoch.
    pub planned_start_ms: i64,
    /// The station's time zone.
    pub tz: Tz,
    /// What failed.
    pub check: RecordCheck,
}

/// A whole check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifySummary {
    /// Records checked.
    pub records: u64,
    /// Stations with records checked.
    pub stations: u64,
    /// Records accepted unsigned (their station had no key then).
    pub unsigned: u64,
    /// Records that failed.
    pub failed: u64,
}

/// One stored record, as read.
struct Stored {
    uuid: String,
    station: String,
    item_id: String,
    planned_start_ms: i64,
    actual_start_ms: Option<i64>,
    actual_end_ms: Option<i64>,
    outcome: Outcome,
    reason: String,
    clock_offset_ms: i64,
    prev_hash: String,
    hash: String,
    received_at: i64,
    key_id: Option<String>,
    signature: Option<String>,
    linked: bool,
}

impl Stored {
    fn read(r: &sqlx::any::AnyRow) -> Result<Self, StoreError> {
        let outcome: String = r.try_get(6)?;
        Ok(Self {
            uuid: r.try_get(0)?,
            station: r.try_get(1)?,
            item_id: r.try_get(2)?,
            planned_start_ms: r.try_get(3)?,
            actual_start_ms: r.try_get(4)?,
            actual_end_ms: r.try_get(5)?,
            outcome: Outcome::parse(&outcome)
                .ok_or_else(|| corrupt("airings", format!("outcome {outcome}")))?,
            reason: r.try_get(7)?,
            clock_offset_ms: r.try_get(8)?,
            prev_hash: r.try_get(9)?,
            hash: r.try_get(10)?,
            received_at: r.try_get(11)?,
            key_id: r.try_get(12)?,
            signature: r.try_get(13)?,
            linked: r.try_get::<i64, _>(14)? == 1,
        })
    }

    fn check(&self, keys: &[StationKey]) -> RecordCheck {
        let record = AiringRecord {
            uuid: &self.uuid,
            item_id: &self.item_id,
            planned_start_ms: self.planned_start_ms,
            actual_start_ms: self.actual_start_ms,
            actual_end_ms: self.actual_end_ms,
            outcome: self.outcome,
            reason: &self.reason,
            clock_offset_ms: self.clock_offset_ms,
            prev_hash: &self.prev_hash,
        };
        RecordCheck::of(
            &record,
            &self.hash,
            self.linked,
            keys,
            self.key_id.as_deref(),
            self.signature.as_deref(),
            self.received_at,
        )
    }
}

/// The stored records in planned order, each with whether its previous hash is the
/// genesis, a stored record of its station, or a break seen on arrival.
const SELECT: &str = "SELECT a.uuid, a.station_code, a.item_id, a.planned_start_ms, a.actual_start_ms,
        a.actual_end_ms, a.outcome, COALESCE(a.reason, ''), a.clock_offset_ms, a.prev_hash, a.hash,
        a.received_at, a.key_id, a.signature,
        CAST(CASE WHEN a.prev_hash = $4
              OR EXISTS (SELECT 1 FROM airings p WHERE p.station_code = a.station_code AND p.hash = a.prev_hash)
              OR EXISTS (SELECT 1 FROM chain_breaks b WHERE b.airing_uuid = a.uuid)
             THEN 1 ELSE 0 END AS BIGINT)
 FROM airings a
 WHERE ($1 = '' OR a.station_code = $1) AND a.planned_start_ms >= $2 AND a.planned_start_ms < $3
 ORDER BY a.station_code, a.planned_start_ms, a.uuid";

/// Checks the records `q` selects, calling `on_failure` for each that fails, in
/// station then planned order. A check without dates replaces the `log_checks` rows
/// of the stations it covered.
pub async fn verify_log(
    store: &Store,
    q: &VerifyQuery,
    mut on_failure: impl FnMut(&Failure),
) -> Result<VerifySummary, StoreError> {
    let keys = Arc::new(super::all_keys(store, q.station.as_deref()).await?);
    let zones = Arc::new(station_zones(store).await?);
    if let Some(code) = &q.station
        && !zones.contains_key(code)
    {
        return Err(StoreError::Schema(format!("không có trạm mã `{code}`")));
    }
    // Dates are the station's local days: the SQL range is a day wider each side and
    // each row is held to its own station's day.
    let bound = |d: NaiveDate, extra: i64| {
        d.and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp_millis())
            + extra * 86_400_000
    };
    let lo = q.from.map_or(i64::MIN, |d| bound(d, -1));
    let hi = q.until.map_or(i64::MAX, |d| bound(d, 2));
    let mut rows = sqlx::query(SELECT)
        .bind(q.station.clone().unwrap_or_default())
        .bind(lo)
        .bind(hi)
        .bind(GENESIS_HASH)
        .fetch(store.pool());
    let mut tallies: HashMap<String, LogCheck> = HashMap::new();
    let mut summary = VerifySummary::default();
    let mut chunk = Vec::with_capacity(CHUNK);
    // One chunk in verification per core, taken back in order so failures print in
    // station and planned order.
    let depth = match q.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let mut pending: VecDeque<tokio::task::JoinHandle<Checked>> = VecDeque::new();
    let in_range = |s: &Stored, tz: Tz| {
        let day = chrono::DateTime::from_timestamp_millis(s.planned_start_ms)
            .map(|t| t.with_timezone(&tz).date_naive());
        day.is_some_and(|d| q.from.is_none_or(|f| d >= f) && q.until.is_none_or(|u| d <= u))
    };
    loop {
        let row = rows.try_next().await?;
        let done = row.is_none();
        if let Some(row) = row {
            let stored = Stored::read(&row)?;
            let tz = zones.get(&stored.station).copied().unwrap_or(DEFAULT_TZ);
            if in_range(&stored, tz) {
                chunk.push(stored);
            }
        }
        if chunk.len() >= CHUNK || (done && !chunk.is_empty()) {
            // Verify chunks on blocking threads while the next are read.
            if pending.len() >= depth
                && let Some(h) = pending.pop_front()
            {
                absorb(join(h).await?, &mut tallies, &mut summary, &mut on_failure);
            }
            let work = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            let (keys, zones) = (keys.clone(), zones.clone());
            pending.push_back(tokio::task::spawn_blocking(move || {
                check_chunk(work, &keys, &zones)
            }));
        }
        if done {
            break;
        }
    }
    drop(rows);
    while let Some(h) = pending.pop_front() {
        absorb(join(h).await?, &mut tallies, &mut summary, &mut on_failure);
    }
    summary.stations = tallies.len() as u64;
    if q.from.is_none() && q.until.is_none() {
        write_checks(store, q.station.as_deref(), &tallies).await?;
    }
    Ok(summary)
}

/// Time zone of a station the stations table does not list (never, short of a
/// damaged database).
const DEFAULT_TZ: Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// A chunk, checked: each record's station, planned start, check and failure.
type Checked = Vec<(String, i64, RecordCheck, Option<Failure>)>;

fn check_chunk(
    rows: Vec<Stored>,
    keys: &HashMap<String, Vec<StationKey>>,
    zones: &HashMap<String, Tz>,
) -> Checked {
    rows.into_iter()
        .map(|s| {
            let check = s.check(keys.get(&s.station).map_or(&[][..], Vec::as_slice));
            let failure = check.failed().then(|| Failure {
                station: s.station.clone(),
                uuid: s.uuid.clone(),
                planned_start_ms: s.planned_start_ms,
                tz: zones.get(&s.station).copied().unwrap_or(DEFAULT_TZ),
                check: check.clone(),
            });
            (s.station, s.planned_start_ms, check, failure)
        })
        .collect()
}

async fn join(h: tokio::task::JoinHandle<Checked>) -> Result<Checked, StoreError> {
    h.await
        .map_err(|e| StoreError::Schema(format!("kiểm tra nhật ký dừng giữa chừng: {e}")))
}

fn absorb(
    checked: Checked,
    tallies: &mut HashMap<String, LogCheck>,
    summary: &mut VerifySummary,
    on_failure: &mut impl FnMut(&Failure),
) {
    for (station, planned, check, failure) in checked {
        let tally = tallies.entry(station).or_default();
        tally.add(planned, &check);
        summary.records += 1;
        summary.unsigned += u64::from(matches!(
            check.signature,
            crate::domain::SignatureCheck::Unsigned
        ));
        if let Some(f) = failure {
            summary.failed += 1;
            on_failure(&f);
        }
    }
}

async fn station_zones(store: &Store) -> Result<HashMap<String, Tz>, StoreError> {
    let mut zones = HashMap::new();
    for r in sqlx::query("SELECT code, timezone FROM stations")
        .fetch_all(store.pool())
        .await?
    {
        let code: String = r.try_get(0)?;
        let zone: String = r.try_get(1)?;
        let tz = zone
            .parse()
            .map_err(|_| corrupt("stations", format!("timezone {zone}")))?;
        zones.insert(code, tz);
    }
    Ok(zones)
}

/// Replaces the `log_checks` rows of `station` (or of every station) by `tallies`.
async fn write_checks(
    store: &Store,
    station: Option<&str>,
    tallies: &HashMap<String, LogCheck>,
) -> Result<(), StoreError> {
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM log_checks WHERE $1 = '' OR station_code = $1")
        .bind(station.unwrap_or_default().to_owned())
        .execute(&mut *tx)
        .await?;
    let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    for (code, t) in tallies {
        let (uf, ul) = split(t.unsigned_span);
        let (sf, sl) = split(t.signature_span);
        let (cf, cl) = split(t.chain_span);
        sqlx::query(
            "INSERT INTO log_checks (station_code, checked_at, records, unsigned, failed,
                 unsigned_first_ms, unsigned_last_ms, signature_first_ms, signature_last_ms,
                 chain_first_ms, chain_last_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(code.clone())
        .bind(now)
        .bind(int(t.records))
        .bind(int(t.unsigned))
        .bind(int(t.failed))
        .bind(uf)
        .bind(ul)
        .bind(sf)
        .bind(sl)
        .bind(cf)
        .bind(cl)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn split(span: Span) -> (Option<i64>, Option<i64>) {
    (span.map(|s| s.0), span.map(|s| s.1))
}

fn join_span(first: Option<i64>, last: Option<i64>) -> Span {
    Some((first?, last?))
}

/// The log status of each station of time zone `zone` that has been checked, for
/// records planned in `[from_ms, until_ms)`; one row per station, read by reports.
pub(crate) async fn log_status_in_zone(
    conn: &mut sqlx::AnyConnection,
    zone: &str,
    from_ms: i64,
    until_ms: i64,
) -> Result<Vec<(String, LogStatus)>, StoreError> {
    let rows = sqlx::query(
        "SELECT l.station_code, l.unsigned_first_ms, l.unsigned_last_ms, l.signature_first_ms,
                l.signature_last_ms, l.chain_first_ms, l.chain_last_ms
         FROM log_checks l JOIN stations s ON s.code = l.station_code WHERE s.timezone = $1",
    )
    .bind(zone.to_owned())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let check = LogCheck {
                unsigned_span: join_span(r.try_get(1)?, r.try_get(2)?),
                signature_span: join_span(r.try_get(3)?, r.try_get(4)?),
                chain_span: join_span(r.try_get(5)?, r.try_get(6)?),
                ..LogCheck::default()
            };
            Ok((r.try_get(0)?, check.status_in(from_ms, until_ms)))
        })
        .collect()
}

/// Claims the next background check: `true` for the one replica whose claim moved the
/// last start forward (none before `interval_ms` has passed since it).
pub async fn claim_check_run(
    store: &Store,
    now_ms: i64,
    interval_ms: i64,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE log_check_runs SET started_at = $1 WHERE id = 1 AND started_at <= $2")
            .bind(now_ms)
            .bind(now_ms - interval_ms)
            .execute(store.pool())
            .await?;
    Ok(done.rows_affected() == 1)
}
