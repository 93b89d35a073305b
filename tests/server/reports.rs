//! Airing reports end to end on the 3-tier Bắc Kạn tree: planned items written into the
//! server's database, airings sent by enrolled stations through `POST /api/v1/airings`,
//! then `GET /api/v1/reports` as JSON, CSV and XLSX (read back with calamine) and
//! `loa report` on the command line, every number checked against a hand count.
//!
//! The hand count (items of 5 minutes, 10 and 11 March 2026, station-local time):
//!
//! | station | item | local start | campaign | record |
//! |---|---|---|---|---|
//! | 01834 (TP Bắc Kạn) | a1 | 10/03 07:00 | xhht | aired |
//! | | a2 | 10/03 17:00 | xhht | missed, agent_down |
//! | | a3 | 10/03 23:55 | sách | aired |
//! | | a4 | 11/03 00:05 | sách | partial 120 s, agent_restart |
//! | | a5 | 11/03 07:00 | xhht | preempted 60 s, emergency (+ the bulletin, 30 s) |
//! | 01837 (TP Bắc Kạn) | b1 | 10/03 07:00 | xhht | aired |
//! | | b2 | 10/03 17:00 | xhht | failed, decode_error |
//! | | b3 | 11/03 07:00 | xhht | missed, media_missing |
//! | | b4 | 11/03 17:00 | xhht | none (unreported) (+ a fallback record, 5 min) |
//! | 01858 (Pác Nặm) | c1 | 10/03 07:00 | sách | aired |
//! | | c2 | 11/03 07:00 | sách | aired, its chain broken |
//!
//! a3 and a4 straddle local midnight (a4 is still 10 March in UTC).

use calamine::{Data, DataType, Reader, Xlsx};
use chrono::{NaiveDate, TimeZone};
use loa::domain::{AiringRecord, GENESIS_HASH, Outcome};
use loa::wire::AiringJson;
use serde_json::{Value, json};
use sqlx::Row;

use super::TestApp;
use crate::both_backends;

both_backends!(crate::server::bac_kan_dir;
    reports_match_the_hand_count,
    future_items_are_upcoming_and_heartbeats_are_seen,
    the_command_line_prints_and_writes_the_same_report,
    counts_equal_an_item_by_item_count,
    a_retired_area_keeps_its_history_and_takes_no_station,
);

const XHHT: &str = "xhht-ca-nam";
const SACH: &str = "ngay-sach-2025";
const MIN5: i64 = 300_000;

/// Milliseconds of a local time in Hà Nội.
fn local(day: u32, h: u32, m: u32) -> i64 {
    chrono_tz::Asia::Ho_Chi_Minh
        .with_ymd_and_hms(2026, 3, day, h, m, 0)
        .single()
        .expect("a local time")
        .timestamp_millis()
}

struct Planned<'a> {
    id: &'a str,
    start: i64,
    campaign: &'static str,
}

async fn plan(app: &TestApp, station: &str, items: &[Planned<'_>]) {
    let pool = &app.db;
    sqlx::query("DELETE FROM planned_items WHERE station_code = $1")
        .bind(station.to_owned())
        .execute(pool)
        .await
        .expect("clear plan");
    for p in items {
        let segment = if p.campaign == XHHT {
            "gia-dinh-hoc-tap"
        } else {
            "ngay-sach-van-hoa-doc"
        };
        sqlx::query("INSERT INTO planned_items (station_code, item_id, start_ms, duration_ms, segment_id, campaign_id, priority) VALUES ($1, $2, $3, $4, $5, $6, 'normal')")
            .bind(station.to_owned())
            .bind(p.id.to_owned())
            .bind(p.start)
            .bind(MIN5)
            .bind(segment.to_owned())
            .bind(p.campaign.to_owned())
            .execute(pool)
            .await
            .expect("plan item");
    }
}

/// A record: item, planned start, outcome, reason, seconds aired.
type Rec<'a> = (&'a str, i64, &'static str, &'static str, i64);

