//! What an outsider who can reach the port, or a station, may send: every body and
//! query bounded, answered in JSON; and accounts an attacker cannot use against staff
//! (password policy, password changes and resets, logout, the last administrator).

use std::time::{Duration, Instant};

use futures::StreamExt;
use loa::domain::{AiringRecord, GENESIS_HASH, Outcome};
use loa::wire::AiringJson;
use reqwest::Method;
use serde_json::json;
use sqlx::Row;

use super::TestApp;
use super::campaigns::api;
use crate::both_backends;

both_backends!(
    login_bodies_are_bounded_and_long_usernames_are_not_stored,
    heartbeats_are_bounded_rate_limited_and_kept_to_a_bounded_history,
    event_streams_are_capped_per_station,
    revoking_tokens_closes_open_event_streams_at_once,
    airings_from_the_future_or_of_unplayable_items_are_refused,
    bad_query_parameters_answer_json_errors,
    a_range_past_u64_is_clamped_to_the_file,
    an_unknown_username_costs_as_much_time_as_a_real_one,
    passwords_follow_the_policy_and_can_be_changed_and_reset,
    logout_ends_the_session_and_accounts_can_be_enabled_again,
    the_last_enabled_administrator_cannot_be_disabled,
    data_files_are_private,
);

async fn login_bodies_are_bounded_and_long_usernames_are_not_stored(app: TestApp) {
    let huge = "a".repeat(1024 * 1024);
    let res = app
        .client
        .post(app.url("/api/v1/login"))
        .json(&json!({ "username": huge, "password": "x" }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 413);
    let body: serde_json::Value = res.json().await.expect("a JSON error");
    assert_eq!(body["error"], "payload_too_large");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("quá lớn"),
        "{body}"
    );
    // Under the body limit, a long username is refused and kept cut to 64 characters.
    let long = "b".repeat(10 * 1024);
    let res = app
        .client
        .post(app.url("/api/v1/login"))
        .json(&json!({ "username": long, "password": "x" }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 401);
    let longest: i64 = sqlx::query("SELECT COALESCE(MAX(LENGTH(username)), 0) FROM login_failures")
        .fetch_one(&app.db)
        .await
        .expect("failures")
        .get(0);
    assert!((1..=64).contains(&longest), "stored {longest} characters");
    // Account bodies are small too.
    let admin = app.admin().await;
    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&admin)
        .json(&json!({ "username": "x".repeat(100_000), "password": "x", "role": "viewer", "area": "19" }))
        .send()
        .await
        .expect("accounts");
    assert_eq!(res.status(), 413);
}

async fn heartbeat(app: &TestApp, token: &str, body: serde_json::Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/heartbeat"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("heartbeat")
}

async fn heartbeats_are_bounded_rate_limited_and_kept_to_a_bounded_history(app: TestApp) {
    let token = app.enroll("05443").await;
    let res = heartbeat(&app, &token, json!({ "version": "v".repeat(200) })).await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("version"),
        "{body}"
    );
    let res = heartbeat(
        &app,
        &token,
        json!({ "version": "1", "last_error": "e".repeat(8 * 1024) }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let stored: String = sqlx::query("SELECT body FROM heartbeats WHERE station_code = '05443'")
        .fetch_one(&app.db)
        .await
        .expect("stored")
        .get(0);
    assert!(
        stored.len() < 1200,
        "last_error cut: {} bytes",
        stored.len()
    );
    let res = heartbeat(
        &app,
        &token,
        json!({ "version": "1", "last_error": "e".repeat(32 * 1024) }),
    )
    .await;
    assert_eq!(res.status(), 413, "heartbeat bodies are small");
    // A burst is allowed, a flood is not.
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(
            heartbeat(&app, &token, json!({ "version": "1" }))
                .await
                .status()
                .as_u16(),
        );
    }
    assert!(statuses.contains(&200), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    // Only the latest day's worth stays.
    for i in 0..1500 {
        loa::store::record_heartbeat(&app.state.store, "05710", 1_000_000 + i, "{}")
            .await
            .expect("record");
    }
    let row =
        sqlx::query("SELECT COUNT(*), MAX(at_ms) FROM heartbeats WHERE station_code = '05710'")
            .fetch_one(&app.db)
            .await
            .expect("count");
    assert_eq!(row.get::<i64, _>(0), loa::store::HEARTBEAT_HISTORY);
    assert_eq!(row.get::<i64, _>(1), 1_000_000 + 1499, "the latest is kept");
}

async fn open_stream(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url("/api/v1/events"))
        .bearer_auth(token)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("events")
}

