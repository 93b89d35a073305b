//! Uploads that must be refused, each with a reason and without writing anything: no
//! row, no audit entry, no media file.

use loa::server::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{audio, count, fresh_mp3, media_files, upload, upload_new};
use crate::both_backends;
use crate::server::TestApp;

both_backends!(
    bad_uploads_are_refused_and_write_nothing,
    problems_of_the_form_are_listed_together,
);

async fn bad_uploads_are_refused_and_write_nothing(app: TestApp) {
    let editor = app.staff("bien-tap", Role::Editor, "05443").await;
    let viewer = app.staff("xem", Role::Viewer, "05443").await;
    upload_new(&app, &editor, "da-co", 6).await;
    let segments = count(&app, "SELECT COUNT(*) FROM segments").await;
    let audits = count(&app, "SELECT COUNT(*) FROM audit_log").await;
    let files = media_files(&app);
    let fields = [("id", "ban-tin-moi"), ("title", "Bản tin mới")];
    let mut truncated = fresh_mp3(7);
    truncated.truncate(truncated.len() * 7 / 10);

    let cases: Vec<(&str, reqwest::Response, StatusCode, &str)> = vec![
        (
            "no file part",
            upload(&app, &editor, &fields, None).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "file: thiếu tệp âm thanh",
        ),
        (
            "an empty file",
            upload(&app, &editor, &fields, Some(("rong.mp3", Vec::new()))).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "file: tệp `rong.mp3` rỗng (0 byte)",
        ),
        (
            "a text file named .mp3",
            upload(
                &app,
                &editor,
                &fields,
                Some(("ban-tin.mp3", "Kính thưa bà con\n".repeat(500).into_bytes())),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "không phải tệp âm thanh",
        ),
        (
            "a truncated MP3",
            upload(&app, &editor, &fields, Some(("cut.mp3", truncated))).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "bị cắt cụt",
        ),
        (
            "an id taken by other audio",
            upload(
                &app,
                &editor,
                &[("id", "da-co"), ("title", "Khác")],
                Some(("x.mp3", fresh_mp3(8))),
            )
            .await,
            StatusCode::CONFLICT,
            "`da-co` đã dùng",
        ),
        (
            "a viewer",
            upload(&app, &viewer, &fields, Some(("x.mp3", fresh_mp3(8)))).await,
            StatusCode::FORBIDDEN,
            "cần vai trò editor",
        ),
        (
            "an area outside the subtree",
            upload(
                &app,
                &editor,
                &[("id", "x"), ("title", "x"), ("area", "05710")],
                Some(("x.mp3", fresh_mp3(8))),
            )
            .await,
            StatusCode::FORBIDDEN,
            "ngoài phạm vi",
        ),
        (
            "JSON instead of a form",
            app.client
                .post(app.url("/api/v1/segments"))
                .bearer_auth(&editor)
                .json(&json!({ "id": "x", "title": "x" }))
                .send()
                .await
                .expect("request"),
            StatusCode::BAD_REQUEST,
            "multipart/form-data",
        ),
        (
            "a broken multipart body",
            app.client
                .post(app.url("/api/v1/segments"))
                .bearer_auth(&editor)
                .header("content-type", "multipart/form-data; boundary=XYZ")
                .body("--XYZ\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nabc")
                .send()
                .await
                .expect("request"),
            StatusCode::BAD_REQUEST,
            "multipart",
        ),
        (
            "no credentials",
            app.client
                .post(app.url("/api/v1/segments"))
                .multipart(reqwest::multipart::Form::new().text("id", "x"))
                .send()
                .await
                .expect("request"),
            StatusCode::UNAUTHORIZED,
            "đăng nhập",
        ),
    ];
    for (what, res, status, says) in cases {
        assert_eq!(res.status(), status, "{what}");
        let body: Value = res.json().await.expect("JSON error body");
        let message = body["message"].as_str().expect("message");
        assert!(message.contains(says), "{what}: {message}");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM segments").await,
            segments,
            "{what}"
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM audit_log").await,
            audits,
            "{what}"
        );
        assert_eq!(media_files(&app), files, "{what}");
    }
}

async fn problems_of_the_form_are_listed_together(app: TestApp) {
    let editor = app.staff("bien-tap", Role::Editor, "05443").await;
    let res = upload(
        &app,
        &editor,
        &[
            ("id", "Bản Tin"),
            ("language", "vietnamese"),
            ("group", "Nhóm"),
            ("valid_from", "2026-13-01"),
            ("colour", "đỏ"),
            ("area", "99999"),
        ],
        Some(("x.mp3", fresh_mp3(9))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.expect("json");
    let problems: Vec<&str> = body["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for start in [
        "phần `colour`",
        "id: `Bản Tin`",
        "title: thiếu",
        "language: `vietnamese`",
        "group: `Nhóm`",
        "valid_from: `2026-13-01`",
        "area: không có đơn vị `99999`",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(start)),
            "{start} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 7, "{problems:#?}");

    let res = upload(
        &app,
        &editor,
        &[
            ("id", "dao-ngay"),
            ("title", "Đảo ngày"),
            ("valid_from", "2026-12-31"),
            ("valid_until", "2026-01-01"),
        ],
        Some(("x.mp3", fresh_mp3(9))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["problems"],
        json!([
            "valid_from: 2026-12-31 sau valid_until 2026-01-01; đổi chỗ hai ngày (valid_from = 2026-01-01, valid_until = 2026-12-31)"
        ])
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'segment.upload'"
        )
        .await,
        0
    );
}

/// A server whose uploads may be at most 1 MB.
async fn spawn_small(db: crate::server::Db) -> Option<TestApp> {
    crate::server::spawn_app_configured(db, crate::server::seed_dir(), |c| c.max_upload_mb = 1)
        .await
}

async fn an_oversized_upload_is_refused(app: TestApp) {
    let editor = app.staff("bien-tap", Role::Editor, "05443").await;
    let files = media_files(&app);
    let segments = count(&app, "SELECT COUNT(*) FROM segments").await;
    // A WAV a little over the limit (the sample, padded with silence).
    let mut big = audio("dong-ho-hoc-tap.wav");
    big.resize(1024 * 1024 + 64 * 1024, 0);
    let res = upload(
        &app,
        &editor,
        &[("id", "qua-lon"), ("title", "Quá lớn")],
        Some(("big.wav", big)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.expect("json");
    assert!(
        body["message"].as_str().expect("message").contains("1 MB"),
        "{body}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM segments").await, segments);
    assert_eq!(media_files(&app), files);
    // Under the limit, the same server takes a file.
    upload_new(&app, &editor, "vua-du", 10).await;
}

crate::both_backends!(@spawn super::spawn_small; an_oversized_upload_is_refused);
