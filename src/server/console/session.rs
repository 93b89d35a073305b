//! Console sessions and form protection.
//!
//! A session is the API's own: `accounts::login` (with its throttling) opens it and
//! `auth::session_account` reads it, so roles, areas and expiry are the API's. The
//! console only carries the token in a cookie (HttpOnly, SameSite=Strict, Secure when
//! served over HTTPS) instead of an `Authorization` header.
//!
//! Every form posts a CSRF token, checked with the request's origin by [`CsrfForm`]:
//! for a logged-in person it is derived from the session token (an attacker can read
//! neither), before login it is a random value also set in a cookie (double submit).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::ConsoleError;
use super::i18n::{LANG_COOKIE, Lang};
use crate::server::AppState;
use crate::server::auth::{StaffAuth, hash_secret, new_secret, session_account};

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "loa_session";
/// The cookie holding the token of forms shown before login.
pub const CSRF_COOKIE: &str = "loa_csrf";

/// Paths an account that must change its password may still open.
const WHILE_MUST_CHANGE: &[&str] = &["/password", "/logout", "/lang"];

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The language chosen in the cookie, Vietnamese when none.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default()
}

/// Whether the person reached us over HTTPS: the server speaks TLS itself, or a
/// trusted proxy in front says so.
pub fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.tls_cert.is_some()
        || (state.config.trust_proxy
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("https")))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, whole site, Secure under HTTPS;
/// `max_age` in seconds (`Some(0)` deletes it, `None` lasts the browser session).
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        text.push_str("; Secure");
    }
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The CSRF token of the forms of the session `token`.
pub fn csrf_of_session(token: &str) -> String {
    hash_secret(&format!("loa-console-csrf:{token}"))
}

/// A fresh token for the forms shown before login.
pub fn new_form_token() -> String {
    new_secret("")
}

/// A logged-in person, as every console page needs them.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The account, exactly as the API sees it.
    pub auth: StaffAuth,
    /// The language chosen.
    pub lang: Lang,
    /// The token their forms carry.
    pub csrf: String,
    /// Whether the request came from htmx (a fragment is wanted).
    pub htmx: bool,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let htmx = parts.headers.contains_key("hx-request");
        let next = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let login = || ConsoleError::LoginFirst {
            next: next.clone(),
            htmx,
        };
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(login)?;
        let auth = session_account(state, token)
            .await
            .map_err(|e| ConsoleError::Api(e, lang))?
            .ok_or_else(login)?;
        if !WHILE_MUST_CHANGE.contains(&parts.uri.path())
            && crate::store::logins::must_change_password(&state.store, auth.account_id)
                .await
                .map_err(|e| ConsoleError::Api(e.into(), lang))?
        {
            return Err(ConsoleError::Redirect("/password".to_owned()));
        }
        Ok(Self {
            csrf: csrf_of_session(token),
            auth,
            lang,
            htmx,
        })
    }
}

/// The host a header names, without scheme, port or path.
fn host_of(value: &str) -> &str {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .unwrap_or(value);
    let authority = rest.split('/').next().unwrap_or_default();
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

/// Whether a posting page came from this site: its `Origin` (or, without one, its
/// `Referer`) names the host the request was sent to. Neither header: allowed, the
/// token decides.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let from = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .map(|v| v.to_str().unwrap_or("null"));
    match from {
        None => true,
        Some("null") => false,
        Some(from) => host_of(from).eq_ignore_ascii_case(host_of(host)),
    }
}

/// Whether `given` is a token this browser was handed: its session's, or the one in
/// its pre-login cookie.
pub fn token_ok(headers: &HeaderMap, given: &str) -> bool {
    let expected = [
        cookie(headers, SESSION_COOKIE).map(csrf_of_session),
        cookie(headers, CSRF_COOKIE).map(str::to_owned),
    ];
    !given.is_empty()
        && expected
            .iter()
            .flatten()
            .any(|e| constant_time_eq(e.as_bytes(), given.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Deserialize)]
struct TokenOnly {
    csrf: Option<String>,
}

/// A posted form whose CSRF token and origin were checked; the form's own fields in
/// `T` (which must not refuse the extra `csrf` field).
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = ConsoleError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        let lang = lang_of(&headers);
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| ConsoleError::BadForm(lang))?;
        let token: TokenOnly =
            serde_urlencoded::from_bytes(&body).map_err(|_| ConsoleError::BadForm(lang))?;
        if !same_origin(&headers) || !token_ok(&headers, token.csrf.as_deref().unwrap_or("")) {
            return Err(ConsoleError::Csrf(lang));
        }
        serde_urlencoded::from_bytes(&body)
            .map(CsrfForm)
            .map_err(|_| ConsoleError::BadForm(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn cookies_are_found_among_several() {
        let h = headers(&[
            ("cookie", "a=1; loa_session=lss_x"),
            ("cookie", "loa_lang=en"),
        ]);
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("lss_x"));
        assert_eq!(lang_of(&h), Lang::En);
        assert_eq!(cookie(&h, "b"), None);
    }

    #[test]
    fn origins_must_name_our_host() {
        let ok = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert!(same_origin(&ok));
        let proxied = headers(&[("host", "loa.example"), ("origin", "https://loa.example")]);
        assert!(same_origin(&proxied));
        let other = headers(&[("host", "loa.example"), ("origin", "https://evil.example")]);
        assert!(!same_origin(&other));
        let null = headers(&[("host", "loa.example"), ("origin", "null")]);
        assert!(!same_origin(&null));
        let referer = headers(&[
            ("host", "loa.example"),
            ("referer", "https://evil.example/x"),
        ]);
        assert!(!same_origin(&referer));
        assert!(same_origin(&headers(&[("host", "loa.example")])));
    }

    #[test]
    fn tokens_must_match_the_session_or_the_form_cookie() {
        let h = headers(&[("cookie", "loa_session=lss_abc; loa_csrf=f00d")]);
        assert!(token_ok(&h, &csrf_of_session("lss_abc")));
        assert!(token_ok(&h, "f00d"));
        assert!(!token_ok(&h, "lss_abc"));
        assert!(!token_ok(&h, ""));
        assert!(!token_ok(&HeaderMap::new(), ""));
        let secure = set_cookie(SESSION_COOKIE, "v", Some(60), true);
        assert_eq!(
            secure.to_str().expect("ascii"),
            "loa_session=v; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=60"
        );
    }
}
