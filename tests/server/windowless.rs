//! A station with no broadcast window anywhere up its chain (a database left so by an
//! older re-import, or windows removed from the province) airs nothing and says so:
//! every read and write answers, the plan and the compile carry the diagnostic
//! "trạm X không có khung phát sóng…", and a write that would leave a station without
//! windows is refused (422) naming it. Never a 500.

use chrono::{Days, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use super::TestApp;
use super::campaigns::{api, campaign};
use crate::both_backends;

both_backends!(a_station_without_windows_never_makes_a_write_fail);

/// Removes the province's windows, as a database written by an older loa could be
/// left: every station that does not set its own has none.
async fn remove_province_windows(app: &TestApp) {
    sqlx::query("DELETE FROM area_windows WHERE area_code = '19'")
        .execute(&app.db)
        .await
        .expect("delete the province's windows");
}

fn dmy(days_from_today: u64) -> String {
    (Utc::now().date_naive() + Days::new(days_from_today))
        .format("%d/%m/%Y")
        .to_string()
}

fn no_windows(diagnostics: &Value, station: &str) -> bool {
    diagnostics.as_array().is_some_and(|list| {
        list.iter().any(|d| {
            d["kind"] == "no_windows"
                && d["station"] == station
                && d["message"].as_str().is_some_and(|m| {
                    m.contains(&format!("rạm {station} không có khung phát sóng"))
                        && m.contains("đơn vị 05710")
                })
        })
    })
}

async fn a_station_without_windows_never_makes_a_write_fail(app: TestApp) {
    let admin = app.admin().await;
    let token = app.enroll("05710").await;
    remove_province_windows(&app).await;

    // Reads: the plan says why it is empty; the report counts what it can.
    let plan = format!(
        "/api/v1/stations/05710/plan?from={}&until={}",
        dmy(0),
        dmy(2)
    );
    let (status, body) = api(&app, Method::GET, &plan, &admin, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"], json!([]), "{body}");
    assert!(no_windows(&body["diagnostics"], "05710"), "{body}");
    let report = format!("/api/v1/reports?from={}&until={}", dmy(0), dmy(30));
    let (status, body) = api(&app, Method::GET, &report, &admin, None).await;
    assert_eq!(status, 200, "{body}");

    // A campaign on the province is saved, with the diagnostic for its stations.
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        &admin,
        Some(campaign("khong-khung", &["19"])),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(
        no_windows(&body["recompiled"]["diagnostics"], "05710"),
        "{body}"
    );
    let groups = body["check"]["groups"].as_array().expect("groups");
    // Alike stations are checked once, the diagnostic naming the group's first.
    assert!(
        groups.iter().any(|g| {
            g["stations"]
                .as_array()
                .is_some_and(|s| s.contains(&json!("05710")))
                && g["diagnostics"].as_array().is_some_and(|d| {
                    d.iter().any(|d| {
                        d["kind"] == "no_windows"
                            && d["message"]
                                .as_str()
                                .is_some_and(|m| m.contains("không có khung phát sóng"))
                    })
                })
        }),
        "the whole-range check names it too: {body}"
    );
    // The agent gets its (empty) playlist.
    let (status, body) = api(&app, Method::GET, "/api/v1/playlist", &token, None).await;
    assert_eq!(status, 200, "{body}");

    // Writing the station without windows is refused, naming the field and the cause.
    let (status, body) = api(
        &app,
        Method::PUT,
        "/api/v1/stations/05710",
        &admin,
        Some(json!({ "area": "05710", "name": "Trạm Linh Sơn" })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("windows: trạm 05710 không có khung phát sóng"),
        "{text}"
    );
    assert!(
        !text.contains("05443"),
        "other stations' missing windows are theirs: {text}"
    );
    // With windows of its own it is written, while the others still have none.
    let (status, body) = api(
        &app,
        Method::PUT,
        "/api/v1/stations/05710",
        &admin,
        Some(
            json!({ "area": "05710", "windows": [{ "days": "T2-CN", "times": ["05:30-06:30"] }] }),
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !no_windows(&body["recompiled"]["diagnostics"], "05710"),
        "{body}"
    );
    // A new station without windows, and a CSV row without, are refused the same way.
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/stations",
        &admin,
        Some(json!({ "code": "05710-2", "area": "05710" })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string()
            .contains("trạm 05710-2 không có khung phát sóng")
    );
    let res = app
        .client
        .post(app.url("/api/v1/stations/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body("code,area,name,languages,windows\n05500-2,05500,,,\n05500-3,05500,,,T2-CN 05:30-06:30\n")
        .send()
        .await
        .expect("import");
    assert_eq!(res.status(), 422);
    let text = res.text().await.expect("body");
    assert!(
        text.contains("dòng 2: windows: trạm 05500-2 không có khung phát sóng"),
        "{text}"
    );
    assert!(!text.contains("05500-3"), "{text}");
}
