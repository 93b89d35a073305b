//! Emergency bulletins: an approver sends an approved segment to an area subtree; each
//! station in it gets an `emergency` event on its stream at once (through the events
//! table, whichever replica holds the stream), acknowledges it, and the console shows
//! who acknowledged when. Sending and every first acknowledgement are audited.
//!
//! Staff see a bulletin when its area lies in their subtree or above their own area (a
//! province-wide bulletin concerns a commune's staff too), and only their own stations
//! in its target list.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::json::ApiJson;
use super::scope::Scope;
use crate::server::auth::{Role, StaffAuth, StationAuth};
use crate::server::error::{ApiError, ApiResult};
use crate::server::{AppState, StationEvent};
use crate::store::emergencies::{self, EmergencyRow, NewEmergency};
use crate::store::segments;
use crate::wire::{EmergencyEventJson, StationEventJson, gain_db};

/// The emergency part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(send, list, show, ack),
    components(schemas(SendRequest, EmergencyJson, TargetJson, AckJson, EmergencyEventJson))
)]
pub(super) struct Doc;

/// How far back a (re)connecting stream is sent bulletins it has not acknowledged:
/// later than that the moment has passed.
const REPLAY_MS: i64 = 10 * 60 * 1000;

/// Most bulletins listed.
const LIST_LIMIT: i64 = 100;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/emergencies", get(list).post(send))
        .route("/emergencies/{id}", get(show))
        .route("/emergencies/{id}/ack", post(ack))
}

/// `POST /api/v1/emergencies` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SendRequest {
    /// An approved segment.
    segment: String,
    /// Root of the target subtree.
    area: String,
}

/// A bulletin and its stations.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct EmergencyJson {
    /// Identifier.
    id: String,
    /// Segment aired.
    segment: String,
    /// Root of the target subtree.
    area: String,
    /// Who sent it.
    sent_by: String,
    /// When, RFC 3339 UTC.
    sent_at: String,
    /// Targeted stations the caller sees.
    targeted: usize,
    /// Of those, how many acknowledged.
    acknowledged: usize,
    /// Those stations (empty in the list).
    stations: Vec<TargetJson>,
}

/// One targeted station.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct TargetJson {
    /// Station code.
    station: String,
    /// When it acknowledged, RFC 3339 UTC; absent while it has not.
    acked_at: Option<String>,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl EmergencyJson {
    fn new(row: EmergencyRow, scope: &Scope, with_stations: bool) -> Self {
        let stations: Vec<TargetJson> = row
            .targets
            .into_iter()
            .filter(|t| scope.contains(&t.area_code))
            .map(|t| TargetJson {
                station: t.station,
                acked_at: t.acked_at_ms.map(rfc3339),
            })
            .collect();
        Self {
            targeted: stations.len(),
            acknowledged: stations.iter().filter(|t| t.acked_at.is_some()).count(),
            stations: if with_stations { stations } else { Vec::new() },
            id: row.id,
            segment: row.segment,
            area: row.area_code,
            sent_by: row.sent_by,
            sent_at: rfc3339(row.sent_at_ms),
        }
    }
}

fn sees(scope: &Scope, area: &str) -> bool {
    scope.contains(area) || scope.is_above(area)
}

/// Sends an approved segment to every station in an area subtree (approver or above,
/// area inside the caller's subtree).
#[utoipa::path(post, path = "/api/v1/emergencies", tag = "console",
    security(("session_token" = [])), request_body = SendRequest,
    responses((status = 201, body = EmergencyJson),
        (status = 403, description = "role too low or an area outside the caller's subtree"),
        (status = 422, description = "unknown or unapproved segment, unknown area, no station")))]
