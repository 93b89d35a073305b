//! What the store keeps between requests (the area tree, each station's facts and
//! windows, the schedule inputs, the item due now, the parsed heartbeats) never hides
//! a change made through the API, written by another replica or in SQL by hand: the
//! next request shows it.

use chrono::Timelike;
use serde_json::{Value, json};

use super::station;
use crate::both_backends;
use crate::server::TestApp;

both_backends!(
    a_change_through_the_api_shows_at_once,
    a_change_in_sql_by_hand_shows_at_once,
    a_heartbeat_stored_behind_the_newest_still_shows
);

async fn put_station(app: &TestApp, admin: &str, body: Value) {
    let res = app
        .client
        .put(app.url("/api/v1/stations/05443"))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .expect("update");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

async fn a_change_through_the_api_shows_at_once(app: TestApp) {
    let admin = app.admin().await;
    let path = "/api/v1/fleet?area=05443&per_page=500";
    // 05:45 in Vietnam, inside the province's morning window.
    let zone = chrono_tz::Asia::Ho_Chi_Minh;
    let now = app.state.clock.now().with_timezone(&zone);
    let mut at = now.date_naive().and_hms_opt(5, 45, 0).expect("time");
    if at <= now.naive_local() {
        at += chrono::Duration::days(1);
    }
    let target = at
        .and_local_timezone(zone)
        .single()
        .expect("no gap in Vietnam");
    let ahead = (target.with_timezone(&chrono::Utc) - app.state.clock.now())
        .to_std()
        .expect("ahead");
    // A second more: the clock moves by whole milliseconds.
    app.state
        .clock
        .advance(ahead + std::time::Duration::from_secs(1));
    let local = app.state.clock.now().with_timezone(&zone);
    assert_eq!((local.hour(), local.minute()), (5, 45), "{local}");
    // Twice, so that every cache holds the first answer.
    for _ in 0..2 {
        let before = app.get_json(&admin, path, 200).await;
        assert_ne!(station(&before, "05443")["name"], "Trạm đổi tên");
    }
    let day = local.date_naive().format("%Y-%m-%d").to_string();
    let plan = format!("/api/v1/stations/05443/plan?from={day}&until={day}");
    app.get_json(&admin, &plan, 200).await;

    // The morning only: inside a window now.
    put_station(
        &app,
        &admin,
        json!({ "area": "05443", "name": "Trạm đổi tên",
                "windows": [{ "days": "T2-CN", "times": ["05:30-06:30"] }] }),
    )
    .await;
    let after = app.get_json(&admin, path, 200).await;
    let row = station(&after, "05443");
    assert_eq!(row["name"], "Trạm đổi tên", "{row}");
    assert_eq!(row["in_window"], true, "{row}");

    // The evening only: outside every window at once, nothing due; the plan follows.
    put_station(
        &app,
        &admin,
        json!({ "area": "05443", "name": "Trạm đổi tên",
                "windows": [{ "days": "T2-CN", "times": ["17:00-18:00"] }] }),
    )
    .await;
    let after = app.get_json(&admin, path, 200).await;
    let row = station(&after, "05443");
    assert_eq!(row["in_window"], false, "{row}");
    assert_eq!(row["item_now"], Value::Null, "{row}");
    let plan = app.get_json(&admin, &plan, 200).await;
    for item in plan["items"].as_array().expect("items") {
        let start = chrono::DateTime::parse_from_rfc3339(item["start"].as_str().expect("start"))
            .expect("instant")
            .with_timezone(&zone);
        assert_eq!(start.hour(), 17, "planned inside the new window: {item}");
    }
}

/// An operator who renames a station and moves an area's window in SQL, outside loa
/// (no audit entry): the fleet, the areas and the station's plan show it at once.
async fn a_change_in_sql_by_hand_shows_at_once(app: TestApp) {
    let admin = app.admin().await;
    let fleet = "/api/v1/fleet?area=05443&per_page=500";
    let plan = "/api/v1/stations/05443/plan?from=2026-10-05&until=2026-10-05";
    // Twice, so that every cache holds the first answer.
    let mut before = Value::Null;
    for _ in 0..2 {
        assert_ne!(
            station(&app.get_json(&admin, fleet, 200).await, "05443")["name"],
            "Trạm đổi tên trong SQL"
        );
        before = app.get_json(&admin, plan, 200).await;
    }
    sqlx::query("UPDATE stations SET name = $1 WHERE code = '05443'")
        .bind("Trạm đổi tên trong SQL")
        .execute(&app.db)
        .await
        .expect("rename");
    assert_eq!(
        station(&app.get_json(&admin, fleet, 200).await, "05443")["name"],
        "Trạm đổi tên trong SQL"
    );
    // No window at all on the station or above it: nothing is planned that day.
    sqlx::query("UPDATE stations SET windows = '' WHERE code = '05443'")
        .execute(&app.db)
        .await
        .expect("windows");
    sqlx::query("DELETE FROM area_windows")
        .execute(&app.db)
        .await
        .expect("area windows");
    let after = app.get_json(&admin, plan, 200).await;
    assert_ne!(before, after, "the plan still shows the old windows");
}

/// A heartbeat body as an agent sends it: healthy, with `fields` over it.
fn beat(fields: Value) -> String {
    let mut body = json!({
        "version": "test", "media_ready": 3, "media_missing": 0,
        "disk_free_bytes": 1_000_000_000u64, "clock_offset_ms": 12,
        "outbox_backlog": 0, "uptime_s": 60,
    });
    if let (Some(b), Some(f)) = (body.as_object_mut(), fields.as_object()) {
        b.extend(f.clone());
    }
    body.to_string()
}

/// The heartbeats read for the fleet are kept parsed, and only those at or after the
/// newest instant of the last read are sent again in full: one written since with an
/// older instant (another replica's clock behind, a transaction that committed late)
/// must still be read, and so must one replacing the newest in the same millisecond.
async fn a_heartbeat_stored_behind_the_newest_still_shows(app: TestApp) {
    let admin = app.admin().await;
    let path = "/api/v1/fleet?per_page=500";
    let store = &app.state.store;
    // Each holding the playlist compiled for it (else it is behind).
    let mut holds = std::collections::HashMap::new();
    for code in ["05443", "05710"] {
        holds.insert(
            code,
            json!({ "playlist_version": app.playlist_version(code).await }),
        );
    }
    let with = |code: &str, extra: Value| {
        let mut fields = holds[code].clone();
        if let (Some(f), Some(e)) = (fields.as_object_mut(), extra.as_object()) {
            f.extend(e.clone());
        }
        beat(fields)
    };
    let first = app.state.clock.now().timestamp_millis();
    loa::store::record_heartbeat(store, "05443", first, &with("05443", json!({})))
        .await
        .expect("heartbeat");
    let newest = first + 10_000;
    loa::store::record_heartbeat(store, "05710", newest, &with("05710", json!({})))
        .await
        .expect("heartbeat");
    app.state.clock.advance(std::time::Duration::from_secs(11));
    // Twice, so that the kept heartbeats are those of the first answer.
    for _ in 0..2 {
        let before = app.get_json(&admin, path, 200).await;
        for code in ["05443", "05710"] {
            let row = station(&before, code);
            assert_eq!(row["problems"], json!([]), "{row}");
        }
    }

    // Behind the newest read: missing media, as another replica stored it.
    let behind = first + 5_000;
    loa::store::record_heartbeat(
        store,
        "05443",
        behind,
        &with("05443", json!({ "media_missing": 2 })),
    )
    .await
    .expect("heartbeat");
    // The newest replaced within its millisecond.
    loa::store::record_heartbeat(
        store,
        "05710",
        newest,
        &with("05710", json!({ "outbox_backlog": 51 })),
    )
    .await
    .expect("heartbeat");
    let after = app.get_json(&admin, path, 200).await;
    let late = station(&after, "05443");
    assert_eq!(late["problems"], json!(["media_not_ready"]), "{late}");
    assert_eq!(late["heartbeat"]["media_missing"], 2, "{late}");
    let seen = chrono::DateTime::from_timestamp_millis(behind)
        .expect("instant")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert_eq!(late["last_seen"], seen.as_str(), "{late}");
    let replaced = station(&after, "05710");
    assert_eq!(
        replaced["problems"],
        json!(["outbox_backlog"]),
        "{replaced}"
    );
}
