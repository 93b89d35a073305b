//! An officer scoped to one commune never sees another commune's station in the fleet
//! status, now playing or one station's now: lists hold only its own, and another's
//! station or area looks absent (404).

use serde_json::{Value, json};

use crate::both_backends;
use crate::server::TestApp;
use loa::server::auth::Role;

both_backends!(a_commune_officer_sees_only_its_own_stations);

fn codes(answer: &Value, field: &str) -> Vec<String> {
    answer["stations"]
        .as_array()
        .expect("stations")
        .iter()
        .map(|s| s[field].as_str().expect("code").to_owned())
        .collect()
}

async fn a_commune_officer_sees_only_its_own_stations(app: TestApp) {
    let officer = app.staff("can-bo-xa", Role::Viewer, "05710").await;
    let admin = app.admin().await;
    // Something to see everywhere: both communes heard, a bulletin to the other one.
    for station in ["05443", "05710"] {
        let token = app.enroll(station).await;
        app.heartbeat(&token, json!({ "clock_offset_ms": 5000 }))
            .await;
    }
    let res = app
        .client
        .post(app.url("/api/v1/emergencies"))
        .bearer_auth(&admin)
        .json(&json!({ "segment": "bao-tin-khan-cap-mau", "area": "05443" }))
        .send()
        .await
        .expect("emergency");
    assert_eq!(res.status(), 201);

    let fleet = app
        .get_json(&officer, "/api/v1/fleet?per_page=500", 200)
        .await;
    assert_eq!(codes(&fleet, "code"), ["05710"], "{fleet}");
    assert_eq!(fleet["total"], 1);
    assert_eq!(fleet["area"], "05710");
    assert_eq!(super::count(&fleet, "clock_off"), 1, "its own only");
    assert_eq!(
        fleet["emergencies"],
        json!([]),
        "another commune's bulletin"
    );
    for row in fleet["completion"].as_array().expect("completion") {
        assert_eq!(row["area"], "05710", "{row}");
    }
    for state in ["clock_off", "silent", "idle_outside_windows", "playing"] {
        let only = app
            .get_json(
                &officer,
                &format!("/api/v1/fleet?state={state}&per_page=500"),
                200,
            )
            .await;
        assert!(
            codes(&only, "code").iter().all(|c| c == "05710"),
            "{state}: {only}"
        );
    }
    app.get_json(&officer, "/api/v1/fleet?area=05443", 404)
        .await;
    app.get_json(&officer, "/api/v1/fleet?area=19", 404).await;

    let playing = app
        .get_json(&officer, "/api/v1/now-playing?per_page=500", 200)
        .await;
    assert_eq!(codes(&playing, "station"), ["05710"], "{playing}");
    assert_eq!(playing["total"], 1);
    app.get_json(&officer, "/api/v1/now-playing?area=05443", 404)
        .await;

    let own = app
        .get_json(&officer, "/api/v1/stations/05710/now", 200)
        .await;
    assert_eq!(own["station"], "05710");
    for other in ["05443", "05443-2"] {
        let absent = app
            .get_json(&officer, &format!("/api/v1/stations/{other}/now"), 404)
            .await;
        assert_eq!(absent["error"], "not_found");
    }
    // The province administrator sees both.
    let province = app
        .get_json(&admin, "/api/v1/fleet?state=clock_off", 200)
        .await;
    assert_eq!(codes(&province, "code"), ["05443", "05710"]);
}