/// The records chained from `prev`; returns them and the last hash.
fn chain(prev: &str, recs: &[Rec<'_>]) -> (Vec<AiringJson>, String) {
    let mut prev = prev.to_owned();
    let mut out = Vec::new();
    for &(item, start, outcome, reason, secs) in recs {
        let (a, b) = if outcome == "missed" {
            (None, None)
        } else {
            (Some(start + 40), Some(start + 40 + secs * 1000))
        };
        let mut j = AiringJson {
            uuid: uuid::Uuid::new_v4().to_string(),
            item_id: item.to_owned(),
            planned_start_ms: start,
            actual_start_ms: a,
            actual_end_ms: b,
            outcome: outcome.to_owned(),
            reason: reason.to_owned(),
            clock_offset_ms: 12,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        j.hash = AiringRecord {
            uuid: &j.uuid,
            item_id: &j.item_id,
            planned_start_ms: j.planned_start_ms,
            actual_start_ms: j.actual_start_ms,
            actual_end_ms: j.actual_end_ms,
            outcome: Outcome::parse(&j.outcome).expect("outcome"),
            reason: &j.reason,
            clock_offset_ms: j.clock_offset_ms,
            prev_hash: &j.prev_hash,
        }
        .chain_hash();
        prev = j.hash.clone();
        out.push(j);
    }
    (out, prev)
}

async fn send(app: &TestApp, token: &str, airings: &[AiringJson]) {
    let res = app
        .client
        .post(app.url("/api/v1/airings"))
        .bearer_auth(token)
        .json(&json!({ "airings": airings }))
        .send()
        .await
        .expect("airings");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    for r in body["results"].as_array().expect("results") {
        assert_eq!(r["status"], "stored", "{body}");
    }
}

async fn report(
    app: &TestApp,
    token: &str,
    query: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/reports?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("report");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.expect("body").to_vec())
}

async fn json_report(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, _, body) = report(app, token, query).await;
    let v: Value = serde_json::from_slice(&body).expect("json report");
    assert_eq!(status, 200, "{v}");
    v
}

fn row<'a>(v: &'a Value, key: &str) -> &'a Value {
    v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == key)
        .unwrap_or_else(|| panic!("row {key} in {v}"))
}

/// planned, aired, partial, preempted, missed, failed, unreported of a counts object.
fn counts(c: &Value) -> [u64; 7] {
    [
        "planned",
        "aired",
        "partial",
        "preempted",
        "missed",
        "failed",
        "unreported",
    ]
    .map(|k| c[k].as_u64().unwrap_or_else(|| panic!("{k} in {c}")))
}

async fn load_march(app: &TestApp) -> (String, String) {
    plan(
        app,
        "01834",
        &[
            Planned {
                id: "a1",
                start: local(10, 7, 0),
                campaign: XHHT,
            },
            Planned {
                id: "a2",
                start: local(10, 17, 0),
                campaign: XHHT,
            },
            Planned {
                id: "a3",
                start: local(10, 23, 55),
                campaign: SACH,
            },
            Planned {
                id: "a4",
                start: local(11, 0, 5),
                campaign: SACH,
            },
            Planned {
                id: "a5",
                start: local(11, 7, 0),
                campaign: XHHT,
            },
        ],
    )
    .await;
    plan(
        app,
        "01837",
        &[
            Planned {
                id: "b1",
                start: local(10, 7, 0),
                campaign: XHHT,
            },
            Planned {
                id: "b2",
                start: local(10, 17, 0),
                campaign: XHHT,
            },
            Planned {
                id: "b3",
                start: local(11, 7, 0),
                campaign: XHHT,
            },
            Planned {
                id: "b4",
                start: local(11, 17, 0),
                campaign: XHHT,
            },
        ],
    )
    .await;
    plan(
        app,
        "01858",
        &[
            Planned {
                id: "c1",
                start: local(10, 7, 0),
                campaign: SACH,
            },
            Planned {
                id: "c2",
                start: local(11, 7, 0),
                campaign: SACH,
            },
        ],
    )
    .await;
    let a = app.enroll("01834").await;
    let (recs, _) = chain(
        GENESIS_HASH,
        &[
            ("a1", local(10, 7, 0), "aired", "", 300),
            ("a2", local(10, 17, 0), "missed", "agent_down", 0),
            ("a3", local(10, 23, 55), "aired", "", 300),
            ("a4", local(11, 0, 5), "partial", "agent_restart", 120),
            ("a5", local(11, 7, 0), "preempted", "emergency", 60),
            ("emergency:e1", local(11, 7, 1), "aired", "", 30),
        ],
    );
    send(app, &a, &recs).await;
    let c = app.enroll("01858").await;
    let (recs, _) = chain(GENESIS_HASH, &[("c1", local(10, 7, 0), "aired", "", 300)]);
    send(app, &c, &recs).await;
    // c2 follows a hash the server never saw: a break in the chain, stored and shown.
    let (recs, _) = chain(
        &"ab".repeat(32),
        &[("c2", local(11, 7, 0), "aired", "", 300)],
    );
    send(app, &c, &recs).await;
    let b = app.enroll("01837").await;
    (b, app.admin().await)
}

