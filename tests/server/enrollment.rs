//! Enrollment and station credentials: one-time codes that expire, tokens that can be
//! revoked.

use loa::server::auth::{hash_secret, new_enroll_code, normalise_code};
use reqwest::Method;
use sqlx::Row;

use super::TestApp;
use super::station_api::call;
use crate::both_backends;

both_backends!(
    enroll_code_works_once,
    expired_enroll_code_is_refused,
    enroll_code_ignores_case_spaces_and_dashes,
    revoked_tokens_are_refused,
);

/// A fresh enrollment code for `station`, from the admin API.
async fn enroll_code(app: &TestApp, station: &str) -> String {
    let admin = app.admin().await;
    let (status, body) = call(
        app,
        Method::POST,
        &format!("/api/v1/stations/{station}/enroll-code"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["code"].as_str().expect("code").to_owned()
}

async fn try_enroll(app: &TestApp, code: &str) -> (u16, serde_json::Value) {
    let res = app
        .client
        .post(app.url("/api/v1/enroll"))
        .json(&serde_json::json!({ "code": code }))
        .send()
        .await
        .expect("enroll");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

async fn enroll_code_works_once(app: TestApp) {
    let code = enroll_code(&app, "05443").await;
    let (status, body) = try_enroll(&app, &code).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["station"], "05443");
    assert!(body["token"].as_str().expect("token").starts_with("lst_"));
    let (status, body) = try_enroll(&app, &code).await;
    assert_eq!(status, 403, "second use: {body}");
    assert_eq!(body["error"], "forbidden");
    let (status, _) = try_enroll(&app, "AAAA-BBBB-CCCC").await;
    assert_eq!(status, 403, "a code never issued");
    let res = app
        .client
        .post(app.url("/api/v1/enroll"))
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .expect("enroll");
    assert_eq!(res.status(), 400);
    let tokens: i64 = sqlx::query("SELECT COUNT(*) FROM station_tokens")
        .fetch_one(&app.db)
        .await
        .expect("count")
        .get(0);
    assert_eq!(tokens, 1, "only the first use made a token");
}

async fn expired_enroll_code_is_refused(app: TestApp) {
    let code = new_enroll_code();
    let past = chrono::Utc::now().timestamp_millis() - 60_000;
    sqlx::query(
        "INSERT INTO enroll_codes (code_hash, station_code, expires_at, created_by) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash_secret(&normalise_code(&code)))
    .bind("05443".to_owned())
    .bind(past)
    .bind("test".to_owned())
    .execute(&app.db)
    .await
    .expect("insert expired code");
    let (status, body) = try_enroll(&app, &code).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("hết hạn"),
        "says it may have expired: {body}"
    );
}

async fn enroll_code_ignores_case_spaces_and_dashes(app: TestApp) {
    let code = enroll_code(&app, "05443").await;
    assert_eq!(code.len(), 14, "three groups of four: {code}");
    let typed = code.replace('-', "").to_lowercase();
    let (status, body) = try_enroll(&app, &typed).await;
    assert_eq!(status, 201, "{typed}: {body}");
    let code = enroll_code(&app, "05443").await;
    let typed = format!(" {} ", code.to_lowercase().replace('-', " - "));
    let (status, body) = try_enroll(&app, &typed).await;
    assert_eq!(status, 201, "{typed}: {body}");
}

async fn revoked_tokens_are_refused(app: TestApp) {
    let first = app.enroll("05443").await;
    let second = app.enroll("05443").await;
    let other = app.enroll("05710").await;
    for t in [&first, &second, &other] {
        let (status, _) = call(&app, Method::GET, "/api/v1/playlist", t, None).await;
        assert_eq!(status, 200);
    }
    let admin = app.admin().await;
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/stations/05443/revoke-tokens",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["revoked"], 2);
    for t in [&first, &second] {
        let (status, body) = call(&app, Method::GET, "/api/v1/playlist", t, None).await;
        assert_eq!(status, 401, "{body}");
        let (status, _) = call(
            &app,
            Method::POST,
            "/api/v1/heartbeat",
            t,
            Some(serde_json::json!({ "version": "t" })),
        )
        .await;
        assert_eq!(status, 401);
    }
    let (status, _) = call(&app, Method::GET, "/api/v1/playlist", &other, None).await;
    assert_eq!(status, 200, "another station's token still works");
    let again = app.enroll("05443").await;
    let (status, _) = call(&app, Method::GET, "/api/v1/playlist", &again, None).await;
    assert_eq!(status, 200, "the station can enroll again");
}
