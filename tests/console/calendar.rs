//! A station's page: the calendar shows an item of a campaign dated next October, and
//! yesterday's item with what the station recorded (through the real agent API); the
//! airing log filters it; the heartbeat's state is shown; the player's source plays.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use fantoccini::Locator;
use reqwest::Method;
use serde_json::json;

use super::{Browser, COMMUNE_VIEWER, PASSWORD};
use crate::browser_tests;
use crate::server::TestApp;

browser_tests!(calendar_shows_next_october_and_yesterdays_outcome);

/// The station's local today (Asia/Ho_Chi_Minh).
pub(super) fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
}

/// The 5th of the next October to come.
fn next_october() -> NaiveDate {
    let t = today();
    let year = if t.month() >= 10 {
        t.year() + 1
    } else {
        t.year()
    };
    NaiveDate::from_ymd_opt(year, 10, 5).expect("a date")
}

impl TestApp {
    /// Adds a campaign for commune 05443 on `day` only, one item at 06:10.
    pub(super) async fn october_campaign(&self, day: NaiveDate) {
        let admin = self.admin().await;
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/campaigns",
                &admin,
                Some(json!({
                    "id": "thang-muoi-thu",
                    "name": "Chiến dịch tháng Mười thử",
                    "from": day.format("%d/%m/%Y").to_string(),
                    "until": day.format("%d/%m/%Y").to_string(),
                    "areas": ["05443"],
                    "priority": "priority",
                    "pool": ["ngay-sach-van-hoa-doc"],
                    "weights": {},
                    "min_airings_per_day": 1,
                    "rotations": [{
                        "id": "sang", "slots": ["10 6 * * *"], "slot_seconds": 60,
                        "order": "sequential", "seed": 0, "spacing": 0
                    }]
                })),
            )
            .await;
        assert_eq!(status, 201, "campaign: {body}");
    }

    /// Records, as station 05443's agent would, that its first item of `day` was
    /// missed because the PC was off; also sends a heartbeat. Returns the item's start.
    pub(super) async fn missed_first_item(&self, day: NaiveDate) -> String {
        let admin = self.admin().await;
        let d = day.format("%Y-%m-%d");
        let (status, plan) = self
            .call(
                Method::GET,
                &format!("/api/v1/stations/05443/plan?from={d}&until={d}"),
                &admin,
                None,
            )
            .await;
        assert_eq!(status, 200, "{plan}");
        let item = &plan["items"][0];
        let start = item["start"].as_str().expect("start").to_owned();
        let planned = chrono::DateTime::parse_from_rfc3339(&start)
            .expect("rfc3339")
            .timestamp_millis();
        // Only the horizon from the server's start is stored as planned; yesterday's
        // item is put there as the daily recompile of yesterday would have left it (the
        // server refuses records of items a station could not have played).
        sqlx::query(
            "INSERT INTO planned_items (station_code, item_id, start_ms, duration_ms, segment_id, campaign_id, priority)
             VALUES ('05443', $1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(item["id"].as_str().expect("id").to_owned())
        .bind(planned)
        .bind(item["duration_ms"].as_i64().expect("duration"))
        .bind(item["segment"].as_str().expect("segment").to_owned())
        .bind(item["campaign"].as_str().expect("campaign").to_owned())
        .bind(item["priority"].as_str().expect("priority").to_owned())
        .execute(&self.db)
        .await
        .expect("yesterday's planned item");
        let token = self.enroll("05443").await;
        let airing =
            crate::support::plan_record(loa::domain::GENESIS_HASH, item, "missed", "agent_down");
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/airings",
                &token,
                Some(json!({ "airings": [airing] })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["results"][0]["status"], "stored", "{body}");
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/heartbeat",
                &token,
                Some(json!({
                    "version": "0.1.0-thu", "media_ready": 12, "media_missing": 1,
                    "disk_free_bytes": 12_345_678_901_u64, "clock_offset_ms": 1500,
                    "outbox_backlog": 0, "uptime_s": 3600
                })),
            )
            .await;
        assert!(status < 300, "heartbeat: {status} {body}");
        start
    }
}

