//! Campaigns through the console API: create, read, replace, delete; checks with the
//! schedule files' rules and messages; only the stations a change reaches are
//! recompiled, and every write is in the audit log.

use chrono::{Days, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use super::TestApp;
use crate::both_backends;

both_backends!(
    a_campaign_change_recompiles_only_the_stations_it_reaches,
    bad_campaigns_are_refused_with_every_problem_and_change_nothing,
    spacing_and_dates_are_checked_against_the_whole_schedule,
    the_answer_carries_the_compile_diagnostics_of_the_stations_touched,
    a_rule_that_never_fires_is_refused_naming_its_field,
);

/// `METHOD path` with a bearer token and an optional JSON body: (status, JSON or null).
pub(super) async fn api(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A campaign running from yesterday for a month, airing one segment at 06:00 (inside
/// the example provinces' 05:30–06:30 window) on the stations of `areas`. Every field
/// is written, so it reads back as sent.
pub(super) fn campaign(id: &str, areas: &[&str]) -> Value {
    let today = Utc::now().date_naive();
    json!({
        "id": id,
        "name": "Chiến dịch thử",
        "from": (today - Days::new(1)).to_string(),
        "until": (today + Days::new(30)).to_string(),
        "areas": areas,
        "priority": "normal",
        "pool": ["ngay-sach-van-hoa-doc"],
        "weights": {},
        "min_airings_per_day": 1,
        "rotations": [{
            "id": "sang",
            "slots": ["0 6 * * *"],
            "slot_seconds": 60,
            "order": "sequential",
            "seed": 0,
            "spacing": 0
        }]
    })
}

/// The playlist ETag of every station the token sees, by code.
pub(super) async fn etags(app: &TestApp, token: &str) -> std::collections::HashMap<String, String> {
    let (status, list) = api(app, Method::GET, "/api/v1/stations", token, None).await;
    assert_eq!(status, 200, "{list}");
    list.as_array()
        .expect("array")
        .iter()
        .map(|s| {
            (
                s["code"].as_str().expect("code").to_owned(),
                s["playlist_etag"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn playlist_has(app: &TestApp, station: &str, campaign: &str) -> bool {
    let stored = loa::store::fetch_playlist(&app.state.store, station)
        .await
        .expect("fetch")
        .expect("compiled");
    stored.body.contains(&format!("\"{campaign}\""))
}

/// Audit entries `(action, target, actor)` the token sees, newest first.
pub(super) async fn audit(app: &TestApp, token: &str) -> Vec<(String, String, String)> {
    let (status, entries) = api(app, Method::GET, "/api/v1/audit?limit=500", token, None).await;
    assert_eq!(status, 200, "{entries}");
    entries
        .as_array()
        .expect("array")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action").to_owned(),
                e["target"].as_str().expect("target").to_owned(),
                e["actor"].as_str().expect("actor").to_owned(),
            )
        })
        .collect()
}

async fn a_campaign_change_recompiles_only_the_stations_it_reaches(app: TestApp) {
    let admin = app.admin().await;
    let before = etags(&app, &admin).await;

    // Commune 05443 holds two stations; nothing else changes.
    let body = campaign("thu-nghiem", &["05443"]);
    let (status, created) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["campaign"]["spec"], body);
    assert_eq!(created["campaign"]["owner_area"], "19");
    assert_eq!(created["recompiled"]["stations"], 2);
    assert_eq!(created["recompiled"]["changed"], 2);
    let after = etags(&app, &admin).await;
    for (code, etag) in &before {
        let inside = code == "05443" || code == "05443-2";
        assert_eq!(
            after[code] != *etag,
            inside,
            "station {code}: changed iff inside 05443"
        );
    }
    assert!(playlist_has(&app, "05443", "thu-nghiem").await);
    assert!(playlist_has(&app, "05443-2", "thu-nghiem").await);
    assert!(!playlist_has(&app, "05710", "thu-nghiem").await);

    let (status, one) = api(
        &app,
        Method::GET,
        "/api/v1/campaigns/thu-nghiem",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one["spec"], body);
    let (_, all) = api(&app, Method::GET, "/api/v1/campaigns", &admin, None).await;
    let ids: Vec<&str> = all
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["spec"]["id"].as_str().expect("id"))
        .collect();
    assert!(
        ids.contains(&"thu-nghiem") && ids.contains(&"xhht-2025-2030"),
        "{ids:?}"
    );

    // Moving it to 05710 recompiles the old stations and the new one, nothing else.
    let mut moved = body.clone();
    moved["areas"] = json!(["05710"]);
    let (status, replaced) = api(
        &app,
        Method::PUT,
        "/api/v1/campaigns/thu-nghiem",
        &admin,
        Some(moved.clone()),
    )
    .await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["recompiled"]["stations"], 3);
    assert_eq!(replaced["recompiled"]["changed"], 3);
    assert_eq!(replaced["campaign"]["spec"], moved);
    let moved_etags = etags(&app, &admin).await;
    assert_eq!(
        moved_etags["05443"], before["05443"],
        "back to the plan without it"
    );
    assert_ne!(moved_etags["05710"], before["05710"]);
    assert_eq!(moved_etags["05500"], before["05500"]);
    assert!(playlist_has(&app, "05710", "thu-nghiem").await);
    assert!(!playlist_has(&app, "05443", "thu-nghiem").await);

    let (status, deleted) = api(
        &app,
        Method::DELETE,
        "/api/v1/campaigns/thu-nghiem",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["recompiled"]["stations"], 1);
    assert_eq!(deleted["recompiled"]["changed"], 1);
    assert_eq!(etags(&app, &admin).await, before);
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/v1/campaigns/thu-nghiem",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = api(
        &app,
        Method::DELETE,
        "/api/v1/campaigns/thu-nghiem",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 404);

    let log = audit(&app, &admin).await;
    let ours: Vec<&str> = log
        .iter()
        .filter(|(_, target, actor)| target == "thu-nghiem" && actor == "admin")
        .map(|(action, _, _)| action.as_str())
        .collect();
    assert_eq!(
        ours,
        ["campaign.delete", "campaign.update", "campaign.create"]
    );
}

/// The `problems` of a 422 answer.
pub(super) fn problems(status: u16, body: &Value) -> Vec<String> {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "invalid");
    body["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p.as_str().expect("text").to_owned())
        .collect()
}

fn has(problems: &[String], prefix: &str, words: &str) {
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(prefix) && p.contains(words)),
        "no problem `{prefix}` saying `{words}` in {problems:#?}"
    );
}

