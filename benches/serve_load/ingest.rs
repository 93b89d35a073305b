//! Part 2: airings ingested through `POST /api/v1/airings`, batches of 50 from 10,000
//! stations, each station's chain starting at the genesis hash.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use loa::domain::{AiringRecord, GENESIS_HASH, Outcome};
use loa::server::auth::{STATION_PREFIX, hash_secret, new_secret};
use loa::wire::{AiringJson, AiringsBatch, AiringsResponse};
use sqlx::Row;
use tokio::runtime::Runtime;

use crate::db::Database;
use crate::national::{COMMUNES, commune_code};
use crate::{Server, per_sec, thousands};

/// Airings per request, as an agent sends them.
const BATCH: usize = 50;
/// Requests in flight at once.
const CONNECTIONS: usize = 48;
/// Rows per multi-row INSERT when creating stations and tokens.
const INSERT_ROWS: usize = 500;
/// Target from issue 3, on PostgreSQL.
const TARGET_PER_SEC: f64 = 20_000.0;

pub fn header() {
    println!(
        "== 2. airings ingest: POST /api/v1/airings, {} stations × 1 batch of {BATCH} (chained from genesis), {CONNECTIONS} concurrent connections (reqwest) ==",
        thousands(COMMUNES as u64),
    );
}

