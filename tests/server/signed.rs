//! Signed airings: keys registered at enrollment, signatures checked on arrival and
//! refusals recorded, `loa verify` naming every record edited or rebuilt in the
//! database, re-enrollment keeping old records verifiable, and reports saying whether
//! each station's log verified.

use loa::domain::{GENESIS_HASH, StationSecret};
use loa::wire::AiringJson;
use serde_json::Value;
use sqlx::Row;

use super::TestApp;
use crate::both_backends;

both_backends!(
    signed_records_verify_and_an_edit_in_sql_is_named,
    a_chain_rebuilt_without_the_key_is_named_record_by_record,
    forged_or_missing_signatures_are_refused_and_recorded,
    re_enrolling_keeps_old_records_verifiable,
    a_station_without_a_key_is_accepted_and_reported_unsigned,
);

/// 21 September 2026, 21:13:20 in Hà Nội.
const T0: i64 = 1_790_000_000_000;
const STATION: &str = "05443";

/// `n` records chained after `prev`, planned ten minutes apart from `start_ms`, every
/// third one missed; signed by `key` when given.
fn chain(n: usize, prev: &str, start_ms: i64, key: Option<&StationSecret>) -> Vec<AiringJson> {
    let mut prev = prev.to_owned();
    (0..n)
        .map(|i| {
            let planned = start_ms + i as i64 * 600_000;
            let missed = i % 3 == 2;
            let mut a = AiringJson {
                uuid: uuid::Uuid::new_v4().to_string(),
                item_id: format!("item-{planned}"),
                planned_start_ms: planned,
                actual_start_ms: (!missed).then_some(planned + 40),
                actual_end_ms: (!missed).then_some(planned + 60_040),
                outcome: if missed { "missed" } else { "aired" }.to_owned(),
                reason: if missed { "agent_down" } else { "" }.to_owned(),
                clock_offset_ms: 3,
                prev_hash: prev.clone(),
                hash: String::new(),
                key_id: None,
                signature: None,
            };
            a.hash = a.record().expect("outcome").chain_hash();
            if let Some(key) = key {
                let record = a.record().expect("outcome");
                a.signature = Some(key.sign(&record).to_hex());
                a.key_id = Some(key.public().id().to_owned());
            }
            prev = a.hash.clone();
            a
        })
        .collect()
}

fn key(seed: u8) -> StationSecret {
    StationSecret::from_bytes(&[seed; 32])
}

fn statuses(answer: &Value) -> Vec<&str> {
    answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["status"].as_str().expect("status"))
        .collect()
}

/// Enrolls the station with `secret`'s public key and stores `n` records it signed.
async fn signed_station(app: &TestApp, secret: &StationSecret, n: usize) -> Vec<AiringJson> {
    let token = app
        .enroll_with_key(STATION, Some(&secret.public().to_hex()))
        .await;
    let records = chain(n, GENESIS_HASH, T0, Some(secret));
    let answer = app.post_airings(&token, &records).await;
    assert_eq!(statuses(&answer), vec!["stored"; n], "{answer}");
    records
}

/// The report of September 2026 by station: `log_failed`, `log_unsigned`, and the
/// "Nhật ký" cell of `station` in the CSV.
async fn report_logs(app: &TestApp, station: &str) -> (Value, Value, String) {
    let admin = app.admin().await;
    let get = |format: &'static str| {
        let req = app
            .client
            .get(app.url(&format!(
                "/api/v1/reports?from=2026-09-01&until=2026-09-30&by=station&format={format}"
            )))
            .bearer_auth(&admin);
        async move {
            let res = req.send().await.expect("report");
            assert_eq!(res.status(), 200);
            res.text().await.expect("body")
        }
    };
    let json: Value = serde_json::from_str(&get("json").await).expect("report json");
    let csv = get("csv").await;
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "Nhật ký")
        .expect("column Nhật ký");
    let cell = lines
        .find(|l| l.starts_with(&format!("{station},")))
        .map(|l| l.split(',').nth(col).unwrap_or_default().to_owned())
        .expect("station row");
    (
        json["log_failed"].clone(),
        json["log_unsigned"].clone(),
        cell,
    )
}

