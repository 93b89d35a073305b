//! Emergency bulletins: sent by an approver to an area subtree, carried to each station
//! over its event stream within seconds, acknowledged by the stations, shown to staff
//! with who acknowledged when; refused whole when the segment or area is wrong.

use loa::server::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::TestApp;
use super::events::EventStream;
use super::library::{count, get, post, upload_new};
use crate::both_backends;

both_backends!(
    a_bulletin_reaches_the_areas_stations_at_once_and_they_acknowledge,
    a_bulletin_needs_an_approver_an_approved_segment_and_an_area_in_scope,
    staff_see_a_bulletin_and_their_own_stations_in_it,
    unacknowledged_bulletins_of_the_last_minutes_are_pending,
);

const SAMPLE: &str = "bao-tin-khan-cap-mau";

async fn send(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/emergencies"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("send request")
}

/// Sends the seeded sample to `area` and returns the answer (asserting 201).
async fn send_sample(app: &TestApp, token: &str, area: &str) -> Value {
    let res = send(app, token, json!({ "segment": SAMPLE, "area": area })).await;
    assert_eq!(res.status(), StatusCode::CREATED, "send to {area}");
    res.json().await.expect("json")
}

async fn a_bulletin_reaches_the_areas_stations_at_once_and_they_acknowledge(app: TestApp) {
    let approver = app.staff("duyet", Role::Approver, "19").await;
    let here = app.enroll("05443").await;
    let there = app.enroll("05710").await;
    let mut stream_here = EventStream::open(&app, &here, None).await;
    let mut stream_there = EventStream::open(&app, &there, None).await;
    stream_here.expect("hello").await;
    stream_there.expect("hello").await;

    let sent = send_sample(&app, &approver, "05443").await;
    let id = sent["id"].as_str().expect("id").to_owned();
    assert_eq!(sent["segment"], SAMPLE);
    assert_eq!(sent["area"], "05443");
    assert_eq!(sent["sent_by"], "duyet");
    assert_eq!(sent["targeted"], 2);
    assert_eq!(sent["acknowledged"], 0);
    assert_eq!(
        sent["stations"],
        json!([
            { "station": "05443", "acked_at": null },
            { "station": "05443-2", "acked_at": null },
        ])
    );

    let event = stream_here.expect("emergency").await;
    let payload = event.json();
    let segment: Value = get(&app, &approver, &format!("/api/v1/segments/{SAMPLE}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(payload["emergency"], id.as_str());
    assert_eq!(payload["segment"], SAMPLE);
    assert_eq!(payload["title"], segment["title"]);
    assert_eq!(payload["sha256"], segment["sha256"]);
    assert_eq!(payload["size_bytes"], segment["size_bytes"]);
    assert_eq!(payload["duration_ms"], 11874);
    let lufs = segment["loudness_lufs"].as_f64().expect("measured");
    let gain = payload["gain_db"].as_f64().expect("gain");
    assert!((gain - (-16.0 - lufs)).abs() <= 0.05, "{gain} for {lufs}");
    let media = payload["media"].as_str().expect("media");
    assert_eq!(
        media,
        format!("/api/v1/media/{}", segment["sha256"].as_str().expect("sha"))
    );
    let res = get(&app, &here, media).await;
    assert_eq!(res.status(), StatusCode::OK, "the station may fetch it");

    // The other commune hears nothing of it: its next event is its own bulletin.
    let other = send_sample(&app, &approver, "05710").await;
    let theirs = stream_there.expect("emergency").await;
    assert_eq!(theirs.json()["emergency"], other["id"]);

    let ack_path = format!("/api/v1/emergencies/{id}/ack");
    let res = post(&app, &here, &ack_path).await;
    assert_eq!(res.status(), StatusCode::OK);
    let ack: Value = res.json().await.expect("json");
    assert_eq!(ack["emergency"], id.as_str());
    assert_eq!(ack["station"], "05443");
    let again: Value = post(&app, &here, &ack_path)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again, ack, "acknowledging twice keeps the first time");
    let res = post(&app, &there, &ack_path).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "not sent to 05710");
    let res = post(&app, &here, "/api/v1/emergencies/khong-co/ack").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = post(&app, &approver, &ack_path).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a person is not a station"
    );

    let shown: Value = get(&app, &approver, &format!("/api/v1/emergencies/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(shown["acknowledged"], 1);
    assert_eq!(shown["stations"][0]["station"], "05443");
    assert_eq!(shown["stations"][0]["acked_at"], ack["acked_at"]);
    assert_eq!(shown["stations"][1]["acked_at"], Value::Null);

    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'emergency.send' AND actor = 'duyet' AND target = '{id}'")
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'emergency.ack' AND actor = 'station:05443' AND target = '{id}'")
        )
        .await,
        1
    );
}

