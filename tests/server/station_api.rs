//! The station side of the API: who may call it, playlist with ETag, heartbeat.

use reqwest::Method;
use sqlx::Row;

use super::TestApp;
use crate::both_backends;

both_backends!(
    healthz_answers,
    enrolled_station_gets_its_playlist_with_etag,
    station_token_is_forbidden_on_console_endpoints,
    console_session_is_forbidden_on_station_endpoints,
    playlist_etag_changes_with_the_plan,
    heartbeat_is_stored_and_answers_server_time,
);

/// A console request as `token`; returns status and JSON body (`Null` when none).
pub(super) async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

async fn healthz_answers(app: TestApp) {
    let res = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), "ok");
    app.state.store.ping().await.expect("store answers");
    assert!(
        app.data_dir.join("media").is_dir(),
        "seed copied the audio into the media folder"
    );
}

async fn enrolled_station_gets_its_playlist_with_etag(app: TestApp) {
    let token = app.enroll("05443").await;
    let res = app
        .client
        .get(app.url("/api/v1/playlist"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["station"], "05443");
    assert!(
        !body["items"].as_array().expect("items").is_empty(),
        "seeded plan has items"
    );
    let again = app
        .client
        .get(app.url("/api/v1/playlist"))
        .bearer_auth(&token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 304);
    let anonymous = app
        .client
        .get(app.url("/api/v1/playlist"))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 401);
    // Another station's token reads that station's playlist, never this one's.
    let other = app.enroll("05710").await;
    let (status, body) = call(&app, Method::GET, "/api/v1/playlist", &other, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["station"], "05710");
}

async fn station_token_is_forbidden_on_console_endpoints(app: TestApp) {
    let token = app.enroll("05443").await;
    for path in ["/api/v1/stations", "/api/v1/areas", "/api/v1/me"] {
        let (status, body) = call(&app, Method::GET, path, &token, None).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(body["error"], "forbidden", "{path}");
        assert!(
            body["message"].as_str().expect("message").contains("05443"),
            "{path}: the message names the station: {body}"
        );
    }
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/v1/stations/05443/enroll-code",
        &token,
        None,
    )
    .await;
    assert_eq!(status, 403, "a station cannot mint enrollment codes");
    // A token that only looks like a station's is just unauthenticated.
    let fake = format!("lst_{}", "0".repeat(64));
    let (status, body) = call(&app, Method::GET, "/api/v1/stations", &fake, None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "unauthorized");
}

async fn console_session_is_forbidden_on_station_endpoints(app: TestApp) {
    let admin = app.admin().await;
    let station = app.enroll("05443").await;
    let (_, playlist) = call(&app, Method::GET, "/api/v1/playlist", &station, None).await;
    let sha = playlist["items"][0]["sha256"]
        .as_str()
        .expect("sha")
        .to_owned();
    let airings = serde_json::json!({ "airings": [] });
    let heartbeat = serde_json::json!({ "version": "test" });
    let cases = [
        (Method::GET, "/api/v1/playlist".to_owned(), None),
        (Method::GET, format!("/api/v1/media/{sha}"), None),
        (Method::POST, "/api/v1/airings".to_owned(), Some(airings)),
        (
            Method::POST,
            "/api/v1/heartbeat".to_owned(),
            Some(heartbeat),
        ),
        (Method::GET, "/api/v1/events".to_owned(), None),
    ];
    for (method, path, body) in cases {
        let (status, answer) = call(&app, method.clone(), &path, &admin, body.clone()).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert_eq!(answer["error"], "forbidden");
        let (status, _) = call(&app, method.clone(), &path, "lss_not-a-session", body).await;
        assert_eq!(status, 401, "{method} {path} with an unknown session");
    }
    let heartbeats: i64 = sqlx::query("SELECT COUNT(*) FROM heartbeats")
        .fetch_one(&app.db)
        .await
        .expect("count")
        .get(0);
    assert_eq!(heartbeats, 0, "refused requests wrote nothing");
}

async fn get_playlist(
    app: &TestApp,
    token: &str,
    if_none_match: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .get(app.url("/api/v1/playlist"))
        .bearer_auth(token);
    if let Some(etag) = if_none_match {
        req = req.header("If-None-Match", etag);
    }
    req.send().await.expect("playlist")
}

