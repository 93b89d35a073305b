//! `POST /api/v1/airings`: batches idempotent by UUID, the hash chain checked and its
//! breaks recorded, bad bodies refused whole.

use loa::domain::{AiringRecord, GENESIS_HASH, Outcome};
use loa::wire::AiringJson;
use sqlx::Row;

use super::TestApp;
use crate::both_backends;

both_backends!(
    batch_is_stored_once_and_replays_answer_duplicate,
    duplicate_uuid_inside_a_batch,
    tampered_airing_is_rejected_and_the_rest_stored,
    chain_break_is_recorded,
    airings_land_under_the_tokens_station,
    bad_batches_are_refused_whole,
    oversized_body_is_refused_with_413,
    concurrent_batches_store_each_airing_once,
    unknown_reason_is_rejected_per_airing,
);

/// `n` airings chained after `prev` (use [`GENESIS_HASH`] for a station's first).
fn chain(n: usize, prev: &str, start_ms: i64) -> Vec<AiringJson> {
    let mut prev = prev.to_owned();
    (0..n)
        .map(|i| {
            let planned = start_ms + i as i64 * 600_000;
            let a = airing(&prev, &format!("item-{planned}"), planned);
            prev = a.hash.clone();
            a
        })
        .collect()
}

fn airing(prev: &str, item: &str, planned: i64) -> AiringJson {
    let mut a = AiringJson {
        uuid: uuid::Uuid::new_v4().to_string(),
        item_id: item.to_owned(),
        planned_start_ms: planned,
        actual_start_ms: Some(planned + 120),
        actual_end_ms: Some(planned + 60_120),
        outcome: "aired".to_owned(),
        reason: String::new(),
        clock_offset_ms: 35,
        prev_hash: prev.to_owned(),
        hash: String::new(),
    };
    a.hash = hash_of(&a);
    a
}

fn hash_of(a: &AiringJson) -> String {
    AiringRecord {
        uuid: &a.uuid,
        item_id: &a.item_id,
        planned_start_ms: a.planned_start_ms,
        actual_start_ms: a.actual_start_ms,
        actual_end_ms: a.actual_end_ms,
        outcome: Outcome::parse(&a.outcome).expect("outcome"),
        reason: &a.reason,
        clock_offset_ms: a.clock_offset_ms,
        prev_hash: &a.prev_hash,
    }
    .chain_hash()
}

const T0: i64 = 1_790_000_000_000;

/// Puts the airings' items in the plan of `token`'s station: the server refuses records
/// of items a station could not have played.
async fn plan_items(app: &TestApp, token: &str, airings: &[AiringJson]) {
    let pool = &app.db;
    let station: String =
        sqlx::query("SELECT station_code FROM station_tokens WHERE token_hash = $1")
            .bind(loa::server::auth::hash_secret(token))
            .fetch_one(pool)
            .await
            .expect("token's station")
            .get(0);
    for a in airings {
        sqlx::query("INSERT INTO planned_items (station_code, item_id, start_ms, duration_ms, segment_id, campaign_id, priority) VALUES ($1, $2, $3, 60000, 'gia-dinh-hoc-tap', 'xhht-ca-nam', 'normal') ON CONFLICT DO NOTHING")
            .bind(station.clone())
            .bind(a.item_id.clone())
            .bind(a.planned_start_ms)
            .execute(pool)
            .await
            .expect("plan item");
    }
}

async fn post(app: &TestApp, token: &str, airings: &[AiringJson]) -> serde_json::Value {
    plan_items(app, token, airings).await;
    let res = app
        .client
        .post(app.url("/api/v1/airings"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "airings": airings }))
        .send()
        .await
        .expect("airings request");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

fn statuses(answer: &serde_json::Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["status"].as_str().expect("status").to_owned())
        .collect()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&app.db)
        .await
        .expect("count")
        .get(0)
}

