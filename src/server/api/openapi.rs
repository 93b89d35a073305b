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
    modifiers(&Security)
)]
struct Base;

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
    doc.merge(super::console::Doc::openapi());
    doc.merge(super::reports::Doc::openapi());
    doc
}

/// `GET /api/v1/openapi.json`.
pub(super) async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
