//! Administration through the console API: station writes checked like schedule
//! files, accounts scoped to an area subtree, the login rate limit, and the audit log.

use reqwest::Method;
use serde_json::json;

use super::TestApp;
use super::campaigns::{api, audit, etags, problems};
use crate::both_backends;

both_backends!(
    stations_are_created_and_changed_with_the_schedule_files_checks,
    bad_stations_are_refused_with_every_problem_and_change_nothing,
    accounts_are_created_listed_and_disabled_by_administrators,
    logins_are_throttled_per_account_and_per_address,
    the_console_writes_are_in_the_openapi_document,
);
both_backends!(crate::server::bac_kan_dir;
    administrators_reach_only_their_subtree,
    the_audit_log_is_newest_first_and_scoped,
);

fn has(problems: &[String], prefix: &str, words: &str) {
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(prefix) && p.contains(words)),
        "no problem `{prefix}` saying `{words}` in {problems:#?}"
    );
}

async fn stations_are_created_and_changed_with_the_schedule_files_checks(app: TestApp) {
    let admin = app.admin().await;
    let before = etags(&app, &admin).await;
    let station = json!({
        "code": "05443-3",
        "area": "05443",
        "languages": ["tyz", "vi"],
        "windows": [{ "days": "T2-T6", "times": ["05:30-06:00", "17:00-17:30"] }],
        "target_lufs": -18.0
    });
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/stations",
        &admin,
        Some(station),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["recompiled"]["stations"], 1);
    assert_eq!(body["recompiled"]["changed"], 1);
    let created = &body["station"];
    assert_eq!(created["name"], "Trạm truyền thanh Phường Phan Đình Phùng");
    assert_eq!(created["timezone"], "Asia/Ho_Chi_Minh");
    assert_eq!(created["languages"], json!(["tyz", "vi"]));
    assert_eq!(
        created["windows"],
        json!([{ "days": "T2,T3,T4,T5,T6", "times": ["05:30-06:00", "17:00-17:30"] }])
    );
    assert_eq!(created["target_lufs"], -18.0);
    let first_etag = created["playlist_etag"]
        .as_str()
        .expect("compiled")
        .to_owned();
    let stored = loa::store::fetch_playlist(&app.state.store, "05443-3")
        .await
        .expect("fetch")
        .expect("compiled");
    assert!(
        stored.body.contains("xhht-2025-2030"),
        "the province campaign reaches it"
    );
    let after = etags(&app, &admin).await;
    for (code, etag) in &before {
        assert_eq!(&after[code], etag, "{code} is not recompiled");
    }

    let (status, one) = api(&app, Method::GET, "/api/v1/stations/05443-3", &admin, None).await;
    assert_eq!(status, 200);
    assert_eq!(&one, created);
    let (status, _) = api(&app, Method::GET, "/api/v1/stations/khong-co", &admin, None).await;
    assert_eq!(status, 404);

    // Replacing: mornings only, another name; the code in the body may repeat the path.
    let change = json!({
        "code": "05443-3",
        "area": "05443",
        "name": "  Cụm loa tổ 5  ",
        "windows": [{ "times": ["05:30-06:30"] }]
    });
    let (status, body) = api(
        &app,
        Method::PUT,
        "/api/v1/stations/05443-3",
        &admin,
        Some(change),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["station"]["name"], "Cụm loa tổ 5");
    assert_eq!(body["station"]["languages"], json!(["vi"]));
    assert_eq!(
        body["station"]["windows"],
        json!([{ "days": "T2-CN", "times": ["05:30-06:30"] }])
    );
    assert_eq!(body["station"]["target_lufs"], -16.0);
    assert_ne!(body["station"]["playlist_etag"], first_etag);
    assert_eq!(body["recompiled"]["stations"], 1);

    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/stations",
        &admin,
        Some(json!({ "code": "05443-3", "area": "05443" })),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = api(
        &app,
        Method::PUT,
        "/api/v1/stations/khong-co",
        &admin,
        Some(json!({ "area": "05443" })),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = api(
        &app,
        Method::PUT,
        "/api/v1/stations/05443-3",
        &admin,
        Some(json!({ "code": "05443-4", "area": "05443" })),
    )
    .await;
    has(&problems(status, &body), "code:", "mã trạm không đổi được");

    let log = audit(&app, &admin).await;
    let ours: Vec<&str> = log
        .iter()
        .filter(|(_, target, _)| target == "05443-3")
        .map(|(action, _, _)| action.as_str())
        .collect();
    assert_eq!(ours, ["station.update", "station.create"]);
}