async fn batch_is_stored_once_and_replays_answer_duplicate(app: TestApp) {
    let token = app.enroll("05443").await;
    let batch = chain(50, GENESIS_HASH, T0);
    let answer = post(&app, &token, &batch).await;
    assert_eq!(statuses(&answer), vec!["stored"; 50]);
    assert_eq!(answer["chain_breaks"], 0);
    let uuids: Vec<&str> = answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["uuid"].as_str().expect("uuid"))
        .collect();
    let sent: Vec<&str> = batch.iter().map(|a| a.uuid.as_str()).collect();
    assert_eq!(uuids, sent, "one answer per airing, in the order sent");
    assert_eq!(count(&app, "airings").await, 50);

    let answer = post(&app, &token, &batch).await;
    assert_eq!(statuses(&answer), vec!["duplicate"; 50]);
    assert_eq!(answer["chain_breaks"], 0);
    assert_eq!(count(&app, "airings").await, 50, "a replay stores nothing");
    assert_eq!(count(&app, "chain_breaks").await, 0);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("loa_airings_received_total 100\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("loa_airings_stored_total 50\n"),
        "{metrics}"
    );

    // The chain goes on in the next batch.
    let last = &batch[49].hash;
    let next = chain(10, last, T0 + 50 * 600_000);
    let answer = post(&app, &token, &next).await;
    assert_eq!(statuses(&answer), vec!["stored"; 10]);
    assert_eq!(answer["chain_breaks"], 0);
    assert_eq!(count(&app, "airings").await, 60);

    let row = sqlx::query(
        "SELECT item_id, planned_start_ms, actual_start_ms, actual_end_ms, outcome, reason, clock_offset_ms, prev_hash, hash
         FROM airings WHERE uuid = $1",
    )
    .bind(batch[3].uuid.clone())
    .fetch_one(&app.db)
    .await
    .expect("stored airing");
    assert_eq!(row.get::<String, _>(0), batch[3].item_id);
    assert_eq!(row.get::<i64, _>(1), batch[3].planned_start_ms);
    assert_eq!(row.get::<Option<i64>, _>(2), batch[3].actual_start_ms);
    assert_eq!(row.get::<Option<i64>, _>(3), batch[3].actual_end_ms);
    assert_eq!(row.get::<String, _>(4), "aired");
    assert_eq!(row.get::<Option<String>, _>(5), None);
    assert_eq!(row.get::<i64, _>(6), 35);
    assert_eq!(row.get::<String, _>(7), batch[3].prev_hash);
    assert_eq!(row.get::<String, _>(8), batch[3].hash);
}

async fn duplicate_uuid_inside_a_batch(app: TestApp) {
    let token = app.enroll("05443").await;
    let batch = chain(2, GENESIS_HASH, T0);
    let sent = vec![batch[0].clone(), batch[1].clone(), batch[1].clone()];
    let answer = post(&app, &token, &sent).await;
    assert_eq!(statuses(&answer), ["stored", "stored", "duplicate"]);
    assert_eq!(answer["chain_breaks"], 0);
    assert_eq!(count(&app, "airings").await, 2);

    // A rejected airing is not "held": a later copy of its UUID is judged on its own.
    let more = chain(1, &batch[1].hash, T0 + 2 * 600_000);
    let mut broken = more[0].clone();
    broken.outcome = "aired-ish".to_owned();
    let answer = post(&app, &token, &[broken, more[0].clone()]).await;
    assert_eq!(statuses(&answer), ["rejected", "stored"]);
    assert_eq!(count(&app, "airings").await, 3);
}

