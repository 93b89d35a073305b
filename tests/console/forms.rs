//! The console's forms: every POST needs its CSRF token and must come from this site;
//! the session cookie is HttpOnly, SameSite=Strict and Secure under HTTPS; a wrong
//! password and throttling are said in Vietnamese, as the API says them; the language
//! switch turns the pages to English and back.

use fantoccini::Locator;

use super::{Browser, COMMUNE_VIEWER, PASSWORD};
use crate::server::{Db, TestApp, seed_dir, spawn_app_configured};
use crate::{both_backends, browser_tests};

both_backends!(
    forms_need_their_token_and_this_site,
    a_reset_password_is_changed_first
);
browser_tests!(wrong_password_throttling_and_language);

/// `name=value` of a `Set-Cookie` answer, and the whole header.
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<(String, String)> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let pair = v.split(';').next().unwrap_or_default().to_owned();
            (pair, v.to_owned())
        })
}

/// `req` with `pairs` as an HTML form body.
fn form<K: AsRef<str>, V: AsRef<str>>(
    req: reqwest::RequestBuilder,
    pairs: &[(K, V)],
) -> reqwest::RequestBuilder {
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    req.header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(pairs).expect("form body"))
}

/// The CSRF token in a page's forms.
fn page_token(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form token in the page")
        .to_owned()
}

impl TestApp {
    /// A client that follows no redirects (the tests read them).
    pub(super) fn no_redirects() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Logs in through the console's form; returns the cookie header to send after.
    pub(super) async fn console_login(&self, username: &str, password: &str) -> String {
        let c = Self::no_redirects();
        let res = c.get(self.url("/login")).send().await.expect("login page");
        let (form_cookie, _) = set_cookie(&res, "loa_csrf").expect("form cookie");
        let token = page_token(&res.text().await.expect("html"));
        let req = c
            .post(self.url("/login"))
            .header("cookie", &form_cookie)
            .header("origin", &self.base);
        let res = form(
            req,
            &[
                ("csrf", token.as_str()),
                ("username", username),
                ("password", password),
            ],
        )
        .send()
        .await
        .expect("login");
        assert_eq!(res.status(), 303, "login as {username}");
        let (session, _) = set_cookie(&res, "loa_session").expect("session cookie");
        session
    }
}