fn server_time(res: &reqwest::Response) -> i64 {
    res.headers()["x-loa-server-time"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("milliseconds")
}

async fn playlist_etag_changes_with_the_plan(app: TestApp) {
    let token = app.enroll("05443").await;
    let before = chrono::Utc::now().timestamp_millis();
    let res = get_playlist(&app, &token, None).await;
    assert_eq!(res.status(), 200);
    let t = server_time(&res);
    assert!(t >= before && t <= chrono::Utc::now().timestamp_millis());
    let old = res.headers()["etag"].to_str().expect("etag").to_owned();
    let body = res.bytes().await.expect("body");
    let digest = crate::support::sha256_hex(&body);
    assert_eq!(
        old,
        format!("\"{digest}\""),
        "the ETag is the body's SHA-256"
    );

    let res = get_playlist(&app, &token, Some(&old)).await;
    assert_eq!(res.status(), 304);
    server_time(&res);
    assert!(res.bytes().await.expect("body").is_empty());

    sqlx::query("UPDATE stations SET target_lufs = -20 WHERE code = $1")
        .bind("05443".to_owned())
        .execute(&app.db)
        .await
        .expect("update");
    let summary = app
        .state
        .recompile(Some(&["05443".to_owned()]))
        .await
        .expect("recompile");
    assert_eq!(summary.changed, 1);

    let res = get_playlist(&app, &token, Some(&old)).await;
    assert_eq!(res.status(), 200, "the old ETag no longer matches");
    server_time(&res);
    let new = res.headers()["etag"].to_str().expect("etag").to_owned();
    assert_ne!(new, old);
    let res = get_playlist(&app, &token, Some(&new)).await;
    assert_eq!(res.status(), 304);
    let res = get_playlist(&app, &token, Some(&format!("{old}, {new}"))).await;
    assert_eq!(res.status(), 304, "any ETag of a list matches");
}

async fn heartbeat_is_stored_and_answers_server_time(app: TestApp) {
    let token = app.enroll("05443").await;
    let sent = loa::wire::HeartbeatJson {
        version: "0.1.0".to_owned(),
        playlist_version: Some("abc".to_owned()),
        media_ready: 12,
        media_missing: 1,
        disk_free_bytes: 5_000_000_000,
        clock_offset_ms: -420,
        outbox_backlog: 3,
        last_error: Some("mất kết nối".to_owned()),
        uptime_s: 3600,
    };
    let before = chrono::Utc::now().timestamp_millis();
    let res = app
        .client
        .post(app.url("/api/v1/heartbeat"))
        .bearer_auth(&token)
        .json(&sent)
        .send()
        .await
        .expect("heartbeat");
    assert_eq!(res.status(), 200);
    server_time(&res);
    let answer: serde_json::Value = res.json().await.expect("json");
    let now = answer["server_time_ms"].as_i64().expect("server_time_ms");
    assert!(now >= before && now <= chrono::Utc::now().timestamp_millis());
    let row = sqlx::query("SELECT station_code, at_ms, body FROM heartbeats")
        .fetch_one(&app.db)
        .await
        .expect("one heartbeat");
    assert_eq!(row.get::<String, _>(0), "05443");
    assert_eq!(row.get::<i64, _>(1), now);
    let stored: loa::wire::HeartbeatJson =
        serde_json::from_str(&row.get::<String, _>(2)).expect("stored JSON");
    assert_eq!(stored, sent);

    for bad in [
        serde_json::json!({ "version": "x", "bogus": 1 }),
        serde_json::json!({ "version": 5 }),
        serde_json::json!({}),
    ] {
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/heartbeat",
            &token,
            Some(bad.clone()),
        )
        .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"], "bad_request");
    }
}

both_backends!(a_change_made_by_another_replica_reaches_the_playlist_cache);

/// Another replica recompiles (here: the store directly, bypassing this replica's
/// cache); this replica learns it from the `events` table within a poll interval.
async fn a_change_made_by_another_replica_reaches_the_playlist_cache(app: TestApp) {
    let token = app.enroll("05443").await;
    let first = get_playlist(&app, &token, None).await;
    let old = first.headers()["etag"].to_str().expect("etag").to_owned();
    sqlx::query("UPDATE stations SET target_lufs = -21 WHERE code = $1")
        .bind("05443".to_owned())
        .execute(&app.db)
        .await
        .expect("update");
    let summary = loa::store::recompile(
        &app.state.store,
        Some(&["05443".to_owned()]),
        chrono::Utc::now(),
        14,
    )
    .await
    .expect("recompile");
    assert_eq!(summary.changed, 1);
    let changed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            let res = get_playlist(&app, &token, Some(&old)).await;
            if res.status() == 200 {
                return res.headers()["etag"].to_str().expect("etag").to_owned();
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the cache dropped the old playlist within 5 s");
    assert_ne!(changed, old);
}

both_backends!(planned_items_match_the_stored_playlist);

/// The planned items written beside a playlist (one bulk insert per station) are the
/// playlist's items, column for column, with integer instants.
async fn planned_items_match_the_stored_playlist(app: TestApp) {
    let stored = loa::store::fetch_playlist(&app.state.store, "05443")
        .await
        .expect("fetch")
        .expect("a compiled playlist");
    let body: serde_json::Value = serde_json::from_str(&stored.body).expect("playlist JSON");
    let items = body["items"].as_array().expect("items");
    assert!(!items.is_empty());
    let from = items[0]["start"].as_str().expect("start");
    let from_ms = chrono::DateTime::parse_from_rfc3339(from)
        .expect("RFC 3339")
        .timestamp_millis();
    let rows = sqlx::query(
        "SELECT item_id, start_ms, duration_ms, segment_id, campaign_id, priority FROM planned_items
         WHERE station_code = $1 AND start_ms >= $2 ORDER BY start_ms",
    )
    .bind("05443".to_owned())
    .bind(from_ms)
    .fetch_all(&app.db)
    .await
    .expect("planned items");
    assert_eq!(rows.len(), items.len());
    for (row, item) in rows.iter().zip(items) {
        let start = chrono::DateTime::parse_from_rfc3339(item["start"].as_str().expect("start"))
            .expect("RFC 3339");
        assert_eq!(row.get::<String, _>(0), item["id"].as_str().expect("id"));
        assert_eq!(row.get::<i64, _>(1), start.timestamp_millis());
        assert_eq!(
            row.get::<i64, _>(2),
            item["duration_ms"].as_i64().expect("duration")
        );
        assert_eq!(
            row.get::<String, _>(3),
            item["segment"].as_str().expect("segment")
        );
        assert_eq!(
            row.get::<String, _>(4),
            item["campaign"].as_str().expect("campaign")
        );
        assert_eq!(
            row.get::<String, _>(5),
            item["priority"].as_str().expect("priority")
        );
    }
}