async fn reports_match_the_hand_count(app: TestApp) {
    let (b, admin) = load_march(&app).await;
    let q = "from=2026-03-10&until=2026-03-11";

    // Station 01837 has sent nothing yet: all four of its items are unreported.
    let v = json_report(&app, &admin, &format!("{q}&by=station")).await;
    assert_eq!(counts(&row(&v, "01837")["counts"]), [4, 0, 0, 0, 0, 0, 4]);

    // Its records arrive days late: the same report now counts them. The fallback
    // replays audio of its plan, under the id the agent makes for it.
    let sha: String = sqlx::query("SELECT s.sha256 FROM planned_items p JOIN segments s ON s.id = p.segment_id WHERE p.station_code = '01837' LIMIT 1")
        .fetch_one(&app.db)
        .await
        .expect("a planned segment")
        .try_get(0)
        .expect("sha");
    let fallback = loa::domain::fallback_item_id("01837", local(11, 20, 0), &sha);
    let (recs, _) = chain(
        GENESIS_HASH,
        &[
            ("b1", local(10, 7, 0), "aired", "", 300),
            ("b2", local(10, 17, 0), "failed", "decode_error", 0),
            ("b3", local(11, 7, 0), "missed", "media_missing", 0),
            (fallback.as_str(), local(11, 20, 0), "aired", "", 300),
        ],
    );
    send(&app, &b, &recs).await;

    let v = json_report(&app, &admin, &format!("{q}&by=station")).await;
    assert_eq!(counts(&row(&v, "01834")["counts"]), [5, 2, 1, 1, 1, 0, 0]);
    assert_eq!(counts(&row(&v, "01837")["counts"]), [4, 1, 0, 0, 1, 1, 1]);
    assert_eq!(counts(&row(&v, "01858")["counts"]), [2, 2, 0, 0, 0, 0, 0]);
    let a = &row(&v, "01834")["counts"];
    assert_eq!(a["minutes_aired"], 13.0);
    assert_eq!(a["completion_pct"], 40.0);
    assert_eq!(a["emergency"], 1);
    assert_eq!(
        a["reasons"],
        json!({"agent_down": 1, "agent_restart": 1, "emergency": 1})
    );
    let b_counts = &row(&v, "01837")["counts"];
    assert_eq!(b_counts["fallback"], 1);
    assert_eq!(
        b_counts["reasons"],
        json!({"decode_error": 1, "media_missing": 1, "unreported": 1})
    );
    // Another station of the province had nothing planned: zeros, not missing.
    assert_eq!(counts(&row(&v, "01840")["counts"]), [0; 7]);
    assert_eq!(v["chain_breaks"], json!(["01858"]));
    assert_eq!(v["stations"], 108);
    // No heartbeat in March from anyone.
    assert_eq!(v["silent_stations"].as_array().map(Vec::len), Some(108));

    // Rolled up: commune, district, province.
    let v = json_report(&app, &admin, q).await;
    assert_eq!(counts(&row(&v, "058")["counts"]), [9, 3, 1, 1, 2, 1, 1]);
    assert_eq!(row(&v, "058")["counts"]["minutes_aired"], 18.0);
    assert_eq!(row(&v, "058")["counts"]["completion_pct"], 33.3);
    assert_eq!(counts(&row(&v, "060")["counts"]), [2, 2, 0, 0, 0, 0, 0]);
    assert_eq!(counts(&row(&v, "06")["counts"]), [11, 5, 1, 1, 2, 1, 1]);
    assert_eq!(row(&v, "06")["depth"], 0);
    assert_eq!(row(&v, "058")["depth"], 1);
    assert_eq!(row(&v, "01834")["depth"], 2);
    assert_eq!(v["total"]["minutes_aired"], 28.0);
    assert_eq!(v["total"]["completion_pct"], 45.5);
    assert_eq!(v["total"], row(&v, "06")["counts"]);

    // Local midnight: a3 (23:55) is 10 March, a4 (00:05) is 11 March.
    let v = json_report(&app, &admin, &format!("{q}&by=day")).await;
    assert_eq!(
        counts(&row(&v, "2026-03-10")["counts"]),
        [6, 4, 0, 0, 1, 1, 0]
    );
    assert_eq!(
        counts(&row(&v, "2026-03-11")["counts"]),
        [5, 1, 1, 1, 1, 0, 1]
    );
    assert_eq!(row(&v, "2026-03-10")["label"], "10/03/2026");
    let v = json_report(&app, &admin, "from=2026-03-11&until=2026-03-11&area=01834").await;
    assert_eq!(counts(&v["total"]), [2, 0, 1, 1, 0, 0, 0]);

    let v = json_report(&app, &admin, &format!("{q}&by=campaign")).await;
    assert_eq!(counts(&row(&v, XHHT)["counts"]), [7, 2, 0, 1, 2, 1, 1]);
    assert_eq!(counts(&row(&v, SACH)["counts"]), [4, 3, 1, 0, 0, 0, 0]);
    let v = json_report(&app, &admin, &format!("{q}&campaign={SACH}")).await;
    assert_eq!(counts(&v["total"]), [4, 3, 1, 0, 0, 0, 0]);

    // A district viewer sees only its subtree; another district looks absent.
    let viewer = app.account(&admin, "xem.060", "viewer", "060").await;
    let v = json_report(&app, &viewer, q).await;
    assert_eq!(counts(&v["total"]), [2, 2, 0, 0, 0, 0, 0]);
    let (status, _, _) = report(&app, &viewer, &format!("{q}&area=058")).await;
    assert_eq!(status, 404);

    // Bad input is refused by name.
    for (query, status, words) in [
        ("from=2026-03-12&until=2026-03-10", 400, "12/03/2026"),
        ("from=2026-13-01&until=2026-03-10", 400, "2026-13-01"),
        ("from=2026-03-10&until=2026-03-11&by=tinh", 400, "tinh"),
        ("from=2026-03-10&until=2026-03-11&format=pdf", 400, "pdf"),
        (
            "from=2026-03-10&until=2026-03-11&campaign=khong-co",
            404,
            "khong-co",
        ),
        ("from=2026-03-10&until=2026-03-11&area=99999", 404, "99999"),
    ] {
        let (got, _, body) = report(&app, &admin, query).await;
        let text = String::from_utf8_lossy(&body);
        assert_eq!(got, status, "{query}: {text}");
        assert!(text.contains(words), "{query}: {text}");
    }

    check_csv(&app, &admin, q).await;
    check_xlsx(&app, &admin, q).await;
}

