//! A JSON body extractor whose rejections speak the API's error format.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};

use crate::server::error::ApiError;

/// Like `axum::Json`, but a malformed body, a wrong type or a missing content type
/// becomes an [`ApiError::BadRequest`] that says what is wrong.
pub(crate) struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => {
                    ApiError::BadRequest("cần tiêu đề Content-Type: application/json".to_owned())
                }
                JsonRejection::JsonSyntaxError(e) => {
                    ApiError::BadRequest(format!("JSON sai cú pháp: {}", e.body_text()))
                }
                JsonRejection::JsonDataError(e) => ApiError::BadRequest(format!(
                    "JSON sai kiểu hoặc thiếu trường: {}",
                    e.body_text()
                )),
                JsonRejection::BytesRejection(e)
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
                {
                    ApiError::PayloadTooLarge(format!(
                        "nội dung yêu cầu quá lớn: {}",
                        e.body_text()
                    ))
                }
                JsonRejection::BytesRejection(e) => ApiError::BadRequest(format!(
                    "không đọc được nội dung yêu cầu: {}",
                    e.body_text()
                )),
                other => ApiError::BadRequest(other.body_text()),
            }),
        }
    }
}
