//! Storing airing batches from stations: idempotent by UUID, each hash and signature
//! checked, the station's chain followed and every break recorded. A station with a
//! current key must sign every record; a bad or missing signature refuses that airing
//! and is recorded in `airing_refusals`.

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use super::station_keys::{keys_in, record_refusal};
use super::{Store, StoreError};
use crate::domain::{GENESIS_HASH, Outcome, Reason, SignatureCheck, check_signature};
use crate::wire::{AiringAck, AiringJson, AiringsResponse};

fn ack(uuid: &str, status: &str, error: Option<String>) -> AiringAck {
    AiringAck {
        uuid: uuid.to_owned(),
        status: status.to_owned(),
        error,
    }
}

/// How far back an airing may be: a station offline for weeks still reports what it
/// aired, nothing older than this is a real record.
pub const MAX_AGE_MS: i64 = 400 * 86_400_000;

/// Why one airing is refused, if it is; `now` is the server's time and `tolerance_ms`
/// how far ahead of it an instant may be (a station's clock is corrected by its
/// measured offset; further ahead is a wrong clock or a forgery). Gives the record's
/// canonical text, which its signature covers.
fn check(a: &AiringJson, now: i64, tolerance_ms: i64) -> Result<String, String> {
    for (name, at) in [
        ("planned_start_ms", Some(a.planned_start_ms)),
        ("actual_start_ms", a.actual_start_ms),
        ("actual_end_ms", a.actual_end_ms),
    ] {
        let Some(at) = at else { continue };
        if at > now.saturating_add(tolerance_ms) {
            return Err(format!(
                "{name} ở tương lai, quá {} phút so với giờ máy chủ: đồng hồ của trạm sai; chỉnh giờ máy trạm",
                tolerance_ms / 60_000
            ));
        }
        if at < now - MAX_AGE_MS {
            return Err(format!(
                "{name} cũ quá {} ngày so với giờ máy chủ: đồng hồ của trạm sai",
                MAX_AGE_MS / 86_400_000
            ));
        }
    }
    if uuid::Uuid::parse_str(&a.uuid).is_err() {
        return Err(format!("uuid `{}` không phải UUID", a.uuid));
    }
    if Outcome::parse(&a.outcome).is_none() {
        return Err(format!(
            "outcome `{}` không hợp lệ: aired, partial, missed, failed hoặc preempted",
            a.outcome
        ));
    }
    if a.item_id.is_empty() || a.item_id.len() > 64 {
        return Err("item_id trống hoặc quá dài".to_owned());
    }
    // The reason is the contract the reports count by: a keyword of [`Reason`] or
    // nothing, never free text (a device's message belongs in the agent's log).
    if !a.reason.is_empty() && Reason::parse(&a.reason).is_none() {
        let mut shown: String = a.reason.chars().take(40).collect();
        if a.reason.chars().count() > 40 {
            shown.push('…');
        }
        let known: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
        return Err(format!(
            "reason `{shown}` không phải lý do đã biết: để trống hoặc ghi một trong {}",
            known.join(", ")
        ));
    }
    for (name, h) in [("prev_hash", &a.prev_hash), ("hash", &a.hash)] {
        if h.len() != 64 || !h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(format!("{name} phải là SHA-256: 64 chữ số hex viết thường"));
        }
    }
    if let (Some(s), Some(e)) = (a.actual_start_ms, a.actual_end_ms)
        && e < s
    {
        return Err("actual_end_ms trước actual_start_ms".to_owned());
    }
    let Some(record) = a.record() else {
        return Err(format!("outcome `{}` không hợp lệ", a.outcome));
    };
    let canonical = record.canonical_text();
    if crate::domain::hash_of(&canonical) != a.hash {
        return Err(
            "hash không khớp với nội dung bản ghi (bản ghi bị sửa hoặc tính sai)".to_owned(),
        );
    }
    Ok(canonical)
}