async fn tampered_airing_is_rejected_and_the_rest_stored(app: TestApp) {
    let token = app.enroll("05443").await;
    let mut batch = chain(3, GENESIS_HASH, T0);
    // Edited after hashing: the record no longer matches its hash.
    batch[1].outcome = "missed".to_owned();
    let answer = post(&app, &token, &batch).await;
    assert_eq!(statuses(&answer), ["stored", "rejected", "stored"]);
    let reason = answer["results"][1]["error"].as_str().expect("reason");
    assert!(reason.contains("hash"), "{reason}");
    // The third follows an airing the server refused: the chain has a gap there.
    assert_eq!(answer["chain_breaks"], 1);
    assert_eq!(count(&app, "airings").await, 2);
    let stored: i64 = sqlx::query("SELECT COUNT(*) FROM airings WHERE uuid = $1")
        .bind(batch[1].uuid.clone())
        .fetch_one(&app.db)
        .await
        .expect("count")
        .get(0);
    assert_eq!(stored, 0, "the tampered airing is not stored");

    // Malformed fields are rejected one by one, each with its reason.
    let good = chain(1, &batch[2].hash, T0 + 3 * 600_000);
    let mut bad_uuid = good[0].clone();
    bad_uuid.uuid = "not-a-uuid".to_owned();
    let mut bad_times = airing(&batch[2].hash, "x", T0);
    bad_times.actual_end_ms = Some(T0 - 5);
    bad_times.hash = hash_of(&bad_times);
    let mut bad_prev = airing("zz", "x", T0);
    bad_prev.hash = hash_of(&bad_prev);
    let answer = post(
        &app,
        &token,
        &[bad_uuid, bad_times, bad_prev, good[0].clone()],
    )
    .await;
    assert_eq!(
        statuses(&answer),
        ["rejected", "rejected", "rejected", "stored"]
    );
    for r in &answer["results"].as_array().expect("results")[..3] {
        assert!(!r["error"].as_str().expect("error").is_empty());
    }
    assert_eq!(answer["chain_breaks"], 0);
}

/// The reason is a keyword of `Reason` or empty: free text (a device's message, a typo,
/// another case) is refused for that airing alone, in Vietnamese naming the field and
/// the keywords, and nothing of it is stored.
async fn unknown_reason_is_rejected_per_airing(app: TestApp) {
    let token = app.enroll("05443").await;
    let with_reason = |prev: &str, item: &str, planned: i64, outcome: &str, reason: &str| {
        let mut a = airing(prev, item, planned);
        a.outcome = outcome.to_owned();
        a.reason = reason.to_owned();
        a.hash = hash_of(&a);
        a
    };
    let known = with_reason(GENESIS_HASH, "r-known", T0, "failed", "output_stalled");
    let empty = with_reason(&known.hash, "r-empty", T0 + 600_000, "aired", "");
    let late = with_reason(
        &empty.hash,
        "r-late",
        T0 + 2 * 600_000,
        "partial",
        "late_start",
    );
    let free = with_reason(
        &late.hash,
        "r-free",
        T0 + 3 * 600_000,
        "failed",
        "ALSA: I/O error",
    );
    let case = with_reason(
        &late.hash,
        "r-case",
        T0 + 4 * 600_000,
        "failed",
        "Output_Stalled",
    );
    let spaced = with_reason(&late.hash, "r-space", T0 + 5 * 600_000, "failed", "late ");
    let answer = post(&app, &token, &[known, empty, late, free, case, spaced]).await;
    assert_eq!(
        statuses(&answer),
        [
            "stored", "stored", "stored", "rejected", "rejected", "rejected"
        ]
    );
    for (r, shown) in answer["results"].as_array().expect("results")[3..]
        .iter()
        .zip(["ALSA: I/O error", "Output_Stalled", "late "])
    {
        let error = r["error"].as_str().expect("error");
        assert!(
            error.starts_with(&format!("reason `{shown}` không phải lý do đã biết")),
            "{error}"
        );
        assert!(
            error.contains("output_stalled") && error.contains("late_start"),
            "{error}"
        );
    }
    let stored: Vec<String> = sqlx::query("SELECT item_id FROM airings ORDER BY planned_start_ms")
        .fetch_all(&app.db)
        .await
        .expect("airings")
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect();
    assert_eq!(stored, ["r-known", "r-empty", "r-late"]);
}