async fn check_csv(app: &TestApp, admin: &str, q: &str) {
    let (status, headers, body) = report(app, admin, &format!("{q}&by=station&format=csv")).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    assert!(
        body.starts_with("\u{feff}".as_bytes()),
        "UTF-8 BOM for Excel"
    );
    let text = String::from_utf8(body[3..].to_vec()).expect("UTF-8");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let head: Vec<String> = r
        .headers()
        .expect("headers")
        .iter()
        .map(String::from)
        .collect();
    let col = |name: &str| column(&head, name);
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("record")).collect();
    let a = rows.iter().find(|x| &x[0] == "01834").expect("01834");
    assert_eq!(&a[1], "Trạm truyền thanh Phường Nguyễn Thị Minh Khai");
    assert_eq!(&a[2], "Phường Nguyễn Thị Minh Khai");
    assert_eq!(&a[col("Kế hoạch")], "5");
    assert_eq!(&a[col("Đã phát")], "2");
    assert_eq!(&a[col("Bị tin khẩn cắt")], "1");
    assert_eq!(&a[col("Số phút đã phát")], "13.0");
    assert_eq!(&a[col("Hoàn thành (%)")], "40.0");
    let c = rows.iter().find(|x| &x[0] == "01858").expect("01858");
    assert_eq!(&c[col("Số lần đứt chuỗi nhật ký")], "1");
    let total = rows.last().expect("totals");
    assert_eq!(&total[0], "Tổng cộng");
    assert_eq!(&total[col("Kế hoạch")], "11");
    assert_eq!(&total[col("Chưa báo cáo")], "1");
}

fn sheet(book: &mut Xlsx<std::io::Cursor<Vec<u8>>>, name: &str) -> calamine::Range<Data> {
    book.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

fn find_row<'a>(range: &'a calamine::Range<Data>, key: &str) -> &'a [Data] {
    range
        .rows()
        .find(|r| {
            r.first()
                .is_some_and(|c| matches!(c, Data::String(s) if s == key))
        })
        .unwrap_or_else(|| panic!("row {key}"))
}

/// The first row of a sheet, as text.
fn heading_row(range: &calamine::Range<Data>) -> Vec<String> {
    let first = range.rows().next().expect("a heading row");
    first.iter().map(|c| c.to_string()).collect()
}

/// Where heading `name` is among `head`.
fn column(head: &[String], name: &str) -> usize {
    head.iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{name} in {head:?}"))
}

fn num(d: &Data) -> f64 {
    d.as_f64().unwrap_or_else(|| panic!("number, got {d:?}"))
}