async fn a_bulletin_needs_an_approver_an_approved_segment_and_an_area_in_scope(app: TestApp) {
    let approver = app.staff("duyet", Role::Approver, "05443").await;
    let editor = app.staff("bien-tap", Role::Editor, "05443").await;
    upload_new(&app, &editor, "chua-duyet", 11).await;
    let station = app.enroll("05443").await;

    let cases: Vec<(&str, reqwest::Response, StatusCode, &str)> = vec![
        (
            "an editor",
            send(&app, &editor, json!({ "segment": SAMPLE, "area": "05443" })).await,
            StatusCode::FORBIDDEN,
            "cần vai trò approver",
        ),
        (
            "an unapproved segment",
            send(
                &app,
                &approver,
                json!({ "segment": "chua-duyet", "area": "05443" }),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "chưa được duyệt",
        ),
        (
            "an unknown segment",
            send(
                &app,
                &approver,
                json!({ "segment": "khong-co", "area": "05443" }),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "không có bản tin `khong-co`",
        ),
        (
            "an area outside the caller's subtree",
            send(
                &app,
                &approver,
                json!({ "segment": SAMPLE, "area": "05710" }),
            )
            .await,
            StatusCode::FORBIDDEN,
            "ngoài phạm vi",
        ),
        (
            "the province above the caller",
            send(&app, &approver, json!({ "segment": SAMPLE, "area": "19" })).await,
            StatusCode::FORBIDDEN,
            "ngoài phạm vi",
        ),
        (
            "an unknown area",
            send(
                &app,
                &approver,
                json!({ "segment": SAMPLE, "area": "99999" }),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "không có đơn vị `99999`",
        ),
        (
            "an unknown field",
            send(
                &app,
                &approver,
                json!({ "segment": SAMPLE, "area": "05443", "level": 3 }),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "level",
        ),
        (
            "a missing field",
            send(&app, &approver, json!({ "segment": SAMPLE })).await,
            StatusCode::BAD_REQUEST,
            "area",
        ),
        (
            "malformed JSON",
            app.client
                .post(app.url("/api/v1/emergencies"))
                .bearer_auth(&approver)
                .header("content-type", "application/json")
                .body("{\"segment\": ")
                .send()
                .await
                .expect("request"),
            StatusCode::BAD_REQUEST,
            "JSON sai cú pháp",
        ),
        (
            "a station token",
            send(
                &app,
                &station,
                json!({ "segment": SAMPLE, "area": "05443" }),
            )
            .await,
            StatusCode::FORBIDDEN,
            "trạm 05443",
        ),
    ];
    for (what, res, status, says) in cases {
        assert_eq!(res.status(), status, "{what}");
        let body: Value = res.json().await.expect("JSON error body");
        let message = body["message"].as_str().expect("message");
        assert!(message.contains(says), "{what}: {message}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM emergencies").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM events WHERE kind = 'emergency'").await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'emergency.%'"
        )
        .await,
        0
    );
    // Every problem at once.
    let res = send(
        &app,
        &approver,
        json!({ "segment": "chua-duyet", "area": "99999" }),
    )
    .await;
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["problems"].as_array().map(Vec::len), Some(2), "{body}");
}

async fn staff_see_a_bulletin_and_their_own_stations_in_it(app: TestApp) {
    let admin = app.admin().await;
    let province = send_sample(&app, &admin, "19").await;
    let stations: i64 = count(&app, "SELECT COUNT(*) FROM stations").await;
    assert_eq!(
        province["targeted"], stations,
        "every station of the province"
    );
    let commune = send_sample(&app, &admin, "05443").await;

    let viewer = app.staff("xem", Role::Viewer, "05710").await;
    let seen: Value = get(
        &app,
        &viewer,
        &format!(
            "/api/v1/emergencies/{}",
            province["id"].as_str().expect("id")
        ),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(seen["targeted"], 1, "only the viewer's own station");
    assert_eq!(
        seen["stations"],
        json!([{ "station": "05710", "acked_at": null }])
    );
    let res = get(
        &app,
        &viewer,
        &format!(
            "/api/v1/emergencies/{}",
            commune["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "another commune's bulletin"
    );
    let res = get(&app, &viewer, "/api/v1/emergencies/khong-co").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let list: Vec<Value> = get(&app, &viewer, "/api/v1/emergencies")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], province["id"]);
    assert_eq!(list[0]["stations"], json!([]), "counts only in the list");
    let all: Vec<Value> = get(&app, &admin, "/api/v1/emergencies")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all.len(), 2);
}

async fn unacknowledged_bulletins_of_the_last_minutes_are_pending(app: TestApp) {
    use loa::store::emergencies::unacknowledged;
    let admin = app.admin().await;
    let first = send_sample(&app, &admin, "05443").await;
    let second = send_sample(&app, &admin, "19").await;
    let store = &app.state.store;
    let now = chrono::Utc::now().timestamp_millis();
    let since = now - 10 * 60 * 1000;
    let pending = unacknowledged(store, "05443", since)
        .await
        .expect("pending");
    let ids: Vec<String> = pending
        .iter()
        .map(|p| {
            serde_json::from_str::<Value>(&p.payload).expect("json")["emergency"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    assert_eq!(
        ids,
        [&first["id"], &second["id"]].map(|v| v.as_str().expect("id").to_owned())
    );
    assert!(pending[0].event_id < pending[1].event_id, "oldest first");
    // The same events the live stream carried, under the same ids.
    use sqlx::Row;
    let kind: String =
        sqlx::query("SELECT kind FROM events WHERE id = $1 AND station_code = '05443'")
            .bind(pending[0].event_id)
            .fetch_one(&app.db)
            .await
            .expect("event")
            .get(0);
    assert_eq!(kind, "emergency");

    let token = app.enroll("05443").await;
    let res = post(
        &app,
        &token,
        &format!(
            "/api/v1/emergencies/{}/ack",
            first["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let pending = unacknowledged(store, "05443", since)
        .await
        .expect("pending");
    assert_eq!(pending.len(), 1, "acknowledged ones are done");
    // Older than the window: past.
    sqlx::query("UPDATE emergencies SET sent_at = $1")
        .bind(now - 11 * 60 * 1000)
        .execute(&app.db)
        .await
        .expect("age");
    assert!(
        unacknowledged(store, "05443", since)
            .await
            .expect("pending")
            .is_empty()
    );
    // Other stations have their own.
    assert_eq!(
        unacknowledged(store, "05710", 0)
            .await
            .expect("pending")
            .len(),
        1
    );
}