async fn chain_break_is_recorded(app: TestApp) {
    let token = app.enroll("05443").await;
    let batch = chain(5, GENESIS_HASH, T0);
    post(&app, &token, &batch).await;
    // The agent lost airings (or someone deleted them): this one follows an unknown hash.
    let unknown = "ab".repeat(32);
    let gap = chain(2, &unknown, T0 + 10 * 600_000);
    let answer = post(&app, &token, &gap).await;
    assert_eq!(statuses(&answer), ["stored", "stored"]);
    assert_eq!(answer["chain_breaks"], 1, "only where the gap is");
    let rows =
        sqlx::query("SELECT station_code, airing_uuid, expected_prev, got_prev FROM chain_breaks")
            .fetch_all(&app.db)
            .await
            .expect("breaks");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<String, _>(0), "05443");
    assert_eq!(rows[0].get::<String, _>(1), gap[0].uuid);
    assert_eq!(
        rows[0].get::<String, _>(2),
        batch[4].hash,
        "the chain's head"
    );
    assert_eq!(rows[0].get::<String, _>(3), unknown);

    // A station that starts a new chain after having one (reinstalled agent) breaks it too.
    let restart = chain(1, GENESIS_HASH, T0 + 20 * 600_000);
    let answer = post(&app, &token, &restart).await;
    assert_eq!(statuses(&answer), ["stored"]);
    assert_eq!(answer["chain_breaks"], 1);
    assert_eq!(count(&app, "chain_breaks").await, 2);
    // Replaying the breaking batch records nothing more.
    let answer = post(&app, &token, &gap).await;
    assert_eq!(statuses(&answer), ["duplicate", "duplicate"]);
    assert_eq!(answer["chain_breaks"], 0);
    assert_eq!(count(&app, "chain_breaks").await, 2);
}

async fn airings_land_under_the_tokens_station(app: TestApp) {
    let a = app.enroll("05443").await;
    let b = app.enroll("05710").await;
    let first = chain(3, GENESIS_HASH, T0);
    post(&app, &b, &first).await;
    // Each station has its own chain: the same start is fine for another one.
    let second = chain(2, GENESIS_HASH, T0);
    let answer = post(&app, &a, &second).await;
    assert_eq!(answer["chain_breaks"], 0);
    let rows = sqlx::query(
        "SELECT station_code, COUNT(*) FROM airings GROUP BY station_code ORDER BY station_code",
    )
    .fetch_all(&app.db)
    .await
    .expect("rows");
    let by_station: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        by_station,
        [("05443".to_owned(), 2), ("05710".to_owned(), 3)]
    );
    // A UUID another station already holds is not this station's to claim.
    let answer = post(&app, &a, &first[..1]).await;
    assert_eq!(statuses(&answer), ["rejected"]);
    let rows = sqlx::query("SELECT station_code FROM airings WHERE uuid = $1")
        .bind(first[0].uuid.clone())
        .fetch_all(&app.db)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<String, _>(0), "05710");
}

