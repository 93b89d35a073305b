//! The segment library from the console: upload, list, read, listen, approve.
//!
//! A segment belongs to an owner area. Accounts see the segments owned inside their
//! subtree (and, with the right role, change them) and also, read-only, those owned by
//! their own area's ancestors: a commune's staff use the province's library in their
//! campaigns but neither approve nor change it. Anything else looks absent (404).
//!
//! A segment enters playlists only once an approver other than its uploader approves
//! it; approving recompiles the stations whose campaigns list it.

mod upload;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::campaigns::{Recompiled, recompile};
use super::scope::Scope;
use crate::domain::Sha256Digest;
use crate::server::AppState;
use crate::server::auth::{Role, StaffAuth};
use crate::server::error::{ApiError, ApiResult};
use crate::store::segments::{self, SegmentRow};

/// The library part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(upload::upload, list, show, audio, approve),
    components(schemas(SegmentJson, Approved, upload::UploadForm))
)]
pub(super) struct Doc;

/// Room for the text parts and multipart framing beside the largest accepted file.
const FORM_OVERHEAD: usize = 1024 * 1024;

pub(super) fn routes(max_upload_mb: u32) -> Router<AppState> {
    let file_limit = max_upload_mb as usize * 1024 * 1024;
    Router::new()
        .route(
            "/segments",
            get(list).post(upload::upload).layer(DefaultBodyLimit::max(
                file_limit.saturating_add(FORM_OVERHEAD),
            )),
        )
        .route("/segments/{id}", get(show))
        .route("/segments/{id}/audio", get(audio))
        .route(
            "/segments/{id}/approve",
            post(approve).layer(DefaultBodyLimit::max(super::SMALL_LIMIT)),
        )
}

/// A segment as the console shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct SegmentJson {
    /// Identifier.
    id: String,
    /// Title.
    title: String,
    /// Language code.
    language: String,
    /// Translation group (the id its translations share).
    group: String,
    /// Topic tags.
    tags: Vec<String>,
    /// Length measured by decoding the whole file, ms.
    duration_ms: i64,
    /// SHA-256 of the audio.
    sha256: String,
    /// Size of the audio, bytes.
    size_bytes: i64,
    /// Container found in the file (`mp3`, `ogg`, `flac`, `wav`).
    format: String,
    /// EBU R128 integrated loudness, LUFS (absent for silence).
    loudness_lufs: Option<f64>,
    /// First date it may air, `YYYY-MM-DD`.
    valid_from: Option<String>,
    /// Last date it may air.
    valid_until: Option<String>,
    /// Code of the owner area.
    area: String,
    /// Who uploaded it (absent for segments imported from schedule files).
    uploaded_by: Option<String>,
    /// Whether it may be scheduled.
    approved: bool,
    /// Who approved it (absent for imports, which count as approved).
    approved_by: Option<String>,
    /// When, RFC 3339 UTC.
    approved_at: Option<String>,
    /// When it was added, RFC 3339 UTC.
    created_at: String,
    /// Whether the caller's subtree owns it (false: a higher level's, read-only).
    editable: bool,
    /// What the uploader should know although the audio was accepted, in Vietnamese
    /// (a file of digital silence; an MP3 whose size promises more than decodes).
    warnings: Vec<String>,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl SegmentJson {
    /// Adds warnings found when the audio was measured (those not already given).
    fn with_warnings(mut self, warnings: &[String]) -> Self {
        for w in warnings {
            if !self.warnings.contains(w) {
                self.warnings.push(w.clone());
            }
        }
        self
    }

    fn new(row: SegmentRow, scope: &Scope) -> Self {
        let warnings = if row.loudness_lufs.is_none() {
            vec![crate::audio::SILENCE_WARNING.to_owned()]
        } else {
            Vec::new()
        };
        Self {
            warnings,
            editable: scope.contains(&row.area_code),
            id: row.id,
            title: row.title,
            language: row.language,
            group: row.group,
            tags: row.tags,
            duration_ms: row.duration_ms,
            sha256: row.sha256,
            size_bytes: row.size_bytes,
            format: row.format,
            loudness_lufs: row.loudness_lufs,
            valid_from: row.valid_from,
            valid_until: row.valid_until,
            area: row.area_code,
            uploaded_by: row.uploaded_by_name,
            approved: row.approved_at_ms.is_some(),
            approved_by: row.approved_by_name,
            approved_at: row.approved_at_ms.map(rfc3339),
            created_at: rfc3339(row.created_at_ms),
        }
    }
}

/// Whether the caller may see a segment owned by `area`.
fn sees(scope: &Scope, area: &str) -> bool {
    scope.contains(area) || scope.is_above(area)
}

