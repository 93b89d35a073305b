//! The station side: enrollment, playlist, media, airings, heartbeat, event stream.
//! A station token reaches only its own station's data: the station is always the
//! token's, never a parameter.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::Stream;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use super::json::ApiJson;
use crate::server::auth::{STATION_PREFIX, StationAuth, hash_secret, new_secret, normalise_code};
use crate::server::error::{ApiError, ApiResult};
use crate::server::events::Kind;
use crate::server::{AppState, StationEvent};
use crate::wire::{
    AiringsBatch, AiringsResponse, EnrollRequest, EnrollResponse, HeartbeatJson, HeartbeatResponse,
    HelloJson, PlaylistChangedJson, PlaylistJson, StationEventJson,
};

mod key;
mod media;

/// The station side of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        enroll,
        key::register,
        playlist,
        media::media,
        airings,
        heartbeat,
        events
    ),
    components(schemas(HelloJson, PlaylistChangedJson))
)]
pub(super) struct Doc;

/// Most airings accepted in one batch.
const MAX_BATCH: usize = 1000;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/enroll", post(enroll))
        .route("/station-key", post(key::register))
        .route("/playlist", get(playlist))
        .route("/media/{sha256}", get(media::media))
        .route("/airings", post(airings))
        .route(
            "/heartbeat",
            post(heartbeat).layer(DefaultBodyLimit::max(super::SMALL_LIMIT)),
        )
        .route("/events", get(events))
        // The API's outer limit is sized for uploads; station bodies are small JSON.
        .layer(DefaultBodyLimit::max(super::JSON_LIMIT))
}

fn server_time() -> (header::HeaderName, HeaderValue) {
    (
        header::HeaderName::from_static("x-loa-server-time"),
        HeaderValue::from(chrono::Utc::now().timestamp_millis()),
    )
}

/// Exchanges a one-time enrollment code for a long-lived station token.
#[utoipa::path(post, path = "/api/v1/enroll", tag = "station", request_body = EnrollRequest,
    responses((status = 201, body = EnrollResponse), (status = 403, description = "code wrong, used or expired"),
        (status = 422, description = "public_key is not an Ed25519 public key")))]
pub(super) async fn enroll(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> ApiResult<impl IntoResponse> {
    // A bad key is refused before the code is spent.
    let key = req.public_key.as_deref().map(key::parse_key).transpose()?;
    let code_hash = hash_secret(&normalise_code(&req.code));
    let now = chrono::Utc::now().timestamp_millis();
    let token = new_secret(STATION_PREFIX);
    let Some(station) = crate::store::enroll_station(
        &state.store,
        &code_hash,
        &hash_secret(&token),
        key.as_ref(),
        now,
    )
    .await?
    else {
        return Err(ApiError::Forbidden(
            "mã đăng ký không đúng, đã dùng hoặc đã hết hạn; xin mã mới".to_owned(),
        ));
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(EnrollResponse {
            station,
            token,
            key_id: key.map(|k| k.id().to_owned()),
        }),
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
#[utoipa::path(get, path = "/api/v1/playlist", tag = "station", security(("station_token" = [])),
    params(("If-None-Match" = Option<String>, Header, description = "ETag held")),
    responses((status = 200, body = PlaylistJson, description = "with ETag and x-loa-server-time"),
        (status = 304, description = "unchanged"), (status = 404, description = "no playlist yet")))]
pub(super) async fn playlist(
    State(state): State<AppState>,
    auth: StationAuth,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let cached = match state.cache.playlist(&auth.station) {
        Some(p) => p,
        None => {
            let Some(stored) = crate::store::fetch_playlist(&state.store, &auth.station).await?
            else {
                return Err(ApiError::NotFound(format!(
                    "trạm {} chưa có danh sách phát",
                    auth.station
                )));
            };
            state.cache.remember_playlist(
                std::sync::Arc::from(auth.station.as_str()),
                &stored.etag,
                bytes::Bytes::from(stored.body),
            )
        }
    };
    let etag = HeaderValue::from_str(&cached.quoted).map_err(|e| ApiError::Internal(e.into()))?;
    if etag_matches(&headers, header::IF_NONE_MATCH, &cached.etag) == Some(true) {
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
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        [server_time()],
        cached.body,
    )
        .into_response())
}

/// Stores a batch of airings; answers per airing.
#[utoipa::path(post, path = "/api/v1/airings", tag = "station", security(("station_token" = [])),
    request_body = AiringsBatch,
    responses((status = 200, body = AiringsResponse), (status = 400, description = "malformed or over 1,000 airings"),
        (status = 413, description = "body over 2 MB")))]
pub(super) async fn airings(
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
    let response = crate::store::ingest_airings(
        &state.store,
        &auth.station,
        &batch.airings,
        i64::from(state.config.airing_clock_tolerance_minutes) * 60_000,
    )
    .await?;
    let stored = response
        .results
        .iter()
        .filter(|r| r.status == "stored")
        .count();
    state
        .metrics
        .airings(batch.airings.len() as u64, stored as u64);
    Ok(axum::Json(response))
}

/// Records the agent's status.
#[utoipa::path(post, path = "/api/v1/heartbeat", tag = "station", security(("station_token" = [])),
    request_body = HeartbeatJson, responses((status = 200, body = HeartbeatResponse)))]
