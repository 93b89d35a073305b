//! Operations endpoints: health and Prometheus metrics.

use super::TestApp;
use crate::both_backends;

both_backends!(metrics_count_requests_by_route_and_stations_online);

async fn metrics_count_requests_by_route_and_stations_online(app: TestApp) {
    let token = app.enroll("05443").await;
    for _ in 0..3 {
        let res = app
            .client
            .get(app.url("/api/v1/playlist"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("playlist");
        assert_eq!(res.status(), 200);
    }
    let res = app
        .client
        .post(app.url("/api/v1/heartbeat"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "version": "test" }))
        .send()
        .await
        .expect("heartbeat");
    assert_eq!(res.status(), 200);
    let res = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/plain")
    );
    let text = res.text().await.expect("body");
    assert!(
        text.contains(
            "loa_http_requests_total{method=\"GET\",route=\"/api/v1/playlist\",status=\"200\"} 3"
        ),
        "{text}"
    );
    assert!(
        text.contains("loa_http_request_duration_seconds_count{route=\"/api/v1/playlist\"} 3"),
        "{text}"
    );
    assert!(text.contains("loa_stations_online 1\n"), "{text}");
    assert!(text.contains("loa_stations 94\n"), "{text}");
}