async fn signed_records_verify_and_an_edit_in_sql_is_named(app: TestApp) {
    let secret = key(1);
    let records = signed_station(&app, &secret, 6).await;
    let stored: Vec<(Option<String>, Option<String>)> =
        sqlx::query("SELECT key_id, signature FROM airings ORDER BY planned_start_ms")
            .fetch_all(&app.db)
            .await
            .expect("airings")
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    for ((key_id, signature), sent) in stored.iter().zip(&records) {
        assert_eq!(key_id.as_deref(), Some(secret.public().id()));
        assert_eq!(signature, &sent.signature);
    }
    let (code, out) = app.verify_cli(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Đã kiểm 6 bản ghi của 1 trạm: tất cả hợp lệ"),
        "{out}"
    );
    let (failed, unsigned, cell) = report_logs(&app, STATION).await;
    assert_eq!(
        (failed, unsigned),
        (serde_json::json!([]), serde_json::json!([]))
    );
    assert_eq!(cell, "đã kiểm");

    // Someone with write access to the database turns a missed item into an aired one.
    let edited = &records[2];
    assert_eq!(edited.outcome, "missed");
    sqlx::query("UPDATE airings SET outcome = 'aired', reason = NULL WHERE uuid = $1")
        .bind(edited.uuid.clone())
        .execute(&app.db)
        .await
        .expect("edit in SQL");
    let (code, out) = app.verify_cli(&[]);
    assert_eq!(code, 1, "{out}");
    let failures: Vec<&str> = out.lines().filter(|l| l.starts_with("LỖI")).collect();
    assert_eq!(failures.len(), 1, "{out}");
    assert!(failures[0].contains(&edited.uuid), "{out}");
    assert!(failures[0].contains(&format!("trạm {STATION}")), "{out}");
    assert!(failures[0].contains("chữ ký và chuỗi băm"), "{out}");
    // Planned twenty minutes after T0.
    assert!(failures[0].contains("21:33:20 21/09/2026"), "{out}");
    assert!(out.contains("1 bản ghi LỖI"), "{out}");
    let (failed, _, cell) = report_logs(&app, STATION).await;
    assert_eq!(failed, serde_json::json!([STATION]));
    assert_eq!(cell, "lỗi chữ ký");
    // A filter that leaves the edited record out passes.
    let (code, out) = app.verify_cli(&["--station", "05710"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Đã kiểm 0 bản ghi"), "{out}");
}

async fn a_chain_rebuilt_without_the_key_is_named_record_by_record(app: TestApp) {
    let records = signed_station(&app, &key(1), 6).await;
    // The whole log replaced by records with correct hashes and links: half with no
    // signature, half signed by another key under the station's key id.
    let forger = key(9);
    let mut forged = chain(6, GENESIS_HASH, T0, Some(&forger));
    for (i, f) in forged.iter_mut().enumerate() {
        f.outcome = "aired".to_owned();
        f.reason = String::new();
        f.actual_start_ms = Some(f.planned_start_ms);
        f.actual_end_ms = Some(f.planned_start_ms + 60_000);
        f.item_id.clone_from(&records[i].item_id);
    }
    // Recompute the hashes and links after the edits.
    let mut prev = GENESIS_HASH.to_owned();
    for f in &mut forged {
        f.prev_hash = prev.clone();
        f.hash = f.record().expect("outcome").chain_hash();
        f.signature = Some(forger.sign(&f.record().expect("outcome")).to_hex());
        f.key_id = Some(key(1).public().id().to_owned());
        prev = f.hash.clone();
    }
    let pool = &app.db;
    let received: i64 = sqlx::query("SELECT MAX(received_at) FROM airings")
        .fetch_one(pool)
        .await
        .expect("received")
        .get(0);
    sqlx::query("DELETE FROM airings")
        .execute(pool)
        .await
        .expect("delete");
    for (i, f) in forged.iter().enumerate() {
        let (key_id, signature) = if i % 2 == 0 {
            (None, None)
        } else {
            (f.key_id.clone(), f.signature.clone())
        };
        sqlx::query(
            "INSERT INTO airings (uuid, station_code, item_id, planned_start_ms, actual_start_ms, actual_end_ms, outcome, reason, clock_offset_ms, prev_hash, hash, received_at, source, key_id, signature)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9, $10, $11, 'planned', $12, $13)",
        )
        .bind(f.uuid.clone())
        .bind(STATION)
        .bind(f.item_id.clone())
        .bind(f.planned_start_ms)
        .bind(f.actual_start_ms)
        .bind(f.actual_end_ms)
        .bind(f.outcome.clone())
        .bind(f.clock_offset_ms)
        .bind(f.prev_hash.clone())
        .bind(f.hash.clone())
        .bind(received)
        .bind(key_id)
        .bind(signature)
        .execute(pool)
        .await
        .expect("insert forged");
    }
    let (code, out) = app.verify_cli(&["--from", "21/09/2026", "--until", "2026-09-21"]);
    assert_eq!(code, 1, "{out}");
    let failures: Vec<&str> = out.lines().filter(|l| l.starts_with("LỖI")).collect();
    assert_eq!(failures.len(), 6, "{out}");
    for (i, f) in forged.iter().enumerate() {
        let line = failures
            .iter()
            .find(|l| l.contains(&f.uuid))
            .unwrap_or_else(|| panic!("record {i} named: {out}"));
        // The chain itself holds: only the signatures give the rewrite away.
        assert!(line.contains("chữ ký:"), "{line}");
        assert!(!line.contains("chuỗi băm"), "{line}");
        let why = if i % 2 == 0 {
            "thiếu chữ ký"
        } else {
            "chữ ký không khớp"
        };
        assert!(line.contains(why), "{line}");
    }
}

async fn forged_or_missing_signatures_are_refused_and_recorded(app: TestApp) {
    let secret = key(1);
    let token = app
        .enroll_with_key(STATION, Some(&secret.public().to_hex()))
        .await;
    let mut batch = chain(4, GENESIS_HASH, T0, Some(&secret));
    // 1: signed over other content (a forged signature); 2: no signature; 3: a key
    // the station does not have.
    batch[1].signature = Some(key(9).sign(&batch[1].record().expect("ok")).to_hex());
    batch[2].signature = None;
    batch[2].key_id = None;
    batch[3].key_id = Some(key(9).public().id().to_owned());
    let answer = app.post_airings(&token, &batch).await;
    assert_eq!(
        statuses(&answer),
        ["stored", "rejected", "rejected", "rejected"],
        "{answer}"
    );
    let errors: Vec<&str> = answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["error"].as_str().unwrap_or_default())
        .collect();
    assert!(
        errors[1].starts_with("chữ ký không khớp nội dung"),
        "{answer}"
    );
    assert!(errors[2].starts_with("thiếu chữ ký"), "{answer}");
    assert!(errors[3].contains("không phải khóa của trạm"), "{answer}");
    let refused: Vec<(String, String)> =
        sqlx::query("SELECT uuid, reason FROM airing_refusals WHERE station_code = $1")
            .bind(STATION)
            .fetch_all(&app.db)
            .await
            .expect("refusals")
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    for (i, a) in batch.iter().enumerate().skip(1) {
        assert!(
            refused
                .iter()
                .any(|(u, why)| u == &a.uuid && why == errors[i]),
            "{refused:?}"
        );
    }
    let (code, out) = app.verify_cli(&["--station", STATION]);
    assert_eq!(code, 0, "only the stored record is checked: {out}");
    assert!(out.contains("3 bản ghi bị từ chối khi nhận"), "{out}");
    assert!(out.contains(&format!(
        "TỪ CHỐI KHI NHẬN  trạm {STATION}  bản ghi {}",
        batch[2].uuid
    )));
    // A token alone cannot replace the station's key.
    let res = app
        .client
        .post(app.url("/api/v1/station-key"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "public_key": key(9).public().to_hex() }))
        .send()
        .await
        .expect("station-key");
    assert_eq!(res.status(), 409);
    // A key that is not a key is refused at enrollment, naming the field.
    let code = app.enroll_code(STATION).await;
    let res = app
        .client
        .post(app.url("/api/v1/enroll"))
        .json(&serde_json::json!({ "code": code, "public_key": "abc" }))
        .send()
        .await
        .expect("enroll");
    assert_eq!(res.status(), 422);
    let body = res.text().await.expect("body");
    assert!(body.contains("public_key phải là 64 chữ số hex"), "{body}");
}