/// What an airing's own fields say, before the database is asked anything else.
enum Verdict {
    /// Well formed, its hash right, its signature valid (or not needed).
    Valid,
    /// Malformed or its hash wrong: rejected.
    Rejected(String),
    /// Its signature bad, missing or by an unknown key: rejected and recorded.
    Refused(String),
}

/// Checks every airing's fields, hash and signature on a blocking thread, outside
/// the write transaction: a batch of 1,000 signatures is some 35 ms of CPU that must
/// not hold SQLite's write lock or a runtime worker.
async fn verdicts(
    store: &Store,
    station: &str,
    batch: &[AiringJson],
    tolerance_ms: i64,
) -> Result<Vec<Verdict>, StoreError> {
    let keys = {
        let mut conn = store.pool().acquire().await?;
        keys_in(&mut conn, station).await?
    };
    let batch = batch.to_vec();
    tokio::task::spawn_blocking(move || {
        let now = chrono::Utc::now().timestamp_millis();
        batch
            .iter()
            .map(|a| {
                let canonical = match check(a, now, tolerance_ms) {
                    Ok(c) => c,
                    Err(e) => return Verdict::Rejected(e),
                };
                match check_signature(
                    &keys,
                    &canonical,
                    a.key_id.as_deref(),
                    a.signature.as_deref(),
                    now,
                ) {
                    SignatureCheck::Failed(fault) => Verdict::Refused(fault.label_vi()),
                    _ => Verdict::Valid,
                }
            })
            .collect()
    })
    .await
    .map_err(|e| StoreError::Schema(format!("kiểm tra lô bản ghi dừng giữa chừng: {e}")))
}

/// Stores a batch for `station`. Already-held UUIDs answer `duplicate` and change
/// nothing; invalid airings answer `rejected` with the reason; the rest are stored.
/// An airing whose `prev_hash` is not the hash of an airing the station already sent
/// (or [`GENESIS_HASH`] for its very first) is stored all the same, and the break is
/// recorded in `chain_breaks` with the hash the server expected.
pub async fn ingest(
    store: &Store,
    station: &str,
    batch: &[AiringJson],
    tolerance_ms: i64,
) -> Result<AiringsResponse, StoreError> {
    let now = chrono::Utc::now().timestamp_millis();
    let verdicts = verdicts(store, station, batch, tolerance_ms).await?;
    let mut tx = store.begin_write().await?;
    let judged = judge(&mut tx, station, batch, &verdicts).await?;
    let (mut results, to_insert) = (judged.results, judged.to_insert);
    for (uuid, why) in &judged.refused {
        record_refusal(&mut tx, station, uuid, why, now).await?;
    }
    let plan = planned_of(&mut tx, station, &to_insert).await?;
    let to_insert = refuse_unplayable(&mut tx, station, to_insert, &plan, &mut results).await?;
    let inserted = insert(&mut tx, station, &to_insert, &plan, now).await?;
    let mut breaks = 0u32;
    for row in &to_insert {
        if !inserted.contains(&row.airing.uuid) {
            // A concurrent request (a retry racing its original) stored it first.
            results[row.index] = ack(&row.airing.uuid, "duplicate", None);
            continue;
        }
        let Some(expected) = &row.expected_prev else {
            continue;
        };
        breaks += 1;
        sqlx::query(
            "INSERT INTO chain_breaks (station_code, airing_uuid, expected_prev, got_prev, detected_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(station.to_owned())
        .bind(row.airing.uuid.clone())
        .bind(expected.clone())
        .bind(row.airing.prev_hash.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(AiringsResponse {
        results,
        chain_breaks: breaks,
    })
}

/// Refuses records of items the station could not have played: not in its plan, not
/// an emergency, and not a fallback replay (whose id is made from the station, the
/// start and the audio of something in its plan). Another station's item id is
/// refused here.
async fn refuse_unplayable<'a>(
    tx: &mut sqlx::AnyConnection,
    station: &str,
    rows: Vec<NewAiring<'a>>,
    plan: &HashMap<String, PlanFacts>,
    results: &mut [AiringAck],
) -> Result<Vec<NewAiring<'a>>, StoreError> {
    let unplanned = |r: &NewAiring<'_>| {
        !plan.contains_key(&r.airing.item_id) && unplanned_source(&r.airing.item_id) == "fallback"
    };
    if !rows.iter().any(unplanned) {
        return Ok(rows);
    }
    let shas: Vec<String> = sqlx::query(
        "SELECT DISTINCT s.sha256 FROM planned_items p JOIN segments s ON s.id = p.segment_id
         WHERE p.station_code = $1",
    )
    .bind(station.to_owned())
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        let a = row.airing;
        let playable = !unplanned(&row)
            || shas.iter().any(|sha| {
                crate::domain::fallback_item_id(station, a.planned_start_ms, sha) == a.item_id
            });
        if playable {
            kept.push(row);
        } else {
            results[row.index] = ack(
                &a.uuid,
                "rejected",
                Some(format!(
                    "item_id `{}` không có trong lịch của trạm {station}, không phải bản tin khẩn cấp, cũng không phải mục dự phòng trạm có thể phát",
                    a.item_id
                )),
            );
        }
    }
    Ok(kept)
}

