//! The web console in a real browser: a fresh `loa serve` (as the server tests start
//! it, SQLite always and PostgreSQL when `LOA_TEST_DATABASE_URL` is set) and headless
//! Chromium through chromedriver. Without chromium or chromedriver the browser tests
//! are skipped with a message, or fail under `LOA_REQUIRE_TOOLS=1`.
//!
//! `LOA_SCREENSHOTS=DIR cargo test --test main console::screenshots` also writes the
//! main pages' screenshots at 1366×768 and 360×740 into DIR (docs/screenshots/).

mod access;
mod audit;
mod browser;
mod calendar;
mod dashboard;
mod forms;
mod now_playing;
mod reports;
mod screenshots;

use reqwest::Method;
use serde_json::{Value, json};

pub use browser::Browser;

use crate::server::TestApp;

/// The commune officer's login: a viewer of Phường Phan Đình Phùng (05443), which has
/// stations 05443 and 05443-2.
pub const COMMUNE_VIEWER: &str = "xem.05443";
/// The province's administrator (area 19, Thái Nguyên).
pub const PROVINCE_ADMIN: &str = "quantri.19";
/// The password of both.
pub const PASSWORD: &str = "song-hong-chay-mai";

/// Office PC and phone viewports.
pub const DESKTOP: (u32, u32) = (1366, 768);
/// See [`DESKTOP`].
pub const PHONE: (u32, u32) = (360, 740);

impl TestApp {
    /// Calls the API with `token` and returns the status and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("API request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("API body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Creates the commune viewer and the province administrator through the API.
    pub async fn console_accounts(&self) {
        let admin = self.admin().await;
        for (username, role, area) in [
            (COMMUNE_VIEWER, "viewer", "05443"),
            (PROVINCE_ADMIN, "admin", "19"),
        ] {
            let (status, body) = self
                .call(
                    Method::POST,
                    "/api/v1/accounts",
                    &admin,
                    Some(json!({
                        "username": username,
                        "display_name": username,
                        "password": PASSWORD,
                        "role": role,
                        "area": area,
                    })),
                )
                .await;
            assert_eq!(status, 201, "account {username}: {body}");
        }
    }
}

/// Runs `async fn name(app: TestApp, browser: Browser)` on SQLite and on PostgreSQL
/// (when `LOA_TEST_DATABASE_URL` is set), each with its own browser at the desktop
/// size; skipped without chromium.
#[macro_export]
macro_rules! browser_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use $crate::console::{Browser, DESKTOP};
            use $crate::server::{Db, spawn_app};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let Some(browser) = Browser::start(DESKTOP.0, DESKTOP.1).await else { return };
                let app = spawn_app(Db::Sqlite).await.expect("sqlite app");
                super::$name(app, browser).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = spawn_app(Db::Postgres).await else {
                    eprintln!("LOA_TEST_DATABASE_URL not set: PostgreSQL run skipped");
                    return;
                };
                let Some(browser) = Browser::start(DESKTOP.0, DESKTOP.1).await else { return };
                super::$name(app, browser).await;
            }
        }
    )*};
}
