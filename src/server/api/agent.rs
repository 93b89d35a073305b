//! The station side: enrollment, playlist, media, airings, heartbeat, event stream.
//! A station token reaches only its own station's data.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::Stream;
use sqlx::Row;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use super::json::ApiJson;
use crate::domain::Sha256Digest;
use crate::server::AppState;
use crate::server::auth::{STATION_PREFIX, StationAuth, hash_secret, new_secret, normalise_code};
use crate::server::error::{ApiError, ApiResult};
use crate::wire::{
    AiringsBatch, AiringsResponse, EnrollRequest, EnrollResponse, HeartbeatJson, HeartbeatResponse,
};

/// Most airings accepted in one batch.
const MAX_BATCH: usize = 1000;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/enroll", post(enroll))
        .route("/playlist", get(playlist))
        .route("/media/{sha256}", get(media))
        .route("/airings", post(airings))
        .route("/heartbeat", post(heartbeat))
        .route("/events", get(events))
}

fn server_time() -> (header::HeaderName, HeaderValue) {
    (
        header::HeaderName::from_static("x-loa-server-time"),
        HeaderValue::from(chrono::Utc::now().timestamp_millis()),
    )
}

/// Exchanges a one-time enrollment code for a long-lived station token.
async fn enroll(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> ApiResult<impl IntoResponse> {
    let code_hash = hash_secret(&normalise_code(&req.code));
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = state.store.pool().begin().await?;
    let row = sqlx::query("SELECT station_code FROM enroll_codes WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(code_hash.clone())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        return Err(ApiError::Forbidden(
            "mã đăng ký không đúng, đã dùng hoặc đã hết hạn; xin mã mới".to_owned(),
        ));
    };
    let station: String = row.try_get(0)?;
    // Only one exchange can win the code, even with concurrent requests.
    let used = sqlx::query(
        "UPDATE enroll_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(code_hash)
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Err(ApiError::Forbidden("mã đăng ký vừa được dùng".to_owned()));
    }
    let token = new_secret(STATION_PREFIX);
    sqlx::query(
        "INSERT INTO station_tokens (token_hash, station_code, created_at) VALUES ($1, $2, $3)",
    )
    .bind(hash_secret(&token))
    .bind(station.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::store::audit::record(
        &mut tx,
        &format!("station:{station}"),
        "station.enroll",
        &station,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(EnrollResponse { station, token }),
    ))
}

fn etag_matches(headers: &HeaderMap, name: header::HeaderName, etag: &str) -> Option<bool> {
    let value = headers.get(name)?.to_str().ok()?;
    Some(
        value
            .split(',')
            .map(str::trim)
            .any(|v| v == "*" || v.trim_start_matches("W/").trim_matches('"') == etag),
    )
}

/// The station's playlist; 304 when `If-None-Match` holds its ETag.
async fn playlist(
    State(state): State<AppState>,
    auth: StationAuth,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Some(stored) = crate::store::fetch_playlist(&state.store, &auth.station).await? else {
        return Err(ApiError::NotFound(format!(
            "trạm {} chưa có danh sách phát",
            auth.station
        )));
    };
    let etag = format!("\"{}\"", stored.etag);
    if etag_matches(&headers, header::IF_NONE_MATCH, &stored.etag) == Some(true) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag)],
            [server_time()],
        )
            .into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (header::ETAG, etag),
            (header::CONTENT_TYPE, "application/json".to_owned()),
        ],
        [server_time()],
        stored.body,
    )
        .into_response())
}

/// Parses a single `bytes=a-b` / `bytes=a-` / `bytes=-n` range against `len`.
fn parse_range(value: &str, len: u64) -> Option<(u64, u64)> {
    let spec = value.strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            (len.saturating_sub(n), len.checked_sub(1)?)
        }
        (a, "") => (a.parse().ok()?, len.checked_sub(1)?),
        (a, b) => (
            a.parse().ok()?,
            b.parse::<u64>().ok()?.min(len.checked_sub(1)?),
        ),
    };
    (start <= end && end < len).then_some((start, end))
}

