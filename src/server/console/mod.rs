//! The web console, served by `loa serve` at `/` beside the API (`/api/v1`).
//!
//! Server-rendered HTML: askama templates in `templates/` (layout only, every word from
//! the Fluent catalogs in `assets/locales/`, see [`i18n`]), htmx for the parts that
//! change in place, one small stylesheet; all of it compiled into the binary
//! ([`assets`]). Pages read through the same functions as the API (sessions and
//! throttling in `accounts`/`auth`, area scope in `api::scope`, the plan in
//! `api::stations`), so there is no second authorization path; SQL stays in the store.
//!
//! One file per page: [`login`] (also logout, language, password change),
//! [`dashboard`] (Tổng quan: stations by state, today's completion, bulletins and
//! alerts), [`stations`] (area tree and list, filtered by state), [`station`] (state
//! and windows), [`calendar`] (the plan by day, week or month), [`airing_log`],
//! [`audio`], [`now_playing`] (Đang phát, and a station's now / next block),
//! [`reports`] (the airing report as a form, table, chart and downloads), [`audit`]
//! (Nhật ký: who changed what, when). [`conventions`] writes
//! times, dates, numbers and ages the way officers expect them.

mod airing_log;
mod assets;
mod audio;
mod audit;
mod calendar;
pub mod conventions;
mod dashboard;
mod directory;
pub mod i18n;
mod login;
mod now_playing;
mod page;
mod reports;
pub mod session;
mod station;
mod stations;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub use directory::DirectoryCache;
use i18n::Lang;
pub(crate) use page::Page;

use super::AppState;
use super::error::ApiError;

/// Largest form accepted, bytes (login, language, password).
const FORM_LIMIT: usize = 16 * 1024;

/// The console's routes, ready to merge beside the API's.
pub(crate) fn routes(state: AppState) -> Router {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang", post(login::set_lang))
        .route(
            "/password",
            get(login::password_form).post(login::password_submit),
        )
        .route("/stations", get(stations::page))
        .route("/stations/{code}", get(station::page))
        .route("/stations/{code}/calendar", get(calendar::fragment))
        .route("/stations/{code}/airings", get(airing_log::fragment))
        .route("/stations/{code}/now", get(now_playing::station_block))
        .route("/now", get(now_playing::page))
        .route("/now/rows", get(now_playing::rows))
        .route("/reports", get(reports::page))
        .route("/reports/download", get(reports::download))
        .route("/audio/{segment}", get(audio::serve))
        .route("/audit", get(audit::page))
        .route("/assets/{name}", get(assets::serve))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            framed_errors,
        ))
        .layer(axum::middleware::map_response(protect))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Headers every console answer carries: no framing, no sniffing, scripts and styles
/// from this site only; pages (private data) are not stored by caches.
async fn protect(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             media-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Why a console request did not give its page.
#[derive(Debug)]
pub enum ConsoleError {
    /// No valid session: go to the login page, then back to `next`.
    LoginFirst {
        /// Where the person was going.
        next: String,
        /// Whether htmx asked (it is told to load the login page whole).
        htmx: bool,
    },
    /// Go elsewhere first (a password to change).
    Redirect(String),
    /// A form without a valid token, or posted from another site.
    Csrf(Lang),
    /// A form that does not parse.
    BadForm(Lang),
    /// What the API would have answered.
    Api(ApiError, Lang),
}

impl ConsoleError {
    fn status(&self) -> StatusCode {
        match self {
            Self::LoginFirst { .. } | Self::Redirect(_) => StatusCode::SEE_OTHER,
            Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::BadForm(_) => StatusCode::BAD_REQUEST,
            Self::Api(e, _) => match e {
                ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
                ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
                ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
                ApiError::NotFound(_) => StatusCode::NOT_FOUND,
                ApiError::Conflict(_) => StatusCode::CONFLICT,
                ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
                ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
                ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }
}

impl From<(ApiError, Lang)> for ConsoleError {
    fn from((e, lang): (ApiError, Lang)) -> Self {
        Self::Api(e, lang)
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (lang, message) = match self {
            Self::LoginFirst { next, htmx } => {
                let to = format!("/login?next={}", login::encode_next(&next));
                if htmx {
                    return ([("hx-redirect", to)], StatusCode::NO_CONTENT).into_response();
                }
                return Redirect::to(&to).into_response();
            }
            Self::Redirect(to) => return Redirect::to(&to).into_response(),
            Self::Csrf(lang) => (lang, lang.t("error-csrf")),
            Self::BadForm(lang) => (lang, lang.t("error-bad-form")),
            Self::Api(ApiError::Internal(e), lang) => {
                tracing::error!(error = ?e, "trang bảng điều khiển lỗi do máy chủ");
                (lang, lang.t("error-internal"))
            }
            // The API's own Vietnamese message names the problem.
            Self::Api(e, lang) => (lang, e.to_string()),
        };
        let shown = ErrorShown {
            title: lang.t(error_title(status)),
            message,
        };
        let page = page::ErrorPage {
            page: Page::anonymous(lang, shown.title.clone(), String::new()),
            message: shown.message.clone(),
        };
        let mut res = (status, page).into_response();
        // `framed_errors` draws it again inside the menu when someone is logged in.
        res.extensions_mut().insert(shown);
        res
    }
}

/// An error page's words, kept on the answer for [`framed_errors`].
#[derive(Debug, Clone)]
struct ErrorShown {
    title: String,
    message: String,
}

/// The catalog key of an error page's title.
fn error_title(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "error-not-found-title",
        StatusCode::FORBIDDEN => "error-forbidden-title",
        StatusCode::BAD_REQUEST => "error-bad-request-title",
        _ => "error-title",
    }
}

/// Error pages keep the menu, the language switch and logout for a logged-in person:
/// an error answer is drawn again in their frame (the session is read only then, and
/// only when the request carries one; without a usable session the plain page stays).
async fn framed_errors(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if session::cookie(req.headers(), session::SESSION_COOKIE).is_none() {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let mut kept = parts.clone();
    let res = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    let Some(shown) = res.extensions().get::<ErrorShown>().cloned() else {
        return res;
    };
    let Ok(viewer) = session::Viewer::from_request_parts(&mut kept, &state).await else {
        return res;
    };
    let here = kept
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let status = res.status();
    let page = page::ErrorPage {
        page: Page::new(&viewer, shown.title, "", here),
        message: shown.message,
    };
    let mut framed = (status, page).into_response();
    // An htmx request gets the same status; htmx leaves the page as it was.
    framed.headers_mut().extend(
        res.headers()
            .iter()
            .filter(|(k, _)| k.as_str().starts_with("hx-"))
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    framed
}

/// Any other path: the API's JSON 404 under `/api/`, a bare 404 under `/assets/`, and
/// the console's 404 page elsewhere (inside the menu when logged in).
async fn not_found(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") || path == "/api" {
        let shown: String = path.chars().take(100).collect();
        return ApiError::NotFound(format!(
            "không có đường dẫn API `{shown}`; xem danh sách trong /api/v1/openapi.json"
        ))
        .into_response();
    }
    if path.starts_with("/assets/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let lang = session::lang_of(&headers);
    let shown: String = path.chars().take(100).collect();
    ConsoleError::Api(
        ApiError::NotFound(lang.ta("error-not-found", &[("path", shown)])),
        lang,
    )
    .into_response()
}

/// The result of a console handler.
pub type ConsoleResult<T> = Result<T, ConsoleError>;
