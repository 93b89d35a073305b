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
                JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(format!(
                    "JSON sai cú pháp{}; gửi một đối tượng JSON hợp lệ",
                    position(&e.body_text())
                )),
                JsonRejection::JsonDataError(e) => {
                    ApiError::BadRequest(json_problem(&e.body_text()))
                }
                JsonRejection::BytesRejection(e)
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
                {
                    ApiError::PayloadTooLarge(
                        "nội dung yêu cầu quá lớn so với giới hạn của đường dẫn này (xem README, mục Giới hạn); gửi ít hơn"
                            .to_owned(),
                    )
                }
                JsonRejection::BytesRejection(_) => ApiError::BadRequest(
                    "không đọc được nội dung yêu cầu; gửi lại".to_owned(),
                ),
                _ => ApiError::BadRequest(
                    "nội dung yêu cầu không đọc được như JSON; gửi một đối tượng JSON hợp lệ"
                        .to_owned(),
                ),
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

/// ` (dòng L, cột C)` from serde_json's ` at line L column C`, or nothing.
fn position(text: &str) -> String {
    let Some(at) = text.rfind(" at line ") else {
        return String::new();
    };
    let mut words = text[at..].split_whitespace().skip(2);
    match (words.next(), words.nth(1)) {
        (Some(line), Some(col)) => format!(" (dòng {line}, cột {col})"),
        _ => String::new(),
    }
}

/// serde's words for a JSON value's kind, in Vietnamese.
fn kind(english: &str) -> String {
    let e = english.trim();
    let word = if e.starts_with("floating point") {
        "số thập phân"
    } else if e.starts_with("integer") {
        "số nguyên"
    } else if e.starts_with("string") || e.starts_with("a string") {
        "chuỗi"
    } else if e.starts_with("boolean") || e.starts_with("a boolean") {
        "true/false"
    } else if e.starts_with("null") {
        "null"
    } else if e.starts_with("sequence") || e.starts_with("a sequence") {
        "mảng"
    } else if e.starts_with("map") || e.starts_with("struct") || e.starts_with("a map") {
        "đối tượng"
    } else if e.starts_with('u') || e.starts_with('i') || e.contains("integer") {
        "số nguyên không âm trong giới hạn"
    } else if e.starts_with('f') {
        "số"
    } else {
        "giá trị đúng kiểu"
    };
    word.to_owned()
}

/// A Vietnamese sentence naming the field for a JSON body that parsed but does not fit
/// (axum's text: `Failed to deserialize …: <path>: <serde message> at line L column C`).
fn json_problem(axum_text: &str) -> String {
    let text = axum_text
        .split_once("target type: ")
        .map_or(axum_text, |(_, rest)| rest);
    let at = position(text);
    let text = text.rfind(" at line ").map_or(text, |i| &text[..i]);
    // serde_path_to_error puts `path: ` first unless the error is at the root (`.`).
    let (field, message) = match text.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') && path != "." => (Some(path), rest),
        Some((".", rest)) => (None, rest),
        _ => (None, text),
    };
    let quoted = |s: &str| s.split('`').nth(1).unwrap_or_default().to_owned();
    let place = field.map_or_else(String::new, |f| format!("trường `{f}`: "));
    let sentence = if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (got, want) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!("{place}sai kiểu: nhận {}, cần {}", kind(got), kind(want))
    } else if message.starts_with("missing field") {
        let name = quoted(message);
        match field {
            Some(f) => format!("trường `{f}`: thiếu trường `{name}`"),
            None => format!("thiếu trường `{name}`"),
        }
    } else if message.starts_with("unknown field") {
        format!(
            "{place}trường `{}` không được nhận; bỏ nó đi hoặc xem tài liệu OpenAPI",
            quoted(message)
        )
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        let choices: Vec<String> = rest
            .split_once("expected ")
            .map(|(_, c)| c.split('`').skip(1).step_by(2).map(str::to_owned).collect())
            .unwrap_or_default();
        format!(
            "{place}giá trị `{}` không được nhận; viết một trong: {}",
            quoted(rest),
            choices.join(", ")
        )
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        let want = rest.split_once(", expected ").map_or("", |(_, w)| w);
        format!("{place}giá trị không hợp lệ; cần {}", kind(want))
    } else if message.starts_with("invalid length") {
        format!("{place}số phần tử không đúng")
    } else if message.is_ascii() {
        // Another serde message in English: say it plainly without it.
        format!("{place}sai kiểu hoặc giá trị; xem tài liệu OpenAPI")
    } else {
        // Our own (Vietnamese) message from a field's deserializer.
        format!("{place}{message}")
    };
    format!("JSON không hợp lệ: {sentence}{at}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_are_vietnamese_and_name_the_field() {
        let t = json_problem(
            "Failed to deserialize the JSON body into the target type: daily_target: \
             invalid type: floating point `1.5`, expected u32 at line 1 column 20",
        );
        assert_eq!(
            t,
            "JSON không hợp lệ: trường `daily_target`: sai kiểu: nhận số thập phân, \
             cần số nguyên không âm trong giới hạn (dòng 1, cột 20)"
        );
        let t = json_problem(
            "Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 2",
        );
        assert_eq!(t, "JSON không hợp lệ: thiếu trường `name` (dòng 1, cột 2)");
        let t = json_problem(
            "Failed to deserialize the JSON body into the target type: priority: unknown variant `x`, expected `normal` or `priority` at line 1 column 2",
        );
        assert!(
            t.contains("`priority`") && t.contains("normal, priority"),
            "{t}"
        );
        for t in [t, position("x at line 3 column 4")] {
            for english in ["invalid", "expected", "line", "column", "field"] {
                assert!(!t.contains(english), "{t}");
            }
        }
    }
}
