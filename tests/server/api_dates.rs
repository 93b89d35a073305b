//! Dates in the API take `dd/mm/yyyy` as the CLI prints them; a body that does not fit
//! is refused in Vietnamese naming the field.

use reqwest::Method;
use serde_json::json;

use super::TestApp;
use super::campaigns::api;
use crate::both_backends;

both_backends!(
    campaign_and_report_dates_take_dd_mm_yyyy,
    a_wrong_json_type_is_refused_in_vietnamese_naming_the_field,
);

fn campaign(id: &str, from: &str, until: &str) -> serde_json::Value {
    json!({
        "id": id,
        "name": "Tuần lễ học tập suốt đời 2027",
        "from": from,
        "until": until,
        "areas": ["19"],
        "priority": "normal",
        "pool": ["ngay-sach-van-hoa-doc"],
        "weights": {},
        "min_airings_per_day": 1,
        "rotations": [{
            "id": "sang", "slots": ["30 6 * * *"], "slot_seconds": 60,
            "order": "sequential", "seed": 0, "spacing": 0
        }]
    })
}

async fn campaign_and_report_dates_take_dd_mm_yyyy(app: TestApp) {
    let admin = app.admin().await;
    let (status, written) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(campaign("ngay-viet", "01/10/2027", "07/10/2027")),
    )
    .await;
    assert_eq!(status, 201, "{written}");
    let (status, shown) = api(
        &app,
        Method::GET,
        "/api/v1/campaigns/ngay-viet",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{shown}");
    let spec = &shown["spec"];
    assert_eq!(spec["from"], "2027-10-01", "{shown}");
    assert_eq!(spec["until"], "2027-10-07", "{shown}");

    let (status, refused) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(campaign("ngay-sai", "31/02/2027", "07/10/2027")),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    let message = refused["message"].as_str().expect("message");
    assert!(
        message.contains("`from`") && message.contains("dd/mm/yyyy"),
        "{message}"
    );

    let (status, report) = api(
        &app,
        Method::GET,
        "/api/v1/reports?from=01/10/2027&until=07/10/2027",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let (status, refused) = api(
        &app,
        Method::GET,
        "/api/v1/reports?from=1.10.2027&until=07/10/2027",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .expect("message")
            .contains("dd/mm/yyyy")
    );
}

async fn a_wrong_json_type_is_refused_in_vietnamese_naming_the_field(app: TestApp) {
    let admin = app.admin().await;
    let mut body = campaign("kieu-sai", "01/10/2027", "07/10/2027");
    body["min_airings_per_day"] = json!(1.5);
    let (status, refused) = api(&app, Method::POST, "/api/v1/campaigns", &admin, Some(body)).await;
    assert_eq!(status, 400, "{refused}");
    let message = refused["message"].as_str().expect("message");
    assert!(message.contains("`min_airings_per_day`"), "{message}");
    assert!(message.contains("số thập phân"), "{message}");
    for english in [
        "invalid type",
        "floating point",
        "expected",
        "Failed",
        "line",
    ] {
        assert!(!message.contains(english), "{message}");
    }
}
