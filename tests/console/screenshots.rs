//! The main pages at the office PC's size (1366×768) and the phone's (360×740): no
//! page scrolls sideways, every control has a label, and each gives a screenshot. With
//! `LOA_SCREENSHOTS=DIR` PNGs are written there (the README's are in docs/screenshots/):
//!
//! ```sh
//! LOA_SCREENSHOTS=docs/screenshots cargo test --test main console::screenshots
//! ```

use chrono::Duration;

use super::calendar::today;
use super::{Browser, DESKTOP, PASSWORD, PHONE, PROVINCE_ADMIN};
use crate::server::{Db, spawn_app};

/// Width and height written in a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (be(16), be(20))
}

/// The controls of the page that have no accessible name, by tag, id and name.
const UNLABELLED: &str = r#"
const named = e => e.labels && e.labels.length > 0
    || (e.getAttribute('aria-label') || '').trim() !== ''
    || (e.getAttribute('aria-labelledby') || '').trim() !== ''
    || (e.tagName === 'BUTTON' && e.textContent.trim() !== '');
return [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(e => !named(e))
    .map(e => `${e.tagName.toLowerCase()}#${e.id}[name=${e.name}]`);
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_pages_fit_both_sizes() {
    let Some(browser) = Browser::start(DESKTOP.0, DESKTOP.1).await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await.expect("app");
    app.console_accounts().await;
    let yesterday = today() - Duration::days(1);
    app.missed_first_item(yesterday).await;
    let y = yesterday.format("%d/%m/%Y");
    let report = format!("/reports?period=range&from={y}&until={y}&area=05443&by=station");
    let out = std::env::var_os("LOA_SCREENSHOTS").map(std::path::PathBuf::from);
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir).expect("screenshot folder");
    }
    let pages = [
        ("login", "/login"),
        ("stations", "/stations"),
        ("dashboard", "/"),
        ("station", "/stations/05443"),
        ("station-month", "/stations/05443?view=month#calendar"),
        ("now", "/now?area=05443"),
        ("reports", report.as_str()),
        ("audit", "/audit"),
    ];
    for (w, h) in [DESKTOP, PHONE] {
        browser.resize(w, h).await;
        for (name, path) in pages {
            if name == "stations" && browser.text().await.contains("Đăng nhập") {
                browser.log_in(&app.base, PROVINCE_ADMIN, PASSWORD).await;
                // Login lands on the dashboard; wait for it before going on.
                browser.wait_text("h1", "Tổng quan").await;
            }
            browser.open(&app.url(path)).await;
            assert!(
                browser.fits_width().await,
                "{name} scrolls sideways at {w}×{h}"
            );
            // Every control has a label a screen reader says (a <label>, aria-label
            // or aria-labelledby), and every button a name.
            let unlabelled = browser
                .client
                .execute(UNLABELLED, vec![])
                .await
                .expect("script runs");
            assert_eq!(
                unlabelled,
                serde_json::json!([]),
                "{name}: controls without a label at {w}×{h}"
            );
            let png = browser.screenshot().await;
            let (pw, ph) = png_size(&png);
            assert_eq!((pw, ph), (w, h), "{name} at {w}×{h}: screenshot size");
            if let Some(dir) = &out {
                let file = dir.join(format!("{name}-{w}x{h}.png"));
                std::fs::write(&file, &png).expect("write screenshot");
            }
        }
        // The next size starts logged out, from the login page again.
        browser.log_out().await;
    }
    browser.close().await;
}
