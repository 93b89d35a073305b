//! Operations endpoints: `/healthz`, `/metrics`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::server::AppState;

/// The operations part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz, metrics))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
}

/// Whether `headers` carry the configured metrics token (always, when none is set).
/// Compared as SHA-256 digests so the time taken says nothing about the token.
fn metrics_allowed(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    let Some(expected) = &state.config.metrics_token else {
        return true;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .trim();
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(given), Sha256::digest(expected.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Prometheus text format; behind `Authorization: Bearer METRICS_TOKEN` when the
/// configuration sets `metrics_token`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", description = "Prometheus exposition format"),
        (status = 401, description = "metrics_token is set and the request does not carry it")))]
pub(super) async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    if !metrics_allowed(&state, &headers) {
        return crate::server::error::ApiError::Unauthorized.into_response();
    }
    let since = chrono::Utc::now().timestamp_millis() - 5 * 60 * 1000;
    let online = crate::store::stations_heard_since(&state.store, since)
        .await
        .unwrap_or(-1);
    let stations = crate::store::station_count(&state.store)
        .await
        .unwrap_or(-1);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(online, stations),
    )
        .into_response()
}

/// 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "ok"), (status = 503, description = "database unavailable")))]
pub(super) async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "kiểm tra sức khỏe: cơ sở dữ liệu không trả lời");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