async fn bad_campaigns_are_refused_with_every_problem_and_change_nothing(app: TestApp) {
    let admin = app.admin().await;
    let before = etags(&app, &admin).await;
    let log_before = audit(&app, &admin).await.len();
    sqlx::query(
        "INSERT INTO segments (id, title, language, group_id, tags, duration_ms, sha256, size_bytes, format, area_code, created_at)
         VALUES ('chua-duyet', 'Chưa duyệt', 'vi', 'chua-duyet', '[]', 1000, $1, 10, 'mp3', '19', 0)",
    )
    .bind("ab".repeat(32))
    .execute(&app.db)
    .await
    .expect("unapproved segment");

    let bad = json!({
        "id": "Sai Ma",
        "name": " ",
        "from": "2026-10-07",
        "until": "2026-10-01",
        "areas": ["0544", "99999"],
        "priority": "khan",
        "pool": ["khong-co", "chua-duyet"],
        "weights": { "khac": 0 },
        "rotations": [
            { "id": "sang", "slots": ["61 5 * * *"], "slot_seconds": 0, "order": "ngau-nhien" },
            { "id": "sang", "slots": [], "slot_seconds": 30, "seed": 7 }
        ]
    });
    let (status, body) = api(&app, Method::POST, "/api/v1/campaigns", &admin, Some(bad)).await;
    let p = problems(status, &body);
    has(&p, "id:", "mã chiến dịch `Sai Ma` không hợp lệ");
    has(&p, "name:", "không được để trống");
    has(
        &p,
        "until:",
        "đổi chỗ hai ngày: from = 2026-10-01, until = 2026-10-07",
    );
    has(
        &p,
        "areas[0]:",
        "đơn vị `0544` không có trong danh sách đơn vị hành chính; có phải `05443`",
    );
    has(&p, "areas[1]:", "`99999`");
    has(&p, "priority:", "mức ưu tiên `khan` không hợp lệ");
    has(&p, "pool[0]:", "bản tin `khong-co` không có trong thư viện");
    has(
        &p,
        "pool[1]:",
        "bản tin `chua-duyet` không có trong thư viện hoặc chưa được duyệt",
    );
    has(&p, "weights.khac:", "`pool` không có bản tin này");
    has(&p, "weights.khac:", "phải từ 1 trở lên");
    has(&p, "rotations[0].slots[0]:", "quy tắc `61 5 * * *`");
    has(&p, "rotations[0].slot_seconds:", "từ 1 đến 86400");
    has(
        &p,
        "rotations[0].order:",
        "thứ tự `ngau-nhien` không hợp lệ",
    );
    has(&p, "rotations[1].slots:", "cần ít nhất một quy tắc");
    has(
        &p,
        "rotations[1].seed:",
        "`seed` chỉ dùng với `order` = `shuffle`",
    );
    let mut weighted = super::campaigns::campaign("trong-so", &["19"]);
    weighted["rotations"][0]["order"] = json!("weighted");
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(weighted),
    )
    .await;
    has(
        &problems(status, &body),
        "rotations[0].order:",
        "`weighted` cần `weights`",
    );

    // Emergencies are sent, not planned; a taken id is a conflict; malformed bodies are 400.
    let mut emergency = super::campaigns::campaign("khan-cap", &["19"]);
    emergency["priority"] = json!("emergency");
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(emergency),
    )
    .await;
    has(
        &problems(status, &body),
        "priority:",
        "mức `emergency` không lên lịch trước được",
    );
    let taken = super::campaigns::campaign("xhht-2025-2030", &["19"]);
    let (status, _) = api(&app, Method::POST, "/api/v1/campaigns", &admin, Some(taken)).await;
    assert_eq!(status, 409);
    let mut unknown_field = super::campaigns::campaign("thua-truong", &["19"]);
    unknown_field["colour"] = json!("red");
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(unknown_field),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("colour"),
        "{body}"
    );
    let res = app
        .client
        .post(app.url("/api/v1/campaigns"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"id\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 400);
    let mut renamed = super::campaigns::campaign("ten-khac", &["19"]);
    renamed["from"] = json!("2026-13-01");
    let (status, _) = api(
        &app,
        Method::PUT,
        "/api/v1/campaigns/xhht-2025-2030",
        &admin,
        Some(renamed),
    )
    .await;
    assert_eq!(
        status, 400,
        "a date that is not a date is malformed JSON data"
    );
    let other_id = super::campaigns::campaign("ten-khac", &["19"]);
    let (status, body) = api(
        &app,
        Method::PUT,
        "/api/v1/campaigns/xhht-2025-2030",
        &admin,
        Some(other_id),
    )
    .await;
    has(&problems(status, &body), "id:", "khác mã trong đường dẫn");
    let missing = super::campaigns::campaign("khong-co", &["19"]);
    let (status, _) = api(
        &app,
        Method::PUT,
        "/api/v1/campaigns/khong-co",
        &admin,
        Some(missing),
    )
    .await;
    assert_eq!(status, 404);

    assert_eq!(etags(&app, &admin).await, before, "no playlist changed");
    assert_eq!(
        audit(&app, &admin).await.len(),
        log_before,
        "nothing audited"
    );
    let (_, all) = api(&app, Method::GET, "/api/v1/campaigns", &admin, None).await;
    assert_eq!(
        all.as_array().expect("array").len(),
        4,
        "only the seeded campaigns"
    );
}

async fn spacing_and_dates_are_checked_against_the_whole_schedule(app: TestApp) {
    let admin = app.admin().await;
    // One message in the pool cannot be kept apart by a spacing of 1.
    let mut spaced = campaign("gian-cach", &["19"]);
    spaced["rotations"][0]["spacing"] = json!(1);
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(spaced.clone()),
    )
    .await;
    has(
        &problems(status, &body),
        "rotations[0].spacing:",
        "giãn cách 1 lượt cần ít nhất 2 bản tin khác nhau",
    );
    // Two translations of one message are still one message.
    spaced["pool"] = json!(["tuan-le-hoc-tap-suot-doi", "tuan-le-hoc-tap-suot-doi-tay"]);
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(spaced.clone()),
    )
    .await;
    has(
        &problems(status, &body),
        "rotations[0].spacing:",
        "hiện có 1",
    );
    spaced["pool"] = json!(["tuan-le-hoc-tap-suot-doi", "ngay-sach-van-hoa-doc"]);
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(spaced),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let mut long = campaign("muoi-lam-nam", &["19"]);
    long["until"] = json!("2050-01-01");
    let (status, body) = api(&app, Method::POST, "/api/v1/campaigns", &admin, Some(long)).await;
    has(&problems(status, &body), "until:", "dài không quá 20 năm");
}

