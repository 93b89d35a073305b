//! Page "Đang phát" and a station's now / next block: the province administrator opens
//! it from the menu and reads, per station, what plays now and next, when (in the
//! station's zone, labelled) and why (the test's own campaign and slot rule in words),
//! filters by area and by a search without diacritics, pages, and watches a row change
//! by itself when the server's clock passes the item; the commune officer sees only
//! their commune, whatever the address asks; a bad address is refused in Vietnamese
//! naming the field; the page fits a phone; and "what does station 05443 air next Monday
//! at 17:00, and why" is answered by the station's calendar.

use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc, Weekday};
use fantoccini::Locator;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Browser, COMMUNE_VIEWER, DESKTOP, PASSWORD, PHONE, PROVINCE_ADMIN};
use crate::server::TestApp;
use crate::{both_backends, browser_tests};

browser_tests!(
    the_province_sees_what_plays_now_and_next_and_why,
    the_calendar_says_what_airs_next_monday_at_17_and_why,
);
both_backends!(
    the_commune_officer_sees_only_their_commune,
    a_bad_address_is_refused_naming_the_field,
);

/// The test's campaign, for the whole province.
const CAMPAIGN: &str = "Tuần lễ thử giờ chiều";
/// Its segment (the seed's), and that segment's title in the library.
const SEGMENT: &str = "ngay-sach-van-hoa-doc";
const TITLE: &str = "Ngày Sách và Văn hóa đọc Việt Nam";
/// Its rotations: one for Mondays, one for the other days, both at 17:00 (inside the
/// province's 17:00–18:00 window), 30 s slots holding one 24 s item.
const MONDAY: (&str, &str) = ("thu-hai", "0 17 * * Mon");
const OTHER_DAYS: (&str, &str) = ("ngay-khac", "0 17 * * 0,2-6");
/// The slot's local time, as the rules say it.
const SLOT_TIME: &str = "17:00";
/// How long the page may take to refresh itself (it polls every 15 s).
const POLL_PATIENCE: Duration = Duration::from_secs(30);

/// The stations' zone.
const TZ: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

/// `h:m:s` local time on `day`, as an instant.
fn local(day: NaiveDate, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    TZ.with_ymd_and_hms(day.year(), day.month(), day.day(), h, m, s)
        .single()
        .expect("a local time")
        .with_timezone(&Utc)
}

/// The rotation and rule that place the 17:00 item on `day`.
fn rule_of(day: NaiveDate) -> (&'static str, &'static str) {
    if day.weekday() == Weekday::Mon {
        MONDAY
    } else {
        OTHER_DAYS
    }
}

impl TestApp {
    /// The server's local today.
    fn server_today(&self) -> NaiveDate {
        self.state.clock.now().with_timezone(&TZ).date_naive()
    }

    /// Moves the server's clock forward to `at`.
    fn clock_to(&self, at: DateTime<Utc>) {
        let now = self.state.clock.now();
        let by = (at - now).to_std().expect("the clock only moves forward");
        self.state.clock.advance(by);
    }

    /// Adds [`CAMPAIGN`] for province 19, from the server's yesterday for 60 days.
    async fn afternoon_campaign(&self) {
        let admin = self.admin().await;
        let today = self.server_today();
        let rotation = |(id, rule): (&str, &str)| {
            json!({
                "id": id, "slots": [rule], "slot_seconds": 30,
                "order": "sequential", "seed": 0, "spacing": 0
            })
        };
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/campaigns",
                &admin,
                Some(json!({
                    "id": "tuan-le-thu-gio-chieu",
                    "name": CAMPAIGN,
                    "from": (today - chrono::Duration::days(1)).format("%d/%m/%Y").to_string(),
                    "until": (today + chrono::Duration::days(60)).format("%d/%m/%Y").to_string(),
                    "areas": ["19"],
                    "priority": "normal",
                    "pool": [SEGMENT],
                    "weights": {},
                    "min_airings_per_day": 1,
                    "rotations": [rotation(MONDAY), rotation(OTHER_DAYS)]
                })),
            )
            .await;
        assert_eq!(status, 201, "campaign: {body}");
    }

    /// `GET path` with the console session `cookie`, as htmx when `htmx`; the status
    /// and the HTML.
    async fn console_get(&self, cookie: &str, path: &str, htmx: bool) -> (u16, String) {
        let mut req = TestApp::no_redirects()
            .get(self.url(path))
            .header("cookie", cookie);
        if htmx {
            req = req
                .header("hx-request", "true")
                .header("hx-target", "now-rows")
                .header("hx-trigger", "now-rows");
        }
        let res = req.send().await.expect("console request");
        let status = res.status().as_u16();
        (status, res.text().await.expect("html"))
    }
}