async fn check_xlsx(app: &TestApp, admin: &str, q: &str) {
    let (status, headers, body) = report(app, admin, &format!("{q}&format=xlsx")).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-disposition"]
            .to_str()
            .expect("disposition")
            .contains(".xlsx")
    );
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(body)).expect("xlsx");
    assert_eq!(
        book.sheet_names(),
        [
            "Tổng hợp",
            "Cấp tỉnh",
            "Cấp huyện",
            "Cấp xã",
            "Trạm",
            "Theo chiến dịch",
            "Chưa phát đủ"
        ]
    );
    let summary = sheet(&mut book, "Tổng hợp");
    let title = summary.get_value((0, 0)).expect("title").to_string();
    assert_eq!(
        title,
        "Báo cáo phát sóng từ 10/03/2026 đến 11/03/2026 — Tỉnh Bắc Kạn"
    );
    assert_eq!(num(&find_row(&summary, "Kế hoạch")[1]), 11.0);
    assert_eq!(
        num(&find_row(&summary, "Chưa nhận báo cáo từ trạm")[1]),
        1.0
    );
    assert_eq!(
        num(&find_row(&summary, "Trạm có nhật ký bị đứt chuỗi")[1]),
        1.0
    );

    // District sheet: heading row, then 058 with its counts from column D.
    let districts = sheet(&mut book, "Cấp huyện");
    let head = heading_row(&districts);
    let col = |name: &str| column(&head, name);
    let d = find_row(&districts, "058");
    assert_eq!(d[1].to_string(), "Thành Phố Bắc Kạn");
    assert_eq!(d[2].to_string(), "Tỉnh Bắc Kạn");
    for (name, want) in [
        ("Kế hoạch", 9.0),
        ("Đã phát", 3.0),
        ("Phát dở", 1.0),
        ("Bị tin khẩn cắt", 1.0),
        ("Bỏ lỡ", 2.0),
        ("Lỗi phát", 1.0),
        ("Chưa báo cáo", 1.0),
        ("Số phút đã phát", 18.0),
        ("Hoàn thành (%)", 33.3),
    ] {
        assert_eq!(num(&d[col(name)]), want, "{name}");
    }
    let p = find_row(&districts, "060");
    assert_eq!(num(&p[col("Số trạm đứt chuỗi nhật ký")]), 1.0);
    let total = find_row(&districts, "Tổng cộng");
    assert_eq!(num(&total[col("Kế hoạch")]), 11.0);
    let communes = sheet(&mut book, "Cấp xã");
    assert_eq!(num(&find_row(&communes, "01837")[col("Chưa báo cáo")]), 1.0);

    // The learning-society layout: per commune, broadcasts and minutes by campaign.
    let layout = sheet(&mut book, "Theo chiến dịch");
    let head = heading_row(&layout);
    let col = |name: &str| column(&head, name);
    let a = find_row(&layout, "01834");
    let sach = "Ngày Sách và Văn hóa đọc Việt Nam 2025";
    let xhht = "Xây dựng xã hội học tập (kế hoạch cả năm)";
    assert_eq!(num(&a[col(&format!("{sach}: số lần phát"))]), 2.0);
    assert_eq!(num(&a[col(&format!("{sach}: số phút"))]), 7.0);
    assert_eq!(num(&a[col(&format!("{xhht}: số lần phát"))]), 2.0);
    assert_eq!(num(&a[col(&format!("{xhht}: số phút"))]), 6.0);
    assert_eq!(num(&a[col("Tổng số lần phát")]), 4.0);
    let total = find_row(&layout, "Tổng cộng");
    assert_eq!(num(&total[col("Tổng số lần phát")]), 7.0);
    assert_eq!(num(&total[col("Tổng số phút")]), 28.0);

    // Every miss with its reason, dated dd/mm/yyyy.
    let misses = sheet(&mut book, "Chưa phát đủ");
    let rows: Vec<&[Data]> = misses
        .rows()
        .skip(1)
        .filter(|r| r[0].to_string().starts_with('0'))
        .collect();
    assert_eq!(rows.len(), 6);
    let reasons: Vec<String> = rows.iter().map(|r| r[7].to_string()).collect();
    assert_eq!(
        reasons,
        [
            "Máy trạm tắt hoặc mất điện",
            "Máy trạm khởi động lại giữa chừng",
            "Bị tin khẩn cắt ngang",
            "Không đọc được tệp âm thanh",
            "Chưa có tệp âm thanh",
            "Chưa nhận báo cáo từ trạm",
        ]
    );
    let a4 = rows[1];
    let day = a4[2].as_date().expect("a date cell");
    assert_eq!(day, NaiveDate::from_ymd_opt(2026, 3, 11).expect("date"));
    assert_eq!(a4[3].to_string(), "00:05");
    assert_eq!(a4[6].to_string(), "Phát dở");
    assert_eq!(num(&a4[8]), 120.0);
    let number_format = misses.get((1, 2)).expect("date cell");
    assert!(
        matches!(number_format, Data::DateTime(_)),
        "{number_format:?}"
    );

    // Rows by day get a sheet of their own, the day a real date.
    let (_, _, body) = report(app, admin, &format!("{q}&by=day&format=xlsx")).await;
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(body)).expect("xlsx");
    assert!(book.sheet_names().contains(&"Theo ngày".to_owned()));
    let days = sheet(&mut book, "Theo ngày");
    let first = days.rows().nth(1).expect("first day");
    assert_eq!(first[0].as_date(), NaiveDate::from_ymd_opt(2026, 3, 10));
    assert_eq!(num(&first[1]), 6.0);
    let second = days.rows().nth(2).expect("second day");
    assert_eq!(second[0].as_date(), NaiveDate::from_ymd_opt(2026, 3, 11));
    assert_eq!(num(&second[1]), 5.0);
}

