//! The one error type of the HTTP API: maps each failure to a status code and a JSON
//! body in Vietnamese, logs the cause chain of internal errors, never leaks internals.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body or a parameter is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// No or bad credentials.
    #[error("cần đăng nhập hoặc mã truy cập hợp lệ")]
    Unauthorized,
    /// Credentials are fine but do not reach this resource.
    #[error("{0}")]
    Forbidden(String),
    /// The resource does not exist (or is outside the caller's area).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The input is well-formed but invalid; every problem is listed.
    #[error("dữ liệu không hợp lệ: {}", .0.join("; "))]
    Invalid(Vec<String>),
    /// A precondition (`If-Match`) failed.
    #[error("{0}")]
    PreconditionFailed(String),
    /// The body is larger than the endpoint accepts.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Too many attempts.
    #[error("{0}")]
    TooManyRequests(String),
    /// Something broke on our side; details go to the log only.
    #[error("lỗi máy chủ")]
    Internal(#[source] anyhow::Error),
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<&'a [String]>,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            Self::PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
            Self::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let Self::Internal(e) = &self {
            tracing::error!(error = ?e, "yêu cầu thất bại do lỗi máy chủ");
        }
        let problems = match &self {
            Self::Invalid(p) => Some(p.as_slice()),
            _ => None,
        };
        (
            status,
            Json(Body {
                error: code,
                message: self.to_string(),
                problems,
            }),
        )
            .into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.into())
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