pub(super) async fn heartbeat(
    State(state): State<AppState>,
    auth: StationAuth,
    ApiJson(mut hb): ApiJson<HeartbeatJson>,
) -> ApiResult<Response> {
    if let Err(wait) = state
        .heartbeats
        .take(&auth.station, std::time::Instant::now())
    {
        return Err(ApiError::TooManyRequests(format!(
            "trạm {} gửi trạng thái quá dày (bình thường mỗi phút một lần); thử lại sau {} giây",
            auth.station,
            wait.as_secs().max(1)
        )));
    }
    bound_heartbeat(&mut hb)?;
    let now = chrono::Utc::now().timestamp_millis();
    let body = serde_json::to_string(&hb).map_err(|e| ApiError::Internal(e.into()))?;
    crate::store::record_heartbeat(&state.store, &auth.station, now, &body).await?;
    Ok((
        [server_time()],
        axum::Json(HeartbeatResponse {
            server_time_ms: now,
        }),
    )
        .into_response())
}

/// Longest `version` and `playlist_version` of a heartbeat, characters.
const MAX_HEARTBEAT_TAG: usize = 128;

/// Longest `last_error` kept, characters (a longer one is cut: the agent's newest error
/// matters more than refusing its whole status).
const MAX_LAST_ERROR: usize = 1000;

/// Refuses over-long tags and cuts an over-long last error.
fn bound_heartbeat(hb: &mut HeartbeatJson) -> ApiResult<()> {
    let mut problems = Vec::new();
    for (name, value) in [
        ("version", Some(&hb.version)),
        ("playlist_version", hb.playlist_version.as_ref()),
    ] {
        if value.is_some_and(|v| v.chars().count() > MAX_HEARTBEAT_TAG) {
            problems.push(format!("{name}: dài quá, tối đa {MAX_HEARTBEAT_TAG} ký tự"));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    if let Some(e) = &mut hb.last_error
        && e.chars().count() > MAX_LAST_ERROR
    {
        *e = e.chars().take(MAX_LAST_ERROR).collect::<String>() + "…";
    }
    Ok(())
}

/// The stream's form of `e`; `None` for what no station is sent (revocations, kinds
/// of a newer replica).
fn sse_event(e: StationEvent) -> Option<Event> {
    let Kind::Station(name) = e.kind else {
        return None;
    };
    Some(
        Event::default()
            .id(e.id.to_string())
            .event(name.as_str())
            .data(e.payload),
    )
}

/// Server-sent events for this station: first `hello` with the current playlist ETag
/// (so a reconnecting agent knows whether to refetch), then what it missed since
/// `Last-Event-ID` (from the last hour), then `playlist_changed` and `emergency` as
/// they happen. The stream ends when the server stops or when this client falls too
/// far behind; the agent reconnects and catches up from `Last-Event-ID`.
#[utoipa::path(get, path = "/api/v1/events", tag = "station", security(("station_token" = [])),
    params(("Last-Event-ID" = Option<String>, Header, description = "last event id seen")),
    responses((status = 200, content_type = "text/event-stream",
        description = "events `hello` (data HelloJson), `playlist_changed` (PlaylistChangedJson), `emergency` (EmergencyEventJson)")))]
pub(super) async fn events(
    State(state): State<AppState>,
    auth: StationAuth,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let station = auth.station;
    let slot = state
        .streams
        .take(
            &station,
            state.config.max_streams_per_station,
            state.config.max_streams,
        )
        .map_err(|full| {
            ApiError::TooManyRequests(match full {
                crate::server::streams::Full::Station(n) => format!(
                    "trạm {station} đã mở {n} luồng sự kiện (tối đa {n}); đóng luồng cũ hoặc chờ nó hết rồi thử lại"
                ),
                crate::server::streams::Full::Total(n) => format!(
                    "máy chủ đang giữ {n} luồng sự kiện (tối đa {n}); thử lại sau ít phút"
                ),
            })
        })?;
    // Subscribe before reading the database, so nothing written in between is lost;
    // events seen both ways are skipped by id.
    let live = state.events.subscribe();
    let etag = crate::store::fetch_playlist(&state.store, &station)
        .await?
        .map(|p| p.etag);
    let hello = StationEventJson::Hello(HelloJson {
        station: station.clone(),
        etag,
        server_time_ms: chrono::Utc::now().timestamp_millis(),
    });
    let mut first = vec![
        Event::default()
            .event(hello.name().as_str())
            .data(hello.data()),
    ];
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let mut replayed_up_to = i64::MIN;
    let mut replayed = std::collections::HashSet::new();
    if let Some(after) = last_id {
        for e in crate::server::events::missed(&state.store, &station, after).await? {
            replayed_up_to = e.id;
            replayed.insert(e.id);
            first.extend(sse_event(e));
        }
    }
    // Bulletins of the last minutes the station has not acknowledged go out again on
    // every connect, even before its Last-Event-ID: it may have lost one with the
    // power, or its link may have been down when it was sent.
    for e in super::emergency::pending_for_station(&state.store, &station).await? {
        if replayed.insert(e.id) {
            first.extend(sse_event(e));
        }
    }
    let mine = station.clone();
    let live = BroadcastStream::new(live)
        .map_while(move |e| match e {
            Ok(e) if e.is_shutdown() => None,
            // Its tokens were revoked: the stream ends at once, nothing more reaches it.
            Ok(e) if e.station == mine && e.kind == Kind::TokensRevoked => None,
            Ok(e) => Some(Some(e)),
            // Lagged: end the stream rather than silently skip; the agent reconnects.
            Err(_) => None,
        })
        .filter_map(move |e| match e {
            Some(e)
                if e.station == station && e.id > replayed_up_to && !replayed.contains(&e.id) =>
            {
                sse_event(e).map(Ok)
            }
            _ => None,
        });
    // The slot lives as long as the stream; dropping the stream frees it.
    let live = live.map(move |e| {
        let _held = &slot;
        e
    });
    let stream = tokio_stream::iter(first.into_iter().map(Ok)).chain(live);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
