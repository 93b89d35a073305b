//! Page "Báo cáo": the commune officer asks what aired yesterday and what was missed,
//! by station, and sees the counts and the reasons in Vietnamese — only for their own
//! commune, whatever the address asks for; the province administrator asks for the
//! Lifelong Learning Week by commune, pages through the table and downloads it as XLSX
//! and CSV, whose rows are the page's rows. Both fit a 360 px phone.

use std::collections::HashMap;

use calamine::{Data, Reader, Xlsx};
use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use fantoccini::Locator;
use serde_json::json;

use super::calendar::today;
use super::{Browser, COMMUNE_VIEWER, DESKTOP, PASSWORD, PHONE, PROVINCE_ADMIN};
use crate::browser_tests;
use crate::server::TestApp;

browser_tests!(
    the_officer_sees_what_aired_yesterday_and_what_was_missed,
    the_province_downloads_the_learning_week_by_commune,
);

/// A record to send: local hour and minute, outcome, reason.
type Said = (u32, u32, &'static str, &'static str);

impl TestApp {
    /// Sends, as `station`'s agent would, one record per entry of `said` for items
    /// planned on local `day` (each item planned first), chained from the genesis.
    async fn records_on(&self, station: &str, day: NaiveDate, said: &[Said]) {
        let token = self.enroll(station).await;
        let mut prev = loa::domain::GENESIS_HASH.to_owned();
        let mut airings = Vec::new();
        for (n, &(h, m, outcome, reason)) in said.iter().enumerate() {
            let start = chrono_tz::Asia::Ho_Chi_Minh
                .with_ymd_and_hms(day.year(), day.month(), day.day(), h, m, 0)
                .single()
                .expect("a local time");
            let item = json!({
                "id": format!("{station}-{}-{n}", day.format("%Y%m%d")),
                "start": start.to_rfc3339(),
            });
            let a = crate::support::plan_record(&prev, &item, outcome, reason);
            prev = a.hash.clone();
            airings.push(a);
        }
        let answer = self.post_airings(&token, &airings).await;
        for r in answer["results"].as_array().expect("results") {
            assert_eq!(r["status"], "stored", "{answer}");
        }
    }
}

