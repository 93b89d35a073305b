//! `GET /api/v1/fleet`: every station of the caller's subtree with its state, problems
//! first, filtered and paged; counts per state; today's completion; bulletins under way.

use std::time::Duration;

use serde_json::{Value, json};

use super::{count, station};
use crate::both_backends;
use crate::server::TestApp;

both_backends!(
    heartbeats_decide_each_stations_state,
    filters_and_pages_are_checked,
    chain_breaks_and_bulletins_show_on_the_dashboard,
    refused_signatures_show_as_problems,
);

async fn heartbeats_decide_each_stations_state(app: TestApp) {
    let admin = app.admin().await;
    let token = app.enroll("05443").await;
    let version = app.playlist_version("05443").await;
    app.heartbeat(&token, json!({ "playlist_version": version }))
        .await;
    let all = app
        .get_json(&admin, "/api/v1/fleet?per_page=500", 200)
        .await;
    let stations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stations")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(all["total"], stations);
    let heard = station(&all, "05443");
    assert!(
        heard["problems"].as_array().expect("problems").is_empty(),
        "{heard}"
    );
    let activity = heard["activity"].as_str().expect("activity while heard");
    assert!(
        ["playing", "idle_in_window", "idle_outside_windows"].contains(&activity),
        "{heard}"
    );
    assert_eq!(heard["state"], activity);
    assert!(
        heard["last_seen"]
            .as_str()
            .expect("last seen")
            .ends_with('Z')
    );
    assert!(heard["last_seen_s_ago"].as_i64().expect("seconds ago") < 60);
    assert_eq!(heard["heartbeat"]["version"], "test");
    assert_eq!(heard["playlist_version"], version);
    // Never seen: silent, with no last-seen time; problems come first in the list.
    let never = station(&all, "05710");
    assert_eq!(never["state"], "silent");
    assert_eq!(never["state_label"], "mất tín hiệu");
    assert_eq!(never["last_seen"], Value::Null);
    assert_eq!(count(&all, "silent") as i64, stations - 1);
    let list = all["stations"].as_array().expect("stations");
    assert_eq!(
        list.last().expect("last")["code"],
        "05443",
        "problems first"
    );

    // Missing media, a clock 1.5 s off, an old playlist and a backed-up outbox.
    app.heartbeat(
        &token,
        json!({ "playlist_version": "cu", "media_missing": 2, "clock_offset_ms": -1500, "outbox_backlog": 51 }),
    )
    .await;
    let all = app
        .get_json(&admin, "/api/v1/fleet?per_page=500", 200)
        .await;
    let sick = station(&all, "05443");
    assert_eq!(
        sick["problems"],
        json!([
            "media_not_ready",
            "clock_off",
            "playlist_behind",
            "outbox_backlog"
        ])
    );
    assert_eq!(sick["state"], "media_not_ready");
    for state in [
        "media_not_ready",
        "clock_off",
        "playlist_behind",
        "outbox_backlog",
    ] {
        let only = app
            .get_json(&admin, &format!("/api/v1/fleet?state={state}"), 200)
            .await;
        assert_eq!(only["total"], 1, "{state}: {only}");
        assert_eq!(count(&only, state), 1);
    }

    // Five minutes and a bit later without a heartbeat it is silent.
    app.state.clock.advance(Duration::from_secs(301));
    let later = app
        .get_json(&admin, "/api/v1/fleet?state=silent&per_page=500", 200)
        .await;
    let gone = station(&later, "05443");
    assert_eq!(
        gone["problems"],
        json!(["silent"]),
        "a stale heartbeat says nothing else"
    );
    assert_eq!(gone["activity"], Value::Null);
    assert!(gone["last_seen_s_ago"].as_i64().expect("seconds") >= 301);
    assert_eq!(later["total"], stations);
}

