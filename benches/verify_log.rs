//! Benchmark (issue 11, 5): what signed airings cost.
//!
//! 1. In memory: Ed25519 signing and verification of one record's canonical text, and
//!    the canonical text plus SHA-256 that both need, per record.
//! 2. `loa verify`'s check (`store::verify_log`, the function the command and the
//!    server's verifier call) over 100,000 signed records of 20 stations in a fresh
//!    SQLite database; on PostgreSQL too when `LOA_BENCH_DATABASE_URL` is set (a fresh
//!    schema, dropped afterwards).
//!
//! Run with `cargo bench --bench verify_log` (release profile, no criterion).
//! `LOA_BENCH_VERIFY_RECORDS=1000000` checks more records.

#[path = "machine/mod.rs"]
mod machine;
#[path = "pg_schema/mod.rs"]
mod pg_schema;

use std::time::Instant;

use loa::domain::{AiringRecord, GENESIS_HASH, Outcome, RecordSignature, StationSecret};
use loa::store::{Store, VerifyQuery, verify_log};

const STATIONS: usize = 20;
/// Records per INSERT statement (15 values each).
const ROWS: usize = 500;

fn main() {
    println!("== machine ==");
    println!("{}", machine::machine());
    println!("load average at start: {}", machine::load_average());
    in_memory();
    let records: usize = std::env::var("LOA_BENCH_VERIFY_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = Store::sqlite_url(dir.path());
        let store = Store::open(&url).await.expect("sqlite store");
        run("SQLite", &store, &url, records).await;
        store.close().await;
        if let Ok(base) = std::env::var("LOA_BENCH_DATABASE_URL") {
            let schema = pg_schema::PgSchema::create(&base, "verify").await;
            let store = Store::open(&schema.url()).await.expect("postgres store");
            run("PostgreSQL", &store, &schema.url(), records).await;
            store.close().await;
            schema.drop_all().await;
        }
    });
}

fn record<'a>(uuid: &'a str, planned: i64, prev: &'a str) -> AiringRecord<'a> {
    AiringRecord {
        uuid,
        item_id: "xhht-ca-nam-2026-10-01-0530-3",
        planned_start_ms: planned,
        actual_start_ms: Some(planned + 12),
        actual_end_ms: Some(planned + 180_012),
        outcome: Outcome::Aired,
        reason: "",
        clock_offset_ms: -35,
        prev_hash: prev,
    }
}

fn in_memory() {
    println!("== Ed25519 per record, in memory ==");
    let secret = StationSecret::from_bytes(&[42; 32]);
    let public = secret.public();
    let n = 20_000;
    let texts: Vec<String> = (0..n)
        .map(|i| {
            let uuid = uuid::Uuid::new_v4().to_string();
            record(&uuid, i as i64, GENESIS_HASH).canonical_text()
        })
        .collect();
    let t = Instant::now();
    let hashes: Vec<String> = texts.iter().map(|t| loa::domain::hash_of(t)).collect();
    let hash_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let t = Instant::now();
    let sigs: Vec<RecordSignature> = texts.iter().map(|t| secret.sign_text(t)).collect();
    let sign_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let t = Instant::now();
    let ok = texts
        .iter()
        .zip(&sigs)
        .filter(|(t, s)| public.verifies(t, s))
        .count();
    let verify_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    assert_eq!(ok, n);
    assert_eq!(hashes.len(), n);
    println!("canonical text + SHA-256: {hash_us:.2} µs/record");
    println!("sign:                     {sign_us:.1} µs/record");
    println!("verify (strict):          {verify_us:.1} µs/record");
}

async fn run(backend: &str, store: &Store, url: &str, records: usize) {
    println!("== loa verify's check, {backend}, {records} records of {STATIONS} stations ==");
    let t = Instant::now();
    fill(url, records).await;
    println!(
        "loading: {:.1} s (not part of the check)",
        t.elapsed().as_secs_f64()
    );
    for run in 1..=3 {
        let t = Instant::now();
        let summary = verify_log(store, &VerifyQuery::default(), |f| {
            panic!("no record fails: {f:?}")
        })
        .await
        .expect("verify");
        let s = t.elapsed().as_secs_f64();
        assert_eq!(summary.records as usize, records);
        println!(
            "run {run}: {s:.2} s, {:.1} µs/record, {:.0} records/s",
            s * 1e6 / records as f64,
            records as f64 / s
        );
    }
}

/// An area, the stations with one key each, and `records` signed, chained records.
async fn fill(url: &str, records: usize) {
    // A pool of the bench's own: the store keeps its pool to itself.
    sqlx::any::install_default_drivers();
    let owned = sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .expect("bench pool");
    let pool = &owned;
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::query("INSERT INTO areas (code, name, kind) VALUES ('19', 'Thái Nguyên', 'province')")
        .execute(pool)
        .await
        .expect("area");
    let per_station = records / STATIONS;
    for s in 0..STATIONS {
        let code = format!("B{s:04}");
        let secret = StationSecret::from_bytes(&[s as u8 + 1; 32]);
        sqlx::query(
            "INSERT INTO stations (code, area_code, name, timezone, languages, created_at)
             VALUES ($1, '19', $1, 'Asia/Ho_Chi_Minh', 'vi', $2)",
        )
        .bind(code.clone())
        .bind(now)
        .execute(pool)
        .await
        .expect("station");
        let key = secret.public();
        sqlx::query(
            "INSERT INTO station_keys (station_code, key_id, public_key, created_at) VALUES ($1, $2, $3, 0)",
        )
        .bind(code.clone())
        .bind(key.id().to_owned())
        .bind(key.to_hex())
        .execute(pool)
        .await
        .expect("key");
        let mut prev = GENESIS_HASH.to_owned();
        let mut rows = Vec::with_capacity(per_station);
        for i in 0..per_station {
            let uuid = uuid::Uuid::new_v4().to_string();
            let planned = 1_790_000_000_000 + i as i64 * 600_000;
            let r = record(&uuid, planned, &prev);
            let (hash, sig) = (r.chain_hash(), secret.sign(&r).to_hex());
            rows.push((
                uuid,
                planned,
                std::mem::replace(&mut prev, hash.clone()),
                hash,
                sig,
            ));
        }
        let mut tx = pool.begin().await.expect("begin");
        for chunk in rows.chunks(ROWS) {
            let values: Vec<String> = (0..chunk.len())
                .map(|r| {
                    let cells: Vec<String> = (1..=15).map(|c| format!("${}", r * 15 + c)).collect();
                    format!("({})", cells.join(","))
                })
                .collect();
            let sql = format!(
                "INSERT INTO airings (uuid, station_code, item_id, planned_start_ms, actual_start_ms, actual_end_ms, outcome, reason, clock_offset_ms, prev_hash, hash, received_at, source, key_id, signature) VALUES {}",
                values.join(",")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (uuid, planned, prev, hash, sig) in chunk {
                let r = record(uuid, *planned, prev);
                q = q
                    .bind(r.uuid.to_owned())
                    .bind(code.clone())
                    .bind(r.item_id.to_owned())
                    .bind(r.planned_start_ms)
                    .bind(r.actual_start_ms)
                    .bind(r.actual_end_ms)
                    .bind(r.outcome.as_str())
                    .bind(None::<String>)
                    .bind(r.clock_offset_ms)
                    .bind(r.prev_hash.to_owned())
                    .bind(hash.clone())
                    .bind(now)
                    .bind("planned")
                    .bind(key.id().to_owned())
                    .bind(sig.clone());
            }
            q.execute(&mut *tx).await.expect("insert airings");
        }
        tx.commit().await.expect("commit");
    }
}
