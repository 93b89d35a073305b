//! Storing airing batches from stations: idempotent by UUID, each hash checked, the
//! station's chain followed and every break recorded.

use std::collections::HashSet;

use sqlx::Row;

use super::{Store, StoreError};
use crate::domain::{AiringRecord, GENESIS_HASH, Outcome};
use crate::wire::{AiringAck, AiringJson, AiringsResponse};

fn ack(uuid: &str, status: &str, error: Option<String>) -> AiringAck {
    AiringAck {
        uuid: uuid.to_owned(),
        status: status.to_owned(),
        error,
    }
}

/// Why one airing is refused, if it is.
fn check(a: &AiringJson) -> Result<(), String> {
    if uuid::Uuid::parse_str(&a.uuid).is_err() {
        return Err(format!("uuid `{}` không phải UUID", a.uuid));
    }
    let Some(outcome) = Outcome::parse(&a.outcome) else {
        return Err(format!(
            "outcome `{}` không hợp lệ: aired, partial, missed, failed hoặc preempted",
            a.outcome
        ));
    };
    if a.item_id.is_empty() || a.item_id.len() > 64 {
        return Err("item_id trống hoặc quá dài".to_owned());
    }
    if let (Some(s), Some(e)) = (a.actual_start_ms, a.actual_end_ms) {
        if e < s {
            return Err("actual_end_ms trước actual_start_ms".to_owned());
        }
    }
    let record = AiringRecord {
        uuid: &a.uuid,
        item_id: &a.item_id,
        planned_start_ms: a.planned_start_ms,
        actual_start_ms: a.actual_start_ms,
        actual_end_ms: a.actual_end_ms,
        outcome,
        reason: &a.reason,
        clock_offset_ms: a.clock_offset_ms,
        prev_hash: &a.prev_hash,
    };
    if record.chain_hash() != a.hash {
        return Err(
            "hash không khớp với nội dung bản ghi (bản ghi bị sửa hoặc tính sai)".to_owned(),
        );
    }
    Ok(())
}

/// Stores a batch for `station`. Already-held UUIDs answer `duplicate` and change
/// nothing; invalid airings answer `rejected` with the reason; the rest are stored.
pub async fn ingest(
    store: &Store,
    station: &str,
    batch: &[AiringJson],
) -> Result<AiringsResponse, StoreError> {
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = store.pool().begin().await?;
    // What the station's chain already holds: the newest hash, and which of the batch's
    // UUIDs and previous hashes are known.
    let mut held: HashSet<String> = HashSet::new();
    let mut known_hashes: HashSet<String> = HashSet::new();
    for chunk in batch.chunks(200) {
        let uuids = placeholders(chunk.len(), 2);
        let sql = format!("SELECT uuid FROM airings WHERE station_code = $1 AND uuid IN ({uuids})");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(station.to_owned());
        for a in chunk {
            q = q.bind(a.uuid.clone());
        }
        for row in q.fetch_all(&mut *tx).await? {
            held.insert(row.try_get(0)?);
        }
        let sql = format!("SELECT hash FROM airings WHERE station_code = $1 AND hash IN ({uuids})");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(station.to_owned());
        for a in chunk {
            q = q.bind(a.prev_hash.clone());
        }
        for row in q.fetch_all(&mut *tx).await? {
            known_hashes.insert(row.try_get(0)?);
        }
    }
    let has_any: bool = sqlx::query("SELECT 1 FROM airings WHERE station_code = $1 LIMIT 1")
        .bind(station.to_owned())
        .fetch_optional(&mut *tx)
        .await?
        .is_some();

    let mut results = Vec::with_capacity(batch.len());
    let mut breaks = 0u32;
    let mut seen_in_batch: HashSet<&str> = HashSet::new();
    let mut to_insert: Vec<&AiringJson> = Vec::new();
    for a in batch {
        if held.contains(&a.uuid) || !seen_in_batch.insert(&a.uuid) {
            results.push(ack(&a.uuid, "duplicate", None));
            continue;
        }
        if let Err(e) = check(a) {
            results.push(ack(&a.uuid, "rejected", Some(e)));
            continue;
        }
        let follows = if a.prev_hash == GENESIS_HASH {
            !has_any && to_insert.is_empty()
        } else {
            known_hashes.contains(&a.prev_hash)
        };
        if !follows {
            breaks += 1;
            sqlx::query(
                "INSERT INTO chain_breaks (station_code, airing_uuid, expected_prev, got_prev, detected_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(station.to_owned())
            .bind(a.uuid.clone())
            .bind(String::from("(không có bản ghi trước khớp)"))
            .bind(a.prev_hash.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        known_hashes.insert(a.hash.clone());
        to_insert.push(a);
        results.push(ack(&a.uuid, "stored", None));
    }
    for chunk in to_insert.chunks(50) {
        let mut sql = String::from(
            "INSERT INTO airings (uuid, station_code, item_id, planned_start_ms, actual_start_ms, actual_end_ms, outcome, reason, clock_offset_ms, prev_hash, hash, received_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            sql.push_str(&placeholders(12, i * 12 + 1));
            sql.push(')');
        }
        sql.push_str(" ON CONFLICT (uuid) DO NOTHING");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for a in chunk {
            q = q
                .bind(a.uuid.clone())
                .bind(station.to_owned())
                .bind(a.item_id.clone())
                .bind(a.planned_start_ms)
                .bind(a.actual_start_ms)
                .bind(a.actual_end_ms)
                .bind(a.outcome.clone())
                .bind(if a.reason.is_empty() {
                    None
                } else {
                    Some(a.reason.clone())
                })
                .bind(a.clock_offset_ms)
                .bind(a.prev_hash.clone())
                .bind(a.hash.clone())
                .bind(now);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(AiringsResponse {
        results,
        chain_breaks: breaks,
    })
}

/// `$first, $first+1, …` for `n` parameters.
pub(crate) fn placeholders(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}