async fn re_enrolling_keeps_old_records_verifiable(app: TestApp) {
    let (first, second) = (key(1), key(2));
    let old = signed_station(&app, &first, 3).await;
    let token = app
        .enroll_with_key(STATION, Some(&second.public().to_hex()))
        .await;
    let prev = old.last().expect("records").hash.clone();
    let new = chain(3, &prev, T0 + 3_600_000, Some(&second));
    let answer = app.post_airings(&token, &new).await;
    assert_eq!(statuses(&answer), ["stored"; 3], "{answer}");
    // The old key is retired, not revoked: a record the old PC still sends with it
    // was the station's and is stored.
    let late = chain(1, &new[2].hash, T0 + 7_200_000, Some(&first));
    let answer = app.post_airings(&token, &late).await;
    assert_eq!(statuses(&answer), ["stored"], "{answer}");
    let keys: Vec<(String, i64)> = sqlx::query(
        "SELECT key_id, CAST(CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END AS BIGINT)
         FROM station_keys WHERE station_code = $1 ORDER BY created_at",
    )
    .bind(STATION)
    .fetch_all(&app.db)
    .await
    .expect("keys")
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert_eq!(
        keys,
        [
            (first.public().id().to_owned(), 0),
            (second.public().id().to_owned(), 1)
        ]
    );
    let (code, out) = app.verify_cli(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Đã kiểm 7 bản ghi của 1 trạm: tất cả hợp lệ"),
        "{out}"
    );
}