async fn bad_batches_are_refused_whole(app: TestApp) {
    let token = app.enroll("05443").await;
    let too_many = chain(1001, GENESIS_HASH, T0);
    let good = serde_json::to_value(&too_many[0]).expect("json");
    let mut wrong_type = good.clone();
    wrong_type["planned_start_ms"] = serde_json::json!("tomorrow");
    let mut unknown_field = good.clone();
    unknown_field["volume"] = serde_json::json!(11);
    let mut missing = good.clone();
    missing.as_object_mut().expect("object").remove("prev_hash");
    let bodies = [
        (
            "more than 1000",
            serde_json::to_string(&serde_json::json!({ "airings": too_many })).expect("json"),
        ),
        ("malformed", "{\"airings\": [".to_owned()),
        ("not json", "hello".to_owned()),
        (
            "wrong type",
            serde_json::json!({ "airings": [wrong_type] }).to_string(),
        ),
        (
            "unknown field",
            serde_json::json!({ "airings": [unknown_field] }).to_string(),
        ),
        (
            "unknown top-level field",
            serde_json::json!({ "airings": [], "station": "05710" }).to_string(),
        ),
        (
            "missing field",
            serde_json::json!({ "airings": [missing] }).to_string(),
        ),
        (
            "not a list",
            serde_json::json!({ "airings": good }).to_string(),
        ),
    ];
    for (what, body) in bodies {
        let res = app
            .client
            .post(app.url("/api/v1/airings"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 400, "{what}");
        let answer: serde_json::Value = res.json().await.expect("a JSON error body");
        assert_eq!(answer["error"], "bad_request", "{what}");
        assert!(
            !answer["message"].as_str().expect("message").is_empty(),
            "{what}"
        );
    }
    let res = app
        .client
        .post(app.url("/api/v1/airings"))
        .bearer_auth(&token)
        .body(serde_json::json!({ "airings": [] }).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 400, "no JSON content type");
    assert_eq!(
        count(&app, "airings").await,
        0,
        "nothing from refused batches"
    );
    // The limit is inclusive.
    let answer = post(&app, &token, &too_many[..1000]).await;
    assert_eq!(statuses(&answer).len(), 1000);
    assert_eq!(count(&app, "airings").await, 1000);
}

async fn oversized_body_is_refused_with_413(app: TestApp) {
    let token = app.enroll("05443").await;
    let mut a = chain(1, GENESIS_HASH, T0).remove(0);
    a.reason = "x".repeat(3 * 1024 * 1024);
    let res = app
        .client
        .post(app.url("/api/v1/airings"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "airings": [a] }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 413);
    let answer: serde_json::Value = res.json().await.expect("a JSON error body");
    assert_eq!(answer["error"], "payload_too_large");
    let res = app
        .client
        .post(app.url("/api/v1/heartbeat"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "version": "x".repeat(3 * 1024 * 1024) }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 413);
    assert_eq!(count(&app, "airings").await, 0);
    assert_eq!(count(&app, "heartbeats").await, 0);
}

async fn concurrent_batches_store_each_airing_once(app: TestApp) {
    let stations = ["05443", "05710", "05500", "05467"];
    let mut tokens = Vec::new();
    for s in stations {
        tokens.push(app.enroll(s).await);
    }
    let batches: Vec<Vec<AiringJson>> = stations
        .iter()
        .map(|_| chain(50, GENESIS_HASH, T0))
        .collect();
    for (token, batch) in tokens.iter().zip(&batches) {
        plan_items(&app, token, batch).await;
    }
    // Every station sends its batch three times at once (a retry racing its original),
    // all stations together.
    let mut tasks = Vec::new();
    for _ in 0..3 {
        for (token, batch) in tokens.iter().zip(&batches) {
            let client = app.client.clone();
            let url = app.url("/api/v1/airings");
            let token = token.clone();
            let body = serde_json::json!({ "airings": batch });
            tasks.push(tokio::spawn(async move {
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .expect("request");
                assert_eq!(res.status(), 200);
                res.json::<serde_json::Value>().await.expect("json")
            }));
        }
    }
    let mut stored = std::collections::HashMap::<String, usize>::new();
    for t in tasks {
        let answer = t.await.expect("task");
        for r in answer["results"].as_array().expect("results") {
            let status = r["status"].as_str().expect("status");
            assert!(status == "stored" || status == "duplicate", "{r}");
            if status == "stored" {
                *stored
                    .entry(r["uuid"].as_str().expect("uuid").to_owned())
                    .or_default() += 1;
            }
        }
    }
    assert_eq!(stored.len(), 200, "every airing stored");
    assert!(
        stored.values().all(|&n| n == 1),
        "and answered `stored` once"
    );
    assert_eq!(count(&app, "airings").await, 200);
    assert_eq!(count(&app, "chain_breaks").await, 0);
}
