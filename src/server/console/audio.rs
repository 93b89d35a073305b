//! The console's audio player source: a segment's file, after the same scope check as
//! `GET /api/v1/segments/{id}/audio` (the same function serves both), reached with the
//! session cookie an `<audio>` element sends.

use axum::extract::{Path, State};
use axum::response::Response;

use super::session::Viewer;
use super::{ConsoleError, ConsoleResult};
use crate::server::AppState;
use crate::server::api::{Scope, segment_audio};

/// `GET /audio/{segment}`.
pub async fn serve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(segment): Path<String>,
) -> ConsoleResult<Response> {
    let lang = viewer.lang;
    let scope = Scope::load(&state.store, &viewer.auth)
        .await
        .map_err(|e| ConsoleError::Api(e, lang))?;
    segment_audio(&state, &scope, &segment)
        .await
        .map_err(|e| ConsoleError::Api(e, lang))
}