async fn future_items_are_upcoming_and_heartbeats_are_seen(app: TestApp) {
    let now = chrono::Utc::now().timestamp_millis();
    // Keep both items inside today in Hà Nội, whatever the hour the test runs.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive();
    let start = chrono_tz::Asia::Ho_Chi_Minh
        .from_local_datetime(&today.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("midnight")
        .timestamp_millis();
    let past = (now - 60_000).max(start);
    let future = (now + 60_000).min(start + 86_400_000 - 1);
    let pool = &app.db;
    sqlx::query("DELETE FROM planned_items WHERE station_code = '01834'")
        .execute(pool)
        .await
        .expect("clear");
    for (id, at) in [("p", past), ("f", future)] {
        sqlx::query("INSERT INTO planned_items (station_code, item_id, start_ms, duration_ms, segment_id, campaign_id, priority) VALUES ('01834', $1, $2, 1000, 'gia-dinh-hoc-tap', 'xhht-ca-nam', 'normal')")
            .bind(id.to_owned())
            .bind(at)
            .execute(pool)
            .await
            .expect("plan");
    }
    let token = app.enroll("01834").await;
    let res = app
        .client
        .post(app.url("/api/v1/heartbeat"))
        .bearer_auth(&token)
        .json(&json!({ "version": "test" }))
        .send()
        .await
        .expect("heartbeat");
    assert_eq!(res.status(), 200);
    let admin = app.admin().await;
    let (_, _, body) = report(
        &app,
        &admin,
        &format!("from={today}&until={today}&area=01834&by=station"),
    )
    .await;
    let v: Value = serde_json::from_slice(&body).expect("json");
    let c = &v["total"];
    // The past item has no record yet (unreported, not missed); the future one is upcoming.
    assert_eq!(
        (c["planned"].as_u64(), c["due"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        (c["upcoming"].as_u64(), c["unreported"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(c["missed"], 0);
    assert_eq!(c["completion_pct"], 0.0);
    assert_eq!(v["silent_stations"], json!([]));

    let (_, _, body) = report(
        &app,
        &admin,
        &format!("from={today}&until={today}&area=01837&by=station"),
    )
    .await;
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["silent_stations"], json!(["01837"]));
}

/// Runs the `loa` binary against the test server's database.
fn loa_report(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_loa"));
    cmd.arg("report")
        .args(args)
        .arg("--data-dir")
        .arg(&app.data_dir);
    if let Some(url) = &app.state.config.database_url {
        cmd.arg("--database-url").arg(url);
    }
    cmd.output().expect("run loa report")
}

async fn the_command_line_prints_and_writes_the_same_report(app: TestApp) {
    load_march(&app).await;
    let out = loa_report(
        &app,
        &[
            "--from",
            "10/03/2026",
            "--until",
            "2026-03-11",
            "--area",
            "058",
            "--by",
            "station",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.starts_with("Báo cáo phát sóng từ 10/03/2026 đến 11/03/2026 — Thành Phố Bắc Kạn\n"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("01834"))
        .expect("01834 line");
    let tokens: Vec<&str> = line.split_whitespace().collect();
    // Kế hoạch, Đến hạn, Đã phát, Phát dở, Phát muộn, Bị tin khẩn cắt, Bỏ lỡ, Lỗi
    // phát, Chưa báo cáo, Sắp phát, minutes, completion.
    let want = [
        "5", "5", "2", "1", "0", "1", "1", "0", "0", "0", "13.0", "40.0",
    ];
    assert!(tokens.windows(want.len()).any(|w| w == want), "{line}");
    let total = text
        .lines()
        .find(|l| l.starts_with("Tổng cộng"))
        .expect("totals");
    assert!(total.split_whitespace().nth(2) == Some("9"), "{total}");
    assert!(text.contains("Máy trạm tắt hoặc mất điện: 1"), "{text}");

    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bao-cao.xlsx");
    let out = loa_report(
        &app,
        &[
            "--year",
            "2026",
            "--format",
            "xlsx",
            "-o",
            file.to_str().expect("path"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut book: Xlsx<_> = calamine::open_workbook(&file).expect("xlsx written");
    let summary = book.worksheet_range("Tổng hợp").expect("summary");
    assert_eq!(num(&find_row(&summary, "Kế hoạch")[1]), 11.0);

    // Bad input: named, exit status 1, nothing written.
    let missing = dir.path().join("khong.xlsx");
    for (args, words) in [
        (vec!["--year", "2026", "--area", "99999"], "99999"),
        (
            vec!["--from", "2026-03-11", "--until", "2026-03-10"],
            "11/03/2026",
        ),
        (vec!["--year", "2026", "--format", "xlsx"], "-o"),
        (
            vec![
                "--year",
                "2026",
                "--campaign",
                "khong-co",
                "-o",
                missing.to_str().expect("path"),
            ],
            "khong-co",
        ),
    ] {
        let out = loa_report(&app, &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(words), "{args:?}: {err}");
    }
    assert!(!missing.exists());
}

/// A small deterministic generator (no dependency, same data every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Three stations, 240 items at random minutes over three days (many near midnight),
/// random outcomes or no record: the report by day and by station equals a plain
/// count of the same rows done here with chrono-tz, item by item.
async fn counts_equal_an_item_by_item_count(app: TestApp) {
    let stations = ["01834", "01837", "01858"];
    let mut rng = Lcg(20_261_001);
    let outcomes = ["aired", "partial", "missed", "failed", "preempted", "none"];
    let mut expected: std::collections::BTreeMap<(String, &str), [u64; 7]> = Default::default();
    let mut by_station: std::collections::HashMap<&str, Vec<Rec>> = Default::default();
    let mut plans: std::collections::HashMap<&str, Vec<Planned>> = Default::default();
    let ids: Vec<String> = (0..240).map(|i| format!("r{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let station = stations[i % 3];
        // Day 10, 11 or 12; a third of the items within 20 minutes of local midnight.
        let d = 10 + rng.next(3) as u32;
        let (h, m) = if rng.next(3) == 0 {
            let m = rng.next(40) as u32;
            if m < 20 { (0, m) } else { (23, 20 + m) }
        } else {
            (rng.next(24) as u32, rng.next(60) as u32)
        };
        let start = local(d, h, m) + i as i64; // distinct starts
        let outcome = outcomes[rng.next(6) as usize];
        let campaign = if rng.next(2) == 0 { XHHT } else { SACH };
        plans.entry(station).or_default().push(Planned {
            id,
            start,
            campaign,
        });
        let local_day = chrono_tz::Asia::Ho_Chi_Minh
            .timestamp_millis_opt(start)
            .single()
            .expect("instant")
            .date_naive()
            .to_string();
        let slot = match outcome {
            "aired" => 1,
            "partial" => 2,
            "preempted" => 3,
            "missed" => 4,
            "failed" => 5,
            _ => 6,
        };
        for key in [(local_day, "day"), (station.to_owned(), "station")] {
            let e = expected.entry(key).or_default();
            e[0] += 1;
            e[slot] += 1;
        }
        if outcome != "none" {
            by_station
                .entry(station)
                .or_default()
                .push((id, start, outcome, "", 30));
        }
    }
    for s in stations {
        plan(&app, s, &plans[s]).await;
        let mut recs = by_station.remove(s).unwrap_or_default();
        recs.sort_by_key(|r| r.1);
        let token = app.enroll(s).await;
        let (recs, _) = chain(GENESIS_HASH, &recs);
        send(&app, &token, &recs).await;
    }
    let admin = app.admin().await;
    let q = "from=2026-03-10&until=2026-03-12";
    let by_day = json_report(&app, &admin, &format!("{q}&by=day")).await;
    let by_st = json_report(&app, &admin, &format!("{q}&by=station")).await;
    for ((key, kind), want) in &expected {
        let v = if *kind == "day" { &by_day } else { &by_st };
        assert_eq!(&counts(&row(v, key)["counts"]), want, "{kind} {key}");
    }
    // Items of 9 and 13 March (local) do not exist: both edges of the range hold.
    assert_eq!(by_day["rows"].as_array().map(Vec::len), Some(3));
    assert_eq!(by_day["total"]["planned"], 240);
}

/// After a re-import (`loa areas import --apply`) that no longer lists a ward, the ward
/// is retired: the listing marks it, its station and the report of its airings are
/// unchanged, and no new station may be placed in them
/// (one at a time, from CSV, or one per commune), each refusal in Vietnamese naming
/// the field, nothing written.
async fn a_retired_area_keeps_its_history_and_takes_no_station(app: TestApp) {
    let (_, admin) = load_march(&app).await;
    let q = "from=2026-03-10&until=2026-03-11&area=06&by=station";
    let before = json_report(&app, &admin, q).await;

    // The province's list again without Phường Nguyễn Thị Minh Khai (merged away).
    let file = crate::server::cli_server::repo().join("schedules/bac-kan-2024/areas.csv");
    let text: String = std::fs::read_to_string(&file)
        .expect("the 2024 list")
        .lines()
        .filter(|l| !l.starts_with("01834,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let changes = loa::store::import_areas_csv(&app.state.store, &file, &text, "test", true)
        .await
        .expect("store")
        .expect("a valid tree");
    assert_eq!(
        changes
            .retired
            .iter()
            .map(|(code, _, stations)| (code.as_str(), stations.clone()))
            .collect::<Vec<_>>(),
        [("01834", vec!["01834".to_owned()])],
        "{changes:?}"
    );

    let areas: Vec<Value> = app
        .client
        .get(app.url("/api/v1/areas"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("areas")
        .json()
        .await
        .expect("json");
    let flag = |code: &str| {
        areas
            .iter()
            .find(|a| a["code"] == code)
            .unwrap_or_else(|| panic!("{code} listed"))["retired"]
            .clone()
    };
    assert_eq!(flag("01834"), true);
    assert_eq!(flag("058"), false, "a current unit");
    assert_eq!(flag("06"), false);

    let after = json_report(&app, &admin, q).await;
    assert_eq!(after["total"], before["total"], "history unchanged");
    for station in ["01834", "01837", "01858"] {
        assert_eq!(
            row(&after, station)["counts"],
            row(&before, station)["counts"],
            "{station}"
        );
    }
    let stations: Value = app
        .client
        .get(app.url("/api/v1/stations"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("stations")
        .json()
        .await
        .expect("json");
    assert!(
        stations.to_string().contains("\"01834\""),
        "a station of a retired unit is still listed: {stations}"
    );

    let count = || async {
        sqlx::query("SELECT COUNT(*) FROM stations")
            .fetch_one(&app.db)
            .await
            .expect("count")
            .get::<i64, _>(0)
    };
    let held = count().await;
    let refused = |body: &Value, field: &str| {
        let text = body.to_string();
        assert!(
            text.contains(&format!("{field}: đơn vị `01834` đã ngừng sử dụng")),
            "{text}"
        );
    };
    let res = app
        .client
        .post(app.url("/api/v1/stations"))
        .bearer_auth(&admin)
        .json(&json!({
            "code": "MOI-01834", "area": "01834"
        }))
        .send()
        .await
        .expect("create");
    let status = res.status();
    let body = res.text().await.expect("body");
    assert_eq!(status, 422, "{body}");
    refused(&serde_json::from_str(&body).expect("json"), "area");
    let res = app
        .client
        .post(app.url("/api/v1/stations/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body("code,area,name,languages,windows\nMOI-01834,01834,Trạm mới,vi,05:30-06:30\n")
        .send()
        .await
        .expect("import");
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(body.to_string().contains("dòng 2: "), "{body}");
    refused(&body, "area");
    let res = app
        .client
        .post(app.url("/api/v1/stations/create-all"))
        .bearer_auth(&admin)
        .json(&json!({ "area": "01834" }))
        .send()
        .await
        .expect("create-all");
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert!(
        body.to_string()
            .contains("--area: đơn vị `01834` đã ngừng sử dụng"),
        "{body}"
    );
    assert_eq!(count().await, held, "nothing written");

    // The station already there keeps its unit when its settings change.
    let res = app
        .client
        .put(app.url("/api/v1/stations/01834"))
        .bearer_auth(&admin)
        .json(&json!({ "area": "01834", "name": "Trạm phường cũ" }))
        .send()
        .await
        .expect("update");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
}
