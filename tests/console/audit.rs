//! Page "Nhật ký": the province administrator changes things through the API, opens
//! Nhật ký from the menu and sees who did what, newest first, in Vietnamese words with
//! times as dd/mm/yyyy HH:MM (GMT+7) — exactly the entries `GET /api/v1/audit` gives
//! them, page by page and filter by filter, the address bar keeping the filter; the
//! commune viewer gets what the API gives them (403); a bad date is a 400 naming the
//! field; it fits a 360 px phone. Error pages keep the menu for a logged-in person, an
//! unknown path is a Vietnamese 404, and the API's unknown paths stay JSON.

use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate, Utc};
use fantoccini::Locator;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Browser, COMMUNE_VIEWER, PASSWORD, PHONE, PROVINCE_ADMIN};
use crate::server::TestApp;
use crate::{both_backends, browser_tests};

browser_tests!(
    the_province_reads_who_changed_what_and_when,
    error_pages_keep_the_menu_and_unknown_paths_are_404,
);
both_backends!(the_api_filters_as_the_page_does);

/// How long an htmx swap may take.
const PATIENCE: Duration = Duration::from_secs(15);
/// Entries made directly as history before the test's own changes.
const HISTORY: usize = 60;
/// The account the province creates and then disables.
const EDITOR: &str = "bientap.05443";

fn vn_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

impl TestApp {
    /// The log as the API gives `token`: ids, newest first.
    async fn audit_ids(&self, token: &str, query: &str) -> Vec<i64> {
        let (status, body) = self
            .call(Method::GET, &format!("/api/v1/audit?{query}"), token, None)
            .await;
        assert_eq!(status, 200, "{query}: {body}");
        body.as_array()
            .expect("entries")
            .iter()
            .map(|e| e["id"].as_i64().expect("id"))
            .collect()
    }