/// An airing to store.
struct NewAiring<'a> {
    /// Its place in the answer.
    index: usize,
    airing: &'a AiringJson,
    /// The hash its `prev_hash` should have been, when it breaks the chain.
    expected_prev: Option<String>,
}

/// A batch, judged.
struct Judged<'a> {
    /// One answer per airing.
    results: Vec<AiringAck>,
    /// The airings to store.
    to_insert: Vec<NewAiring<'a>>,
    /// Airings refused for their signature, with the reason.
    refused: Vec<(String, String)>,
}

/// Answers every airing of the batch and picks those to store, following the chain
/// through the station's stored airings and the batch itself; `verdicts` are the
/// airings' own checks, in batch order.
async fn judge<'a>(
    tx: &mut sqlx::AnyConnection,
    station: &str,
    batch: &'a [AiringJson],
    verdicts: &[Verdict],
) -> Result<Judged<'a>, StoreError> {
    let (held, mut known_hashes) = lookup(tx, station, batch).await?;
    let mut has_any: Option<bool> = None;
    let mut head: Option<Option<String>> = None;
    let mut results = Vec::with_capacity(batch.len());
    let mut to_insert: Vec<NewAiring<'a>> = Vec::new();
    let mut stored_in_batch: HashSet<&str> = HashSet::new();
    let mut refused = Vec::new();
    for (i, a) in batch.iter().enumerate() {
        match held.get(&a.uuid) {
            Some(owner) if owner == station => {
                results.push(ack(&a.uuid, "duplicate", None));
                continue;
            }
            Some(_) => {
                let why = format!("uuid `{}` đã thuộc một trạm khác", a.uuid);
                results.push(ack(&a.uuid, "rejected", Some(why)));
                continue;
            }
            None => {}
        }
        if stored_in_batch.contains(a.uuid.as_str()) {
            results.push(ack(&a.uuid, "duplicate", None));
            continue;
        }
        match &verdicts[i] {
            Verdict::Valid => {}
            Verdict::Rejected(e) => {
                results.push(ack(&a.uuid, "rejected", Some(e.clone())));
                continue;
            }
            Verdict::Refused(why) => {
                refused.push((a.uuid.clone(), why.clone()));
                results.push(ack(&a.uuid, "rejected", Some(why.clone())));
                continue;
            }
        }
        let follows = if a.prev_hash == GENESIS_HASH {
            // Only a station's very first airing may start a chain.
            if has_any.is_none() {
                has_any = Some(has_airings(tx, station).await?);
            }
            has_any == Some(false) && to_insert.is_empty()
        } else {
            known_hashes.contains(&a.prev_hash)
        };
        let expected_prev = if follows {
            None
        } else if let Some(prev) = to_insert.last() {
            Some(prev.airing.hash.clone())
        } else {
            // Breaks are rare: only then look up the stored chain's head.
            if head.is_none() {
                head = Some(chain_head(tx, station).await?);
            }
            Some(
                head.clone()
                    .flatten()
                    .unwrap_or_else(|| GENESIS_HASH.to_owned()),
            )
        };
        known_hashes.insert(a.hash.clone());
        stored_in_batch.insert(&a.uuid);
        to_insert.push(NewAiring {
            index: results.len(),
            airing: a,
            expected_prev,
        });
        results.push(ack(&a.uuid, "stored", None));
    }
    Ok(Judged {
        results,
        to_insert,
        refused,
    })
}

