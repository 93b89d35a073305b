//! The OpenAPI document the server serves describes its real routes.

use super::TestApp;
use crate::both_backends;

both_backends!(openapi_document_lists_the_station_api);

async fn openapi_document_lists_the_station_api(app: TestApp) {
    let res = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/enroll",
        "/api/v1/playlist",
        "/api/v1/media/{sha256}",
        "/api/v1/airings",
        "/api/v1/heartbeat",
        "/api/v1/events",
        "/healthz",
        "/metrics",
        "/api/v1/logout",
        "/api/v1/me/password",
        "/api/v1/accounts/{username}/password",
        "/api/v1/accounts/{username}/enable",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for schema in [
        "AiringJson",
        "AiringsBatch",
        "PlaylistJson",
        "HeartbeatJson",
        "EnrollRequest",
    ] {
        assert!(schemas.contains_key(schema), "{schema} missing");
    }
    assert!(doc["components"]["securitySchemes"]["station_token"].is_object());
    // Every documented path answers something other than 404 on this server (some need
    // credentials, which is fine).
    for path in paths.keys().filter(|p| !p.contains('{')) {
        let url = app.url(path);
        let methods = paths[path].as_object().expect("methods");
        let res = if methods.contains_key("get") {
            app.client.get(&url).send().await
        } else {
            app.client
                .post(&url)
                .json(&serde_json::json!({}))
                .send()
                .await
        }
        .expect("request");
        assert_ne!(res.status(), 404, "{path} is documented but not routed");
    }
}