/// The station codes of the rows in `html`.
fn rows_in(html: &str) -> Vec<String> {
    html.split("data-station=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The HTML of the row of `station` in `html`.
fn row_html<'a>(html: &'a str, station: &str) -> &'a str {
    let at = html
        .find(&format!("data-station=\"{station}\""))
        .unwrap_or_else(|| panic!("no row for {station} in {html}"));
    let rest = &html[at..];
    &rest[..rest.find("</tr>").expect("end of row")]
}

/// The station codes of the rows shown in the browser (read at once: the rows are
/// replaced by each poll).
async fn rows_shown(browser: &Browser) -> Vec<String> {
    let codes = browser
        .client
        .execute(
            "return [...document.querySelectorAll('#now-rows tr[data-station]')].map(r => r.dataset.station)",
            vec![],
        )
        .await
        .expect("rows");
    serde_json::from_value(codes).expect("station codes")
}

/// Waits until `css` shows `needle` (longer than a poll); panics with what it shows.
async fn wait_poll(browser: &Browser, css: &str, needle: &str) -> String {
    let started = Instant::now();
    loop {
        let shown = match browser.client.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if shown.contains(needle) {
            return shown;
        }
        assert!(
            started.elapsed() < POLL_PATIENCE,
            "`{css}` never showed `{needle}` by itself; it shows: {shown}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The visible text of each element matching `css`, in order (read at once).
async fn item_texts(browser: &Browser, css: &str) -> Vec<String> {
    let texts = browser
        .client
        .execute(
            "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText)",
            vec![json!(css)],
        )
        .await
        .expect("items");
    serde_json::from_value(texts).expect("texts")
}

/// What the API says station `code` plays, for the administrator.
async fn api_now(app: &TestApp, code: &str) -> Value {
    let admin = app.admin().await;
    app.get_json(&admin, &format!("/api/v1/stations/{code}/now"), 200)
        .await
}

/// The "why" of an item of [`CAMPAIGN`] on `day`, as the page must derive it: the
/// campaign's name and the slot's time, then the rule's days in words.
fn assert_why_is_ours(shown: &str, day: NaiveDate) {
    let start = format!("Chiến dịch {CAMPAIGN}, khung {SLOT_TIME} ");
    assert!(
        shown.contains(&start),
        "why `{start}…` missing from: {shown}"
    );
    let (rotation, rule) = rule_of(day);
    assert!(
        shown.contains(&format!("vòng phát {rotation}")) && shown.contains(rule),
        "rotation {rotation} and rule {rule} missing from: {shown}"
    );
}

async fn the_province_sees_what_plays_now_and_next_and_why(app: TestApp, browser: Browser) {
    app.console_accounts().await;
    app.afternoon_campaign().await;
    // The first local day whose 17:00 is at least ten minutes ahead; the clock goes
    // to 16:55 that day: every station waits for the campaign's 17:00 item.
    let mut day = app.server_today();
    while local(day, 16, 45, 0) <= app.state.clock.now() {
        day = day.succ_opt().expect("a next day");
    }
    app.clock_to(local(day, 16, 55, 0));

    // From the menu: the whole province, 50 stations a page.
    browser.log_in(&app.base, PROVINCE_ADMIN, PASSWORD).await;
    browser.wait_text("h1", "Tổng quan").await;
    browser
        .client
        .find(Locator::Css("nav.menu a[href='/now']"))
        .await
        .expect("Đang phát in the menu")
        .click()
        .await
        .expect("open Đang phát");
    browser.wait_text("h1", "Đang phát").await;
    let api = app.login(PROVINCE_ADMIN, PASSWORD).await;
    let all = app.get_json(&api, "/api/v1/now-playing", 200).await;
    let total = all["total"].as_u64().expect("total");
    assert!(total > 50, "the seed has more than one page: {total}");
    let summary = browser.text_of("#now-rows .summary").await;
    assert!(
        summary.contains(&format!("Trạm 1–50 trên {total}")),
        "{summary}"
    );
    assert!(summary.contains("tự làm mới mỗi 15 giây"), "{summary}");
    let shown = rows_shown(&browser).await;
    let listed: Vec<String> = all["stations"]
        .as_array()
        .expect("stations")
        .iter()
        .map(|s| s["station"].as_str().expect("code").to_owned())
        .collect();
    assert_eq!(shown, listed, "the page's rows are the API's first page");
    // Every row: idle until the campaign's item, at 17:00 today in the station's zone,
    // and why it is there.
    let first = browser.text_of("#now-rows tbody tr").await;
    assert!(
        first.contains("Đang nghỉ; bản tin tiếp theo hôm nay 17:00 (GMT+7)"),
        "{first}"
    );
    assert!(first.contains(TITLE), "{first}");
    assert_why_is_ours(&first, day);

    // The next page and back, through htmx; the address follows.
    browser
        .client
        .find(Locator::Css("#now-rows .pager a[rel='next']"))
        .await
        .expect("next page link")
        .click()
        .await
        .expect("next page");
    browser
        .wait_text(
            "#now-rows .summary",
            &format!("Trạm 51–{total} trên {total}"),
        )
        .await;
    let url = browser.client.current_url().await.expect("url");
    assert_eq!((url.path(), url.query()), ("/now", Some("page=2")));
    browser
        .client
        .find(Locator::Css("#now-rows .pager a[rel='prev']"))
        .await
        .expect("previous page link")
        .click()
        .await
        .expect("previous page");
    browser
        .wait_text("#now-rows .summary", &format!("Trạm 1–50 trên {total}"))
        .await;

    // By area: the commune's two stations; the choice shows the way down to it, and
    // choosing again (from the list the answer replaced) works too.
    let area = browser
        .client
        .find(Locator::Id("now-area"))
        .await
        .expect("area filter");
    area.select_by_value("05443").await.expect("choose 05443");
    browser.wait_text("#now-rows .summary", "trên 2").await;
    assert_eq!(rows_shown(&browser).await, ["05443", "05443-2"]);
    let url = browser.client.current_url().await.expect("url");
    assert_eq!(url.query(), Some("area=05443"));
    let options = browser.text_of("#now-area").await;
    assert!(
        options.contains("Thái Nguyên") && options.contains("Phường Phan Đình Phùng"),
        "{options}"
    );
    browser
        .client
        .find(Locator::Id("now-area"))
        .await
        .expect("area filter")
        .select_by_value("")
        .await
        .expect("choose the whole province");
    browser
        .wait_text("#now-rows .summary", &format!("trên {total}"))
        .await;

    // The search ignores diacritics: "linh son" finds Phường Linh Sơn's station only,
    // "phan dinh phung" the two of Phường Phan Đình Phùng.
    let q = browser
        .client
        .find(Locator::Id("now-q"))
        .await
        .expect("search box");
    q.send_keys("linh son").await.expect("type");
    browser.wait_text("#now-rows .summary", "trên 1").await;
    assert_eq!(rows_shown(&browser).await, ["05710"]);
    assert!(browser.text_of("#now-rows").await.contains("Linh Sơn"));
    q.clear().await.expect("clear");
    q.send_keys("phan dinh phung").await.expect("type");
    browser.wait_text("#now-rows .summary", "trên 2").await;
    assert_eq!(rows_shown(&browser).await, ["05443", "05443-2"]);
    let url = browser.client.current_url().await.expect("url");
    assert_eq!(url.query(), Some("q=phan+dinh+phung"));

    // 17:00:01: the item is on air; the page (opened again) and the station's block say
    // so, with its times and why, as the API does.
    app.clock_to(local(day, 17, 0, 1));
    browser.open(&app.url("/now?q=phan+dinh+phung")).await;
    let row = browser.text_of("tr[data-station='05443']").await;
    let api = api_now(&app, "05443").await;
    assert_eq!(api["now"]["campaign_name"], CAMPAIGN, "{api}");
    let until = api["now"]["local_end"].as_str().expect("end");
    assert!(
        row.contains(&format!("17:00–{until} (GMT+7)")),
        "`17:00–{until} (GMT+7)` missing from: {row}"
    );
    assert!(row.contains(TITLE), "{row}");
    assert_why_is_ours(&row, day);
    assert!(
        browser
            .check("return document.querySelector(\"tr[data-station='05443']\").classList.contains('on-air')")
            .await
    );
    // What follows, with its why: the API's own words.
    let next_title = api["next"]["title"].as_str().expect("next title");
    let next_why = api["next"]["why"].as_str().expect("next why");
    let next_at = &api["next"]["local_start"].as_str().expect("next start")[..5];
    let next = browser.text_of("tr[data-station='05443'] .np-next").await;
    assert!(next.contains(next_title), "{next}");
    assert!(next.contains(next_why), "{next}");
    assert!(next.contains(&format!("hôm nay {next_at}")), "{next}");
    let cookie = app.console_login(PROVINCE_ADMIN, PASSWORD).await;
    let (status, block) = app.console_get(&cookie, "/stations/05443/now", true).await;
    assert_eq!(status, 200, "{block}");
    assert!(!block.contains("<html"), "the block alone");
    assert!(block.contains(TITLE) && block.contains(CAMPAIGN), "{block}");
    assert!(block.contains("hx-trigger=\"every 15s\""), "{block}");
    // Only the stations on air: 05443 is one of them now.
    let (_, html) = app
        .console_get(&cookie, "/now/rows?q=05443&playing=1", true)
        .await;
    assert!(rows_in(&html).contains(&"05443".to_owned()), "{html}");

    // The item ends; without touching the page, its next poll shows the station idle,
    // waiting for what the API says comes next.
    app.clock_to(local(day, 17, 0, 40));
    let generated = browser
        .client
        .find(Locator::Id("now-rows"))
        .await
        .expect("rows")
        .attr("data-generated")
        .await
        .expect("attribute");
    let after = api_now(&app, "05443").await;
    assert!(after["now"].is_null(), "{after}");
    let idle = wait_poll(&browser, "tr[data-station='05443'] .np-now", "Đang nghỉ").await;
    let next_at = &after["next"]["local_start"].as_str().expect("next start")[..5];
    assert!(
        idle.contains(&format!("hôm nay {next_at} (GMT+7)")),
        "{idle}"
    );
    let regenerated = browser
        .client
        .find(Locator::Id("now-rows"))
        .await
        .expect("rows")
        .attr("data-generated")
        .await
        .expect("attribute");
    assert_ne!(generated, regenerated, "the rows were fetched again");
    let url = browser.client.current_url().await.expect("url");
    assert_eq!(
        url.query(),
        Some("q=phan+dinh+phung"),
        "the poll keeps the filters"
    );
    // The fragment as htmx polls it: the rows alone, the station no longer on air.
    let (status, html) = app
        .console_get(&cookie, "/now/rows?q=phan+dinh+phung", true)
        .await;
    assert_eq!(status, 200);
    assert!(!html.contains("<html"), "the rows alone: {html}");
    assert_eq!(rows_in(&html), ["05443", "05443-2"]);
    assert!(
        html.contains("<tr class=\"idle\" data-station=\"05443\">"),
        "{html}"
    );
    assert!(row_html(&html, "05443").contains("Đang nghỉ"), "{html}");
    let (_, html) = app
        .console_get(&cookie, "/now/rows?q=05443&playing=1", true)
        .await;
    assert!(!rows_in(&html).contains(&"05443".to_owned()), "{html}");

    // On a phone: the whole province's page does not scroll sideways.
    browser.resize(PHONE.0, PHONE.1).await;
    browser.open(&app.url("/now")).await;
    assert!(
        browser.fits_width().await,
        "Đang phát scrolls sideways on a phone"
    );
    browser.resize(DESKTOP.0, DESKTOP.1).await;
    browser.close().await;
}

async fn the_calendar_says_what_airs_next_monday_at_17_and_why(app: TestApp, browser: Browser) {
    app.console_accounts().await;
    app.afternoon_campaign().await;
    // The server's clock goes to a Monday morning ahead of real time: "next Monday" is
    // the week after that one, whatever day it really is.
    let mut monday = app.server_today();
    while monday.weekday() != Weekday::Mon || local(monday, 9, 0, 0) <= app.state.clock.now() {
        monday = monday.succ_opt().expect("a next day");
    }
    app.clock_to(local(monday, 9, 0, 0));
    let next_monday = monday + chrono::Duration::days(7);

    browser.log_in(&app.base, COMMUNE_VIEWER, PASSWORD).await;
    browser.wait_text("h1", "Tổng quan").await;
    browser.open(&app.url("/stations/05443")).await;
    // The station's block: next is today's 17:00, the Monday rule's item.
    let block = browser.text_of("#now-next").await;
    assert!(block.contains("hôm nay 17:00 (GMT+7)"), "{block}");
    assert!(block.contains(TITLE), "{block}");
    assert_why_is_ours(&block, monday);
    assert!(block.contains("thứ Hai"), "{block}");

    // The calendar opens on this week (the server clock's), then the next one: its
    // Monday holds the 17:00 item, with its segment, campaign and why.
    let tab = browser
        .text_of("#calendar .tabs a[aria-current='true']")
        .await;
    assert_eq!(tab, "Tuần");
    browser
        .wait_text("#cal-h", &monday.format("%d/%m/%Y").to_string())
        .await;
    // The week is the server clock's: this Monday's morning items are due (nothing
    // reported), its 17:00 item still to come.
    let today = item_texts(
        &browser,
        &format!(
            "#calendar section.day[data-date='{}'] li.item",
            monday.format("%Y-%m-%d")
        ),
    )
    .await;
    let morning = today.first().expect("a morning item");
    assert!(morning.contains("Chưa có báo cáo"), "{morning}");
    let afternoon = today
        .iter()
        .find(|t| t.starts_with(SLOT_TIME))
        .expect("the 17:00 item today");
    assert!(afternoon.contains("Sắp phát"), "{afternoon}");
    browser
        .client
        .find(Locator::Css("#calendar .steps a[rel='next']"))
        .await
        .expect("next week link")
        .click()
        .await
        .expect("next week");
    let heading = browser
        .wait_text("#cal-h", &next_monday.format("%d/%m/%Y").to_string())
        .await;
    assert!(
        heading.contains(
            &(next_monday + chrono::Duration::days(6))
                .format("%d/%m/%Y")
                .to_string()
        ),
        "Monday to Sunday: {heading}"
    );
    let cell = format!(
        "#calendar section.day[data-date='{}']",
        next_monday.format("%Y-%m-%d")
    );
    let shown = browser.text_of(&cell).await;
    assert!(shown.contains("Thứ Hai"), "{shown}");
    let item = shown
        .split('\n')
        .skip_while(|line| !line.starts_with(SLOT_TIME))
        .take(4)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(item.contains(TITLE), "the 17:00 item's segment: {shown}");
    assert!(item.contains(CAMPAIGN), "its campaign: {shown}");
    assert!(
        shown.contains(&format!("Chiến dịch {CAMPAIGN}, khung {SLOT_TIME} thứ Hai")),
        "why: {shown}"
    );

    // The day itself: the rule as written too, and what is expected to happen.
    browser
        .client
        .find(Locator::Css(&format!("{cell} h3 a")))
        .await
        .expect("day link")
        .click()
        .await
        .expect("open the day");
    browser
        .wait_text(".tabs a[aria-current='true']", "Ngày")
        .await;
    let day = browser.wait_text("#calendar", "vòng phát thu-hai").await;
    let found = item_texts(&browser, "#calendar li.item")
        .await
        .into_iter()
        .find(|t| t.starts_with(SLOT_TIME))
        .unwrap_or_else(|| panic!("no 17:00 item on {next_monday}: {day}"));
    for expected in [TITLE, CAMPAIGN, "Tiếng Việt", "Sắp phát", MONDAY.1] {
        assert!(
            found.contains(expected),
            "`{expected}` missing from: {found}"
        );
    }
    assert_why_is_ours(&found, next_monday);
    assert!(day.contains("GMT+7"), "{day}");

    // The station's page, block and calendar, fits a phone.
    browser.resize(PHONE.0, PHONE.1).await;
    browser.open(&app.url("/stations/05443")).await;
    assert!(
        browser.fits_width().await,
        "the station page scrolls sideways on a phone"
    );
    browser.close().await;
}

async fn the_commune_officer_sees_only_their_commune(app: TestApp) {
    app.console_accounts().await;
    let commune = app.console_login(COMMUNE_VIEWER, PASSWORD).await;
    let others = ["05710", "Linh Sơn", "Thái Nguyên"];
    let clean = |what: &str, html: &str| {
        for other in others {
            assert!(
                !html.contains(other),
                "{what}: the commune officer sees {other}: {html}"
            );
        }
    };
    for (path, htmx) in [
        ("/now", false),
        ("/now/rows", true),
        ("/now?playing=1", false),
        ("/now/rows?q=phan", true),
        ("/now?area=05443", false),
    ] {
        let (status, html) = app.console_get(&commune, path, htmx).await;
        assert_eq!(status, 200, "{path}: {html}");
        assert_eq!(html.contains("<html"), !htmx, "{path}");
        for code in rows_in(&html) {
            assert!(code.starts_with("05443"), "{path} shows {code}");
        }
        clean(path, &html);
    }
    let (_, html) = app.console_get(&commune, "/now", false).await;
    assert_eq!(rows_in(&html), ["05443", "05443-2"]);
    assert!(html.contains("Trạm 1–2 trên 2"), "{html}");
    // Searching for another commune, by name or code, or paging past: nothing.
    for path in [
        "/now?q=linh+son",
        "/now/rows?q=05710",
        "/now?page=2",
        "/now/rows?q=linh&playing=1",
    ] {
        let (status, html) = app.console_get(&commune, path, path.contains("rows")).await;
        assert_eq!(status, 200, "{path}");
        assert!(rows_in(&html).is_empty(), "{path}: {html}");
        // The search typed comes back in the poll's address; no station's name does.
        for other in ["Linh Sơn", "Thái Nguyên"] {
            assert!(!html.contains(other), "{path} names {other}: {html}");
        }
    }
    // Naming another area or station: not found, and not named back.
    for (path, htmx) in [
        ("/now?area=05710", false),
        ("/now/rows?area=05710", true),
        ("/now?area=19", false),
        ("/now/rows?area=19&q=linh", true),
        ("/stations/05710/now", true),
        ("/stations/05710/now", false),
    ] {
        let (status, html) = app.console_get(&commune, path, htmx).await;
        assert_eq!(status, 404, "{path}: {html}");
        assert!(!html.contains("Linh Sơn"), "{path}: {html}");
    }
    let (status, html) = app.console_get(&commune, "/stations/05443/now", true).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"now-next\""), "{html}");
    // Without a session: the login page.
    let res = TestApp::no_redirects()
        .get(app.url("/now/rows"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 303);
}

async fn a_bad_address_is_refused_naming_the_field(app: TestApp) {
    app.console_accounts().await;
    let province = app.console_login(PROVINCE_ADMIN, PASSWORD).await;
    let long = format!("/now?q={}", "a".repeat(101));
    for (path, said) in [
        (
            "/now?page=0",
            "page: `0` không phải số trang; viết một số từ 1 đến 100.000",
        ),
        ("/now/rows?page=ba", "page: `ba` không phải số trang"),
        (
            "/now?playing=maybe",
            "playing: `maybe` không hợp lệ; viết playing=1",
        ),
        (
            "/now?sort=name",
            "`sort` không phải tham số của trang Đang phát; dùng area, q, playing hoặc page",
        ),
        ("/now?page=1&page=2", "Tham số `page` viết hai lần; giữ một"),
        (long.as_str(), "q: dài quá 100 ký tự"),
    ] {
        let (status, html) = app
            .console_get(&province, path, path.starts_with("/now/rows"))
            .await;
        assert_eq!(status, 400, "{path}: {html}");
        assert!(html.contains(said), "{path}: `{said}` missing from {html}");
    }
    let (status, html) = app.console_get(&province, "/now?area=00000", false).await;
    assert_eq!(status, 404, "{html}");
    assert!(html.contains("`00000`"), "{html}");
}
