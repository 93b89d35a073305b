//! Page "Tổng quan" and the state filter of "Trạm": the counts are the fleet API's for
//! the same account, each a link to the filtered station list; today's completion per
//! area, each area narrowing the page; bulletins under way and open alerts; a real
//! agent that stops shows up silent, with its alert, once the page refreshes itself;
//! the commune officer sees only their commune everywhere, fragment included.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use fantoccini::Locator;
use loa::domain::{AlertKind, Change};
use serde_json::json;

use super::{Browser, COMMUNE_VIEWER, PASSWORD, PHONE, PROVINCE_ADMIN};
use crate::agent::{AgentOptions, STATION, approver, send_emergency, spawn_agent};
use crate::server::TestApp;
use crate::{both_backends, browser_tests};
use loa::agent::output::OutputKind;

both_backends!(
    counts_areas_alerts_and_bulletins_follow_the_scope,
    the_station_list_filters_by_state,
    a_refused_record_shows_on_the_station_page
);
browser_tests!(a_real_agent_falling_silent_shows_on_the_dashboard);

/// How long the page may take to refresh itself (it polls every 30 s).
const POLL_PATIENCE: Duration = Duration::from_secs(45);

/// `GET path` with the console session `cookie`; as htmx asking for the live part when
/// `live`. Returns the status and the HTML.
async fn get(app: &TestApp, cookie: &str, path: &str, live: bool) -> (u16, String) {
    let mut req = TestApp::no_redirects()
        .get(app.url(path))
        .header("cookie", cookie);
    if live {
        req = req
            .header("hx-request", "true")
            .header("hx-target", "dashboard-live");
    }
    let res = req.send().await.expect("console request");
    let status = res.status().as_u16();
    (status, res.text().await.expect("html"))
}

/// The count shown for `state` on the dashboard's HTML.
fn shown_count(html: &str, state: &str) -> String {
    let at = html
        .find(&format!("data-state=\"{state}\""))
        .unwrap_or_else(|| panic!("no count of {state} in {html}"));
    let rest = &html[at..];
    let start = rest.find("<span class=\"n\">").expect("count") + "<span class=\"n\">".len();
    rest[start..]
        .split('<')
        .next()
        .expect("count text")
        .to_owned()
}

/// Opens alerts directly in the alert task's table, `minutes_ago` before now.
async fn open_alerts(app: &TestApp, alerts: &[(&str, AlertKind, &str)], minutes_ago: i64) {
    let changes: Vec<Change> = alerts
        .iter()
        .map(|(station, kind, detail)| Change::Opened {
            station: (*station).to_owned(),
            kind: *kind,
            detail: (*detail).to_owned(),
        })
        .collect();
    let at = app.state.clock.now().timestamp_millis() - minutes_ago * 60_000;
    loa::store::alerts::record_changes(&app.state.store, &changes, &HashMap::new(), at)
        .await
        .expect("alerts recorded");
}