/// What the report table shows: its headings, and each row's cells by heading.
async fn table(browser: &Browser) -> Vec<HashMap<String, String>> {
    let got = browser
        .client
        .execute(
            "const heads = [...document.querySelectorAll('.report-table thead th')].map(t => t.textContent.trim());
             return [...document.querySelectorAll('.report-table tbody tr')].map(tr =>
               [...tr.children].map((td, i) => [heads[i], td.textContent.trim()]));",
            vec![],
        )
        .await
        .expect("read the table");
    got.as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("cells")
                .iter()
                .map(|c| {
                    (
                        c[0].as_str().unwrap_or_default().to_owned(),
                        c[1].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .collect()
}

/// The totals row: count cells by heading.
async fn totals(browser: &Browser) -> HashMap<String, String> {
    let got = browser
        .client
        .execute(
            "return [...document.querySelectorAll('.report-table tfoot td')].map(td => [td.dataset.label, td.textContent.trim()]);",
            vec![],
        )
        .await
        .expect("read the totals");
    got.as_array()
        .expect("cells")
        .iter()
        .map(|c| {
            (
                c[0].as_str().unwrap_or_default().to_owned(),
                c[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// A number as the page writes it (`1.234`, `50,0%`, `—`), as the files hold it.
fn page_number(text: &str) -> Option<f64> {
    let t = text.trim().trim_end_matches('%');
    if t == "—" || t.is_empty() {
        return None;
    }
    t.replace('.', "").replace(',', ".").parse().ok()
}

async fn choose(browser: &Browser, id: &str, value: &str) {
    browser
        .client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no #{id}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("#{id} = {value}: {e}"));
}

async fn submit(browser: &Browser, heading: &str) {
    browser
        .client
        .find(Locator::Css(".report-form button[type='submit']"))
        .await
        .expect("submit button")
        .click()
        .await
        .expect("submit");
    browser.wait_text("#result-h", heading).await;
}

/// The page at both sizes: nothing scrolls sideways.
async fn fits_both(browser: &Browser, what: &str) {
    for (w, h) in [PHONE, DESKTOP] {
        browser.resize(w, h).await;
        assert!(
            browser.fits_width().await,
            "{what} scrolls sideways at {w}×{h}"
        );
    }
}

async fn the_officer_sees_what_aired_yesterday_and_what_was_missed(app: TestApp, browser: Browser) {
    app.console_accounts().await;
    let yesterday = today() - Duration::days(1);
    app.records_on(
        "05443",
        yesterday,
        &[
            (5, 45, "aired", ""),
            (6, 0, "aired", ""),
            (17, 15, "missed", "agent_down"),
            (17, 30, "failed", "decode_error"),
        ],
    )
    .await;
    app.records_on(
        "05443-2",
        yesterday,
        &[(5, 45, "aired", ""), (17, 15, "missed", "media_missing")],
    )
    .await;
    // Another commune's station (Phường Linh Sơn), which the officer must never see.
    app.records_on("05710", yesterday, &[(5, 45, "missed", "agent_restart")])
        .await;

    browser.log_in(&app.base, COMMUNE_VIEWER, PASSWORD).await;
    browser.wait_text("h1", "Tổng quan").await;
    browser
        .client
        .find(Locator::Css("nav.menu a[href='/reports']"))
        .await
        .expect("menu entry")
        .click()
        .await
        .expect("open reports");
    // By default: this month, by area, for the officer's own commune.
    let t = today();
    let heading = browser
        .wait_text("#result-h", &format!("Tháng {}/{}", t.month(), t.year()))
        .await;
    assert!(heading.contains("Phường Phan Đình Phùng"), "{heading}");
    let areas: Vec<String> = {
        let mut v = Vec::new();
        for o in browser
            .client
            .find_all(Locator::Css("#r-area option"))
            .await
            .expect("area options")
        {
            v.push(o.attr("value").await.expect("value").unwrap_or_default());
        }
        v
    };
    assert_eq!(areas, ["05443"], "the officer's area list");

    // Yesterday, by station, through the form.
    let y = yesterday.format("%d/%m/%Y").to_string();
    choose(&browser, "r-period", "range").await;
    browser.type_into("r-from", &y).await;
    browser.type_into("r-until", &y).await;
    choose(&browser, "r-by", "station").await;
    submit(&browser, &format!("Từ {y} đến {y}")).await;
    let url = browser.client.current_url().await.expect("url");
    assert!(
        url.query().is_some_and(|q| q.contains("by=station")),
        "the form is in the address: {url}"
    );
    let rows = table(&browser).await;
    let codes: Vec<&str> = rows.iter().map(|r| r["Mã trạm"].as_str()).collect();
    assert_eq!(codes, ["05443", "05443-2"], "{rows:?}");
    let want = [
        (
            "05443",
            [
                ("Đến hạn", "4"),
                ("Đã phát", "2"),
                ("Bỏ lỡ", "1"),
                ("Lỗi phát", "1"),
                ("Hoàn thành (%)", "50,0%"),
            ],
        ),
        (
            "05443-2",
            [
                ("Đến hạn", "2"),
                ("Đã phát", "1"),
                ("Bỏ lỡ", "1"),
                ("Lỗi phát", "0"),
                ("Hoàn thành (%)", "50,0%"),
            ],
        ),
    ];
    for (row, (code, cells)) in rows.iter().zip(want) {
        assert_eq!(row["Mã trạm"], code);
        for (heading, value) in cells {
            assert_eq!(row[heading], value, "{code} {heading}: {row:?}");
        }
    }
    let total = totals(&browser).await;
    assert_eq!(total["Đã phát"], "3", "{total:?}");
    assert_eq!(total["Bỏ lỡ"], "2", "{total:?}");
    assert_eq!(total["Hoàn thành (%)"], "50,0%", "{total:?}");
    // The reasons, in words, counted.
    let reasons = browser.text_of("section.reasons").await;
    for (why, n) in [
        ("Máy trạm tắt hoặc mất điện", "1"),
        ("Chưa có tệp âm thanh", "1"),
        ("Không đọc được tệp âm thanh", "1"),
    ] {
        assert!(
            reasons.lines().any(|l| l.contains(why) && l.ends_with(n)),
            "`{why}` {n} missing from: {reasons}"
        );
    }
    assert!(
        !reasons.contains("khởi động lại"),
        "another commune's reason: {reasons}"
    );
    // The chart: one bar per station, described in words.
    let desc = browser.content_of("svg.chart desc").await;
    assert!(
        desc.contains("Trạm truyền thanh Phường Phan Đình Phùng: 50,0% (2 trên 4"),
        "{desc}"
    );
    let bars = browser
        .client
        .find_all(Locator::Css("svg.chart g"))
        .await
        .expect("bars");
    assert_eq!(bars.len(), 2);
    assert!(!browser.text().await.contains("05710"));

    // Another area, by address: refused in Vietnamese, and nothing of it shown.
    for path in [
        "/reports?area=19".to_owned(),
        "/reports?area=05710&by=station".to_owned(),
        format!(
            "/reports/download?period=range&from={y}&until={y}&area=05710&by=station&format=csv"
        ),
        format!("/reports/download?period=range&from={y}&until={y}&area=19&format=xlsx"),
    ] {
        let (status, body) = browser.fetch(&path, &[]).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(
            body.contains("không có đơn vị hành chính mã"),
            "{path}: {body}"
        );
        assert!(!body.contains("Linh Sơn"), "{path} shows another commune");
    }
    browser.open(&app.url("/reports?area=05710")).await;
    let said = browser.text_of("#r-area-err").await;
    assert_eq!(said, "không có đơn vị hành chính mã `05710`");
    // The province's report asked for without an area is the officer's commune only.
    browser
        .open(&app.url(&format!("/reports?period=range&from={y}&until={y}&by=area")))
        .await;
    let rows = table(&browser).await;
    let units: Vec<&str> = rows.iter().map(|r| r["Mã đơn vị"].as_str()).collect();
    assert_eq!(units, ["05443"]);

    // A bad value is said next to its control, the rest of the page works.
    let (status, _) = browser
        .fetch(
            "/reports?period=range&from=31/02/2026&until=01/03/2026",
            &[],
        )
        .await;
    assert_eq!(status, 400);
    browser
        .open(&app.url("/reports?period=range&from=31/02/2026&until=01/03/2026"))
        .await;
    let said = browser.text_of("#r-from-err").await;
    assert!(said.contains("`31/02/2026` không phải ngày"), "{said}");
    assert!(
        browser
            .check(
                "return document.getElementById('r-from').getAttribute('aria-invalid') === 'true'"
            )
            .await
    );
    let (status, body) = browser.fetch("/reports?period=year&year=20x6", &[]).await;
    assert_eq!(status, 400);
    assert!(body.contains("Năm `20x6` không hợp lệ"), "{body}");

    // The phone: the yesterday report fits 360 px.
    browser
        .open(&app.url(&format!(
            "/reports?period=range&from={y}&until={y}&by=station"
        )))
        .await;
    fits_both(&browser, "/reports by station").await;
    browser.close().await;
}

/// The last Lifelong Learning Week already over.
fn last_learning_week() -> i32 {
    let t = today();
    let this_year = NaiveDate::from_ymd_opt(t.year(), 10, 7).expect("a date");
    if t > this_year {
        t.year()
    } else {
        t.year() - 1
    }
}

/// A cell of a sheet as the page would compare it.
fn sheet_number(cell: &Data) -> Option<f64> {
    match cell {
        // The sheet keeps minutes unrounded; the page and the CSV show one decimal.
        Data::Float(f) => Some((f * 10.0).round() / 10.0),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

async fn the_province_downloads_the_learning_week_by_commune(app: TestApp, browser: Browser) {
    app.console_accounts().await;
    let year = last_learning_week();
    let day = |d| NaiveDate::from_ymd_opt(year, 10, d).expect("a day of the week");
    app.records_on(
        "05443",
        day(1),
        &[(5, 45, "aired", ""), (17, 15, "missed", "agent_down")],
    )
    .await;
    app.records_on(
        "05710",
        day(3),
        &[
            (5, 45, "aired", ""),
            (6, 0, "aired", ""),
            (17, 15, "aired", ""),
        ],
    )
    .await;
    app.records_on(
        "05500",
        day(7),
        &[
            (5, 45, "missed", "media_missing"),
            (17, 15, "missed", "media_missing"),
        ],
    )
    .await;
    // Outside the week: not counted.
    app.records_on("05467", day(8), &[(5, 45, "aired", "")])
        .await;

    browser.log_in(&app.base, PROVINCE_ADMIN, PASSWORD).await;
    browser.wait_text("h1", "Tổng quan").await;
    browser.open(&app.url("/reports")).await;
    choose(&browser, "r-period", "llw").await;
    browser.type_into("r-year", &year.to_string()).await;
    choose(&browser, "r-by", "area").await;
    choose(&browser, "r-area", "19").await;
    submit(
        &browser,
        &format!(
            "Tuần lễ hưởng ứng học tập suốt đời {year} (01/10/{year} – 07/10/{year}) — Thái Nguyên"
        ),
    )
    .await;
    let figures = browser.text_of("dl.figures").await;
    assert!(figures.contains("Số trạm\n94"), "{figures}");
    let reasons = browser.text_of("section.reasons").await;
    assert!(
        reasons.contains("Chưa có tệp âm thanh 2") || reasons.contains("Chưa có tệp âm thanh\n2"),
        "{reasons}"
    );

    // Every row of the table, page by page (50 a page).
    let summary = browser.text_of(".report-rows .summary").await;
    assert_eq!(summary, "Dòng 1–50 trên 93");
    let mut shown = table(&browser).await;
    assert_eq!(shown.len(), 50);
    browser
        .client
        .find(Locator::Css(".report-rows .pager a[rel='next']"))
        .await
        .expect("next page")
        .click()
        .await
        .expect("next page");
    browser
        .wait_text(".report-rows .summary", "Dòng 51–93 trên 93")
        .await;
    shown.extend(table(&browser).await);
    assert_eq!(shown.len(), 93);
    let by_code: HashMap<&str, &HashMap<String, String>> =
        shown.iter().map(|r| (r["Mã đơn vị"].as_str(), r)).collect();
    assert_eq!(by_code["19"]["Đã phát"], "4");
    assert_eq!(by_code["19"]["Bỏ lỡ"], "3");
    assert_eq!(by_code["05443"]["Hoàn thành (%)"], "50,0%");
    assert_eq!(by_code["05710"]["Hoàn thành (%)"], "100,0%");
    assert_eq!(by_code["05500"]["Hoàn thành (%)"], "0,0%");
    assert_eq!(by_code["05467"]["Kế hoạch"], "0", "a day after the week");
    let total = totals(&browser).await;

    // The downloads: the links' URLs fetched with the browser's session cookie.
    let cookie = browser
        .client
        .get_named_cookie("loa_session")
        .await
        .expect("the session cookie");
    let get = |id: &'static str| {
        let browser = &browser;
        let cookie = cookie.value().to_owned();
        let app = &app;
        async move {
            let href = browser
                .client
                .find(Locator::Id(id))
                .await
                .expect("download link")
                .attr("href")
                .await
                .expect("href")
                .expect("a link");
            assert!(
                href.contains(&format!("period=llw&year={year}&area=19&by=area")),
                "{href}"
            );
            let res = app
                .client
                .get(app.url(&href))
                .header("cookie", format!("loa_session={cookie}"))
                .send()
                .await
                .expect("download");
            assert_eq!(res.status(), 200, "{href}");
            let disposition = res
                .headers()
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (disposition, res.bytes().await.expect("file").to_vec())
        }
    };
    let (disposition, xlsx) = get("download-xlsx").await;
    assert_eq!(
        disposition,
        format!("attachment; filename=\"bao-cao-19-tuan-le-{year}.xlsx\"")
    );
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).expect("an XLSX workbook");
    // Each level's sheet holds exactly the page's rows of that level, number for number.
    for (sheet, level) in [("Cấp tỉnh", "Tỉnh"), ("Cấp xã", "Xã")] {
        let range = book.worksheet_range(sheet).expect(sheet);
        let mut rows = range.rows();
        let head: Vec<String> = rows
            .next()
            .expect("headings")
            .iter()
            .map(|c| c.to_string())
            .collect();
        let col = |name: &str| {
            head.iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("{name} in {head:?}"))
        };
        let page_rows: Vec<_> = shown.iter().filter(|r| r["Cấp"] == level).collect();
        let sheet_rows: Vec<_> = rows.filter(|r| r[0] != "Tổng cộng").collect();
        assert_eq!(sheet_rows.len(), page_rows.len(), "{sheet}");
        for (s, p) in sheet_rows.iter().zip(&page_rows) {
            assert_eq!(s[col("Mã đơn vị")].to_string(), p["Mã đơn vị"], "{sheet}");
            assert_eq!(
                s[col("Đơn vị hành chính")].to_string(),
                p["Đơn vị hành chính"],
                "{sheet}"
            );
            for (heading, text) in p.iter() {
                if ["Mã đơn vị", "Đơn vị hành chính", "Cấp"].contains(&heading.as_str())
                {
                    continue;
                }
                assert_eq!(
                    sheet_number(&s[col(heading)]),
                    page_number(text),
                    "{sheet} {} {heading}",
                    p["Mã đơn vị"]
                );
            }
        }
    }
    let misses = book.worksheet_range("Chưa phát đủ").expect("misses sheet");
    assert!(
        misses
            .rows()
            .any(|r| r.iter().any(|c| *c == "Chưa có tệp âm thanh"))
    );

    let (disposition, csv) = get("download-csv").await;
    assert_eq!(
        disposition,
        format!("attachment; filename=\"bao-cao-19-tuan-le-{year}.csv\"")
    );
    let text = String::from_utf8(csv).expect("UTF-8");
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let head: Vec<String> = reader
        .headers()
        .expect("headings")
        .iter()
        .map(str::to_owned)
        .collect();
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a line")).collect();
    assert_eq!(records.len(), shown.len() + 1, "every row and the totals");
    let cell = |r: &csv::StringRecord, name: &str| {
        let i = head
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {head:?}"));
        r[i].to_owned()
    };
    let csv_number = |s: String| {
        if s.is_empty() {
            None
        } else {
            s.parse::<f64>().ok()
        }
    };
    for (r, p) in records.iter().zip(shown.iter().chain([&total])) {
        for (heading, text) in p.iter() {
            match heading.as_str() {
                "Mã đơn vị" | "Đơn vị hành chính" => assert_eq!(cell(r, heading), *text),
                "Cấp" => {}
                _ => assert_eq!(
                    csv_number(cell(r, heading)),
                    page_number(text),
                    "{heading} of {r:?}"
                ),
            }
        }
    }
    assert_eq!(cell(&records[records.len() - 1], "Mã đơn vị"), "Tổng cộng");

    fits_both(&browser, "/reports of the Week").await;
    browser.close().await;
}