async fn the_answer_carries_the_compile_diagnostics_of_the_stations_touched(app: TestApp) {
    let admin = app.admin().await;
    let mut noon = campaign("giua-trua", &["05710"]);
    noon["rotations"][0]["slots"] = json!(["0 12 * * *"]);
    noon["min_airings_per_day"] = json!(2);
    let (status, body) = api(&app, Method::POST, "/api/v1/campaigns", &admin, Some(noon)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["recompiled"]["stations"], 1);
    let diagnostics = body["recompiled"]["diagnostics"]
        .as_array()
        .expect("diagnostics");
    let kinds: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["kind"].as_str().expect("kind"))
        .collect();
    assert!(kinds.contains(&"rule_never_in_window"), "{kinds:?}");
    assert!(kinds.contains(&"target_not_met"), "{kinds:?}");
    for d in diagnostics {
        assert_eq!(d["station"], "05710");
        assert!(d["date"].as_str().expect("date").len() == 10);
        assert!(
            d["message"]
                .as_str()
                .expect("message")
                .starts_with("Trạm 05710"),
            "{d}"
        );
    }
    let never = diagnostics
        .iter()
        .find(|d| d["kind"] == "rule_never_in_window")
        .expect("rule diagnostic");
    assert!(
        never["message"]
            .as_str()
            .expect("message")
            .contains("`0 12 * * *`"),
        "{never}"
    );
}

async fn a_rule_that_never_fires_is_refused_naming_its_field(app: TestApp) {
    let admin = app.admin().await;
    let before = etags(&app, &admin).await;
    let mut never = campaign("khong-bao-gio", &["19"]);
    never["rotations"][0]["slots"] = json!(["30 5 * * *", "0 6 31 2 *", "0 6 30 2 *"]);
    let (status, body) = api(&app, Method::POST, "/api/v1/campaigns", &admin, Some(never)).await;
    let p = problems(status, &body);
    assert_eq!(p.len(), 2, "{p:#?}");
    for (i, rule, day) in [(1, "0 6 31 2 *", 31), (2, "0 6 30 2 *", 30)] {
        has(
            &p,
            &format!("rotations[0].slots[{i}]:"),
            &format!("quy tắc `{rule}`: không bao giờ chạy: tháng 2 không có ngày {day}"),
        );
    }
    for problem in &p {
        assert_eq!(
            problem.matches("0 6 3").count(),
            1,
            "the rule named once: {problem}"
        );
    }
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/v1/campaigns/khong-bao-gio",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 404, "nothing stored");
    assert_eq!(etags(&app, &admin).await, before, "no playlist changed");
}
