//! `loa schedule plan`: a station's plan from the files alone, as JSON and as a table.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde_json::Value;

use super::{loa, status, stderr, stdout};

/// `loa schedule plan` of the Bắc Kạn set as JSON.
fn plan_json(station: &str, from: &str, days: &str) -> Value {
    let out = loa(&[
        "schedule",
        "plan",
        "--station",
        station,
        "--from",
        from,
        "--days",
        days,
        "--schedules",
        "schedules/bac-kan-2024",
        "--format",
        "json",
    ]);
    assert_eq!(status(&out), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("plan is JSON")
}

fn items(plan: &Value) -> &Vec<Value> {
    plan["items"].as_array().expect("`items` is an array")
}

fn field<'a>(item: &'a Value, key: &str) -> &'a str {
    item[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is a string in {item}"))
}

fn start(item: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(field(item, "start")).expect("`start` is RFC 3339")
}

#[test]
fn plan_json_has_every_field_in_station_time() {
    let plan = plan_json("01906", "2024-09-30", "14");
    assert_eq!(plan["station"], "01906");
    assert_eq!(plan["timezone"], "Asia/Ho_Chi_Minh");
    assert_eq!(plan["from"], "2024-09-30");
    assert_eq!(plan["days"], 14);
    assert!(plan["diagnostics"].is_array(), "{}", plan["diagnostics"]);
    let items = items(&plan);
    // Two slots a day, at least the campaign's two airings in each.
    assert!(items.len() >= 14 * 2 * 2, "{} items", items.len());
    let mut previous = None;
    for item in items {
        let id = field(item, "id");
        assert_eq!(id.len(), 16, "{id}");
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        let at = start(item);
        assert!(field(item, "start").ends_with("+07:00"), "{item}");
        assert_eq!(at.offset().local_minus_utc(), 7 * 3600);
        let day = at.date_naive();
        let first = NaiveDate::from_ymd_opt(2024, 9, 30).expect("date");
        assert!(
            day >= first && day < first + chrono::Days::new(14),
            "{item}"
        );
        assert!(
            item["duration_ms"].as_u64().is_some_and(|d| d > 0),
            "{item}"
        );
        assert!(!field(item, "segment").is_empty());
        assert!(!field(item, "campaign").is_empty());
        assert!(
            ["normal", "priority"].contains(&field(item, "priority")),
            "{item}"
        );
        if let Some(before) = previous {
            assert!(at >= before, "items in start order: {item}");
        }
        previous = Some(at);
    }
}

#[test]
fn plan_output_is_byte_identical_between_runs() {
    for format in ["json", "table"] {
        let args = [
            "schedule",
            "plan",
            "--station",
            "01906",
            "--from",
            "2024-09-30",
            "--days",
            "14",
            "--schedules",
            "schedules/bac-kan-2024",
            "--format",
            format,
        ];
        let first = loa(&args);
        let second = loa(&args);
        assert_eq!(status(&first), Some(0));
        assert!(!first.stdout.is_empty());
        assert_eq!(first.stdout, second.stdout, "{format}");
    }
}

/// Lifelong Learning Week 2024 runs 1–7 October. Ba Bể (Tày first) gets the Tày
/// variant; a Vietnamese-only ward of Bắc Kạn city gets the Vietnamese one.
#[test]
fn each_station_gets_the_week_in_its_language() {
    let week = NaiveDate::from_ymd_opt(2024, 10, 1).expect("date")
        ..=NaiveDate::from_ymd_opt(2024, 10, 7).expect("date");
    for (station, wanted) in [
        ("01906", "tuan-le-hoc-tap-suot-doi-tay"),
        ("01834", "tuan-le-hoc-tap-suot-doi"),
    ] {
        let plan = plan_json(station, "2024-09-30", "14");
        let mut days = Vec::new();
        for item in items(&plan) {
            if field(item, "campaign") != "tuan-le-hoc-tap-suot-doi-2024" {
                continue;
            }
            assert_eq!(field(item, "segment"), wanted, "{station}: {item}");
            assert_eq!(field(item, "priority"), "priority");
            let day = start(item).date_naive();
            assert!(week.contains(&day), "{station}: {item}");
            days.push(day);
        }
        days.dedup();
        // 01834 (Bắc Kạn city) airs Monday to Friday only: 1–4 and 7 October.
        let expected = if station == "01906" { 7 } else { 5 };
        assert_eq!(days.len(), expected, "{station}: {days:?}");
    }
}

