//! Operations endpoints: `/healthz`, `/metrics`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use sqlx::Row;

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

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", description = "Prometheus exposition format")))]
pub(super) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let since = chrono::Utc::now().timestamp_millis() - 5 * 60 * 1000;
    let online =
        sqlx::query("SELECT COUNT(DISTINCT station_code) FROM heartbeats WHERE at_ms > $1")
            .bind(since)
            .fetch_one(state.store.pool())
            .await
            .and_then(|r| r.try_get::<i64, _>(0))
            .unwrap_or(-1);
    let stations = sqlx::query("SELECT COUNT(*) FROM stations")
        .fetch_one(state.store.pool())
        .await
        .and_then(|r| r.try_get::<i64, _>(0))
        .unwrap_or(-1);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(online, stations),
    )
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
