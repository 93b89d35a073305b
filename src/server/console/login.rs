//! Page "Đăng nhập" and the forms around a session: log in (through the API's own
//! `accounts::login`, so failures are counted and throttled alike), log out, choose a
//! language, change one's password (required after an administrator's reset).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::i18n::{LANG_COOKIE, Lang};
use super::page::Page;
use super::session::{
    CSRF_COOKIE, CsrfForm, SESSION_COOKIE, Viewer, cookie, is_https, lang_of, new_form_token,
    set_cookie,
};
use super::{ConsoleError, ConsoleResult};
use crate::server::AppState;
use crate::server::accounts::{change_own_password, login};
use crate::server::auth::{ClientAddr, session_account};
use crate::server::error::ApiError;

/// Longest `next` path kept, bytes.
const MAX_NEXT: usize = 2000;

/// Where to go after login: a path of this site, never another site's address.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/login")
                && n.len() <= MAX_NEXT =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// `next` as a query value.
pub fn encode_next(next: &str) -> String {
    serde_urlencoded::to_string([("", safe_next(Some(next)))])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// The login page.
#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    page: Page,
    username: String,
    next: String,
    error: Option<String>,
}

/// Query of `GET /login`.
#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /login`: the form (or, with a valid session already, where it leads).
pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<NextQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = lang_of(&headers);
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let next = safe_next(q.next.as_deref());
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Ok(Some(_)) = session_account(&state, token).await
    {
        return Redirect::to(&next).into_response();
    }
    let (token, fresh) = match cookie(&headers, CSRF_COOKIE) {
        Some(t) => (t.to_owned(), None),
        None => {
            let t = new_form_token();
            let set = set_cookie(CSRF_COOKIE, &t, None, is_https(&state, &headers));
            (t, Some(set))
        }
    };
    let page = LoginPage {
        page: Page::anonymous(lang, lang.t("login-title"), token),
        username: String::new(),
        next,
        error: None,
    };
    match fresh {
        Some(set) => ([(header::SET_COOKIE, set)], page).into_response(),
        None => page.into_response(),
    }
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// `POST /login`: opens a session and sets its cookie; a wrong password or throttling
/// shows the form again with the reason.
pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<LoginForm>,
) -> Response {
    let lang = lang_of(&headers);
    let next = safe_next(f.next.as_deref());
    let result = login(
        &state.store,
        f.username.trim(),
        &f.password,
        &client,
        state.config.max_login_failures,
        state.config.session_hours,
    )
    .await;
    let (status, error) = match result {
        Ok(token) => {
            let age = i64::from(state.config.session_hours) * 3600;
            let set = set_cookie(
                SESSION_COOKIE,
                &token,
                Some(age),
                is_https(&state, &headers),
            );
            return ([(header::SET_COOKIE, set)], Redirect::to(&next)).into_response();
        }
        Err(ApiError::Unauthorized) => (StatusCode::UNAUTHORIZED, lang.t("login-wrong")),
        // The API's own words: "đăng nhập sai nhiều lần; thử lại sau 2 giây".
        Err(e @ ApiError::TooManyRequests(_)) => (StatusCode::TOO_MANY_REQUESTS, e.to_string()),
        Err(e) => return ConsoleError::Api(e, lang).into_response(),
    };
    let token = cookie(&headers, CSRF_COOKIE).unwrap_or_default().to_owned();
    let page = LoginPage {
        page: Page::anonymous(lang, lang.t("login-title"), token),
        username: f.username.chars().take(100).collect(),
        next,
        error: Some(error),
    };
    (status, page).into_response()
}

/// A form with nothing but its token.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /logout`: ends the session (the API's `close_session`) and drops the cookie.
pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> ConsoleResult<Response> {
    crate::store::logins::close_session(&state.store, &viewer.auth.session_hash)
        .await
        .map_err(|e| ConsoleError::Api(e.into(), viewer.lang))?;
    let gone = set_cookie(SESSION_COOKIE, "", Some(0), is_https(&state, &headers));
    Ok(([(header::SET_COOKIE, gone)], Redirect::to("/login")).into_response())
}

/// The language switch's fields.
#[derive(Debug, Deserialize)]
pub struct LangForm {
    lang: String,
    back: Option<String>,
}

/// `POST /lang`: remembers the language for a year and goes back.
pub async fn set_lang(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<LangForm>,
) -> ConsoleResult<Response> {
    let lang = Lang::parse(&f.lang).ok_or(ConsoleError::BadForm(lang_of(&headers)))?;
    let back = match f.back.as_deref() {
        Some("/login") => "/login".to_owned(),
        other => safe_next(other),
    };
    let set = set_cookie(
        LANG_COOKIE,
        lang.code(),
        Some(365 * 86_400),
        is_https(&state, &headers),
    );
    Ok(([(header::SET_COOKIE, set)], Redirect::to(&back)).into_response())
}

/// The password change page.
#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
pub struct PasswordPage {
    page: Page,
    problems: Vec<String>,
}

/// `GET /password`.
pub async fn password_form(viewer: Viewer) -> PasswordPage {
    let title = viewer.lang.t("password-title");
    PasswordPage {
        page: Page::new(&viewer, title, "", "/password".to_owned()),
        problems: Vec::new(),
    }
}

/// The password form's fields.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// `POST /password`: the API's `change_own_password` (policy, other sessions end).
pub async fn password_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> ConsoleResult<Response> {
    let lang = viewer.lang;
    let problems = if f.new_password != f.confirm_password {
        vec![lang.t("password-mismatch")]
    } else {
        match change_own_password(
            &state.store,
            &viewer.auth,
            &f.current_password,
            &f.new_password,
        )
        .await
        {
            Ok(()) => return Ok(Redirect::to("/").into_response()),
            Err(ApiError::Invalid(problems)) => problems,
            Err(e) => return Err(ConsoleError::Api(e, lang)),
        }
    };
    let title = lang.t("password-title");
    let page = PasswordPage {
        page: Page::new(&viewer, title, "", "/password".to_owned()),
        problems,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_site_are_followed_after_login() {
        assert_eq!(safe_next(Some("/stations?page=2")), "/stations?page=2");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/login",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
        assert_eq!(encode_next("/stations?q=a b"), "%2Fstations%3Fq%3Da+b");
    }
}