#[test]
fn priority_items_come_first_in_a_shared_slot() {
    let plan = plan_json("01906", "2024-09-30", "14");
    let slot = NaiveDate::from_ymd_opt(2024, 10, 1)
        .expect("date")
        .and_time(NaiveTime::from_hms_opt(5, 45, 0).expect("time"));
    let slot_end = slot + chrono::Duration::minutes(1);
    let levels: Vec<&str> = items(&plan)
        .iter()
        .filter(|i| {
            let local = start(i).naive_local();
            local >= slot && local < slot_end
        })
        .map(|i| field(i, "priority"))
        .collect();
    assert_eq!(levels, ["priority", "normal", "normal"]);
    let first = items(&plan)
        .iter()
        .find(|i| start(i).naive_local() == slot)
        .expect("an item at 05:45:00");
    assert_eq!(field(first, "segment"), "tuan-le-hoc-tap-suot-doi-tay");
}

#[test]
fn plan_table_is_in_vietnamese() {
    let out = loa(&[
        "schedule",
        "plan",
        "--station",
        "01906",
        "--from",
        "2024-09-30",
        "--days",
        "3",
        "--schedules",
        "schedules/bac-kan-2024",
    ]);
    assert_eq!(status(&out), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for phrase in [
        "Trạm 01906 — Trạm truyền thanh Xã Khang Ninh (Asia/Ho_Chi_Minh)",
        "Kế hoạch 3 ngày từ 30/09/2024",
        "Thứ Hai 30/09/2024",
        "Thứ Ba 01/10/2024",
        "Thứ Tư 02/10/2024",
        "Chiến dịch",
        "Bản tin",
        "ưu tiên",
        "thường",
        "Tuần lễ hưởng ứng học tập suốt đời (tiếng Tày) [tyz]",
    ] {
        assert!(text.contains(phrase), "no `{phrase}` in:\n{text}");
    }
    let tuesday = text.find("Thứ Ba 01/10/2024").expect("Tuesday heading");
    let first_row = text[tuesday..]
        .lines()
        .nth(2)
        .expect("first row of Tuesday");
    assert!(
        first_row.trim_start().starts_with("05:45:00"),
        "{first_row}"
    );
    assert!(first_row.contains("ưu tiên"), "{first_row}");
}

#[test]
fn a_station_in_both_sets_needs_schedules() {
    let out = loa(&[
        "schedule",
        "plan",
        "--station",
        "01906",
        "--from",
        "2024-10-01",
    ]);
    assert_eq!(status(&out), Some(1));
    assert!(out.stdout.is_empty());
    let text = stderr(&out);
    for phrase in [
        "trạm `01906` có trong nhiều bộ lịch",
        "bac-kan-2024",
        "thai-nguyen-2025",
        "--schedules",
    ] {
        assert!(text.contains(phrase), "no `{phrase}` in: {text}");
    }
}

#[test]
fn an_unknown_station_is_refused() {
    let out = loa(&[
        "schedule",
        "plan",
        "--station",
        "99999",
        "--from",
        "2024-10-01",
    ]);
    assert_eq!(status(&out), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("không có trạm `99999` trong schedules"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_bad_date_is_a_usage_error() {
    let out = loa(&[
        "schedule",
        "plan",
        "--station",
        "01906",
        "--from",
        "2024-13-01",
    ]);
    assert_eq!(status(&out), Some(2));
    assert!(out.stdout.is_empty());
    let text = stderr(&out);
    assert!(
        text.contains("ngày `2024-13-01` không hợp lệ: viết YYYY-MM-DD"),
        "{text}"
    );
    assert!(text.contains("--from"), "{text}");
}
