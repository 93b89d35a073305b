//! The OpenAPI document, assembled from the annotations on the handlers themselves, and
//! served at `/api/v1/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "loa",
        description = "Lên lịch bản tin cho trạm truyền thanh xã và chứng minh đã phát. \
                       Station agents use a station token; console staff a session token from /api/v1/login."
    ),
    paths(serve),
    components(schemas(ErrorJson)),
    modifiers(&Security)
)]
struct Base;

/// The body of every error answer (4xx, 5xx).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // only its schema is used; `crate::server::error` writes the body
struct ErrorJson {
    /// Machine code: bad_request, unauthorized, forbidden, not_found, conflict, invalid,
    /// precondition_failed, payload_too_large, too_many_requests, internal.
    error: String,
    /// What went wrong, in Vietnamese, naming the field.
    message: String,
    /// Every problem found (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<Vec<String>>,
}

/// What each error status means, for the operations that can answer it.
const ERRORS: [(&str, &str); 10] = [
    ("400", "tham số hoặc thân yêu cầu sai dạng"),
    ("401", "thiếu hoặc sai mã truy cập"),
    ("403", "không đủ quyền"),
    ("404", "không có (hoặc ngoài khu vực của người gọi)"),
    ("409", "xung đột với trạng thái hiện tại"),
    ("412", "If-Match không khớp"),
    ("413", "thân yêu cầu quá lớn"),
    ("422", "dữ liệu không hợp lệ; `problems` liệt kê từng lỗi"),
    ("429", "quá nhiều lần thử"),
    ("500", "lỗi máy chủ"),
];

/// Gives every error answer the [`ErrorJson`] body, and declares the errors every
/// operation of its kind can answer: 401 when it needs a token, 400/413/422 when it
/// takes a body, 400 when it takes parameters.
fn document_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    for item in doc.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            let mut wanted: Vec<&str> = Vec::new();
            if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                wanted.push("401");
            }
            if op.request_body.is_some() {
                wanted.extend(["400", "413", "422"]);
            }
            if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                wanted.push("400");
            }
            let responses = &mut op.responses.responses;
            for (code, what) in ERRORS {
                let declared = responses.contains_key(code);
                if !declared && !wanted.contains(&code) {
                    continue;
                }
                let description = match responses.get(code) {
                    Some(RefOr::T(r)) if !r.description.is_empty() => r.description.clone(),
                    _ => what.to_owned(),
                };
                let body = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorJson")))
                    .build();
                responses.insert(
                    code.to_owned(),
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(description)
                            .content("application/json", body)
                            .build(),
                    ),
                );
            }
        }
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, what) in [
            ("station_token", "lst_… from POST /api/v1/enroll"),
            ("session_token", "lss_… from POST /api/v1/login"),
        ] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(what))
                        .build(),
                ),
            );
        }
    }
}

/// The whole document.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    doc.merge(super::ops::Doc::openapi());
    doc.merge(super::agent::Doc::openapi());
    doc.merge(super::library::Doc::openapi());
    doc.merge(super::emergency::Doc::openapi());
    doc.merge(super::stations::Doc::openapi());
    doc.merge(super::campaigns::Doc::openapi());
    doc.merge(super::admin::Doc::openapi());
    doc.merge(super::audit::Doc::openapi());
    doc.merge(super::console::Doc::openapi());
    doc.merge(super::reports::Doc::openapi());
    doc.merge(super::fleet::Doc::openapi());
    doc.merge(super::now_playing::Doc::openapi());
    doc.merge(super::alerts::Doc::openapi());
    document_errors(&mut doc);
    doc
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "the OpenAPI 3.1 document", content_type = "application/json")))]
pub(super) async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
