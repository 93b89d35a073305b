//! Planning over a campaign's whole range: a campaign is checked over every day it
//! runs (not just the 14-day horizon) before it is saved.

use reqwest::Method;
use serde_json::{Value, json};

use super::TestApp;
use super::campaigns::api;
use crate::both_backends;

both_backends!(
    a_campaign_beyond_the_horizon_is_checked_over_its_whole_range,
    a_dry_run_saves_nothing,
);

/// Lifelong Learning Week 2027, its one slot at 06:30: the end of the example
/// provinces' 05:30–06:30 window, so never inside it.
fn week_2027(id: &str, slot: &str, slot_seconds: u32) -> Value {
    json!({
        "id": id,
        "name": "Tuần lễ học tập suốt đời 2027",
        "from": "2027-10-01",
        "until": "2027-10-07",
        "areas": ["19"],
        "priority": "normal",
        "pool": ["ngay-sach-van-hoa-doc"],
        "weights": {},
        "min_airings_per_day": 1,
        "rotations": [{
            "id": "sang",
            "slots": [slot],
            "slot_seconds": slot_seconds,
            "order": "sequential",
            "seed": 0,
            "spacing": 0
        }]
    })
}

/// Every (kind, date) of the check, over all groups, and the station codes covered.
fn found(written: &Value) -> (Vec<(String, String)>, Vec<String>) {
    let mut kinds = Vec::new();
    let mut stations = Vec::new();
    for g in written["check"]["groups"].as_array().expect("groups") {
        for s in g["stations"].as_array().expect("stations") {
            stations.push(s.as_str().expect("code").to_owned());
        }
        for d in g["diagnostics"].as_array().expect("diagnostics") {
            let k = (
                d["kind"].as_str().expect("kind").to_owned(),
                d["date"].as_str().expect("date").to_owned(),
            );
            if !kinds.contains(&k) {
                kinds.push(k);
            }
        }
    }
    (kinds, stations)
}

async fn a_campaign_beyond_the_horizon_is_checked_over_its_whole_range(app: TestApp) {
    let admin = app.admin().await;
    let (_, all_stations) = api(&app, Method::GET, "/api/v1/stations", &admin, None).await;
    let station_count = all_stations.as_array().expect("stations").len();

    let (status, written) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(week_2027("tuan-le-2027", "30 6 * * *", 60)),
    )
    .await;
    assert_eq!(status, 201, "{written}");
    assert_eq!(written["dry_run"], false);
    assert_eq!(written["check"]["days"], 7);
    assert_eq!(written["check"]["stations"], station_count);
    let (kinds, stations) = found(&written);
    assert!(
        kinds.contains(&("rule_never_in_window".into(), "2027-10-01".into())),
        "{kinds:?}"
    );
    for day in 1..=7 {
        let date = format!("2027-10-{day:02}");
        assert!(
            kinds.contains(&("target_not_met".into(), date.clone())),
            "target_not_met on {date}: {kinds:?}"
        );
    }
    assert_eq!(stations.len(), station_count, "every station is named once");
    let message = written["check"]["groups"][0]["diagnostics"][0]["message"]
        .as_str()
        .expect("message");
    assert!(message.contains("01/10/2027"), "{message}");

    // A 06:00 slot of 5 seconds is inside the window but shorter than the segment.
    let (status, written) = api(
        &app,
        Method::PUT,
        "/api/v1/campaigns/tuan-le-2027",
        &admin,
        Some(week_2027("tuan-le-2027", "0 6 * * *", 5)),
    )
    .await;
    assert_eq!(status, 200, "{written}");
    let (kinds, _) = found(&written);
    assert!(
        kinds.iter().any(|(k, _)| k == "slot_too_short"),
        "{kinds:?}"
    );
    assert!(
        !kinds.iter().any(|(k, _)| k == "rule_never_in_window"),
        "{kinds:?}"
    );

    // A slot that fits: nothing to say.
    let (status, written) = api(
        &app,
        Method::PUT,
        "/api/v1/campaigns/tuan-le-2027",
        &admin,
        Some(week_2027("tuan-le-2027", "0 6 * * *", 600)),
    )
    .await;
    assert_eq!(status, 200, "{written}");
    assert_eq!(written["check"]["total"], 0, "{written}");
}

async fn a_dry_run_saves_nothing(app: TestApp) {
    let admin = app.admin().await;
    let (status, written) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns?dry_run=true",
        &admin,
        Some(week_2027("thu-truoc", "30 6 * * *", 60)),
    )
    .await;
    assert_eq!(status, 200, "{written}");
    assert_eq!(written["dry_run"], true);
    assert!(written["campaign"].is_null());
    assert!(written["check"]["total"].as_u64().expect("total") > 0);
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/v1/campaigns/thu-truoc",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 404, "a dry run stores nothing");

    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns?dry_run=co",
        &admin,
        Some(week_2027("thu-truoc", "30 6 * * *", 60)),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("dry_run"), "{body}");
}