pub fn run(rt: &Runtime, db: Database) {
    let server = Server::start(rt, db.config());
    let tokens = rt.block_on(create_stations(&server.db));
    let jobs: Vec<(String, Bytes)> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, token)| (format!("Bearer {token}"), batch_body(i)))
        .collect();
    let url = format!("http://{}/api/v1/airings", server.addr);

    let started = Instant::now();
    let mut latencies = rt.block_on(send_all(url, Arc::new(jobs)));
    let wall = started.elapsed().as_secs_f64();

    let stored = rt.block_on(count_airings(&server.db));
    assert_eq!(
        stored,
        (COMMUNES * BATCH) as u64,
        "every airing is in the table"
    );
    latencies.sort_unstable();
    let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    let airings = (COMMUNES * BATCH) as u64;
    let target = if db.label == "PostgreSQL" {
        format!(
            " (target ≥ {}/s: {})",
            thousands(TARGET_PER_SEC as u64),
            if airings as f64 / wall >= TARGET_PER_SEC {
                "met"
            } else {
                "MISSED"
            }
        )
    } else {
        String::new()
    };
    println!(
        "{}: {} airings/s{target}, {} batches/s; {} airings in {} batches in {wall:.2} s, all acked `stored`, no chain breaks; batch latency p50 {:.1} ms, p99 {:.1} ms",
        db.label,
        per_sec(airings, wall),
        per_sec(COMMUNES as u64, wall),
        thousands(airings),
        thousands(COMMUNES as u64),
        ms(pick(0.5)),
        ms(pick(0.99)),
    );
    server.stop(rt);
    rt.block_on(db.finish());
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Creates [`COMMUNES`] stations under the seeded province and one token each, with
/// multi-row INSERTs; returns the tokens in station order.
async fn create_stations(pool: &sqlx::AnyPool) -> Vec<String> {
    let root: String = sqlx::query("SELECT code FROM areas WHERE parent_code IS NULL LIMIT 1")
        .fetch_one(pool)
        .await
        .and_then(|r| r.try_get(0))
        .expect("the seeded province's root area");
    let now = chrono::Utc::now().timestamp_millis();
    let tokens: Vec<String> = (0..COMMUNES).map(|_| new_secret(STATION_PREFIX)).collect();
    let mut tx = pool.begin().await.expect("begin");
    for first in (0..COMMUNES).step_by(INSERT_ROWS) {
        let rows = first..(first + INSERT_ROWS).min(COMMUNES);
        let sql = format!(
            "INSERT INTO stations (code, area_code, name, timezone, languages, created_at) VALUES {}",
            values(rows.len(), 6)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in rows.clone() {
            q = q
                .bind(station_code(i))
                .bind(root.clone())
                .bind(format!("Trạm thử {}", i + 1))
                .bind("Asia/Ho_Chi_Minh")
                .bind("vi")
                .bind(now);
        }
        q.execute(&mut *tx).await.expect("insert stations");
        let sql = format!(
            "INSERT INTO station_tokens (token_hash, station_code, created_at) VALUES {}",
            values(rows.len(), 3)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in rows {
            q = q
                .bind(hash_secret(&tokens[i]))
                .bind(station_code(i))
                .bind(now);
        }
        q.execute(&mut *tx).await.expect("insert station tokens");
    }
    tx.commit().await.expect("commit stations");
    tokens
}

/// `($1,$2,…),(…)` for `rows` rows of `columns` values.
fn values(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", cells.join(","))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Not a commune code of the seeded province (those are five digits).
fn station_code(i: usize) -> String {
    format!("bench-{}", commune_code(i))
}

/// Station `i`'s first batch: [`BATCH`] airings of one morning, chained from genesis.
fn batch_body(i: usize) -> Bytes {
    // 2026-09-28 05:30 +07:00, one item a minute.
    let base_ms = 1_790_548_200_000_i64;
    let mut prev = GENESIS_HASH.to_owned();
    let airings: Vec<AiringJson> = (0..BATCH)
        .map(|n| {
            let uuid = format!("{i:08x}-0000-4000-8000-{n:012x}");
            let item_id = format!("20260928-{n:04}-ke-hoach-nam");
            let planned = base_ms + n as i64 * 60_000;
            let record = AiringRecord {
                uuid: &uuid,
                item_id: &item_id,
                planned_start_ms: planned,
                actual_start_ms: Some(planned + 240),
                actual_end_ms: Some(planned + 31_050),
                outcome: Outcome::Aired,
                reason: "",
                clock_offset_ms: -120,
                prev_hash: &prev,
            };
            let hash = record.chain_hash();
            AiringJson {
                planned_start_ms: planned,
                actual_start_ms: record.actual_start_ms,
                actual_end_ms: record.actual_end_ms,
                outcome: Outcome::Aired.as_str().to_owned(),
                reason: String::new(),
                clock_offset_ms: record.clock_offset_ms,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                hash,
                uuid,
                item_id,
            }
        })
        .collect();
    Bytes::from(serde_json::to_vec(&AiringsBatch { airings }).expect("batch JSON"))
}

/// Sends every job over [`CONNECTIONS`] concurrent workers; returns each request's time.
async fn send_all(url: String, jobs: Arc<Vec<(String, Bytes)>>) -> Vec<Duration> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("HTTP client");
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (client, url, jobs, next) =
                (client.clone(), url.clone(), jobs.clone(), next.clone());
            tokio::spawn(async move {
                let mut took = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((auth, body)) = jobs.get(i) else {
                        return took;
                    };
                    let started = Instant::now();
                    let res = client
                        .post(&url)
                        .header(reqwest::header::AUTHORIZATION, auth)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .expect("airings request");
                    let status = res.status();
                    let text = res.bytes().await.expect("airings answer");
                    took.push(started.elapsed());
                    assert_eq!(status, 200, "batch {i}: {}", String::from_utf8_lossy(&text));
                    let acks: AiringsResponse = serde_json::from_slice(&text).expect("answer JSON");
                    assert!(
                        acks.results.len() == BATCH
                            && acks.results.iter().all(|a| a.status == "stored")
                            && acks.chain_breaks == 0,
                        "batch {i}: {acks:?}"
                    );
                }
            })
        })
        .collect();
    let mut all = Vec::with_capacity(jobs.len());
    for w in workers {
        all.extend(w.await.expect("ingest worker"));
    }
    all
}

async fn count_airings(pool: &sqlx::AnyPool) -> u64 {
    sqlx::query("SELECT COUNT(*) FROM airings")
        .fetch_one(pool)
        .await
        .and_then(|r| r.try_get::<i64, _>(0))
        .map_or(0, |n| n as u64)
}