/// The segment `id` if the caller sees it; else 404, as if absent.
async fn visible(state: &AppState, scope: &Scope, id: &str) -> ApiResult<SegmentRow> {
    match segments::get_segment(&state.store, id).await? {
        Some(row) if sees(scope, &row.area_code) => Ok(row),
        _ => Err(ApiError::NotFound(format!("không có bản tin `{id}`"))),
    }
}

/// Filters of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// `true`: approved only; `false`: those waiting for approval.
    approved: Option<bool>,
}

/// Segments the caller sees, by id.
#[utoipa::path(get, path = "/api/v1/segments", tag = "console",
    security(("session_token" = [])), params(ListQuery),
    responses((status = 200, body = [SegmentJson]), (status = 400, description = "bad filter")))]
async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<axum::Json<Vec<SegmentJson>>> {
    let Query(query) = query.map_err(|e| {
        ApiError::BadRequest(format!(
            "tham số không hợp lệ ({}); dùng ?approved=true hoặc ?approved=false",
            e.body_text()
        ))
    })?;
    let scope = Scope::load(&state.store, &auth).await?;
    Ok(axum::Json(
        segments::list_segments(&state.store)
            .await?
            .into_iter()
            .filter(|s| sees(&scope, &s.area_code))
            .filter(|s| {
                query
                    .approved
                    .is_none_or(|a| a == s.approved_at_ms.is_some())
            })
            .map(|s| SegmentJson::new(s, &scope))
            .collect(),
    ))
}

/// One segment (404 when absent or not visible to the caller).
#[utoipa::path(get, path = "/api/v1/segments/{id}", tag = "console",
    security(("session_token" = [])),
    params(("id" = String, Path, description = "segment id")),
    responses((status = 200, body = SegmentJson), (status = 404)))]
async fn show(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<SegmentJson>> {
    let scope = Scope::load(&state.store, &auth).await?;
    let row = visible(&state, &scope, &id).await?;
    Ok(axum::Json(SegmentJson::new(row, &scope)))
}

/// The audio of a segment, so an approver hears what they approve.
#[utoipa::path(get, path = "/api/v1/segments/{id}/audio", tag = "console",
    security(("session_token" = [])),
    params(("id" = String, Path, description = "segment id")),
    responses((status = 200, description = "the file as uploaded"), (status = 404)))]
async fn audio(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let scope = Scope::load(&state.store, &auth).await?;
    segment_audio(&state, &scope, &id).await
}

/// The audio file of segment `id` when `scope` sees the segment (404 otherwise), as
/// uploaded, with its type; the API and the console's player both serve it so.
pub(crate) async fn segment_audio(
    state: &AppState,
    scope: &Scope,
    id: &str,
) -> ApiResult<Response> {
    let row = visible(state, scope, id).await?;
    let digest = Sha256Digest::parse(&row.sha256).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("segment {id}: bad sha256 {}", row.sha256))
    })?;
    let path = state.media.path_of(&digest);
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        ApiError::Internal(anyhow::anyhow!("media {} unreadable: {e}", path.display()))
    })?;
    let mime = match row.format.as_str() {
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        _ => "application/octet-stream",
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=86400, immutable"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The answer to an approval.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct Approved {
    /// The segment as stored now.
    segment: SegmentJson,
    /// The recompile of the stations whose campaigns list it (none when it was
    /// already approved).
    recompiled: Recompiled,
}

/// Approves a segment (approver or above, not its uploader) and recompiles the
/// stations it can now reach. Approving an approved segment changes nothing.
#[utoipa::path(post, path = "/api/v1/segments/{id}/approve", tag = "console",
    security(("session_token" = [])),
    params(("id" = String, Path, description = "segment id")),
    responses((status = 200, body = Approved),
        (status = 403, description = "role too low, own upload, or a higher level's segment"),
        (status = 404)))]
async fn approve(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Approved>> {
    auth.require(Role::Approver)?;
    let scope = Scope::load(&state.store, &auth).await?;
    let row = visible(&state, &scope, &id).await?;
    if !scope.contains(&row.area_code) {
        return Err(ApiError::Forbidden(format!(
            "bản tin `{id}` thuộc đơn vị cấp trên ({}); chỉ đơn vị đó duyệt được",
            row.area_code
        )));
    }
    let changed = if row.approved_at_ms.is_some() {
        false
    } else {
        if row.uploaded_by == Some(auth.account_id) {
            return Err(ApiError::Forbidden(format!(
                "không tự duyệt được bản tin `{id}` do chính mình tải lên; cần một người duyệt khác"
            )));
        }
        segments::approve_segment(&state.store, &id, auth.account_id, &auth.username).await?
    };
    let stations = if changed {
        segments::stations_reached(&state.store, &id).await?
    } else {
        Vec::new()
    };
    let recompiled = recompile(&state, &stations).await?;
    let row = visible(&state, &scope, &id).await?;
    Ok(axum::Json(Approved {
        segment: SegmentJson::new(row, &scope),
        recompiled,
    }))
}