/// Audio by SHA-256, with `Range` (resume) and `If-Match`; only media this station plans
/// to air or was sent as an emergency.
async fn media(
    State(state): State<AppState>,
    auth: StationAuth,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Some(digest) = Sha256Digest::parse(&sha) else {
        return Err(ApiError::BadRequest(format!(
            "`{sha}` không phải SHA-256 (64 chữ số hex)"
        )));
    };
    let sha = digest.to_string();
    let allowed = sqlx::query(
        "SELECT 1 FROM segments s WHERE s.sha256 = $1 AND (
            EXISTS (SELECT 1 FROM planned_items p WHERE p.station_code = $2 AND p.segment_id = s.id)
            OR EXISTS (SELECT 1 FROM emergencies e WHERE e.segment_id = s.id))",
    )
    .bind(sha.clone())
    .bind(auth.station.clone())
    .fetch_optional(state.store.pool())
    .await?;
    if allowed.is_none() {
        return Err(ApiError::NotFound(format!(
            "trạm {} không có tệp {sha} trong lịch phát",
            auth.station
        )));
    }
    let etag = format!("\"{sha}\"");
    if etag_matches(&headers, header::IF_MATCH, &sha) == Some(false) {
        return Err(ApiError::PreconditionFailed(
            "tệp đã thay đổi so với phần đã tải (If-Match không khớp)".to_owned(),
        ));
    }
    let path = state.media.path_of(&digest);
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        ApiError::Internal(anyhow::anyhow!("media {} missing: {e}", path.display()))
    })?;
    let len = bytes.len() as u64;
    let common = [
        (header::ETAG, etag),
        (header::ACCEPT_RANGES, "bytes".to_owned()),
    ];
    match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => Ok((
            StatusCode::OK,
            common,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            Body::from(bytes),
        )
            .into_response()),
        Some(range) => match parse_range(range, len) {
            Some((start, end)) => {
                let part = bytes[start as usize..=end as usize].to_vec();
                Ok((
                    StatusCode::PARTIAL_CONTENT,
                    common,
                    [(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"))],
                    Body::from(part),
                )
                    .into_response())
            }
            None => Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{len}"))],
            )
                .into_response()),
        },
    }
}

/// Stores a batch of airings; answers per airing.
async fn airings(
    State(state): State<AppState>,
    auth: StationAuth,
    ApiJson(batch): ApiJson<AiringsBatch>,
) -> ApiResult<axum::Json<AiringsResponse>> {
    if batch.airings.len() > MAX_BATCH {
        return Err(ApiError::BadRequest(format!(
            "lô có {} bản ghi; tối đa {MAX_BATCH} bản ghi mỗi lần gửi",
            batch.airings.len()
        )));
    }
    let response =
        crate::store::ingest_airings(&state.store, &auth.station, &batch.airings).await?;
    Ok(axum::Json(response))
}

/// Records the agent's status.
async fn heartbeat(
    State(state): State<AppState>,
    auth: StationAuth,
    ApiJson(hb): ApiJson<HeartbeatJson>,
) -> ApiResult<Response> {
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::query("INSERT INTO heartbeats (station_code, at_ms, body) VALUES ($1, $2, $3)")
        .bind(auth.station)
        .bind(now)
        .bind(serde_json::to_string(&hb).map_err(|e| ApiError::Internal(e.into()))?)
        .execute(state.store.pool())
        .await?;
    Ok((
        [server_time()],
        axum::Json(HeartbeatResponse {
            server_time_ms: now,
        }),
    )
        .into_response())
}

/// Server-sent events for this station: `playlist_changed` and `emergency`.
async fn events(
    State(state): State<AppState>,
    auth: StationAuth,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let station = auth.station;
    let stream = BroadcastStream::new(state.events.subscribe()).filter_map(move |e| match e {
        Ok(e) if e.station == station => Some(Ok(Event::default()
            .id(e.id.to_string())
            .event(e.kind)
            .data(e.payload))),
        _ => None,
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=50-200", 100), Some((50, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=5-1", 100), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}
