//! JSON body and query-string extractors whose rejections speak the API's error format.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;

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
                    ApiError::PayloadTooLarge(
                        "nội dung yêu cầu quá lớn so với giới hạn của đường dẫn này (xem README, mục Giới hạn); gửi ít hơn"
                            .to_owned(),
                    )
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

/// Like `axum::extract::Query`, but a malformed query string (a negative or fractional
/// number, an unknown parameter) becomes a JSON [`ApiError::BadRequest`] naming the
/// parameter, in Vietnamese.
pub(crate) struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str::<T>(query)
            .map(Self)
            .map_err(|e| ApiError::BadRequest(query_problem(&e.to_string())))
    }
}

/// A Vietnamese sentence for a query-string error, naming the parameter when serde
/// says which one.
fn query_problem(serde_text: &str) -> String {
    let quoted = serde_text
        .split('`')
        .nth(1)
        .filter(|_| serde_text.starts_with("unknown field"));
    if let Some(field) = quoted {
        return format!(
            "tham số truy vấn `{field}` không được nhận; bỏ nó đi hoặc xem tài liệu OpenAPI"
        );
    }
    if serde_text.starts_with("missing field") {
        let field = serde_text.split('`').nth(1).unwrap_or_default();
        return format!("thiếu tham số truy vấn `{field}`");
    }
    "tham số truy vấn không hợp lệ: các số phải là số nguyên không âm viết bằng chữ số (không dấu trừ, không phần thập phân); xem tài liệu OpenAPI".to_owned()
}
