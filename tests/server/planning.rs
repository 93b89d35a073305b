//! Planning over a campaign's whole range: a campaign is checked over every day it
//! runs (not just the 14-day horizon) before it is saved.

use loa::domain::GENESIS_HASH;
use reqwest::Method;
use serde_json::{Value, json};

use super::TestApp;
use super::campaigns::api;
use crate::both_backends;

both_backends!(
    a_campaign_beyond_the_horizon_is_checked_over_its_whole_range,
    a_dry_run_saves_nothing,
    the_plan_on_demand_has_the_agents_ids_and_the_recorded_outcomes,
    the_plan_range_is_checked_and_scoped,
    a_report_on_the_future_counts_the_plan_as_upcoming,
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

/// The agent's playlist for `station`, fetched with its own token.
async fn agent_playlist(app: &TestApp, station: &str) -> (String, Value) {
    let token = app.enroll(station).await;
    let res = app
        .client
        .get(app.url("/api/v1/playlist"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("playlist");
    assert_eq!(res.status(), 200);
    (token, res.json().await.expect("json"))
}

async fn the_plan_on_demand_has_the_agents_ids_and_the_recorded_outcomes(app: TestApp) {
    let admin = app.admin().await;
    let (token, playlist) = agent_playlist(&app, "05443").await;
    let from: chrono::NaiveDate = playlist["from"]
        .as_str()
        .expect("from")
        .parse()
        .expect("date");
    let days = playlist["days"].as_u64().expect("days");
    let until = from + chrono::Days::new(days - 1);
    let agent_items = playlist["items"].as_array().expect("items").clone();
    assert!(agent_items.len() > 10, "the seed plans something");

    // The same days on demand, the second date written dd/mm/yyyy: the same items.
    let path = format!(
        "/api/v1/stations/05443/plan?from={from}&until={}",
        until.format("%d/%m/%Y")
    );
    let (status, plan) = api(&app, Method::GET, &path, &admin, None).await;
    assert_eq!(status, 200, "{plan}");
    let items = plan["items"].as_array().expect("items");
    assert_eq!(items.len(), agent_items.len());
    for (mine, agents) in items.iter().zip(&agent_items) {
        for field in agents.as_object().expect("object").keys() {
            assert_eq!(mine[field], agents[field], "{field} of {}", agents["id"]);
        }
    }

    // Starting later, or a year ahead past the horizon: the overlapping days keep
    // their ids, and a year ahead still plans something.
    let later = from + chrono::Days::new(3);
    let (_, plan) = api(
        &app,
        Method::GET,
        &format!("/api/v1/stations/05443/plan?from={later}&until={until}"),
        &admin,
        None,
    )
    .await;
    let later_ids: Vec<&Value> = plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| &i["id"])
        .collect();
    let agent_later: Vec<&Value> = agent_items
        .iter()
        .filter(|i| {
            let start = chrono::DateTime::parse_from_rfc3339(i["start"].as_str().expect("start"))
                .expect("rfc3339")
                .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
                .date_naive();
            start >= later
        })
        .map(|i| &i["id"])
        .collect();
    assert_eq!(later_ids, agent_later);

    // Outcomes: two items recorded, the rest upcoming or unreported by their start.
    let first = crate::support::plan_record(GENESIS_HASH, &agent_items[0], "aired", "");
    let second = crate::support::plan_record(&first.hash, &agent_items[1], "missed", "agent_down");
    let res = app
        .client
        .post(app.url("/api/v1/airings"))
        .bearer_auth(&token)
        .json(&json!({ "airings": [first, second] }))
        .send()
        .await
        .expect("airings");
    assert_eq!(res.status(), 200);
    let (_, plan) = api(&app, Method::GET, &path, &admin, None).await;
    let items = plan["items"].as_array().expect("items");
    assert_eq!(items[0]["status"], "aired");
    assert_eq!(items[0]["records"], 1);
    assert!(items[0]["actual_start"].is_string());
    assert_eq!(items[1]["status"], "missed");
    assert_eq!(items[1]["reason"], "agent_down");
    let now = chrono::Utc::now();
    for i in &items[2..] {
        let start = chrono::DateTime::parse_from_rfc3339(i["start"].as_str().expect("start"))
            .expect("rfc3339");
        let want = if start > now {
            "upcoming"
        } else {
            "unreported"
        };
        assert_eq!(i["status"], want, "{i}");
    }
}

async fn the_plan_range_is_checked_and_scoped(app: TestApp) {
    let admin = app.admin().await;
    for (query, param) in [
        ("from=2027-10-01", "until"),
        ("until=2027-10-01", "from"),
        ("from=2027-13-01&until=2027-10-01", "from"),
        ("from=2027-10-01&until=32/10/2027", "until"),
        ("from=2027-10-07&until=2027-10-01", "until"),
        ("from=2027-01-01&until=2028-01-02", "until"),
    ] {
        let (status, body) = api(
            &app,
            Method::GET,
            &format!("/api/v1/stations/05443/plan?{query}"),
            &admin,
            None,
        )
        .await;
        assert_eq!(status, 400, "{query}: {body}");
        let text = body.to_string();
        assert!(
            text.contains(&format!("{param}:")),
            "{query} names {param}: {text}"
        );
    }
    // 366 days is allowed, in the past too.
    let (status, body) = api(
        &app,
        Method::GET,
        "/api/v1/stations/05443/plan?from=01/01/2024&until=31/12/2024",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // An account of another commune does not see this station.
    let other = app.account(&admin, "xem.05710", "viewer", "05710").await;
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/v1/stations/05443/plan?from=2027-10-01&until=2027-10-07",
        &other,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/v1/stations/05710/plan?from=2027-10-01&until=2027-10-07",
        &other,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/v1/stations/khong-co/plan?from=2027-10-01&until=2027-10-07",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 404);
}

async fn a_report_on_the_future_counts_the_plan_as_upcoming(app: TestApp) {
    let admin = app.admin().await;
    let (status, written) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(week_2027("tuan-le-2027", "0 6 * * *", 600)),
    )
    .await;
    assert_eq!(status, 201, "{written}");
    let (status, report) = api(
        &app,
        Method::GET,
        "/api/v1/reports?from=2027-10-01&until=2027-10-31&by=campaign&area=19",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let row = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == "tuan-le-2027")
        .unwrap_or_else(|| panic!("a row for the week: {report}"));
    let planned = row["counts"]["planned"].as_u64().expect("planned");
    assert!(planned > 0, "{row}");
    assert_eq!(row["counts"]["upcoming"], planned, "{row}");
    assert_eq!(row["counts"]["due"], 0, "{row}");
    assert_eq!(row["counts"]["missed"], 0, "{row}");

    // Per station, the report counts exactly the items of the plan on demand.
    let (_, report) = api(
        &app,
        Method::GET,
        "/api/v1/reports?from=2027-10-01&until=2027-10-31&by=station&area=05443&campaign=tuan-le-2027",
        &admin,
        None,
    )
    .await;
    let (_, plan) = api(
        &app,
        Method::GET,
        "/api/v1/stations/05443/plan?from=01/10/2027&until=31/10/2027",
        &admin,
        None,
    )
    .await;
    let in_plan = plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["campaign"] == "tuan-le-2027")
        .count() as u64;
    assert!(
        in_plan >= 7,
        "a 10-minute slot filled each day of the week: {in_plan}"
    );
    let row = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == "05443")
        .unwrap_or_else(|| panic!("a row for 05443: {report}"));
    assert_eq!(row["counts"]["planned"], in_plan, "{row}");
}
