//! `GET /api/v1/now-playing` and `GET /api/v1/stations/{code}/now`: what plays now and
//! next at each station, and why, in Vietnamese.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_backends;
use crate::server::TestApp;

both_backends!(
    a_station_says_what_plays_now_and_next_and_why,
    the_list_is_paged_over_the_callers_stations,
);

/// The seed's slot rules in the words an officer reads.
fn words(rule: &str) -> &'static str {
    match rule {
        "45 5 * * *" => "05:45 hằng ngày",
        "50 5 * * *" => "05:50 hằng ngày",
        "15 17 * * *" => "17:15 hằng ngày",
        "30 17 * * *" => "17:30 hằng ngày",
        "15 17 * * Mon-Fri" => "17:15 thứ Hai đến thứ Sáu",
        "15 17 * * Sat,Sun" => "17:15 thứ Bảy và Chủ nhật",
        other => panic!("rule {other} not in the seed"),
    }
}

fn check_why(item: &Value) {
    let rule = item["slot_rule"].as_str().expect("slot rule found");
    let name = item["campaign_name"].as_str().expect("campaign name");
    assert_eq!(
        item["why"],
        format!("Chiến dịch {name}, khung {}", words(rule)),
        "{item}"
    );
}

async fn a_station_says_what_plays_now_and_next_and_why(app: TestApp) {
    let admin = app.admin().await;
    let before = app
        .get_json(&admin, "/api/v1/stations/05443/now", 200)
        .await;
    assert_eq!(before["station"], "05443");
    assert_eq!(before["timezone"], "Asia/Ho_Chi_Minh");
    let next = before["next"].clone();
    check_why(&next);
    assert!(!next["title"].as_str().expect("title").is_empty());
    let local = next["local_start"].as_str().expect("local start");
    assert_eq!(local.len(), 8, "HH:MM:SS: {local}");
    assert_eq!(next["local_date"].as_str().expect("date").len(), 10);

    // Move the server's clock into that item: it is on air, and the next one follows.
    let start = chrono::DateTime::parse_from_rfc3339(next["start"].as_str().expect("start"))
        .expect("rfc3339");
    let ahead = (start.timestamp_millis() - chrono::Utc::now().timestamp_millis() + 2000).max(0);
    app.state.clock.advance(Duration::from_millis(ahead as u64));
    let during = app
        .get_json(&admin, "/api/v1/stations/05443/now", 200)
        .await;
    assert_eq!(during["now"]["id"], next["id"], "{during}");
    check_why(&during["now"]);
    check_why(&during["next"]);
    assert!(during["next"]["start"].as_str() > next["start"].as_str());
    // It is the same item the station's plan holds for that day.
    let day = start
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive();
    let plan = app
        .get_json(
            &admin,
            &format!("/api/v1/stations/05443/plan?from={day}&until={day}"),
            200,
        )
        .await;
    let planned = plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == next["id"])
        .expect("the item is planned");
    assert_eq!(planned["segment"], next["segment"]);
    assert_eq!(planned["start"], next["start"]);

    let missing = app
        .get_json(&admin, "/api/v1/stations/khong-co/now", 404)
        .await;
    assert!(
        missing["message"]
            .as_str()
            .expect("message")
            .contains("khong-co")
    );
}

async fn the_list_is_paged_over_the_callers_stations(app: TestApp) {
    let admin = app.admin().await;
    let first = app
        .get_json(&admin, "/api/v1/now-playing?per_page=3", 200)
        .await;
    let stations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stations")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(first["total"], stations);
    let list = first["stations"].as_array().expect("stations");
    assert_eq!(list.len(), 3);
    let codes: Vec<&str> = list
        .iter()
        .map(|s| s["station"].as_str().expect("code"))
        .collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted, "by code");
    for s in list {
        check_why(&s["next"]);
    }
    let commune = app
        .get_json(&admin, "/api/v1/now-playing?area=05443", 200)
        .await;
    assert_eq!(commune["total"], 2);
    assert_eq!(
        commune["stations"]
            .as_array()
            .expect("stations")
            .iter()
            .map(|s| s["station"].clone())
            .collect::<Vec<_>>(),
        vec![json!("05443"), json!("05443-2")]
    );
    app.get_json(&admin, "/api/v1/now-playing?per_page=9999", 400)
        .await;
    app.get_json(&admin, "/api/v1/now-playing?area=00000", 404)
        .await;
}
