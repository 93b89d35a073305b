//! Routes of the HTTP API under `/api/v1`, plus `/healthz`.

mod admin;
mod agent;
mod alerts;
pub(crate) mod audit;
mod campaigns;
mod console;
mod emergency;
pub(crate) mod fleet;
mod json;
mod library;
pub(crate) mod now_playing;
mod openapi;
mod ops;
mod reports;
mod scope;
mod stations;

pub use fleet::CompletionCache;
pub(crate) use library::segment_audio;
pub(crate) use reports::{ReportAsk, ReportField, report_query, report_refused};
pub(crate) use scope::Scope;
pub(crate) use stations::bulk as stations_bulk;
pub(crate) use stations::{station_plan, visible as visible_station};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::trace::TraceLayer;

use super::AppState;

/// Largest JSON body accepted (airing batches included), bytes.
const JSON_LIMIT: usize = 2 * 1024 * 1024;

/// Largest body of the small JSON routes (login, accounts, heartbeat, station
/// credentials, emergencies), bytes.
const SMALL_LIMIT: usize = 16 * 1024;

/// Largest campaign or station body, bytes (a campaign lists its areas and pool).
const EDIT_LIMIT: usize = 1024 * 1024;

pub(super) fn routes(state: AppState) -> Router {
    let upload_limit = state.config.max_upload_mb as usize * 1024 * 1024;
    Router::new()
        .merge(ops::routes())
        .nest(
            "/api/v1",
            Router::new()
                .route("/openapi.json", axum::routing::get(openapi::serve))
                .merge(agent::routes())
                .merge(console::routes().layer(DefaultBodyLimit::max(SMALL_LIMIT)))
                .merge(library::routes(state.config.max_upload_mb))
                .merge(emergency::routes().layer(DefaultBodyLimit::max(SMALL_LIMIT)))
                .merge(stations::routes().layer(DefaultBodyLimit::max(EDIT_LIMIT)))
                .merge(campaigns::routes().layer(DefaultBodyLimit::max(EDIT_LIMIT)))
                .merge(admin::routes().layer(DefaultBodyLimit::max(SMALL_LIMIT)))
                .merge(audit::routes().layer(DefaultBodyLimit::max(SMALL_LIMIT)))
                .merge(reports::routes().layer(DefaultBodyLimit::max(SMALL_LIMIT)))
                .merge(fleet::routes().layer(DefaultBodyLimit::max(SMALL_LIMIT)))
                .merge(now_playing::routes().layer(DefaultBodyLimit::max(SMALL_LIMIT)))
                .merge(alerts::routes().layer(DefaultBodyLimit::max(SMALL_LIMIT)))
                .layer(DefaultBodyLimit::max(JSON_LIMIT.max(upload_limit))),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::metrics::track,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
