//! The station side of the API: enrollment, playlist with ETag, healthz.

use super::TestApp;
use crate::both_backends;

both_backends!(
    healthz_answers,
    enrolled_station_gets_its_playlist_with_etag
);

async fn healthz_answers(app: TestApp) {
    let res = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), "ok");
    app.state.store.ping().await.expect("store answers");
    assert!(app.data_dir.join("media").is_dir(), "seed copied the audio into the media folder");
}

async fn enrolled_station_gets_its_playlist_with_etag(app: TestApp) {
    let token = app.enroll("05443").await;
    let res = app
        .client
        .get(app.url("/api/v1/playlist"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["station"], "05443");
    assert!(
        !body["items"].as_array().expect("items").is_empty(),
        "seeded plan has items"
    );
    let again = app
        .client
        .get(app.url("/api/v1/playlist"))
        .bearer_auth(&token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), 304);
    let anonymous = app
        .client
        .get(app.url("/api/v1/playlist"))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 401);
}