async fn bad_stations_are_refused_with_every_problem_and_change_nothing(app: TestApp) {
    let admin = app.admin().await;
    let before = etags(&app, &admin).await;
    let bad = json!({
        "code": "trạm mới",
        "area": "0571",
        "name": " ",
        "languages": ["Tiếng Việt", "vi"],
        "timezone": "Asia/Hanoi",
        "windows": [
            { "days": "T2-T8", "times": ["05:30-06:00"] },
            { "times": ["25:00-26:00", "06:00-05:00"] },
            { "days": "T7", "times": [] }
        ],
        "target_lufs": 3.0
    });
    let (status, body) = api(&app, Method::POST, "/api/v1/stations", &admin, Some(bad)).await;
    let p = problems(status, &body);
    has(&p, "code:", "mã trạm `trạm mới` không hợp lệ");
    has(
        &p,
        "area:",
        "đơn vị `0571` không có trong danh sách đơn vị hành chính",
    );
    has(&p, "name:", "không được để trống");
    has(&p, "languages[0]:", "mã ngôn ngữ `Tiếng Việt` không hợp lệ");
    has(
        &p,
        "timezone:",
        "múi giờ `Asia/Hanoi` không có trong cơ sở dữ liệu IANA",
    );
    has(&p, "windows[0].days:", "ngày `T2-T8` không hợp lệ");
    has(&p, "windows[1].times[0]:", "giờ `25:00` không hợp lệ");
    has(&p, "windows[1].times[1]:", "phải kết thúc sau khi bắt đầu");
    has(&p, "windows[2].times:", "cần ít nhất một khung giờ");
    has(&p, "target_lufs:", "từ -40 đến -5 LUFS");

    // Each of these is fine alone but not with the rest of the schedule.
    let overlap = json!({
        "code": "moi-1",
        "area": "05710",
        "windows": [{ "times": ["05:30-06:00"] }, { "days": "T7,CN", "times": ["05:45-06:15"] }]
    });
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/stations",
        &admin,
        Some(overlap),
    )
    .await;
    has(
        &problems(status, &body),
        "windows[1].times[0]:",
        "chồng lên khung",
    );
    let outside = json!({
        "code": "moi-2",
        "area": "05710",
        "windows": [{ "times": ["05:30-06:00", "12:00-13:00"] }]
    });
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/stations",
        &admin,
        Some(outside),
    )
    .await;
    has(
        &problems(status, &body),
        "windows[0].times[1]:",
        "nằm ngoài khung giờ của đơn vị 19",
    );
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/stations",
        &admin,
        Some(json!({ "area": "05710" })),
    )
    .await;
    has(&problems(status, &body), "code:", "cần mã trạm");
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/stations",
        &admin,
        Some(json!({ "code": "moi-3", "area": "05710", "antenna": "FM" })),
    )
    .await;
    assert_eq!(status, 400);

    assert_eq!(etags(&app, &admin).await, before, "nothing written");
    let log = audit(&app, &admin).await;
    assert!(
        !log.iter()
            .any(|(action, _, _)| action.starts_with("station.create"))
    );
}

