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

/// `metrics_token` in the configuration closes `/metrics` to anyone without it.
async fn metrics_behind_a_token(db: super::Db) {
    let Some(app) = super::spawn_app_configured(db, super::seed_dir(), |c| {
        c.metrics_token = Some("bi-mat-cua-prometheus".to_owned());
    })
    .await
    else {
        eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
        return;
    };
    let get = |token: Option<&str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let res = get(None).await.expect("metrics");
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.expect("a JSON error");
    assert_eq!(body["error"], "unauthorized");
    assert_eq!(get(Some("sai")).await.expect("metrics").status(), 401);
    let res = get(Some("bi-mat-cua-prometheus")).await.expect("metrics");
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .expect("body")
            .contains("loa_stations 94\n")
    );
    // Health stays open for load balancers.
    let res = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(res.status(), 200);
}

crate::both_backends!(db: metrics_behind_a_token);