/// Which of the batch's UUIDs are held already (and by which station), and which of its
/// previous hashes the station's stored chain holds.
async fn lookup(
    tx: &mut sqlx::AnyConnection,
    station: &str,
    batch: &[AiringJson],
) -> Result<(HashMap<String, String>, HashSet<String>), StoreError> {
    let mut held = HashMap::new();
    let mut known = HashSet::new();
    for chunk in batch.chunks(200) {
        let sql = format!(
            "SELECT uuid, station_code FROM airings WHERE uuid IN ({})",
            placeholders(chunk.len(), 1)
        );
        // Only placeholders are formatted into the text; values are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in chunk {
            q = q.bind(a.uuid.clone());
        }
        for row in q.fetch_all(&mut *tx).await? {
            held.insert(row.try_get(0)?, row.try_get(1)?);
        }
        let sql = format!(
            "SELECT hash FROM airings WHERE station_code = $1 AND hash IN ({})",
            placeholders(chunk.len(), 2)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(station.to_owned());
        for a in chunk {
            q = q.bind(a.prev_hash.clone());
        }
        for row in q.fetch_all(&mut *tx).await? {
            known.insert(row.try_get(0)?);
        }
    }
    Ok((held, known))
}

/// What a report needs of a planned item: campaign, segment, priority.
type PlanFacts = (String, String, String);

/// The planned items the rows are records of, by item id.
async fn planned_of(
    tx: &mut sqlx::AnyConnection,
    station: &str,
    rows: &[NewAiring<'_>],
) -> Result<HashMap<String, PlanFacts>, StoreError> {
    let mut plan = HashMap::new();
    for chunk in rows.chunks(200) {
        let sql = format!(
            "SELECT item_id, campaign_id, segment_id, priority FROM planned_items
             WHERE station_code = $1 AND item_id IN ({})",
            placeholders(chunk.len(), 2)
        );
        // Only placeholders are formatted into the text; values are bound.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(station.to_owned());
        for row in chunk {
            q = q.bind(row.airing.item_id.clone());
        }
        for row in q.fetch_all(&mut *tx).await? {
            plan.insert(
                row.try_get(0)?,
                (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?),
            );
        }
    }
    Ok(plan)
}

/// Where a record with no planned item came from: an emergency bulletin's item id is
/// `emergency:<id>`; anything else is the fallback rotation.
fn unplanned_source(item_id: &str) -> &'static str {
    if item_id.starts_with("emergency:") {
        "emergency"
    } else {
        "fallback"
    }
}