    /// Sets the log up as weeks of use would leave it: `HISTORY` station changes by the
    /// province, then everything written so far (the seed, the accounts) moved three days
    /// back, so that today's entries are the test's own.
    async fn audit_history(&self) {
        for n in 0..HISTORY {
            sqlx::query(
                "INSERT INTO audit_log (at_ms, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(Utc::now().timestamp_millis())
            .bind(PROVINCE_ADMIN)
            .bind("station.update")
            .bind("05443")
            .bind(format!("lần sửa cũ {n}"))
            .execute(&self.db)
            .await
            .expect("history entry");
        }
        sqlx::query("UPDATE audit_log SET at_ms = at_ms - $1")
            .bind(3 * 86_400_000_i64)
            .execute(&self.db)
            .await
            .expect("history moved back");
    }

    /// The province's changes of today: an account created, a station renamed, the
    /// account disabled — three entries, in that order.
    async fn province_changes(&self, province: &str) {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/accounts",
                province,
                Some(json!({
                    "username": EDITOR, "password": PASSWORD, "role": "editor", "area": "05443",
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = self
            .call(
                Method::PUT,
                "/api/v1/stations/05443",
                province,
                Some(json!({ "area": "05443", "name": "Trạm Phan Đình Phùng (mới)" })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = self
            .call(
                Method::POST,
                &format!("/api/v1/accounts/{EDITOR}/disable"),
                province,
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
}

/// One row of the table: id and the cells by column class.
#[derive(Debug)]
struct Shown {
    id: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
}

async fn rows(browser: &Browser) -> Vec<Shown> {
    let got = browser
        .client
        .execute(
            "return [...document.querySelectorAll('table.audit tbody tr')].map(tr => [
               tr.dataset.id,
               ...['at', 'actor', 'action', 'target'].map(c =>
                 tr.querySelector('.audit-' + c).innerText.trim())]);",
            vec![],
        )
        .await
        .expect("read the table");
    got.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let cell = |i: usize| r[i].as_str().unwrap_or_default().to_owned();
            Shown {
                id: cell(0).parse().expect("row id"),
                at: cell(1),
                actor: cell(2),
                action: cell(3),
                target: cell(4),
            }
        })
        .collect()
}

/// Waits until the table shows exactly the entries `ids`, in that order.
async fn wait_rows(browser: &Browser, ids: &[i64]) -> Vec<Shown> {
    let started = Instant::now();
    loop {
        let shown = rows(browser).await;
        if shown.iter().map(|r| r.id).eq(ids.iter().copied()) {
            return shown;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "the table never showed {ids:?}; it shows {:?}",
            shown.iter().map(|r| r.id).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The address bar's query.
async fn query(browser: &Browser) -> String {
    let url = browser.client.current_url().await.expect("url");
    url.query().unwrap_or_default().to_owned()
}

async fn filter(browser: &Browser) {
    browser
        .client
        .find(Locator::Css("#audit-filters button[type=submit]"))
        .await
        .expect("filter button")
        .click()
        .await
        .expect("filter");
}

async fn click(browser: &Browser, css: &str) {
    browser
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}`: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
}

/// Whether the frame of a logged-in page is there: menu, language switch, logout.
async fn has_frame(browser: &Browser) -> bool {
    browser
        .check(
            "return !!document.querySelector('nav.menu a[href=\"/stations\"]')
               && !!document.querySelector('form.lang select[name=lang]')
               && !!document.querySelector('form.logout button')",
        )
        .await
}

async fn the_province_reads_who_changed_what_and_when(app: TestApp, browser: Browser) {
    app.console_accounts().await;
    app.audit_history().await;
    let province = app.login(PROVINCE_ADMIN, PASSWORD).await;
    app.province_changes(&province).await;
    let newest = app.audit_ids(&province, "limit=50").await;
    assert_eq!(newest.len(), 50, "more than a page of history");

    // Nhật ký from the menu: the API's first page, newest first, in words.
    browser.log_in(&app.base, PROVINCE_ADMIN, PASSWORD).await;
    browser.wait_text("h1", "Tổng quan").await;
    browser
        .client
        .find(Locator::LinkText("Nhật ký"))
        .await
        .expect("menu entry Nhật ký")
        .click()
        .await
        .expect("open Nhật ký");
    browser.wait_text("h1", "Nhật ký thay đổi").await;
    assert_eq!(
        browser.text_of("nav.menu a[aria-current=page]").await,
        "Nhật ký"
    );
    let shown = wait_rows(&browser, &newest).await;
    let today = dmy(vn_today());
    let expected = [
        ("Khóa tài khoản", EDITOR),
        ("Sửa trạm", "05443"),
        ("Tạo tài khoản", EDITOR),
    ];
    for (row, (action, target)) in shown.iter().zip(expected) {
        assert_eq!(row.actor, PROVINCE_ADMIN, "{row:?}");
        assert!(row.action.starts_with(action), "{row:?}");
        assert_eq!(row.target, target, "{row:?}");
        let (when, ago) = row.at.split_once('\n').unwrap_or((&row.at, ""));
        let time = when
            .strip_prefix(&format!("{today} "))
            .unwrap_or_else(|| panic!("today, dd/mm/yyyy: {row:?}"));
        let hm: Vec<&str> = time.trim_end_matches(" (GMT+7)").split(':').collect();
        assert!(
            time.ends_with(" (GMT+7)")
                && hm.len() == 2
                && hm.iter().all(|p| p.len() == 2 && p.parse::<u32>().is_ok())
                && hm[0].parse::<u32>().is_ok_and(|h| h < 24),
            "HH:MM on 24 hours, zone named: {row:?}"
        );
        assert!(ago == "vừa xong" || ago.ends_with("phút trước"), "{row:?}");
    }
    // The raw keyword stays beside the words; the history is three days old.
    assert!(
        shown[0].action.contains("account.disable"),
        "{:?}",
        shown[0]
    );
    assert!(shown[3].at.contains("3 ngày trước"), "{:?}", shown[3]);

    // Older, then newer again: the API's pages, through the cursor it takes.
    click(&browser, "#audit-list a[rel=next]").await;
    let older = app
        .audit_ids(&province, &format!("limit=50&before={}", newest[49]))
        .await;
    wait_rows(&browser, &older).await;
    assert_eq!(query(&browser).await, format!("before={}", newest[49]));
    click(&browser, "#audit-list a[rel=prev]").await;
    wait_rows(&browser, &newest).await;
    let oldest = *older.last().expect("an older page");
    let above = app
        .audit_ids(&province, &format!("limit=50&after={oldest}"))
        .await;
    browser
        .open(&app.url(&format!("/audit?after={oldest}")))
        .await;
    wait_rows(&browser, &above).await;
    assert!(
        browser
            .check("return !!document.querySelector('#audit-list a[rel=next]') && !!document.querySelector('#audit-list a[rel=prev]')")
            .await,
        "a page in the middle links both ways"
    );

    // By actor, in place; the address keeps the filter, and so does a reload.
    browser.type_into("audit-actor", "admin").await;
    filter(&browser).await;
    let by_admin = app.audit_ids(&province, "actor=admin&limit=50").await;
    assert!(!by_admin.is_empty());
    let shown = wait_rows(&browser, &by_admin).await;
    assert!(shown.iter().all(|r| r.actor == "admin"), "{shown:?}");
    assert!(query(&browser).await.contains("actor=admin"));
    let here = browser.client.current_url().await.expect("url");
    browser.open(here.as_str()).await;
    wait_rows(&browser, &by_admin).await;
    let kept = browser
        .client
        .find(Locator::Id("audit-actor"))
        .await
        .expect("actor box")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some("admin"));

    // By days (read in Vietnam time): today is the province's three changes; three
    // days ago, the history.
    browser.type_into("audit-actor", "").await;
    browser.type_into("audit-from", &today).await;
    browser.type_into("audit-until", &today).await;
    filter(&browser).await;
    let shown = wait_rows(&browser, &newest[..3]).await;
    assert!(shown.iter().all(|r| r.actor == PROVINCE_ADMIN));
    let q = query(&browser).await;
    let encoded = today.replace('/', "%2F");
    assert!(
        q.contains(&format!("from={encoded}")) && q.contains(&format!("until={encoded}")),
        "{q}"
    );
    let before = dmy(vn_today() - Days::days(3));
    browser.type_into("audit-from", &before).await;
    browser.type_into("audit-until", &before).await;
    filter(&browser).await;
    let old = app
        .audit_ids(&province, &format!("from={before}&until={before}&limit=50"))
        .await;
    assert!(old.iter().all(|id| !newest[..3].contains(id)) && !old.is_empty());
    wait_rows(&browser, &old).await;

    // A date that is none, from the form: the refusal in place, the address unchanged.
    let kept = query(&browser).await;
    browser.type_into("audit-from", "32/13/2026").await;
    filter(&browser).await;
    browser
        .wait_text(
            "#audit-list .error",
            "Từ ngày: `32/13/2026` không phải ngày",
        )
        .await;
    assert_eq!(query(&browser).await, kept);
    // Opened as an address: a 400 page naming the field in Vietnamese.
    let bad = "/audit?from=32/13/2026";
    assert_eq!(browser.fetch(bad, &[]).await.0, 400);
    browser.open(&app.url(bad)).await;
    let error = browser.text_of("#audit-list .error").await;
    assert!(
        error.starts_with("Từ ngày: `32/13/2026` không phải ngày; viết dd/mm/yyyy"),
        "{error}"
    );
    assert!(has_frame(&browser).await);

    // A phone: the same page as cards, nothing wider than the screen.
    browser.resize(PHONE.0, PHONE.1).await;
    browser.open(&app.url("/audit")).await;
    wait_rows(&browser, &newest).await;
    assert!(browser.fits_width().await, "the audit log scrolls sideways");
    assert!(
        browser
            .check("return getComputedStyle(document.querySelector('table.audit tr')).display === 'block'")
            .await,
        "rows are cards on a phone"
    );
    browser.log_out().await;

    // The commune viewer: what the API gives them, a 403, and no menu entry.
    let viewer = app.login(COMMUNE_VIEWER, PASSWORD).await;
    let (status, body) = app.call(Method::GET, "/api/v1/audit", &viewer, None).await;
    assert_eq!(status, 403, "{body}");
    browser.log_in(&app.base, COMMUNE_VIEWER, PASSWORD).await;
    browser.wait_text("h1", "Tổng quan").await;
    assert!(
        browser
            .client
            .find_all(Locator::Css("nav.menu a[href='/audit']"))
            .await
            .expect("menu")
            .is_empty(),
        "no Nhật ký for a viewer"
    );
    assert_eq!(browser.fetch("/audit", &[]).await.0, 403);
    browser.open(&app.url("/audit")).await;
    assert_eq!(browser.text_of("h1").await, "Không được phép");
    assert_eq!(
        browser.text_of("main .error").await,
        body["message"].as_str().expect("message")
    );
    assert!(has_frame(&browser).await);
    assert!(browser.fits_width().await);
    browser.close().await;
}

async fn error_pages_keep_the_menu_and_unknown_paths_are_404(app: TestApp, browser: Browser) {
    app.console_accounts().await;

    // Logged out: the 404 page, without a menu.
    browser.open(&app.url("/khong-co")).await;
    assert_eq!(browser.text_of("h1").await, "Không tìm thấy");
    assert!(browser.text().await.contains("Không có trang /khong-co"));
    assert!(!has_frame(&browser).await);
    assert_eq!(browser.fetch("/khong-co", &[]).await.0, 404);

    // Logged in: the same page inside the menu, with the language switch and logout.
    browser.log_in(&app.base, PROVINCE_ADMIN, PASSWORD).await;
    browser.wait_text("h1", "Tổng quan").await;
    browser.open(&app.url("/khong-co")).await;
    assert_eq!(browser.text_of("h1").await, "Không tìm thấy");
    assert!(browser.text_of("main .error").await.contains("/khong-co"));
    assert!(has_frame(&browser).await, "the menu stays on a 404");
    assert_eq!(browser.fetch("/khong-co", &[]).await.0, 404);
    // Another commune's station, a 404 of a page: the menu stays too.
    browser.open(&app.url("/stations/khong-co-tram")).await;
    assert_eq!(browser.text_of("h1").await, "Không tìm thấy");
    assert!(has_frame(&browser).await);
    // The language switch works from an error page and comes back to it.
    browser
        .client
        .find(Locator::Css("form.lang select"))
        .await
        .expect("language")
        .select_by_value("en")
        .await
        .expect("English");
    click(&browser, "form.lang button").await;
    browser.wait_text("h1", "Not found").await;
    assert_eq!(
        browser.client.current_url().await.expect("url").path(),
        "/stations/khong-co-tram"
    );

    // The API's unknown paths answer JSON, with or without the session cookie.
    let (status, text) = browser.fetch("/api/v1/khong-co", &[]).await;
    assert_eq!(status, 404);
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(body["error"], "not_found", "{body}");
    let res = app
        .client
        .get(app.url("/api/v1/khong-co"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.expect("JSON");
    assert_eq!(body["error"], "not_found");
    browser.close().await;
}

async fn the_api_filters_as_the_page_does(app: TestApp) {
    app.console_accounts().await;
    app.audit_history().await;
    let province = app.login(PROVINCE_ADMIN, PASSWORD).await;
    app.province_changes(&province).await;
    let entries = |q: &'static str| {
        let (app, token) = (&app, province.clone());
        async move {
            let (status, body) = app
                .call(Method::GET, &format!("/api/v1/audit?{q}"), &token, None)
                .await;
            assert_eq!(status, 200, "{q}: {body}");
            body.as_array().expect("entries").clone()
        }
    };
    let all = entries("limit=500").await;
    let pick = |f: &dyn Fn(&Value) -> bool| -> Vec<i64> {
        all.iter()
            .filter(|e| f(e))
            .map(|e| e["id"].as_i64().expect("id"))
            .collect()
    };
    let ids = |list: Vec<Value>| -> Vec<i64> {
        list.iter().map(|e| e["id"].as_i64().expect("id")).collect()
    };
    // Each filter keeps exactly the entries of the whole log that match it.
    assert_eq!(
        ids(entries("actor=admin&limit=500").await),
        pick(&|e| e["actor"] == "admin")
    );
    assert_eq!(
        ids(entries("action=account.disable").await),
        pick(&|e| e["action"] == "account.disable")
    );
    assert_eq!(
        ids(entries("q=BIENTAP&limit=500").await),
        pick(&|e| {
            e["target"].as_str().unwrap_or_default().contains("bientap")
                || e["detail"].as_str().unwrap_or_default().contains("bientap")
        })
    );
    // `%` and `_` are letters in the text filter, not patterns.
    assert!(entries("q=%25").await.is_empty());
    let old = ids(entries("q=l%E1%BA%A7n%20s%E1%BB%ADa%20c%C5%A9%2059").await);
    assert_eq!(old.len(), 1, "one history entry says `lần sửa cũ 59`");
    let today = dmy(vn_today());
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/api/v1/audit?from={today}&until={today}"),
            &province,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().expect("entries").len(), 3, "{body}");
    // Newer than an entry: the oldest ones above it first, shown newest first.
    let first = all[HISTORY / 2]["id"].as_i64().expect("id");
    let (_, after) = app
        .call(
            Method::GET,
            &format!("/api/v1/audit?after={first}&limit=2"),
            &province,
            None,
        )
        .await;
    let above: Vec<i64> = ids(after.as_array().expect("entries").clone());
    let position = HISTORY / 2;
    assert_eq!(
        above,
        [
            all[position - 2]["id"].as_i64().expect("id"),
            all[position - 1]["id"].as_i64().expect("id")
        ]
    );
    // Every refusal is a 400 naming its parameter.
    for (q, field) in [
        ("from=32/13/2026", "from"),
        ("until=31/02/2026", "until"),
        ("from=05/10/2026&until=04/10/2026", "until"),
        ("action=station.explode", "action"),
        ("before=abc", "before"),
        ("before=3&after=2", "after"),
    ] {
        let (status, body) = app
            .call(Method::GET, &format!("/api/v1/audit?{q}"), &province, None)
            .await;
        assert_eq!(status, 400, "{q}: {body}");
        let message = body["message"].as_str().expect("message");
        assert!(message.starts_with(&format!("{field}: ")), "{q}: {message}");
    }
    let long = format!("/api/v1/audit?actor={}", "a".repeat(101));
    let (status, _) = app.call(Method::GET, &long, &province, None).await;
    assert_eq!(status, 400);
}
