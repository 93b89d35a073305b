//! Approval by a second person: who may approve, and what approving changes (the
//! segment enters the playlists of the stations whose campaigns list it), plus the
//! gain every playlist item carries.

use loa::server::auth::Role;
use reqwest::StatusCode;
use serde_json::Value;

use super::{count, get, post, upload_new};
use crate::both_backends;
use crate::server::TestApp;

both_backends!(
    approval_by_another_person_puts_the_segment_on_air,
    approval_is_refused_to_the_uploader_and_to_the_wrong_people,
    gain_brings_each_station_to_its_target_loudness,
);

/// Puts a campaign straight into the store that airs `segment` daily at 06:10 in
/// `area` (the campaigns API takes approved segments only).
async fn campaign_with(app: &TestApp, segment: &str, area: &str) {
    let today = chrono::Utc::now().date_naive();
    let spec = loa::wire::CampaignSpec {
        id: "hop-to-dan-pho".to_owned(),
        name: "Họp tổ dân phố".to_owned(),
        from: today - chrono::Days::new(1),
        until: today + chrono::Days::new(60),
        areas: vec![area.to_owned()],
        priority: "normal".to_owned(),
        pool: vec![segment.to_owned()],
        weights: Default::default(),
        min_airings_per_day: 1,
        rotations: vec![loa::wire::RotationSpec {
            id: "sang".to_owned(),
            slots: vec!["10 6 * * *".to_owned()],
            slot_seconds: 60,
            order: "sequential".to_owned(),
            seed: 0,
            spacing: 0,
            relay: None,
        }],
    };
    sqlx::query(
        "INSERT INTO campaigns (id, name, from_date, until_date, priority, min_airings_per_day, area_code, spec, updated_at)
         VALUES ($1, $2, $3, $4, 'normal', 1, $5, $6, 0)",
    )
    .bind(spec.id.clone())
    .bind(spec.name.clone())
    .bind(spec.from.to_string())
    .bind(spec.until.to_string())
    .bind(area.to_owned())
    .bind(serde_json::to_string(&spec).expect("spec json"))
    .execute(&app.db)
    .await
    .expect("insert campaign");
}

/// Segment ids in the playlist `token`'s station fetches.
async fn playlist_segments(app: &TestApp, token: &str) -> Vec<String> {
    let res = get(app, token, "/api/v1/playlist").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["segment"].as_str().expect("segment").to_owned())
        .collect()
}

async fn approval_by_another_person_puts_the_segment_on_air(app: TestApp) {
    let editor = app.staff("bien-tap", Role::Editor, "05443").await;
    let approver = app.staff("duyet", Role::Approver, "05443").await;
    upload_new(&app, &editor, "hop-to-dan-pho", 4).await;
    campaign_with(&app, "hop-to-dan-pho", "05443").await;
    app.state
        .recompile(Some(&["05443".to_owned()]))
        .await
        .expect("recompile");
    let station = app.enroll("05443").await;
    let before = playlist_segments(&app, &station).await;
    assert!(!before.is_empty(), "the province's campaigns air");
    assert!(
        !before.iter().any(|s| s == "hop-to-dan-pho"),
        "unapproved audio never airs"
    );

    let res = post(&app, &approver, "/api/v1/segments/hop-to-dan-pho/approve").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["segment"]["approved"], true);
    assert_eq!(body["segment"]["approved_by"], "duyet");
    assert!(body["segment"]["approved_at"].is_string());
    // Both stations of the commune, and only they, are recompiled.
    assert_eq!(body["recompiled"]["stations"], 2, "{body}");
    assert_eq!(body["recompiled"]["changed"], 2, "{body}");

    let after = playlist_segments(&app, &station).await;
    assert!(after.iter().any(|s| s == "hop-to-dan-pho"), "{after:?}");
    let elsewhere = app.enroll("05710").await;
    assert!(
        !playlist_segments(&app, &elsewhere)
            .await
            .iter()
            .any(|s| s == "hop-to-dan-pho")
    );

    // Approving again changes nothing.
    let res = post(&app, &approver, "/api/v1/segments/hop-to-dan-pho/approve").await;
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json().await.expect("json");
    assert_eq!(again["segment"], body["segment"]);
    assert_eq!(again["recompiled"]["stations"], 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'segment.approve' AND actor = 'duyet' AND target = 'hop-to-dan-pho'"
        )
        .await,
        1
    );
}

