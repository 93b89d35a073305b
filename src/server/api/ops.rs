//! Operations endpoints: `/healthz`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use crate::server::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

/// 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "kiểm tra sức khỏe: cơ sở dữ liệu không trả lời");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