async fn accounts_are_created_listed_and_disabled_by_administrators(app: TestApp) {
    let admin = app.admin().await;
    let new = json!({
        "username": "bientap.05443",
        "display_name": "Biên tập viên",
        "password": "mat-khau-dai",
        "role": "editor",
        "area": "05443"
    });
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/accounts",
        &admin,
        Some(new.clone()),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["username"], "bientap.05443");
    assert_eq!(body["role"], "editor");
    assert_eq!(body["area"], "05443");
    assert_eq!(body["disabled"], false);
    let (status, _) = api(&app, Method::POST, "/api/v1/accounts", &admin, Some(new)).await;
    assert_eq!(status, 409);

    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/accounts",
        &admin,
        Some(json!({ "username": "A B", "password": "ngan", "role": "boss", "area": "99" })),
    )
    .await;
    let p = problems(status, &body);
    has(&p, "username:", "`A B` không hợp lệ");
    has(&p, "password:", "ít nhất 10 ký tự");
    has(&p, "role:", "vai trò `boss` không hợp lệ");
    has(&p, "area:", "đơn vị `99`");

    let (status, list) = api(&app, Method::GET, "/api/v1/accounts", &admin, None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["username"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["admin", "bientap.05443"]);

    // The editor works until disabled; then its session and its password stop working.
    let editor = app.login("bientap.05443", "mat-khau-dai").await;
    let (status, me) = api(&app, Method::GET, "/api/v1/me", &editor, None).await;
    assert_eq!((status, me["role"].as_str()), (200, Some("editor")));
    let (status, _) = api(&app, Method::GET, "/api/v1/accounts", &editor, None).await;
    assert_eq!(status, 403, "accounts are for administrators");
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/bientap.05443/disable",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["disabled"], true);
    let (status, _) = api(&app, Method::GET, "/api/v1/me", &editor, None).await;
    assert_eq!(status, 401);
    let res = app
        .client
        .post(app.url("/api/v1/login"))
        .json(&json!({ "username": "bientap.05443", "password": "mat-khau-dai" }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 401);

    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/admin/disable",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 409, "an administrator cannot lock themselves out");
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/khong-co/disable",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let log = audit(&app, &admin).await;
    assert!(log.contains(&(
        "account.disable".into(),
        "bientap.05443".into(),
        "admin".into()
    )));
    assert!(log.contains(&(
        "account.create".into(),
        "bientap.05443".into(),
        "admin".into()
    )));
}

/// A client whose connections come from `ip` (any 127.x address reaches the server).
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .expect("client")
}

async fn login_as(
    client: &reqwest::Client,
    app: &TestApp,
    username: &str,
    password: &str,
) -> (u16, serde_json::Value) {
    let res = client
        .post(app.url("/api/v1/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("login");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

async fn logins_are_throttled_per_account_and_per_address(app: TestApp) {
    let admin = app.admin().await;
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts",
        &admin,
        Some(json!({ "username": "xem", "password": "ngam-sao-dem-he", "role": "viewer", "area": "19" })),
    )
    .await;
    assert_eq!(status, 201);
    let here = client_from([127, 0, 0, 1]);
    for attempt in 1..=5 {
        let (status, _) = login_as(&here, &app, "admin", "sai-mat-khau").await;
        assert_eq!(status, 401, "attempt {attempt}");
    }
    let (status, body) = login_as(&here, &app, "admin", &app.admin_password).await;
    assert_eq!(
        status, 429,
        "the failing address waits, even with the right password"
    );
    assert_eq!(body["error"], "too_many_requests");
    let message = body["message"].as_str().expect("message");
    assert!(message.contains("thử lại sau 1 giây"), "{message}");

    // The approver on duty is not locked out: an address that has not been failing
    // logs in with the right password at once.
    let elsewhere = client_from([127, 0, 0, 2]);
    let (status, body) = login_as(&elsewhere, &app, "admin", &app.admin_password).await;
    assert_eq!(status, 200, "{body}");
    // Other accounts from the failing address are unaffected.
    let (status, _) = login_as(&here, &app, "xem", "ngam-sao-dem-he").await;
    assert_eq!(status, 200);

    // Delays grow: after the wait, one more failure doubles it.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, _) = login_as(&here, &app, "admin", "sai-nua").await;
    assert_eq!(status, 401);
    let (status, body) = login_as(&here, &app, "admin", &app.admin_password).await;
    assert_eq!(status, 429);
    let message = body["message"].as_str().expect("message");
    assert!(message.contains("thử lại sau 2 giây"), "{message}");

    // One address guessing across many usernames is throttled as an address.
    let guesser = client_from([127, 0, 0, 3]);
    for n in 0..20 {
        let (status, _) = login_as(&guesser, &app, &format!("khong-co-{n}"), "doan-bua").await;
        assert_eq!(status, 401, "guess {n}");
    }
    let (status, body) = login_as(&guesser, &app, "xem", "ngam-sao-dem-he").await;
    assert_eq!(status, 429, "{body}");
    let (status, _) = login_as(&here, &app, "khong-co", "bat-ky-gi-do").await;
    assert_eq!(status, 401);
}

async fn administrators_reach_only_their_subtree(app: TestApp) {
    let province = app.admin().await;
    let city = app.account(&province, "quantri.058", "admin", "058").await;
    // Inside its district: a commune editor; outside it: refused, naming the unit.
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts",
        &city,
        Some(json!({ "username": "bientap.01834", "password": "mat-khau-dai", "role": "editor", "area": "01834" })),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/accounts",
        &city,
        Some(json!({ "username": "bientap.061", "password": "mat-khau-dai", "role": "editor", "area": "061" })),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("`061` (Huyện Ba Bể)"),
        "{body}"
    );
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts",
        &city,
        Some(json!({ "username": "quantri.tinh", "password": "mat-khau-dai", "role": "admin", "area": "06" })),
    )
    .await;
    assert_eq!(status, 403, "no account above its own area");

    let (_, list) = api(&app, Method::GET, "/api/v1/accounts", &city, None).await;
    let names: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["username"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["bientap.01834", "quantri.058"]);
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/admin/disable",
        &city,
        None,
    )
    .await;
    assert_eq!(status, 404, "accounts above look absent");
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/bientap.01834/disable",
        &city,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/accounts/quantri.058/disable",
        &province,
        None,
    )
    .await;
    assert_eq!(
        status, 200,
        "the province disables the district's administrator"
    );
    let (status, _) = api(&app, Method::GET, "/api/v1/accounts", &city, None).await;
    assert_eq!(status, 401);
}

