//! A real headless Chromium driven through chromedriver (WebDriver, via fantoccini):
//! chromedriver on a free loopback port, a fresh profile per browser, everything it
//! started ended when the browser is dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// How long a page or an htmx swap may take in these tests.
const PATIENCE: Duration = Duration::from_secs(15);

/// Whether `tool --version` runs. Missing: a failure under `LOA_REQUIRE_TOOLS=1` (CI),
/// else a skip with a message.
fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("LOA_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{tool} is required (LOA_REQUIRE_TOOLS=1): scripts/install-system-deps.sh installs chromium and chromium-driver"
        );
        eprintln!(
            "{tool} not installed: browser test skipped (LOA_REQUIRE_TOOLS=1 makes this a failure)"
        );
    }
    found
}

/// A browser with its driver.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a window of `width`×`height`;
    /// `None` when either is not installed (and `LOA_REQUIRE_TOOLS` is not 1).
    pub async fn start(width: u32, height: u32) -> Option<Self> {
        if !have("chromedriver") || !have("chromium") {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new("chromedriver");
        command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Its own process group, so the browsers it starts end with it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command.spawn().expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                ]
            }
        });
        let caps = caps.as_object().cloned().expect("capabilities object");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                // chromedriver needs a moment to listen.
                Err(e) if started.elapsed() < PATIENCE => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no WebDriver session from chromedriver: {e}"),
            }
        };
        let browser = Self {
            client,
            driver,
            _profile: profile,
        };
        browser.resize(width, height).await;
        Some(browser)
    }

    /// Makes the viewport exactly `width`×`height` CSS pixels.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("window size");
        let inner = self
            .client
            .execute("return [window.innerWidth, window.innerHeight]", vec![])
            .await
            .expect("inner size");
        let shown = |i: usize| u32::try_from(inner[i].as_u64().unwrap_or(0)).unwrap_or(0);
        let (w, h) = (shown(0), shown(1));
        if (w, h) != (width, height) && w > 0 && h > 0 {
            // Window decorations count in the window size; grow it by the difference.
            self.client
                .set_window_size(2 * width - w.min(width), 2 * height - h.min(height))
                .await
                .expect("window size");
        }
    }

    /// Opens `url` and waits for its main heading.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("page opens");
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css("h1"))
            .await
            .expect("a page with a heading");
    }

    /// The visible text of the page.
    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .expect("body text")
    }

    /// The visible text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
            .text()
            .await
            .expect("element text")
    }

    /// The text content of the first element matching `css`, shown or not (an SVG's
    /// `<desc>`, say).
    pub async fn content_of(&self, css: &str) -> String {
        let found = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                vec![serde_json::Value::String(css.to_owned())],
            )
            .await
            .expect("script runs");
        found
            .as_str()
            .unwrap_or_else(|| panic!("no `{css}` on the page"))
            .to_owned()
    }

    /// What `path` answers when fetched from the page (with its cookie), sending
    /// `headers` too (`HX-Request`, say): the status and the body.
    pub async fn fetch(&self, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        let headers: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
            .collect();
        let got = self
            .client
            .execute(
                "return fetch(arguments[0], {headers: arguments[1]})
                   .then(r => r.text().then(t => [r.status, t]))",
                vec![
                    serde_json::Value::String(path.to_owned()),
                    serde_json::Value::Object(headers),
                ],
            )
            .await
            .expect("fetch from the page");
        let status = u16::try_from(got[0].as_u64().unwrap_or(0)).unwrap_or(0);
        (status, got[1].as_str().unwrap_or_default().to_owned())
    }

    /// Sets the text box `id` to `value` as a person would (clear, then type).
    pub async fn type_into(&self, id: &str, value: &str) {
        let input = self
            .client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no #{id}: {e}"));
        input.clear().await.expect("clear");
        if !value.is_empty() {
            input.send_keys(value).await.expect("type");
        }
    }

    /// Waits until the element `css` shows `needle`; panics with what it shows instead.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let started = Instant::now();
        loop {
            let shown = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if shown.contains(needle) {
                return shown;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "`{css}` never showed `{needle}`; it shows: {shown}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Evaluates a script returning a boolean.
    pub async fn check(&self, script: &str) -> bool {
        self.client
            .execute(script, vec![])
            .await
            .expect("script runs")
            .as_bool()
            .unwrap_or(false)
    }

    /// Whether the page fits the viewport's width (nothing scrolls sideways).
    pub async fn fits_width(&self) -> bool {
        self.check("return document.documentElement.scrollWidth <= window.innerWidth")
            .await
    }

    /// Fills the login form at `base` and submits it as a person would.
    pub async fn log_in(&self, base: &str, username: &str, password: &str) {
        self.open(&format!("{base}/login")).await;
        let form = self
            .client
            .form(Locator::Css("form[action='/login']"))
            .await
            .expect("login form");
        form.set_by_name("username", username)
            .await
            .expect("username")
            .set_by_name("password", password)
            .await
            .expect("password")
            .submit()
            .await
            .expect("submit");
    }

    /// Logs out through the menu's button.
    pub async fn log_out(&self) {
        self.client
            .find(Locator::Css("form.logout button"))
            .await
            .expect("logout button")
            .click()
            .await
            .expect("logout");
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css("form[action='/login']"))
            .await
            .expect("back at the login page");
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("screenshot")
    }

    /// Ends the session and the driver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver and the browsers it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.wait();
    }
}