async fn event_streams_are_capped_per_station(app: TestApp) {
    let token = app.enroll("05443").await;
    let first = open_stream(&app, &token).await;
    let second = open_stream(&app, &token).await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = open_stream(&app, &token).await;
    assert_eq!(third.status(), 429);
    let body: serde_json::Value = third.json().await.expect("json");
    assert_eq!(body["error"], "too_many_requests");
    // Another station has its own allowance; a closed stream frees its slot.
    let other = app.enroll("05710").await;
    assert_eq!(open_stream(&app, &other).await.status(), 200);
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let res = open_stream(&app, &token).await;
        if res.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the slot was never freed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn revoking_tokens_closes_open_event_streams_at_once(app: TestApp) {
    let token = app.enroll("05443").await;
    let admin = app.admin().await;
    let mut stream = open_stream(&app, &token).await.bytes_stream();
    let hello = stream.next().await.expect("hello").expect("bytes");
    assert!(String::from_utf8_lossy(&hello).contains("hello"));
    let res = app
        .client
        .post(app.url("/api/v1/stations/05443/revoke-tokens"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), 200);
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some(chunk) = stream.next().await {
            let text = String::from_utf8_lossy(&chunk.expect("bytes")).into_owned();
            assert!(
                !text.contains("emergency"),
                "no event reaches a revoked station"
            );
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream is still open after revocation");
}

fn signed(mut a: AiringJson) -> AiringJson {
    a.hash = AiringRecord {
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
    .chain_hash();
    a
}

fn record(item: &str, planned: i64, actual: i64) -> AiringJson {
    signed(AiringJson {
        uuid: uuid::Uuid::new_v4().to_string(),
        item_id: item.to_owned(),
        planned_start_ms: planned,
        actual_start_ms: Some(actual),
        actual_end_ms: Some(actual + 60_000),
        outcome: "aired".to_owned(),
        reason: String::new(),
        clock_offset_ms: 0,
        prev_hash: GENESIS_HASH.to_owned(),
        hash: String::new(),
    })
}

async fn airings_from_the_future_or_of_unplayable_items_are_refused(app: TestApp) {
    let token = app.enroll("05443").await;
    let pool = &app.db;
    let other_item: String =
        sqlx::query("SELECT item_id FROM planned_items WHERE station_code = '05710' LIMIT 1")
            .fetch_one(pool)
            .await
            .expect("another station's item")
            .get(0);
    let row = sqlx::query("SELECT p.item_id, p.start_ms, s.sha256 FROM planned_items p JOIN segments s ON s.id = p.segment_id WHERE p.station_code = '05443' ORDER BY p.start_ms LIMIT 1")
        .fetch_one(pool)
        .await
        .expect("own item");
    let (own_item, own_start, sha): (String, i64, String) = (row.get(0), row.get(1), row.get(2));
    let now = chrono::Utc::now().timestamp_millis();
    let year_2100 = 4_102_444_800_000;
    let cases = [
        (
            record(&own_item, own_start, year_2100),
            "rejected",
            "tương lai",
        ),
        (
            record(&other_item, now - 3_600_000, now - 3_600_000),
            "rejected",
            "không có trong lịch",
        ),
        (
            record("fb-0123456789abcdef", now - 3_600_000, now - 3_600_000),
            "rejected",
            "dự phòng",
        ),
    ];
    for (airing, status, words) in cases {
        let res = app
            .client
            .post(app.url("/api/v1/airings"))
            .bearer_auth(&token)
            .json(&json!({ "airings": [airing] }))
            .send()
            .await
            .expect("airings");
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["results"][0]["status"], status, "{body}");
        let error = body["results"][0]["error"].as_str().expect("error");
        assert!(error.contains(words), "{error}");
    }
    let stored: i64 = sqlx::query("SELECT COUNT(*) FROM airings")
        .fetch_one(pool)
        .await
        .expect("count")
        .get(0);
    assert_eq!(stored, 0);
    // A real fallback replay of planned audio is stored.
    let start = now - 7_200_000;
    let fallback = loa::domain::fallback_item_id("05443", start, &sha);
    let res = app
        .client
        .post(app.url("/api/v1/airings"))
        .bearer_auth(&token)
        .json(&json!({ "airings": [record(&fallback, start, start)] }))
        .send()
        .await
        .expect("airings");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["results"][0]["status"], "stored", "{body}");
}

async fn bad_query_parameters_answer_json_errors(app: TestApp) {
    let admin = app.admin().await;
    for query in [
        "limit=-5",
        "limit=5.0",
        "limit=abc",
        "limit=99999999999999999999",
    ] {
        let res = app
            .client
            .get(app.url(&format!("/api/v1/audit?{query}")))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("audit");
        assert_eq!(res.status(), 400, "{query}");
        let body: serde_json::Value = res.json().await.expect("a JSON error body");
        assert_eq!(body["error"], "bad_request", "{query}");
        let message = body["message"].as_str().expect("message");
        assert!(message.contains("tham số"), "{query}: {message}");
        assert!(!message.contains("invalid"), "no English: {message}");
    }
    let (status, _) = api(&app, Method::GET, "/api/v1/audit?limit=5", &admin, None).await;
    assert_eq!(status, 200);
}

async fn a_range_past_u64_is_clamped_to_the_file(app: TestApp) {
    let token = app.enroll("05443").await;
    let playlist: serde_json::Value = app
        .client
        .get(app.url("/api/v1/playlist"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("playlist")
        .json()
        .await
        .expect("json");
    let sha = playlist["items"][0]["sha256"].as_str().expect("sha");
    let res = app
        .client
        .get(app.url(&format!("/api/v1/media/{sha}")))
        .bearer_auth(&token)
        .header("range", "bytes=0-99999999999999999999")
        .send()
        .await
        .expect("media");
    assert_eq!(res.status(), 206);
    let range = res.headers()["content-range"]
        .to_str()
        .expect("text")
        .to_owned();
    let len: u64 = range
        .rsplit('/')
        .next()
        .expect("length")
        .parse()
        .expect("number");
    assert_eq!(range, format!("bytes 0-{}/{len}", len - 1));
    assert_eq!(res.bytes().await.expect("body").len() as u64, len);
}

async fn timed_login(app: &TestApp, username: &str) -> Duration {
    let started = Instant::now();
    let res = app
        .client
        .post(app.url("/api/v1/login"))
        .json(&json!({ "username": username, "password": "sai-mat-khau-roi" }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 401);
    started.elapsed()
}

async fn an_unknown_username_costs_as_much_time_as_a_real_one(app: TestApp) {
    // Warm up the dummy hash and the connection.
    timed_login(&app, "khong-co-0").await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    // Four tries on the real account stay under its throttling threshold (five).
    for n in 0..4 {
        known.push(timed_login(&app, "admin").await);
        unknown.push(timed_login(&app, &format!("khong-co-{n}")).await);
        unknown.push(timed_login(&app, &format!("khong-co-{n}-b")).await);
    }
    // The fastest of each: the least disturbed by other tests sharing the CPU.
    let k = known.iter().min().copied().unwrap_or_default();
    let u = unknown.iter().min().copied().unwrap_or_default();
    // Before the dummy hash an unknown user was answered in about 1 ms, a real one in
    // 40 ms or more.
    assert!(
        u * 4 >= k,
        "unknown {u:?} vs known {k:?}: the answer time tells whether the account exists"
    );
}

async fn passwords_follow_the_policy_and_can_be_changed_and_reset(app: TestApp) {
    let admin = app.admin().await;
    for (password, words) in [
        ("ngan-lam", "ít nhất 10 ký tự"),
        ("password123", "phổ biến"),
    ] {
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/v1/accounts",
            &admin,
            Some(json!({ "username": "bientap", "password": password, "role": "editor", "area": "19" })),
        )
        .await;
        assert_eq!(status, 422, "{password}: {body}");
        assert!(body.to_string().contains(words), "{body}");
    }
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts",
        &admin,
        Some(json!({ "username": "bientap", "password": "song-hong-mua-thu", "role": "editor", "area": "19" })),
    )
    .await;
    assert_eq!(status, 201);
    let editor = app.login("bientap", "song-hong-mua-thu").await;
    let other_session = app.login("bientap", "song-hong-mua-thu").await;
    // Change one's own password: the current one is checked, the policy applies.
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/me/password",
        &editor,
        Some(change("sai-roi-nhe", "nui-cao-song-dai")),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/me/password",
        &editor,
        Some(change("song-hong-mua-thu", "12345678")),
    )
    .await;
    assert_eq!(status, 422);
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/me/password",
        &editor,
        Some(change("song-hong-mua-thu", "nui-cao-song-dai")),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = api(&app, Method::GET, "/api/v1/me", &editor, None).await;
    assert_eq!(status, 200, "this session goes on");
    let (status, _) = api(&app, Method::GET, "/api/v1/me", &other_session, None).await;
    assert_eq!(status, 401, "other sessions end");
    let editor = app.login("bientap", "nui-cao-song-dai").await;

    // An administrator resets it: sessions end, the next login must change it first.
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/bientap/password",
        &admin,
        Some(json!({ "new_password": "tam-thoi-doi-ngay" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = api(&app, Method::GET, "/api/v1/me", &editor, None).await;
    assert_eq!(status, 401);
    let forced = app.login("bientap", "tam-thoi-doi-ngay").await;
    let (status, body) = api(&app, Method::GET, "/api/v1/stations", &forced, None).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("đổi mật khẩu")
    );
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/me/password",
        &forced,
        Some(change("tam-thoi-doi-ngay", "bien-xanh-cat-trang")),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = api(&app, Method::GET, "/api/v1/stations", &forced, None).await;
    assert_eq!(status, 200, "after the change the account works");
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/bientap/password",
        &forced,
        Some(json!({ "new_password": "bien-xanh-cat-trang-2" })),
    )
    .await;
    assert_eq!(status, 403, "an editor resets nobody");
}

async fn logout_ends_the_session_and_accounts_can_be_enabled_again(app: TestApp) {
    let admin = app.admin().await;
    let session = app.admin().await;
    let (status, _) = api(&app, Method::POST, "/api/v1/logout", &session, None).await;
    assert_eq!(status, 204);
    let (status, _) = api(&app, Method::GET, "/api/v1/me", &session, None).await;
    assert_eq!(status, 401, "the token is dead");
    let (status, _) = api(&app, Method::GET, "/api/v1/me", &admin, None).await;
    assert_eq!(status, 200, "other sessions go on");

    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts",
        &admin,
        Some(json!({ "username": "xem", "password": "ngam-sao-dem-he", "role": "viewer", "area": "19" })),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/xem/disable",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/xem/enable",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["disabled"], false);
    app.login("xem", "ngam-sao-dem-he").await;
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/khong-co/enable",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 404);
}

async fn the_last_enabled_administrator_cannot_be_disabled(app: TestApp) {
    let admin = app.admin().await;
    // A second national administrator (as `loa account create` makes one): each of the
    // two reaches the other's account.
    loa::server::accounts::create_account_in(
        &app.state.store,
        "quantri2",
        "quantri2",
        "hai-quan-tri-vien",
        loa::server::auth::Role::Admin,
        loa::server::accounts::Reach::WholeTree,
    )
    .await
    .expect("second administrator");
    let second = app.login("quantri2", "hai-quan-tri-vien").await;
    // Two administrators disable each other at the same moment: one of them wins.
    let (a, b) = tokio::join!(
        api(
            &app,
            Method::POST,
            "/api/v1/accounts/quantri2/disable",
            &admin,
            None
        ),
        api(
            &app,
            Method::POST,
            "/api/v1/accounts/admin/disable",
            &second,
            None
        ),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
    let conflict = if a.0 == 409 { &a.1 } else { &b.1 };
    assert!(
        conflict.to_string().contains("quản trị viên cuối cùng"),
        "{conflict}"
    );
    let enabled: Vec<String> =
        sqlx::query("SELECT username FROM accounts WHERE role = 'admin' AND disabled = 0")
            .fetch_all(&app.db)
            .await
            .expect("admins")
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(enabled.len(), 1, "{enabled:?}");
    let done = loa::store::logins::disable_account(&app.state.store, &enabled[0], "test")
        .await
        .expect("store");
    assert_eq!(done, loa::store::logins::Disabled::LastAdmin);
}

async fn data_files_are_private(app: TestApp) {
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&app.data_dir), 0o700);
    assert_eq!(mode(&app.data_dir.join("media")), 0o700);
    assert_eq!(mode(&app.data_dir.join("admin-password.txt")), 0o600);
    if app.data_dir.join("loa.db").exists() {
        assert_eq!(mode(&app.data_dir.join("loa.db")), 0o600);
    }
    // Every folder and file of the seeded media.
    let mut stack = vec![app.data_dir.join("media")];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                assert_eq!(mode(&path), 0o700, "{}", path.display());
                stack.push(path);
            } else {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
                files += 1;
            }
        }
    }
    assert!(files > 0, "the seed stored media");
}

#[test]
fn the_first_admin_password_is_never_logged() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_loa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--seed"])
        .arg(super::seed_dir())
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("LOA_DATABASE_URL")
        .env_remove("LOA_CONFIG")
        .env("LOA_LOG", "trace")
        .env("LOA_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("loa serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut logged = Vec::new();
    let mut terminal = Vec::new();
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line.expect("utf-8 line");
        if line.starts_with('{') {
            let running = line.contains("đang chạy");
            logged.push(line);
            if running {
                break;
            }
        } else {
            terminal.push(line);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let password = std::fs::read_to_string(dir.path().join("admin-password.txt"))
        .expect("password file")
        .lines()
        .nth(1)
        .expect("password line")
        .to_owned();
    assert!(
        logged.iter().any(|l| l.contains("quản trị đầu tiên")),
        "the creation is logged: {logged:#?}"
    );
    assert!(
        !logged.iter().any(|l| l.contains(&password)),
        "the password is in the log"
    );
    assert!(
        terminal.iter().any(|l| l.contains(&password)),
        "the terminal shows it: {terminal:#?}"
    );
}
