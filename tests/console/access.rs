//! Who sees what: a commune officer sees their commune's stations and nothing else —
//! not on the list, not through search, not on another station's page or any of its
//! fragments; the province administrator sees the whole province and finds stations
//! by name typed without diacritics.

use fantoccini::Locator;

use super::{Browser, COMMUNE_VIEWER, PASSWORD, PROVINCE_ADMIN};
use crate::browser_tests;
use crate::server::TestApp;

browser_tests!(each_officer_sees_their_own_scope);

/// The codes of the station rows shown.
async fn listed(browser: &Browser) -> Vec<String> {
    let mut codes = Vec::new();
    for link in browser
        .client
        .find_all(Locator::Css("#station-list a.station-link"))
        .await
        .expect("station links")
    {
        let href = link.attr("href").await.expect("href").unwrap_or_default();
        codes.push(href.trim_start_matches("/stations/").to_owned());
    }
    codes
}

/// The headers htmx sends for the station list.
const HTMX_LIST: &[(&str, &str)] = &[("HX-Request", "true"), ("HX-Target", "station-list")];

async fn each_officer_sees_their_own_scope(app: TestApp, browser: Browser) {
    app.console_accounts().await;

    // Unauthenticated pages lead to the login page, which remembers where to go.
    browser.open(&app.url("/stations/05443")).await;
    let url = browser.client.current_url().await.expect("url");
    assert_eq!(url.path(), "/login");
    assert_eq!(url.query(), Some("next=%2Fstations%2F05443"));

    browser.log_in(&app.base, COMMUNE_VIEWER, PASSWORD).await;
    // Login lands on the dashboard; the station list is one menu entry away.
    browser.wait_text("h1", "Tổng quan").await;
    browser.open(&app.url("/stations")).await;
    assert_eq!(listed(&browser).await, ["05443", "05443-2"]);
    assert!(browser.text_of(".summary").await.contains("trên 2"));

    // Search as typed: a station of another commune (05710, Phường Linh Sơn) stays out.
    let q = browser
        .client
        .find(Locator::Id("q"))
        .await
        .expect("search box");
    q.send_keys("linh son").await.expect("type");
    browser
        .wait_text("#station-list", "Không có trạm nào khớp")
        .await;
    for (path, what) in [
        ("/stations/05710", "station page"),
        ("/stations/05710/calendar?view=month", "calendar fragment"),
        ("/stations/05710/airings", "airing log fragment"),
        ("/stations?area=05710", "area filter"),
    ] {
        let (status, body) = browser.fetch(path, HTMX_LIST).await;
        assert_eq!(status, 404, "{what} {path}: {body}");
        assert!(
            !body.contains("Linh Sơn"),
            "{what} {path} names the other commune"
        );
    }
    let (status, body) = browser.fetch("/stations?q=05710", HTMX_LIST).await;
    assert_eq!(status, 200);
    assert!(
        !body.contains("05710"),
        "search fragment shows another commune: {body}"
    );
    browser.open(&app.url("/stations/05710")).await;
    assert!(browser.text().await.contains("không có trạm `05710`"));
    browser.open(&app.url("/stations")).await;
    browser.log_out().await;

    // The province administrator: every station of the province, found without accents.
    browser.log_in(&app.base, PROVINCE_ADMIN, PASSWORD).await;
    // Login lands on the dashboard; the station list is one menu entry away.
    browser.wait_text("h1", "Tổng quan").await;
    browser.open(&app.url("/stations")).await;
    let summary = browser.text_of(".summary").await;
    assert!(summary.contains("Trạm 1–50 trên 94"), "{summary}");
    assert_eq!(listed(&browser).await.len(), 50, "one page of 50");
    let tree = browser.text_of(".tree").await;
    assert!(tree.contains("Phường Phan Đình Phùng"), "{tree}");
    let q = browser
        .client
        .find(Locator::Id("q"))
        .await
        .expect("search box");
    q.send_keys("phan dinh phung").await.expect("type");
    browser.wait_text(".summary", "trên 2").await;
    let found = browser.text_of("#station-list").await;
    assert!(found.contains("Phan Đình Phùng"), "{found}");
    assert_eq!(listed(&browser).await, ["05443", "05443-2"]);
    // The search is in the address bar: reloading keeps it.
    let url = browser.client.current_url().await.expect("url");
    let query = url.query().unwrap_or_default();
    assert!(
        query.split('&').any(|kv| kv == "q=phan%20dinh%20phung"),
        "{query}"
    );

    // The next page, then a station of another commune opens.
    browser.open(&app.url("/stations?page=2")).await;
    assert!(
        browser
            .text_of(".summary")
            .await
            .contains("Trạm 51–94 trên 94")
    );
    browser.open(&app.url("/stations/05710")).await;
    let heading = browser.text_of("h1").await;
    assert!(heading.contains("Linh Sơn"), "{heading}");
    browser.close().await;
}