async fn a_station_without_a_key_is_accepted_and_reported_unsigned(app: TestApp) {
    // An agent from before signed airings: enrolled without a key, sends unsigned.
    let token = app.enroll("05710").await;
    let answer = app
        .post_airings(&token, &chain(3, GENESIS_HASH, T0, None))
        .await;
    assert_eq!(statuses(&answer), ["stored"; 3], "{answer}");
    let (_, _, cell) = report_logs(&app, "05710").await;
    assert_eq!(cell, "chưa kiểm");
    let (code, out) = app.verify_cli(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 bản ghi chưa ký"), "{out}");
    let (failed, unsigned, cell) = report_logs(&app, "05710").await;
    assert_eq!(failed, serde_json::json!([]));
    assert_eq!(unsigned, serde_json::json!(["05710"]));
    assert_eq!(cell, "chưa ký");
    // Once upgraded, it registers a key: from then on its records must be signed.
    let secret = key(3);
    let res = app
        .client
        .post(app.url("/api/v1/station-key"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "public_key": secret.public().to_hex() }))
        .send()
        .await
        .expect("station-key");
    assert_eq!(res.status(), 201);
    let stored: Vec<String> = sqlx::query(
        "SELECT hash FROM airings WHERE station_code = '05710' ORDER BY planned_start_ms DESC",
    )
    .fetch_all(&app.db)
    .await
    .expect("hashes")
    .iter()
    .map(|r| r.get(0))
    .collect();
    let unsigned_again = chain(1, &stored[0], T0 + 3_600_000, None);
    let answer = app.post_airings(&token, &unsigned_again).await;
    assert_eq!(statuses(&answer), ["rejected"], "{answer}");
    let signed = chain(1, &stored[0], T0 + 3_600_000, Some(&secret));
    let answer = app.post_airings(&token, &signed).await;
    assert_eq!(statuses(&answer), ["stored"], "{answer}");
    let (code, out) = app.verify_cli(&[]);
    assert_eq!(
        code, 0,
        "the old unsigned records came before the key: {out}"
    );
}

/// `loa serve` with its verifier on: within seconds it checks the log and the report
/// shows the result, without anyone running `loa verify`.
async fn the_background_verifier_writes_what_reports_show(db: super::Db) {
    let Some(app) =
        super::spawn_app_configured(db, super::seed_dir(), |c| c.verify_interval_s = 1).await
    else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    signed_station(&app, &key(1), 3).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, _, cell) = report_logs(&app, STATION).await;
        if cell == "đã kiểm" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the verifier checked within 30 s: {cell}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let records: i64 = sqlx::query("SELECT records FROM log_checks WHERE station_code = $1")
        .bind(STATION)
        .fetch_one(&app.db)
        .await
        .expect("log check")
        .get(0);
    assert_eq!(records, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_verifier_writes_what_reports_show_sqlite() {
    the_background_verifier_writes_what_reports_show(super::Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_verifier_writes_what_reports_show_postgres() {
    the_background_verifier_writes_what_reports_show(super::Db::Postgres).await;
}
