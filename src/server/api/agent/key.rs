//! `POST /api/v1/station-key`: an agent enrolled before signed airings registers the
//! key it made. Only while the station has no current key: a station token alone must
//! never replace a key (that takes an enrollment code from staff), so a stolen token
//! cannot take over a station's signatures.

use axum::extract::State;
use axum::http::StatusCode;

use crate::domain::PublicKey;
use crate::server::AppState;
use crate::server::api::json::ApiJson;
use crate::server::auth::StationAuth;
use crate::server::error::{ApiError, ApiResult};
use crate::store::Registration;
use crate::wire::{StationKeyRequest, StationKeyResponse};

/// Reads the public key of an enrollment or registration, naming the field.
pub(super) fn parse_key(text: &str) -> ApiResult<PublicKey> {
    PublicKey::parse(text).map_err(|e| ApiError::Invalid(vec![e.to_string()]))
}

/// Registers the station's signing key.
#[utoipa::path(post, path = "/api/v1/station-key", tag = "station", security(("station_token" = [])),
    request_body = StationKeyRequest,
    responses((status = 201, body = StationKeyResponse, description = "registered"),
        (status = 200, body = StationKeyResponse, description = "the station holds this key already"),
        (status = 409, description = "the station has another current key: enroll again"),
        (status = 422, description = "not an Ed25519 public key")))]
pub(super) async fn register(
    State(state): State<AppState>,
    auth: StationAuth,
    ApiJson(req): ApiJson<StationKeyRequest>,
) -> ApiResult<(StatusCode, axum::Json<StationKeyResponse>)> {
    let key = parse_key(&req.public_key)?;
    let now = chrono::Utc::now().timestamp_millis();
    let answer = |status: StatusCode, word: &str| {
        (
            status,
            axum::Json(StationKeyResponse {
                key_id: key.id().to_owned(),
                status: word.to_owned(),
            }),
        )
    };
    match crate::store::register_key(&state.store, &auth.station, &key, now).await? {
        Registration::Registered => {
            tracing::info!(
                station = auth.station,
                key_id = key.id(),
                "trạm đăng ký khóa ký"
            );
            Ok(answer(StatusCode::CREATED, "registered"))
        }
        Registration::Known => Ok(answer(StatusCode::OK, "known")),
        Registration::Conflict { current } => Err(ApiError::Conflict(format!(
            "trạm {} đã có khóa ký {current}; khóa {} chỉ thay được khi đăng ký lại trạm: xin mã đăng ký mới (loa station enroll-code) rồi chạy loa agent --enroll MÃ",
            auth.station,
            key.id()
        ))),
    }
}