async fn filters_and_pages_are_checked(app: TestApp) {
    let admin = app.admin().await;
    let page1 = app.get_json(&admin, "/api/v1/fleet?per_page=2", 200).await;
    let page2 = app
        .get_json(&admin, "/api/v1/fleet?per_page=2&page=2", 200)
        .await;
    assert_eq!(page1["stations"].as_array().expect("page").len(), 2);
    assert_eq!(
        (page1["page"].clone(), page2["page"].clone()),
        (json!(1), json!(2))
    );
    assert_ne!(page1["stations"][0]["code"], page2["stations"][0]["code"]);
    assert_eq!(page1["total"], page2["total"]);
    let far = app.get_json(&admin, "/api/v1/fleet?page=999", 200).await;
    assert_eq!(far["stations"], json!([]));

    // An area narrows the list to its subtree: commune 05443 holds two stations.
    let commune = app.get_json(&admin, "/api/v1/fleet?area=05443", 200).await;
    assert_eq!(commune["total"], 2);
    assert_eq!(commune["area"], "05443");
    assert_eq!(
        station(&commune, "05443-2")["area_name"],
        "Phường Phan Đình Phùng"
    );

    for (query, status, word) in [
        ("state=dang-phat", 400, "state"),
        ("per_page=0", 400, "per_page"),
        ("per_page=501", 400, "per_page"),
        ("page=0", 400, "page"),
        ("page=-1", 400, "tham số"),
        ("colour=red", 400, "colour"),
        ("area=99999", 404, "99999"),
    ] {
        let answer = app
            .get_json(&admin, &format!("/api/v1/fleet?{query}"), status)
            .await;
        let message = answer["message"].as_str().expect("message");
        assert!(message.contains(word), "{query}: {message}");
    }
    let res = app
        .client
        .get(app.url("/api/v1/fleet"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 401, "staff only");
}

async fn chain_breaks_and_bulletins_show_on_the_dashboard(app: TestApp) {
    let admin = app.admin().await;
    let token = app.enroll("05443").await;
    let version = app.playlist_version("05443").await;
    app.heartbeat(&token, json!({ "playlist_version": version }))
        .await;
    // A record that follows a hash the server never saw breaks the chain.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive();
    let plan = app
        .get_json(
            &admin,
            &format!("/api/v1/stations/05443/plan?from={today}&until={today}"),
            200,
        )
        .await;
    let item = &plan["items"][0];
    let record = crate::support::plan_record(&"ab".repeat(32), item, "missed", "agent_down");
    let res = app
        .client
        .post(app.url("/api/v1/airings"))
        .bearer_auth(&token)
        .json(&json!({ "airings": [record] }))
        .send()
        .await
        .expect("airings");
    let answer: Value = res.json().await.expect("json");
    assert_eq!(answer["chain_breaks"], 1, "{answer}");

    let approver = app
        .staff("duyet", loa::server::auth::Role::Approver, "19")
        .await;
    let sent = app
        .client
        .post(app.url("/api/v1/emergencies"))
        .bearer_auth(&approver)
        .json(&json!({ "segment": "bao-tin-khan-cap-mau", "area": "05443" }))
        .send()
        .await
        .expect("emergency");
    assert_eq!(sent.status(), 201);
    let sent: Value = sent.json().await.expect("json");

    let fleet = app.get_json(&admin, "/api/v1/fleet?area=05443", 200).await;
    let broken = station(&fleet, "05443");
    assert_eq!(broken["state"], "chain_break", "{broken}");
    assert_eq!(broken["chain_breaks"], 1);
    assert_eq!(count(&fleet, "chain_break"), 1);
    let bulletins = fleet["emergencies"].as_array().expect("emergencies");
    assert_eq!(bulletins.len(), 1, "{fleet}");
    assert_eq!(bulletins[0]["id"], sent["id"]);
    assert_eq!(bulletins[0]["targeted"], 2);
    assert_eq!(bulletins[0]["acknowledged"], 0);
    assert!(!bulletins[0]["title"].as_str().expect("title").is_empty());
    // Today's completion: the commune itself; the report counts what is due so far.
    let completion = fleet["completion"].as_array().expect("completion");
    assert_eq!(completion[0]["area"], "05443", "{fleet}");
    assert_eq!(completion[0]["depth"], 0);
    assert_eq!(completion[0]["aired"], 0, "the one record is a miss");

    // A bulletin sent more than its length plus ten minutes ago is no longer under way.
    app.state.clock.advance(Duration::from_secs(3600));
    let later = app.get_json(&admin, "/api/v1/fleet?area=05443", 200).await;
    assert_eq!(later["emergencies"], json!([]));
}

async fn refused_signatures_show_as_problems(app: TestApp) {
    let admin = app.admin().await;
    let path = "/api/v1/fleet?state=signature_failure";
    let before = app.get_json(&admin, path, 200).await;
    assert_eq!(before["total"], 0, "no refusals yet");
    // Ingest fills the table when it refuses a signature (tests/server/signed.rs); here
    // two refusals are put there directly, one recent and one a month old.
    let pool = &app.db;
    let now = app.state.clock.now().timestamp_millis();
    for (uuid, at) in [("u1", now - 60_000), ("u2", now - 30 * 86_400_000)] {
        sqlx::query(
            "INSERT INTO airing_refusals (station_code, uuid, reason, received_at)
             VALUES ('05710', $1, 'chữ ký sai', $2)",
        )
        .bind(uuid)
        .bind(at)
        .execute(pool)
        .await
        .expect("refusal");
    }
    let after = app.get_json(&admin, path, 200).await;
    assert_eq!(after["total"], 1, "{after}");
    let refused = station(&after, "05710");
    assert_eq!(
        refused["signature_failures"], 1,
        "the month-old one is not recent"
    );
    assert!(
        refused["problems"]
            .as_array()
            .expect("problems")
            .contains(&json!("signature_failure"))
    );
}