async fn forms_need_their_token_and_this_site(app: TestApp) {
    app.console_accounts().await;
    let c = TestApp::no_redirects();
    let res = c.get(app.url("/login")).send().await.expect("login page");
    let (form_cookie, whole) = set_cookie(&res, "loa_csrf").expect("form cookie");
    assert!(
        whole.contains("HttpOnly") && whole.contains("SameSite=Strict"),
        "{whole}"
    );
    let token = page_token(&res.text().await.expect("html"));
    let login = |token: &'static str, origin: &str| {
        let req = c
            .post(app.url("/login"))
            .header("cookie", &form_cookie)
            .header("origin", origin.to_owned());
        form(
            req,
            &[
                ("csrf", token),
                ("username", COMMUNE_VIEWER),
                ("password", PASSWORD),
            ],
        )
    };
    // No token, a made-up one, the right one from another site: refused, no session.
    let token: &'static str = Box::leak(token.into_boxed_str());
    for (t, origin) in [
        ("", app.base.as_str()),
        ("abc", app.base.as_str()),
        (token, "http://evil.example"),
    ] {
        let res = login(t, origin).send().await.expect("login");
        assert_eq!(res.status(), 403, "token {t:?} from {origin}");
        assert!(set_cookie(&res, "loa_session").is_none());
        let body = res.text().await.expect("html");
        assert!(
            body.contains("Biểu mẫu đã cũ hoặc không gửi từ trang này"),
            "{body}"
        );
    }
    let res = login(token, &app.base).send().await.expect("login");
    assert_eq!(res.status(), 303);
    let (session, whole) = set_cookie(&res, "loa_session").expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(whole.contains(attr), "{attr} missing: {whole}");
    }
    assert!(
        !whole.contains("Secure"),
        "plain HTTP: no Secure flag ({whole})"
    );

    let page = c
        .get(app.url("/stations"))
        .header("cookie", &session)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let token = page_token(&page.text().await.expect("html"));
    // Logging out without the session's token is refused and the session lives on.
    for fields in [vec![], vec![("csrf", "x")]] {
        let req = c
            .post(app.url("/logout"))
            .header("cookie", &session)
            .header("origin", &app.base);
        let res = form(req, &fields).send().await.expect("logout");
        assert_eq!(res.status(), 403);
    }
    let still = c
        .get(app.url("/stations"))
        .header("cookie", &session)
        .send()
        .await
        .expect("page");
    assert_eq!(still.status(), 200, "the session survives a forged logout");
    let req = c
        .post(app.url("/logout"))
        .header("cookie", &session)
        .header("origin", &app.base);
    let res = form(req, &[("csrf", token)]).send().await.expect("logout");
    assert_eq!(res.status(), 303);
    let gone = c
        .get(app.url("/stations"))
        .header("cookie", &session)
        .send()
        .await
        .expect("page");
    assert_eq!(gone.status(), 303, "the session ended");
    assert_eq!(gone.headers()["location"], "/login?next=%2Fstations");
    // The API refuses the ended session too: one session, two ways to carry it.
    let token = session.trim_start_matches("loa_session=");
    let (status, _) = app
        .call(reqwest::Method::GET, "/api/v1/me", token, None)
        .await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_cookie_is_secure_behind_an_https_proxy() {
    let app = spawn_app_configured(Db::Sqlite, seed_dir(), |c| c.trust_proxy = true)
        .await
        .expect("app");
    let c = TestApp::no_redirects();
    let res = c
        .get(app.url("/login"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("login page");
    let (_, whole) = set_cookie(&res, "loa_csrf").expect("form cookie");
    assert!(whole.contains("; Secure"), "{whole}");
    let session = app
        .console_login("admin", &app.admin_password.clone())
        .await;
    assert!(session.starts_with("loa_session=lss_"));
}

async fn wrong_password_throttling_and_language(app: TestApp, browser: Browser) {
    app.console_accounts().await;
    browser
        .log_in(&app.base, COMMUNE_VIEWER, "sai-mat-khau-roi")
        .await;
    let error = browser
        .wait_text("#login-error", "Sai tên đăng nhập hoặc mật khẩu")
        .await;
    assert!(!error.contains("unauthorized"), "{error}");
    // After five failures the API's throttling answers, in its own words.
    let mut throttled = String::new();
    for _ in 0..12 {
        browser
            .log_in(&app.base, COMMUNE_VIEWER, "sai-mat-khau-roi")
            .await;
        browser
            .client
            .wait()
            .for_element(Locator::Id("login-error"))
            .await
            .expect("an error");
        let shown = browser.text_of("#login-error").await;
        if shown.contains("đăng nhập sai nhiều lần; thử lại sau") {
            throttled = shown;
            break;
        }
    }
    assert!(!throttled.is_empty(), "never throttled");

    // English on the login page, kept after login.
    browser.open(&app.url("/login")).await;
    browser
        .client
        .find(Locator::Id("lang-select"))
        .await
        .expect("language switch")
        .select_by_value("en")
        .await
        .expect("English");
    browser
        .client
        .find(Locator::Css("form.lang button"))
        .await
        .expect("switch button")
        .click()
        .await
        .expect("switch");
    browser.wait_text("h1", "Log in").await;
    assert!(
        browser
            .check("return document.documentElement.lang === 'en'")
            .await
    );
    // Throttling is per address; wait it out as a person would (the delay is short).
    let started = std::time::Instant::now();
    loop {
        browser.log_in(&app.base, "quantri.19", PASSWORD).await;
        browser.wait_text("h1", "").await;
        if browser.text_of("h1").await == "Overview" {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 60,
            "still throttled after a minute"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    browser.open(&app.url("/stations")).await;
    let labels = browser.text_of("table.stations thead").await;
    assert!(labels.contains("Last heard"), "{labels}");
    browser
        .client
        .find(Locator::Id("lang-select"))
        .await
        .expect("language switch")
        .select_by_value("vi")
        .await
        .expect("Vietnamese");
    browser
        .client
        .find(Locator::Css("form.lang button"))
        .await
        .expect("switch button")
        .click()
        .await
        .expect("switch");
    browser.wait_text("h1", "Trạm").await;
    browser.close().await;
}

async fn a_reset_password_is_changed_first(app: TestApp) {
    app.console_accounts().await;
    let admin = app.admin().await;
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/accounts/{COMMUNE_VIEWER}/password"),
            &admin,
            Some(serde_json::json!({ "new_password": "mat-khau-quan-tri-dat" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let session = app
        .console_login(COMMUNE_VIEWER, "mat-khau-quan-tri-dat")
        .await;
    let c = TestApp::no_redirects();
    let res = c
        .get(app.url("/stations"))
        .header("cookie", &session)
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/password");
    let page = c
        .get(app.url("/password"))
        .header("cookie", &session)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let token = page_token(&page.text().await.expect("html"));
    let change = |new: &'static str, confirm: &'static str| {
        let req = c
            .post(app.url("/password"))
            .header("cookie", &session)
            .header("origin", &app.base);
        form(
            req,
            &[
                ("csrf", token.as_str()),
                ("current_password", "mat-khau-quan-tri-dat"),
                ("new_password", new),
                ("confirm_password", confirm),
            ],
        )
    };
    let res = change("doi-mat-khau-moi", "doi-mat-khau-khac")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("html").contains("không giống nhau"));
    // The API's password policy, in its words.
    let res = change("ngan", "ngan").send().await.expect("post");
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("html").contains("ít nhất 10 ký tự"));
    let res = change("doi-mat-khau-moi", "doi-mat-khau-moi")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    let res = c
        .get(app.url("/stations"))
        .header("cookie", &session)
        .send()
        .await
        .expect("page");
    assert_eq!(
        res.status(),
        200,
        "the session goes on with the new password"
    );
}