async fn approval_is_refused_to_the_uploader_and_to_the_wrong_people(app: TestApp) {
    let approver = app.staff("duyet", Role::Approver, "05443").await;
    upload_new(&app, &approver, "tu-tai-len", 5).await;
    let res = post(&app, &approver, "/api/v1/segments/tu-tai-len/approve").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "own upload");
    let message = res.text().await.expect("body");
    assert!(message.contains("chính mình tải lên"), "{message}");

    let editor = app.staff("bien-tap", Role::Editor, "05443").await;
    let viewer = app.staff("xem", Role::Viewer, "05443").await;
    for token in [&editor, &viewer] {
        let res = post(&app, token, "/api/v1/segments/tu-tai-len/approve").await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "role too low");
    }
    let elsewhere = app.staff("duyet-xa-khac", Role::Approver, "05710").await;
    let res = post(&app, &elsewhere, "/api/v1/segments/tu-tai-len/approve").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "outside the subtree");
    let res = post(&app, &approver, "/api/v1/segments/khong-co/approve").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "unknown segment");
    // A commune approver cannot approve what the province owns, though it sees it.
    sqlx::query("UPDATE segments SET approved_at = NULL WHERE id = 'bao-tin-khan-cap-mau'")
        .execute(&app.db)
        .await
        .expect("update");
    let res = post(
        &app,
        &approver,
        "/api/v1/segments/bao-tin-khan-cap-mau/approve",
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a higher level's segment"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM segments WHERE approved_at IS NOT NULL AND id IN ('tu-tai-len', 'bao-tin-khan-cap-mau')"
        )
        .await,
        0
    );

    // Another approver of the commune may approve it.
    let second = app.staff("duyet-2", Role::Approver, "05443").await;
    let res = post(&app, &second, "/api/v1/segments/tu-tai-len/approve").await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn gain_brings_each_station_to_its_target_loudness(app: TestApp) {
    sqlx::query("UPDATE stations SET target_lufs = -23 WHERE code = '05710'")
        .execute(&app.db)
        .await
        .expect("update");
    app.state
        .recompile(Some(&["05443".to_owned(), "05710".to_owned()]))
        .await
        .expect("recompile");
    let gains = |token: String| {
        let app = &app;
        async move {
            let body: Value = get(app, &token, "/api/v1/playlist")
                .await
                .json()
                .await
                .expect("json");
            body["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| {
                    (
                        i["segment"].as_str().expect("segment").to_owned(),
                        i["gain_db"].as_f64().expect("gain"),
                    )
                })
                .collect::<std::collections::BTreeMap<_, _>>()
        }
    };
    let loud = gains(app.enroll("05443").await).await;
    let quiet = gains(app.enroll("05710").await).await;
    let mut compared = 0;
    for (segment, gain) in &loud {
        if let Some(other) = quiet.get(segment) {
            assert!(
                (gain - other - 7.0).abs() < 1e-9,
                "{segment}: {gain} at -16 LUFS, {other} at -23 LUFS"
            );
            compared += 1;
        }
    }
    assert!(compared > 0, "the two stations share segments");
    // And the gain is the distance from the measured loudness to the target.
    use sqlx::Row;
    let (segment, gain) = loud.iter().next().expect("an item");
    let lufs: f64 = sqlx::query("SELECT loudness_lufs FROM segments WHERE id = $1")
        .bind(segment.clone())
        .fetch_one(&app.db)
        .await
        .expect("segment")
        .get(0);
    assert!(
        (gain - (-16.0 - lufs)).abs() <= 0.05,
        "{gain} for {lufs} LUFS"
    );
}