/// Inserts `rows`, skipping UUIDs stored meanwhile; returns the UUIDs really inserted.
async fn insert(
    tx: &mut sqlx::AnyConnection,
    station: &str,
    rows: &[NewAiring<'_>],
    plan: &HashMap<String, PlanFacts>,
    now: i64,
) -> Result<HashSet<String>, StoreError> {
    let mut inserted = HashSet::new();
    for chunk in rows.chunks(50) {
        let mut sql = String::from(
            "INSERT INTO airings (uuid, station_code, item_id, planned_start_ms, actual_start_ms, actual_end_ms, outcome, reason, clock_offset_ms, prev_hash, hash, received_at, campaign_id, segment_id, priority, source, key_id, signature) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            sql.push_str(&placeholders(18, i * 18 + 1));
            sql.push(')');
        }
        sql.push_str(" ON CONFLICT (uuid) DO NOTHING RETURNING uuid");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for NewAiring { airing: a, .. } in chunk {
            q = q
                .bind(a.uuid.clone())
                .bind(station.to_owned())
                .bind(a.item_id.clone())
                .bind(a.planned_start_ms)
                .bind(a.actual_start_ms)
                .bind(a.actual_end_ms)
                .bind(a.outcome.clone())
                .bind((!a.reason.is_empty()).then(|| a.reason.clone()))
                .bind(a.clock_offset_ms)
                .bind(a.prev_hash.clone())
                .bind(a.hash.clone())
                .bind(now);
            q = match plan.get(&a.item_id) {
                Some((campaign, segment, priority)) => q
                    .bind(Some(campaign.clone()))
                    .bind(Some(segment.clone()))
                    .bind(Some(priority.clone()))
                    .bind("planned"),
                None => q
                    .bind(None::<String>)
                    .bind(None::<String>)
                    .bind(None::<String>)
                    .bind(unplanned_source(&a.item_id)),
            };
            // Unsigned records (a station without a key) carry neither.
            q = q.bind(a.key_id.clone()).bind(a.signature.clone());
        }
        for row in q.fetch_all(&mut *tx).await? {
            inserted.insert(row.try_get(0)?);
        }
    }
    Ok(inserted)
}

async fn has_airings(tx: &mut sqlx::AnyConnection, station: &str) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("SELECT 1 FROM airings WHERE station_code = $1 LIMIT 1")
            .bind(station.to_owned())
            .fetch_optional(&mut *tx)
            .await?
            .is_some(),
    )
}

/// The hash of the station's newest airing: the one latest in planned time among those
/// received last.
async fn chain_head(
    tx: &mut sqlx::AnyConnection,
    station: &str,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        "SELECT hash FROM airings WHERE station_code = $1
         ORDER BY received_at DESC, planned_start_ms DESC LIMIT 1",
    )
    .bind(station.to_owned())
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// `$first, $first+1, …` for `n` parameters.
pub(crate) fn placeholders(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// One stored airing of a planned item, as a plan shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemAiring {
    /// The planned item's id.
    pub item_id: String,
    /// `aired`, `partial`, `missed`, `failed` or `preempted`.
    pub outcome: String,
    /// Why, when not aired in full.
    pub reason: Option<String>,
    /// Real start and end, ms since the epoch, when it went on air.
    pub actual_start_ms: Option<i64>,
    /// See `actual_start_ms`.
    pub actual_end_ms: Option<i64>,
}

/// The airings `station` recorded for items planned in `[from_ms, until_ms)`, by
/// planned start then arrival.
pub async fn airings_planned_between(
    store: &Store,
    station: &str,
    from_ms: i64,
    until_ms: i64,
) -> Result<Vec<ItemAiring>, StoreError> {
    let rows = sqlx::query(
        "SELECT item_id, outcome, reason, actual_start_ms, actual_end_ms FROM airings
         WHERE station_code = $1 AND planned_start_ms >= $2 AND planned_start_ms < $3
         ORDER BY planned_start_ms, received_at, uuid",
    )
    .bind(station.to_owned())
    .bind(from_ms)
    .bind(until_ms)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ItemAiring {
                item_id: r.try_get(0)?,
                outcome: r.try_get(1)?,
                reason: r.try_get(2)?,
                actual_start_ms: r.try_get(3)?,
                actual_end_ms: r.try_get(4)?,
            })
        })
        .collect()
}