async fn send(
    State(state): State<AppState>,
    auth: StaffAuth,
    ApiJson(req): ApiJson<SendRequest>,
) -> ApiResult<impl IntoResponse> {
    auth.require(Role::Approver)?;
    let scope = Scope::load(&state.store, &auth).await?;
    scope.require_area(&req.area)?;
    let mut problems = Vec::new();
    let segment = segments::get_segment(&state.store, &req.segment)
        .await?
        .filter(|s| sees(&scope, &s.area_code));
    match &segment {
        None => problems.push(format!("segment: không có bản tin `{}`", req.segment)),
        Some(s) if s.approved_at_ms.is_none() => problems.push(format!(
            "segment: bản tin `{}` chưa được duyệt; chỉ gửi khẩn cấp được bản tin đã duyệt",
            s.id
        )),
        Some(_) => {}
    }
    let stations = if scope.contains(&req.area) {
        let stations = segments::stations_under(&state.store, &req.area).await?;
        if stations.is_empty() {
            problems.push(format!(
                "area: đơn vị `{}` và các đơn vị trực thuộc không có trạm nào",
                req.area
            ));
        }
        stations
    } else {
        problems.push(format!("area: không có đơn vị `{}`", req.area));
        Vec::new()
    };
    let (Some(segment), true) = (segment, problems.is_empty()) else {
        return Err(ApiError::Invalid(problems));
    };

    let new = NewEmergency {
        id: uuid::Uuid::new_v4().to_string(),
        segment: segment.id.clone(),
        area_code: req.area.clone(),
        sent_by: auth.username.clone(),
        sent_at_ms: chrono::Utc::now().timestamp_millis(),
    };
    let targets = stations
        .iter()
        .map(|(code, target_lufs)| {
            let event = StationEventJson::Emergency(EmergencyEventJson {
                emergency: new.id.clone(),
                segment: segment.id.clone(),
                title: segment.title.clone(),
                sha256: segment.sha256.clone(),
                size_bytes: segment.size_bytes,
                duration_ms: u32::try_from(segment.duration_ms).unwrap_or(u32::MAX),
                gain_db: gain_db(segment.loudness_lufs, *target_lufs),
                media: format!("/api/v1/media/{}", segment.sha256),
                sent_at: rfc3339(new.sent_at_ms),
            });
            (code.clone(), event.data())
        })
        .collect::<Vec<_>>();
    let detail = serde_json::json!({
        "segment": new.segment,
        "area": new.area_code,
        "stations": stations.len(),
    })
    .to_string();
    emergencies::send_emergency(&state.store, &new, &targets, &detail).await?;
    tracing::info!(id = %new.id, segment = %new.segment, area = %new.area_code,
        stations = stations.len(), by = %new.sent_by, "đã gửi tin khẩn cấp");
    let row = emergencies::get_emergency(&state.store, &new.id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("emergency {} vanished", new.id)))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(EmergencyJson::new(row, &scope, true)),
    ))
}

/// Recent bulletins the caller sees, newest first (at most 100), with counts only.
#[utoipa::path(get, path = "/api/v1/emergencies", tag = "console",
    security(("session_token" = [])), responses((status = 200, body = [EmergencyJson])))]
async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<axum::Json<Vec<EmergencyJson>>> {
    let scope = Scope::load(&state.store, &auth).await?;
    let mut out = Vec::new();
    for row in emergencies::recent_emergencies(&state.store, LIST_LIMIT).await? {
        if !sees(&scope, &row.area_code) {
            continue;
        }
        if let Some(full) = emergencies::get_emergency(&state.store, &row.id).await? {
            out.push(EmergencyJson::new(full, &scope, false));
        }
    }
    Ok(axum::Json(out))
}

/// One bulletin with its stations and their acknowledgements.
#[utoipa::path(get, path = "/api/v1/emergencies/{id}", tag = "console",
    security(("session_token" = [])),
    params(("id" = String, Path, description = "emergency id")),
    responses((status = 200, body = EmergencyJson), (status = 404)))]
async fn show(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EmergencyJson>> {
    let scope = Scope::load(&state.store, &auth).await?;
    match emergencies::get_emergency(&state.store, &id).await? {
        Some(row) if sees(&scope, &row.area_code) => {
            Ok(axum::Json(EmergencyJson::new(row, &scope, true)))
        }
        _ => Err(ApiError::NotFound(format!("không có tin khẩn cấp `{id}`"))),
    }
}

/// The answer to an acknowledgement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct AckJson {
    /// Emergency id.
    emergency: String,
    /// Station code.
    station: String,
    /// When the station first acknowledged, RFC 3339 UTC.
    acked_at: String,
}

/// A station acknowledges a bulletin sent to it (idempotent: the first time counts).
#[utoipa::path(post, path = "/api/v1/emergencies/{id}/ack", tag = "station",
    security(("station_token" = [])),
    params(("id" = String, Path, description = "emergency id")),
    responses((status = 200, body = AckJson), (status = 404, description = "not sent to this station")))]
async fn ack(
    State(state): State<AppState>,
    auth: StationAuth,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<AckJson>> {
    match emergencies::acknowledge(&state.store, &id, &auth.station).await? {
        Some(at) => Ok(axum::Json(AckJson {
            emergency: id,
            station: auth.station,
            acked_at: rfc3339(at),
        })),
        None => Err(ApiError::NotFound(format!(
            "không có tin khẩn cấp `{id}` gửi tới trạm {}",
            auth.station
        ))),
    }
}

/// The `emergency` events of `station` from the last ten minutes that it has not
/// acknowledged, oldest first, with their original ids: what its event stream sends
/// again on every (re)connect, even before the `Last-Event-ID` it gives (it may have
/// received a bulletin and lost it, with the power, before playing it).
pub(super) async fn pending_for_station(
    store: &crate::store::Store,
    station: &str,
) -> ApiResult<Vec<StationEvent>> {
    let since = chrono::Utc::now().timestamp_millis() - REPLAY_MS;
    Ok(emergencies::unacknowledged(store, station, since)
        .await?
        .into_iter()
        .map(|e| StationEvent {
            id: e.event_id,
            station: station.to_owned(),
            kind: crate::server::events::Kind::Station(crate::wire::EventName::Emergency),
            payload: e.payload,
        })
        .collect())
}