async fn the_audit_log_is_newest_first_and_scoped(app: TestApp) {
    let province = app.admin().await;
    let city = app.account(&province, "quantri.058", "admin", "058").await;
    let ba_be = app.account(&province, "quantri.061", "admin", "061").await;
    for (token, code, area) in [(&city, "01834-2", "01834"), (&ba_be, "01888-2", "01888")] {
        let (status, body) = api(
            &app,
            Method::POST,
            "/api/v1/stations",
            token,
            Some(json!({ "code": code, "area": area })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    // The province's campaign, touching both districts, made by the province.
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &province,
        Some(super::campaigns::campaign("toan-tinh", &["06"])),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let (status, entries) = api(&app, Method::GET, "/api/v1/audit", &province, None).await;
    assert_eq!(status, 200);
    let ids: Vec<i64> = entries
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let whole = audit(&app, &province).await;
    assert_eq!(
        whole[0],
        ("campaign.create".into(), "toan-tinh".into(), "admin".into())
    );
    assert!(whole.contains(&(
        "station.create".into(),
        "01834-2".into(),
        "quantri.058".into()
    )));
    assert!(whole.contains(&(
        "station.create".into(),
        "01888-2".into(),
        "quantri.061".into()
    )));
    assert!(
        whole
            .iter()
            .any(|(action, _, actor)| action == "schedule.import" && actor == "seed")
    );

    let district = audit(&app, &city).await;
    assert!(district.contains(&(
        "station.create".into(),
        "01834-2".into(),
        "quantri.058".into()
    )));
    assert!(
        !district.iter().any(|(_, target, _)| target == "01888-2"),
        "{district:?}"
    );
    assert!(
        !district.iter().any(|(_, target, _)| target == "toan-tinh"),
        "{district:?}"
    );
    assert!(
        !district
            .iter()
            .any(|(action, _, _)| action == "schedule.import")
    );
    assert!(
        district.contains(&(
            "account.create".into(),
            "quantri.058".into(),
            "admin".into()
        )),
        "its own account lies in its subtree"
    );

    let (_, page) = api(&app, Method::GET, "/api/v1/audit?limit=2", &province, None).await;
    let page: Vec<i64> = page
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(page, ids[..2]);
    let (_, next) = api(
        &app,
        Method::GET,
        &format!("/api/v1/audit?limit=2&before={}", page[1]),
        &province,
        None,
    )
    .await;
    let next: Vec<i64> = next
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(next, ids[2..4]);
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/v1/audit?limit=abc",
        &province,
        None,
    )
    .await;
    assert_eq!(status, 400);
}

async fn the_console_writes_are_in_the_openapi_document(app: TestApp) {
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    for (path, methods) in [
        ("/api/v1/stations", &["get", "post"][..]),
        ("/api/v1/stations/{code}", &["get", "put"]),
        ("/api/v1/campaigns", &["get", "post"]),
        ("/api/v1/campaigns/{id}", &["get", "put", "delete"]),
        ("/api/v1/accounts", &["get", "post"]),
        ("/api/v1/accounts/{username}/disable", &["post"]),
        ("/api/v1/audit", &["get"]),
    ] {
        for method in methods {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} undocumented"
            );
        }
    }
    for schema in [
        "CampaignSpec",
        "RotationSpec",
        "StationSpec",
        "Recompiled",
        "NewAccount",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
}