/// The station codes the list's rows link to.
fn listed(html: &str) -> Vec<String> {
    html.split("class=\"station-link\" href=\"/stations/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

async fn counts_areas_alerts_and_bulletins_follow_the_scope(app: TestApp) {
    app.console_accounts().await;
    let token = app.enroll("05443").await;
    let version = app.playlist_version("05443").await;
    app.heartbeat(
        &token,
        json!({ "playlist_version": version, "clock_offset_ms": 1500 }),
    )
    .await;
    open_alerts(
        &app,
        &[
            ("05443", AlertKind::ClockOff, "đồng hồ lệch 1500 ms"),
            (
                "05710",
                AlertKind::Silent,
                "không có tín hiệu 9 phút trong khung phát",
            ),
        ],
        3,
    )
    .await;
    let approver = approver(&app).await;
    send_emergency(&app, &approver, "05710").await;

    let province = app.console_login(PROVINCE_ADMIN, PASSWORD).await;
    let (status, html) = get(&app, &province, "/", false).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("<h1>Tổng quan</h1>"), "{html}");
    assert!(html.len() < 200_000, "dashboard of {} bytes", html.len());
    // Every count is the fleet API's for the same account, each a link to its list.
    let api = app.login(PROVINCE_ADMIN, PASSWORD).await;
    let fleet = app.get_json(&api, "/api/v1/fleet", 200).await;
    for c in fleet["counts"].as_array().expect("counts") {
        let state = c["state"].as_str().expect("state");
        let n = c["stations"].as_u64().expect("stations");
        assert_eq!(shown_count(&html, state), n.to_string(), "{state}");
        assert!(
            html.contains(&format!("href=\"/stations?state={state}\"")),
            "{state} links to its list"
        );
    }
    assert_eq!(shown_count(&html, "silent"), "93");
    assert_eq!(shown_count(&html, "clock_off"), "1");
    assert!(html.contains("Tổng số trạm: 94"), "{html}");
    // Problems come first, in the classifier's order.
    let order: Vec<usize> = [
        "silent",
        "chain_break",
        "signature_failure",
        "media_not_ready",
        "clock_off",
        "playlist_behind",
        "outbox_backlog",
        "playing",
        "idle_in_window",
        "idle_outside_windows",
    ]
    .iter()
    .map(|s| {
        html.find(&format!("data-state=\"{s}\""))
            .expect("state shown")
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // Today's completion: the province, then each commune, a link narrowing the page.
    assert!(html.contains("Hoàn thành hôm nay ("), "{html}");
    assert!(html.contains("Thái Nguyên (cả đơn vị)"), "{html}");
    assert_eq!(
        html.matches("class=\"area-link\"").count(),
        92,
        "one row per commune"
    );
    assert!(
        html.contains("<a class=\"area-link\" href=\"/?area=05443\">Phường Phan Đình Phùng</a>")
    );
    // Open alerts with their station, kind and age; the bulletin in its banner.
    assert!(html.contains("Cảnh báo đang mở (2)"), "{html}");
    assert!(html.contains("href=\"/stations/05710\""), "{html}");
    assert!(html.contains("mất tín hiệu trong khung phát"));
    assert!(html.contains("3 phút trước · "), "{html}");
    assert!(html.contains("(GMT+7)"));
    assert!(html.contains("Bản tin khẩn cấp đang phát: "), "{html}");
    assert!(html.contains("tới Phường Linh Sơn"), "{html}");
    // The page refreshes its live part by itself.
    assert!(html.contains("hx-trigger=\"every 30s\""), "{html}");

    // Narrowed to a commune: its two stations, its path, links kept inside it.
    let (status, html) = get(&app, &province, "/?area=05443", false).await;
    assert_eq!(status, 200);
    assert!(html.contains("Tổng số trạm: 2"), "{html}");
    assert_eq!(shown_count(&html, "silent"), "1");
    assert!(
        html.contains("href=\"/stations?state=silent&#38;area=05443\""),
        "{html}"
    );
    assert!(html.contains("<a href=\"/\">Thái Nguyên</a>"), "{html}");
    assert!(html.contains("Phường Phan Đình Phùng (cả đơn vị)"));
    assert!(html.contains("Cảnh báo đang mở (1)"), "{html}");
    assert!(!html.contains("href=\"/stations/05710\""));
    let (status, html) = get(&app, &province, "/?area=99999", false).await;
    assert_eq!(status, 404);
    assert!(html.contains("không có đơn vị `99999`"), "{html}");

    // The commune officer: their commune only, in the page and in its live part.
    let commune = app.console_login(COMMUNE_VIEWER, PASSWORD).await;
    for live in [false, true] {
        let (status, html) = get(&app, &commune, "/", live).await;
        assert_eq!(status, 200);
        assert_eq!(html.contains("<html"), !live, "live part alone: {live}");
        assert!(html.contains("Tổng số trạm: 2"), "{html}");
        assert_eq!(shown_count(&html, "silent"), "1");
        assert_eq!(shown_count(&html, "clock_off"), "1");
        for other in ["05710", "Linh Sơn", "Thái Nguyên", "Bản tin khẩn cấp"] {
            assert!(
                !html.contains(other),
                "the commune officer sees {other}: {html}"
            );
        }
        assert!(html.contains("Cảnh báo đang mở (1)"), "{html}");
        assert!(html.contains("href=\"/stations/05443\""), "{html}");
        assert!(html.contains("Phường Phan Đình Phùng (cả đơn vị)"));
        assert_eq!(
            html.matches("class=\"area-link\"").count(),
            0,
            "no areas below"
        );
    }
    for area in ["19", "05710"] {
        for live in [false, true] {
            let (status, html) = get(&app, &commune, &format!("/?area={area}"), live).await;
            assert_eq!(status, 404, "area {area}");
            assert!(
                html.contains(&format!(
                    "không có đơn vị `{area}` trong phạm vi của tài khoản"
                )),
                "{html}"
            );
            assert!(!html.contains("Linh Sơn"));
        }
    }
    // Without a session: the login page.
    let res = TestApp::no_redirects()
        .get(app.url("/"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 303);
}

async fn the_station_list_filters_by_state(app: TestApp) {
    app.console_accounts().await;
    let token = app.enroll("05443").await;
    let version = app.playlist_version("05443").await;
    app.heartbeat(
        &token,
        json!({ "playlist_version": version, "clock_offset_ms": 1500 }),
    )
    .await;
    let province = app.console_login(PROVINCE_ADMIN, PASSWORD).await;

    let (status, html) = get(&app, &province, "/stations?state=silent", false).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Trạm 1–50 trên 93"), "{html}");
    assert_eq!(listed(&html).len(), 50);
    assert!(!listed(&html).contains(&"05443".to_owned()));
    assert!(
        html.contains("<option value=\"silent\" selected>mất tín hiệu</option>"),
        "{html}"
    );
    assert!(html.contains("<label for=\"state\">Tình trạng</label>"));
    assert!(html.contains("data-label=\"Tình trạng\" class=\"state-words\">mất tín hiệu</td>"));
    // Paging keeps the filter.
    assert!(
        html.contains("href=\"/stations?state=silent&#38;page=2\""),
        "{html}"
    );
    let (_, html) = get(&app, &province, "/stations?state=silent&page=2", false).await;
    assert!(html.contains("Trạm 51–93 trên 93"), "{html}");
    // With the search and an area.
    let (_, html) = get(
        &app,
        &province,
        "/stations?state=silent&q=phan+dinh+phung",
        false,
    )
    .await;
    assert_eq!(listed(&html), ["05443-2"]);
    let (_, html) = get(&app, &province, "/stations?state=silent&area=05710", false).await;
    assert_eq!(listed(&html), ["05710"]);
    // A station counts under each of its problems and what it is doing.
    let (_, html) = get(&app, &province, "/stations?state=clock_off", false).await;
    assert_eq!(listed(&html), ["05443"]);
    assert!(html.contains(">lệch đồng hồ quá 1 giây, "), "{html}");
    let (_, html) = get(&app, &province, "/stations?state=chain_break", false).await;
    assert!(listed(&html).is_empty());
    assert!(html.contains("Không có trạm nào khớp"));
    // Without a filter the list is unchanged (and has no state column).
    let (_, html) = get(&app, &province, "/stations", false).await;
    assert!(html.contains("Trạm 1–50 trên 94"), "{html}");
    assert!(!html.contains("state-words"));

    // A state that does not exist: a Vietnamese 400 naming the field and the choices.
    let (status, html) = get(&app, &province, "/stations?state=dang-phat", false).await;
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains("state: `dang-phat` không phải tình trạng đã biết; chọn một trong: silent (mất tín hiệu), "),
        "{html}"
    );
    assert!(
        html.contains("idle_outside_windows (ngoài khung phát)."),
        "{html}"
    );

    // The commune officer filters inside their commune only.
    let commune = app.console_login(COMMUNE_VIEWER, PASSWORD).await;
    let (_, html) = get(&app, &commune, "/stations?state=silent", false).await;
    assert_eq!(listed(&html), ["05443-2"]);
    assert!(!html.contains("05710"));
    let (status, _) = get(&app, &commune, "/stations?state=silent&area=05710", false).await;
    assert_eq!(status, 404);
}

/// The next start of the seeded windows (05:30 and 17:00, GMT+7) after `after`.
fn next_window(after: DateTime<Utc>) -> DateTime<Utc> {
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let day = after.with_timezone(&tz).date_naive();
    [0u64, 1]
        .into_iter()
        .flat_map(|d| [(d, 5, 30), (d, 17, 0)])
        .filter_map(|(d, h, m)| {
            let date = day + chrono::Days::new(d);
            tz.from_local_datetime(&date.and_hms_opt(h, m, 0)?)
                .single()
                .map(|t| t.with_timezone(&Utc))
        })
        .find(|t| *t > after)
        .expect("a window within two days")
}

/// The visible count of `state` on the dashboard in the browser.
async fn count_in(browser: &Browser, state: &str) -> String {
    browser
        .text_of(&format!("li[data-state='{state}'] .n"))
        .await
}

async fn a_real_agent_falling_silent_shows_on_the_dashboard(app: TestApp, browser: Browser) {
    app.console_accounts().await;
    // Another commune's alert, which the commune officer must never see.
    open_alerts(
        &app,
        &[("05710", AlertKind::ClockOff, "đồng hồ lệch 2000 ms")],
        20,
    )
    .await;
    let token = app.enroll(STATION).await;
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Null,
        },
    )
    .await;
    agent.clock.run_until(agent.t0 + 60_000).await;

    let approver = approver(&app).await;
    send_emergency(&app, &approver, "19").await;

    // Login lands on the dashboard: everything but the running agent is silent; the
    // bulletin just sent is in its banner at the top.
    browser.log_in(&app.base, PROVINCE_ADMIN, PASSWORD).await;
    browser.wait_text("h1", "Tổng quan").await;
    assert_eq!(count_in(&browser, "silent").await, "93");
    assert!(browser.text_of(".dash-total").await.contains("94"));
    let banner = browser
        .wait_text(".emergency", "Bản tin khẩn cấp đang phát")
        .await;
    assert!(banner.contains("tới Thái Nguyên"), "{banner}");
    assert!(
        browser
            .check("return document.querySelector('.emergency').getBoundingClientRect().top < 300")
            .await,
        "the banner is at the top"
    );
    // On a phone the dashboard fits the width, banner and alerts included.
    browser.resize(PHONE.0, PHONE.1).await;
    browser.open(&app.url("/")).await;
    assert!(browser.text_of(".dash-alerts").await.contains("Linh Sơn"));
    assert!(
        browser.fits_width().await,
        "the dashboard scrolls sideways on a phone"
    );
    browser.resize(super::DESKTOP.0, super::DESKTOP.1).await;
    browser.open(&app.url("/")).await;

    // The agent stops; the server's clock moves to six minutes into the next window,
    // and a round of the alert task opens the silence alert.
    let alerter = loa::server::alerts::Alerter::new(app.state.clone())
        .await
        .expect("alerter");
    agent.agent.shutdown().await;
    let now = app.state.clock.now();
    let target = next_window(now + chrono::Duration::minutes(1)) + chrono::Duration::minutes(6);
    app.state
        .clock
        .advance((target - now).to_std().expect("forward"));
    for _ in 0..50 {
        let run = alerter
            .run_once(app.state.clock.now())
            .await
            .expect("alert round");
        // On PostgreSQL the server's own alert task may hold the lead for a moment.
        if run.led {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Without touching the page, its next refresh shows the station silent and alerted.
    let started = std::time::Instant::now();
    while count_in(&browser, "silent").await != "94" {
        assert!(
            started.elapsed() < POLL_PATIENCE,
            "the dashboard never refreshed to 94 silent stations"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let alerts = browser
        .wait_text(".dash-alerts", "mất tín hiệu trong khung phát")
        .await;
    assert!(
        alerts.contains("Trạm truyền thanh Phường Phan Đình Phùng"),
        "{alerts}"
    );
    assert!(alerts.contains("vừa xong"), "{alerts}");
    let link = browser
        .client
        .find(Locator::Css(".dash-alerts a[href='/stations/05443']"))
        .await
        .expect("the alert links to the station");
    assert!(link.text().await.expect("text").contains("Phan Đình Phùng"));

    // Its count leads to the silent stations, where it is found with its state.
    browser
        .client
        .find(Locator::Css("li[data-state='silent'] a"))
        .await
        .expect("silent link")
        .click()
        .await
        .expect("click");
    browser.wait_text(".summary", "trên 94").await;
    let url = browser.client.current_url().await.expect("url");
    assert_eq!(
        (url.path(), url.query()),
        ("/stations", Some("state=silent"))
    );
    let q = browser
        .client
        .find(Locator::Id("q"))
        .await
        .expect("search box");
    q.send_keys("05443").await.expect("type");
    browser.wait_text(".summary", "trên 2").await;
    let row = browser.text_of("#station-list tbody tr").await;
    assert!(
        row.contains("05443") && row.contains("mất tín hiệu"),
        "{row}"
    );
    // The state chosen from the list's own control narrows it further.
    browser
        .client
        .find(Locator::Id("state"))
        .await
        .expect("state filter")
        .select_by_value("clock_off")
        .await
        .expect("choose");
    browser
        .wait_text("#station-list", "Không có trạm nào khớp")
        .await;

    browser.open(&app.url("/")).await;
    browser.log_out().await;

    // The commune officer: two stations, both silent now, their alert and no other.
    browser.log_in(&app.base, COMMUNE_VIEWER, PASSWORD).await;
    browser.wait_text("h1", "Tổng quan").await;
    assert_eq!(count_in(&browser, "silent").await, "2");
    assert!(browser.text_of(".dash-total").await.contains('2'));
    let text = browser.text().await;
    assert!(text.contains("mất tín hiệu trong khung phát"), "{text}");
    for other in ["Linh Sơn", "05710", "lệch 2000"] {
        assert!(
            !text.contains(other),
            "the commune officer sees {other}: {text}"
        );
    }
    let script =
        "return fetch('/', {headers: {'HX-Request': 'true', 'HX-Target': 'dashboard-live'}})
           .then(r => r.text().then(t => [r.status, t]))";
    let got = browser.client.execute(script, vec![]).await.expect("fetch");
    assert_eq!(got[0], 200);
    let fragment = got[1].as_str().expect("fragment");
    assert!(fragment.contains("data-state=\"silent\""), "{fragment}");
    assert!(!fragment.contains("05710") && !fragment.contains("Linh Sơn"));
    browser.open(&app.url("/?area=19")).await;
    let refused = browser.text().await;
    assert!(refused.contains("không có đơn vị `19`"), "{refused}");
    browser.close().await;
}

/// A record the server refused on arrival (a station with a key sends one unsigned)
/// shows on the station's page with its reason; a station with none says so.
async fn a_refused_record_shows_on_the_station_page(app: TestApp) {
    app.console_accounts().await;
    let secret = loa::domain::StationSecret::from_bytes(&[7; 32]);
    let token = app
        .enroll_with_key("05443", Some(&secret.public().to_hex()))
        .await;
    app.heartbeat(&token, json!({})).await;
    let planned = Utc::now().timestamp_millis() - 3_600_000;
    let mut record = loa::wire::AiringJson {
        uuid: uuid::Uuid::new_v4().to_string(),
        item_id: format!("item-{planned}"),
        planned_start_ms: planned,
        actual_start_ms: Some(planned + 40),
        actual_end_ms: Some(planned + 60_040),
        outcome: "aired".to_owned(),
        reason: String::new(),
        clock_offset_ms: 3,
        prev_hash: loa::domain::GENESIS_HASH.to_owned(),
        hash: String::new(),
        key_id: None,
        signature: None,
    };
    record.hash = record.record().expect("outcome").chain_hash();
    let answer = app.post_airings(&token, &[record]).await;
    let reason = answer["results"][0]["error"]
        .as_str()
        .unwrap_or_else(|| panic!("refused: {answer}"))
        .to_owned();

    let province = app.console_login(PROVINCE_ADMIN, PASSWORD).await;
    let (status, html) = get(&app, &province, "/stations/05443", false).await;
    assert_eq!(status, 200);
    let fact = html
        .split("<dt>Bản ghi bị từ chối (7 ngày qua)</dt>")
        .nth(1)
        .unwrap_or_else(|| panic!("no refusals line in {html}"));
    let value = fact.split("</dd>").next().expect("value");
    assert!(value.contains("1 bản ghi"), "{value}");
    assert!(value.contains(&reason), "{value} lacks {reason}");
    // A station that sent nothing refused (and was heard) says "không có".
    let other = app.enroll("05443-2").await;
    app.heartbeat(&other, json!({})).await;
    let (_, html) = get(&app, &province, "/stations/05443-2", false).await;
    assert!(
        html.contains("<dt>Bản ghi bị từ chối (7 ngày qua)</dt><dd>không có</dd>"),
        "{html}"
    );
}
