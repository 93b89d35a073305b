//! `GET /api/v1/media/{sha256}`: whole files, ranges, `If-Match`, and which station may
//! fetch what.

use std::path::PathBuf;

use crate::support::sha256_hex;
use sqlx::Row;

use super::TestApp;
use crate::both_backends;

both_backends!(
    media_is_served_whole_and_by_range,
    media_outside_the_plan_is_forbidden_unless_sent_as_emergency,
);

/// The repository's audio file whose SHA-256 is `sha`.
fn audio_file(sha: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("audio");
    std::fs::read_dir(&dir)
        .expect("audio dir")
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .find(|bytes| sha256_hex(bytes) == sha)
        .expect("the planned segment is one of the repository's audio files")
}

async fn fetch(
    app: &TestApp,
    token: &str,
    sha: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = app
        .client
        .get(app.url(&format!("/api/v1/media/{sha}")))
        .bearer_auth(token);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("media request")
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("header {name}"))
        .to_str()
        .expect("ascii")
        .to_owned()
}

async fn media_is_served_whole_and_by_range(app: TestApp) {
    let token = app.enroll("05443").await;
    let playlist: serde_json::Value = app
        .client
        .get(app.url("/api/v1/playlist"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("playlist")
        .json()
        .await
        .expect("json");
    let sha = playlist["items"][0]["sha256"]
        .as_str()
        .expect("sha")
        .to_owned();
    let file = audio_file(&sha);
    let len = file.len();
    assert!(len > 200, "a real audio file");

    let res = fetch(&app, &token, &sha, &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "etag"), format!("\"{sha}\""));
    assert_eq!(header(&res, "accept-ranges"), "bytes");
    assert_eq!(header(&res, "content-length"), len.to_string());
    let body = res.bytes().await.expect("body");
    assert_eq!(sha256_hex(&body), sha);
    assert!(body[..] == file[..], "the bytes of the file in audio/");

    let res = fetch(&app, &token, &sha, &[("range", "bytes=0-99")]).await;
    assert_eq!(res.status(), 206);
    assert_eq!(header(&res, "content-range"), format!("bytes 0-99/{len}"));
    assert_eq!(header(&res, "content-length"), "100");
    assert!(res.bytes().await.expect("body")[..] == file[..100]);

    let res = fetch(&app, &token, &sha, &[("range", "bytes=-10")]).await;
    assert_eq!(res.status(), 206);
    assert_eq!(
        header(&res, "content-range"),
        format!("bytes {}-{}/{len}", len - 10, len - 1)
    );
    assert!(res.bytes().await.expect("body")[..] == file[len - 10..]);

    // Resuming a download: everything from byte 100 on.
    let res = fetch(&app, &token, &sha, &[("range", "bytes=100-")]).await;
    assert_eq!(res.status(), 206);
    assert_eq!(
        header(&res, "content-range"),
        format!("bytes 100-{}/{len}", len - 1)
    );
    assert!(res.bytes().await.expect("body")[..] == file[100..]);

    for unsatisfiable in [format!("bytes={len}-"), "bytes=50-10".to_owned()] {
        let res = fetch(&app, &token, &sha, &[("range", &unsatisfiable)]).await;
        assert_eq!(res.status(), 416, "{unsatisfiable}");
        assert_eq!(header(&res, "content-range"), format!("bytes */{len}"));
    }

    let etag = format!("\"{sha}\"");
    let res = fetch(
        &app,
        &token,
        &sha,
        &[("if-match", &etag), ("range", "bytes=10-19")],
    )
    .await;
    assert_eq!(res.status(), 206);
    assert!(res.bytes().await.expect("body")[..] == file[10..20]);
    let res = fetch(&app, &token, &sha, &[("if-match", &etag)]).await;
    assert_eq!(res.status(), 200);
    let wrong = format!("\"{}\"", "ab".repeat(32));
    let res = fetch(
        &app,
        &token,
        &sha,
        &[("if-match", &wrong), ("range", "bytes=10-19")],
    )
    .await;
    assert_eq!(res.status(), 412);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"], "precondition_failed");

    for bad in ["xyz", "abc123", &"g".repeat(64)] {
        let res = fetch(&app, &token, bad, &[]).await;
        assert_eq!(res.status(), 400, "{bad}");
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["error"], "bad_request");
    }
    let res = fetch(&app, &token, &"ab".repeat(32), &[]).await;
    assert_eq!(res.status(), 404, "no segment has this hash");
    let res = app
        .client
        .get(app.url(&format!("/api/v1/media/{sha}")))
        .send()
        .await
        .expect("anonymous");
    assert_eq!(res.status(), 401);
}

/// Sends `segment` as an emergency bulletin to `area`, as an approver does.
async fn send_emergency(app: &TestApp, segment: &str, area: &str) {
    let admin = app.admin().await;
    let res = app
        .client
        .post(app.url("/api/v1/emergencies"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "segment": segment, "area": area }))
        .send()
        .await
        .expect("send emergency");
    assert_eq!(res.status(), 201, "emergency to {area}");
}

async fn media_outside_the_plan_is_forbidden_unless_sent_as_emergency(app: TestApp) {
    let token = app.enroll("05443").await;
    let other = app.enroll("05710").await;
    let row = sqlx::query(
        "SELECT id, sha256 FROM segments WHERE id NOT IN
           (SELECT segment_id FROM planned_items WHERE station_code = $1) ORDER BY id",
    )
    .bind("05443".to_owned())
    .fetch_optional(&app.db)
    .await
    .expect("query")
    .expect("the seed has a segment the station does not plan (the emergency sample)");
    let segment: String = row.get(0);
    let sha: String = row.get(1);

    let res = fetch(&app, &token, &sha, &[]).await;
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"], "forbidden");
    assert!(body["message"].as_str().expect("message").contains("05443"));

    // An emergency for another commune does not open it to this station.
    send_emergency(&app, &segment, "05710").await;
    assert_eq!(fetch(&app, &token, &sha, &[]).await.status(), 403);
    let res = fetch(&app, &other, &sha, &[]).await;
    assert_eq!(res.status(), 200, "the commune it was sent to may fetch it");

    // An emergency for the province reaches every commune below it.
    send_emergency(&app, &segment, "19").await;
    let res = fetch(&app, &token, &sha, &[]).await;
    assert_eq!(res.status(), 200);
    let body = res.bytes().await.expect("body");
    assert_eq!(sha256_hex(&body), sha);
}