async fn calendar_shows_next_october_and_yesterdays_outcome(app: TestApp, browser: Browser) {
    app.console_accounts().await;
    let october = next_october();
    app.october_campaign(october).await;
    let yesterday = today() - Duration::days(1);
    app.missed_first_item(yesterday).await;

    browser.log_in(&app.base, COMMUNE_VIEWER, PASSWORD).await;
    browser.wait_text("h1", "Tổng quan").await;

    // Next October, month view: the day holds the 06:10 item.
    let month = format!(
        "/stations/05443?view=month&date={}",
        october.format("%Y-%m-%d")
    );
    browser.open(&app.url(&month)).await;
    let cell = format!("section.day[data-date='{}']", october.format("%Y-%m-%d"));
    let shown = browser.text_of(&cell).await;
    assert!(shown.contains("06:10"), "{shown}");
    assert!(
        shown.contains("Ngày Sách và Văn hóa đọc Việt Nam"),
        "{shown}"
    );
    let heading = browser.text_of("#cal-h").await;
    assert!(
        heading.contains(&format!("Tháng 10/{}", october.year())),
        "{heading}"
    );

    // Its day, through htmx: campaign, priority, language, not yet due.
    browser
        .client
        .find(Locator::Css(&format!("{cell} h3 a")))
        .await
        .expect("day link")
        .click()
        .await
        .expect("open the day");
    let day = browser
        .wait_text("#calendar", "Chiến dịch tháng Mười thử")
        .await;
    for expected in ["06:10", "Ưu tiên", "Tiếng Việt", "Sắp phát", "GMT+7"] {
        assert!(day.contains(expected), "`{expected}` missing from: {day}");
    }
    let tab = browser.text_of(".tabs a[aria-current='true']").await;
    assert_eq!(tab, "Ngày");

    // Yesterday: the first item was missed, the reason in Vietnamese.
    let y = yesterday.format("%Y-%m-%d");
    browser
        .open(&app.url(&format!("/stations/05443?view=day&date={y}")))
        .await;
    let first = browser.text_of("#calendar li.item").await;
    assert!(first.contains("Bỏ lỡ"), "{first}");
    assert!(first.contains("Máy trạm tắt hoặc mất điện"), "{first}");

    // The airing log shows it; filtering on "aired" hides it.
    let log = browser.text_of("#airing-log").await;
    assert!(
        log.contains("Bỏ lỡ") && log.contains("Máy trạm tắt hoặc mất điện"),
        "{log}"
    );
    browser
        .client
        .find(Locator::Id("log-outcome"))
        .await
        .expect("outcome filter")
        .select_by_value("aired")
        .await
        .expect("choose aired");
    browser
        .client
        .find(Locator::Css("#airing-log form button"))
        .await
        .expect("filter button")
        .click()
        .await
        .expect("filter");
    browser
        .wait_text("#airing-log", "Không có bản ghi nào")
        .await;

    // The heartbeat's state, in words and with Vietnamese separators.
    let state = browser.text_of("#state-h + dl").await;
    for expected in [
        "vừa xong",
        "0.1.0-thu",
        "12 sẵn sàng, 1 còn thiếu",
        "12,3 GB",
        "+1.500 ms",
    ] {
        assert!(
            state.contains(expected),
            "`{expected}` missing from: {state}"
        );
    }
    let windows = browser.text_of("#windows-h + p").await;
    assert!(windows.contains("Kế thừa từ Thái Nguyên (19)"), "{windows}");

    // Each segment of the range has a player whose source plays with the session.
    let src = browser
        .client
        .find(Locator::Css(".players audio"))
        .await
        .expect("a player")
        .attr("src")
        .await
        .expect("src")
        .expect("a source");
    let ok = browser
        .check(&format!(
            "return fetch({src:?}).then(r => r.ok && r.headers.get('content-type').startsWith('audio/'))"
        ))
        .await;
    assert!(ok, "the player's source {src} does not play");
    browser.close().await;
}
