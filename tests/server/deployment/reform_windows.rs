//! The reform re-import and broadcast windows: Bắc Kạn 2024 set its windows on the old
//! province `06` and district `058`; the 2025 list moves 37 surviving communes under
//! province `19`, which sets none. The preview names every station that would lose its
//! windows, `--apply` keeps each one airing in the windows it had, and every write
//! answers as before afterwards.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::json;

use super::super::TestApp;
use super::super::campaigns::{api, campaign};
use super::super::cli_server::{repo, run};
use crate::both_backends;

both_backends!(
    crate::server::bac_kan_dir;
    the_reform_keeps_every_station_in_the_windows_it_had,
);

/// `--data-dir` (and `--database-url`) of the database `app` serves.
pub(in crate::server) fn db_flags(app: &TestApp) -> Vec<String> {
    let mut flags = vec!["--data-dir".to_owned(), app.data_dir.display().to_string()];
    if let Some(url) = &app.state.config.database_url {
        flags.extend(["--database-url".to_owned(), url.clone()]);
    }
    flags
}

/// Each station's effective windows (own or inherited), rendered, by code.
async fn effective_windows(app: &TestApp) -> BTreeMap<String, String> {
    let loaded = loa::store::load_inputs(&app.state.store)
        .await
        .expect("the stored schedule loads");
    let inputs = &loaded.inputs;
    inputs
        .station_ids()
        .map(|idx| {
            (
                inputs.station(idx).code.to_string(),
                inputs.station_windows(idx).to_string(),
            )
        })
        .collect()
}

fn import(app: &TestApp, apply: bool) -> (i32, String) {
    let file = repo().join("schedules/thai-nguyen-2025/areas.csv");
    let file = file.display().to_string();
    let flags = db_flags(app);
    let mut args = vec!["areas", "import", file.as_str()];
    if apply {
        args.push("--apply");
    }
    args.extend(flags.iter().map(String::as_str));
    run(&args)
}

async fn the_reform_keeps_every_station_in_the_windows_it_had(app: TestApp) {
    let before = effective_windows(&app).await;
    assert_eq!(before.len(), 108);

    let (code, out) = import(&app, false);
    assert_eq!(code, 0, "{out}");
    // The communes the 2025 list keeps, each with one station coded as the commune,
    // all without windows of their own; 01843 was in district 058 (weekdays, 15 min).
    let kept = [
        "01840", "01843", "01849", "01864", "01879", "01882", "01894", "01906", "01912", "01921",
        "01933", "01936", "01942", "01954", "01957", "01960", "01969", "01981", "02008", "02014",
        "02020", "02026", "02038", "02044", "02071", "02083", "02086", "02101", "02104", "02107",
        "02116", "02143", "02152", "02155", "02176", "02185", "02191",
    ];
    assert!(
        out.contains(&format!(
            "khung phát sóng: {} trạm sẽ không còn khung phát sóng",
            kept.len()
        )),
        "counts the stations: {out}"
    );
    for station in kept {
        assert!(
            out.contains(&format!("  ! trạm {station} (đơn vị {station} ")),
            "names station {station} and its unit: {out}"
        );
    }
    assert!(
        out.contains("  ! trạm 01843 (đơn vị 01843 Phường Bắc Kạn): giữ khung 05:45–06:00 (T2,T3,T4,T5,T6), 17:00–17:15 (T2,T3,T4,T5,T6) thừa hưởng từ 058"),
        "says which windows it keeps and where they came from: {out}"
    );
    assert!(
        out.contains("  ! trạm 01981 (đơn vị 01981 Xã Vĩnh Thông): giữ khung 05:30–06:30 (T2-CN), 17:00–18:00 (T2-CN) thừa hưởng từ 06"),
        "{out}"
    );
    assert!(
        !out.contains("trạm 01858 "),
        "01858 sets its own windows: {out}"
    );
    assert_eq!(effective_windows(&app).await, before, "nothing written");

    let (code, out) = import(&app, true);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("đã ghi: 93"), "{out}");
    assert!(
        out.contains(&format!("đã giữ khung giờ cũ cho {} đơn vị", kept.len())),
        "{out}"
    );
    assert_eq!(
        effective_windows(&app).await,
        before,
        "every station airs in exactly the windows it had"
    );
    let (code, out) = import(&app, true);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("không có thay đổi"), "idempotent: {out}");

    // Writes answer as before: a moved station changed, a campaign on the new province.
    let admin = app.admin().await;
    let (status, body) = api(
        &app,
        Method::PUT,
        "/api/v1/stations/01840",
        &admin,
        Some(json!({ "area": "01840", "name": "Trạm Đức Xuân" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api(
        &app,
        Method::POST,
        // The retired province 06 is still a root: say which unit owns the campaign.
        "/api/v1/campaigns?area=19",
        &admin,
        Some(campaign("sau-sap-nhap", &["19"])),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["recompiled"]["stations"], kept.len(), "{body}");
    let text = body.to_string();
    assert!(!text.contains("không có khung phát sóng"), "{text}");
}
