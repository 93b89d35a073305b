//! What the compiler tells a person: missed targets, rules that never reach a window,
//! segments that expire before their campaign ends. Each names the station and date.

use chrono::NaiveDate;

use crate::support::{Scenario, campaign, date, plan, rotation, segment, station};
use loa::domain::{Diagnostic, Priority, ShortfallReason};

fn assert_names_station_and_date(
    diagnostic: &Diagnostic,
    code: &str,
    day: NaiveDate,
    extra: &[&str],
) {
    assert_eq!(diagnostic.station(), code);
    assert_eq!(diagnostic.date(), day);
    let text = diagnostic.to_string();
    let dmy = day.format("%d/%m/%Y").to_string();
    for needle in [format!("Trạm {code}"), dmy]
        .iter()
        .map(String::as_str)
        .chain(extra.iter().copied())
    {
        assert!(text.contains(needle), "`{text}` should contain `{needle}`");
    }
}

#[test]
fn target_not_met_when_too_few_slots_reach_a_window() {
    let inputs = Scenario::province()
        .station(station("01834"))
        .segment(segment("a", 60))
        .campaign(
            campaign("hoc-tap")
                .name("Tuần lễ học tập")
                .min_per_day(2)
                .pool(&["a"])
                .rotation(rotation(&["30 5 * * *", "0 12 * * *"], 60)),
        )
        .build();
    let compiled = plan(&inputs, "01834", "2026-10-05", 3);
    let targets: Vec<&Diagnostic> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.kind() == "target_not_met")
        .collect();
    let expected: Vec<Diagnostic> = ["2026-10-05", "2026-10-06", "2026-10-07"]
        .into_iter()
        .map(|day| Diagnostic::TargetNotMet {
            station: "01834".to_owned(),
            date: date(day),
            campaign: "Tuần lễ học tập".to_owned(),
            planned: 1,
            target: 2,
            reasons: vec![ShortfallReason::TooFewSlots { slots: 1 }],
        })
        .collect();
    assert_eq!(targets, expected.iter().collect::<Vec<_>>());
    assert_names_station_and_date(
        targets[1],
        "01834",
        date("2026-10-06"),
        &["«Tuần lễ học tập»", "1/2", "chỉ cho 1 khung"],
    );
}

#[test]
fn target_not_met_names_the_priority_campaign_that_took_the_slot() {
    let inputs = Scenario::province()
        .station(station("01837"))
        .segment(segment("thuong", 60))
        .segment(segment("uu-tien", 60))
        .campaign(
            campaign("hoc-tap")
                .name("Tuần lễ học tập")
                .min_per_day(1)
                .pool(&["thuong"])
                .rotation(rotation(&["0 6 * * *"], 60)),
        )
        .campaign(
            campaign("ngay-sach")
                .name("Ngày sách và văn hóa đọc")
                .dates("2026-10-06", "2026-10-06")
                .priority(Priority::Priority)
                .pool(&["uu-tien"])
                .rotation(rotation(&["0 6 * * *"], 60)),
        )
        .build();
    let compiled = plan(&inputs, "01837", "2026-10-05", 3);
    assert_eq!(
        compiled.diagnostics,
        [Diagnostic::TargetNotMet {
            station: "01837".to_owned(),
            date: date("2026-10-06"),
            campaign: "Tuần lễ học tập".to_owned(),
            planned: 0,
            target: 1,
            reasons: vec![ShortfallReason::SlotTakenBy {
                campaign: "Ngày sách và văn hóa đọc".to_owned()
            }],
        }]
    );
    assert_eq!(compiled.diagnostics[0].kind(), "target_not_met");
    assert_names_station_and_date(
        &compiled.diagnostics[0],
        "01837",
        date("2026-10-06"),
        &["«Ngày sách và văn hóa đọc»", "0/1"],
    );
    // The other two days the normal campaign keeps its slot.
    assert_eq!(compiled.playlist.items.len(), 3);
}

#[test]
fn rule_never_in_window_names_the_rule_from_the_first_active_day() {
    let inputs = Scenario::province()
        .station(station("01834"))
        .segment(segment("a", 60))
        .campaign(
            campaign("hoc-tap")
                .pool(&["a"])
                .rotation(rotation(&["30 5 * * *", "0 12 * * *"], 600).id("trua")),
        )
        .campaign(
            campaign("ngay-sach")
                .dates("2026-10-08", "2026-10-31")
                .pool(&["a"])
                .rotation(rotation(&["0 20 * * *"], 600).id("toi")),
        )
        .build();
    let compiled = plan(&inputs, "01834", "2026-10-05", 7);
    let windows = "05:30–06:30 (T2-CN), 17:00–18:00 (T2-CN)";
    let found: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.kind() == "rule_never_in_window")
        .collect();
    let expected = [
        Diagnostic::RuleNeverInWindow {
            station: "01834".to_owned(),
            date: date("2026-10-05"),
            campaign: "hoc-tap".to_owned(),
            rotation: "trua".to_owned(),
            rule: "0 12 * * *".to_owned(),
            windows: windows.to_owned(),
        },
        Diagnostic::RuleNeverInWindow {
            station: "01834".to_owned(),
            date: date("2026-10-08"),
            campaign: "ngay-sach".to_owned(),
            rotation: "toi".to_owned(),
            rule: "0 20 * * *".to_owned(),
            windows: windows.to_owned(),
        },
    ];
    assert_eq!(found, expected.iter().collect::<Vec<_>>());
    assert_eq!(compiled.diagnostics.len(), 2, "{:?}", compiled.diagnostics);
    assert_names_station_and_date(
        found[0],
        "01834",
        date("2026-10-05"),
        &["`0 12 * * *`", "«trua»", windows],
    );
    assert_names_station_and_date(found[1], "01834", date("2026-10-08"), &["`0 20 * * *`"]);
}

#[test]
fn segment_expires_when_validity_ends_before_the_campaign_inside_the_horizon() {
    // Campaign runs to 31/10; the horizon is 05/10 to 18/10.
    let cases: [(&str, Option<&str>); 5] = [
        ("2026-10-05", Some("2026-10-05")),
        ("2026-10-08", Some("2026-10-08")),
        ("2026-10-18", Some("2026-10-18")),
        ("2026-10-25", None),
        ("2026-10-31", None),
    ];
    for (until, expected) in cases {
        let inputs = Scenario::province()
            .station(station("01840"))
            .segment(segment("het-han", 30).valid(None, Some(until)))
            .segment(segment("con-han", 30))
            .campaign(
                campaign("hoc-tap")
                    .name("Xây dựng xã hội học tập")
                    .dates("2026-10-01", "2026-10-31")
                    .pool(&["het-han", "con-han"])
                    .rotation(rotation(&["30 5 * * *"], 60)),
            )
            .build();
        let compiled = plan(&inputs, "01840", "2026-10-05", 14);
        let found: Vec<_> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.kind() == "segment_expires")
            .collect();
        match expected {
            None => assert!(found.is_empty(), "until {until}: {found:?}"),
            Some(day) => {
                assert_eq!(
                    found,
                    [&Diagnostic::SegmentExpires {
                        station: "01840".to_owned(),
                        date: date(day),
                        segment: "het-han".to_owned(),
                        campaign: "Xây dựng xã hội học tập".to_owned(),
                        campaign_until: date("2026-10-31"),
                    }],
                    "until {until}"
                );
                assert_names_station_and_date(
                    found[0],
                    "01840",
                    date(day),
                    &["`het-han`", "31/10/2026"],
                );
            }
        }
        assert_eq!(
            compiled.diagnostics.len(),
            found.len(),
            "until {until}: {:?}",
            compiled.diagnostics
        );
    }
}

#[test]
fn a_station_without_windows_airs_nothing_and_says_why() {
    let scenario = Scenario::province()
        .without_area_windows("06")
        .station(station("01834"))
        .station(station("01837").windows(&[("*", "05:30-06:30")]))
        .segment(segment("a", 60))
        .campaign(
            campaign("hoc-tap")
                .pool(&["a"])
                .rotation(rotation(&["0 6 * * *"], 60)),
        );
    // Written in a file or through the API, it is refused, naming station and area.
    let refused = scenario.try_build().expect_err("no windows is refused");
    let text: Vec<String> = refused.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(
        text[0].starts_with("trạm 01834 không có khung phát sóng")
            && text[0].contains("đơn vị 01834"),
        "{text:?}"
    );
    // Stored so, it compiles to nothing and one diagnostic; the other station airs.
    let inputs = scenario.build_stored();
    let compiled = plan(&inputs, "01834", "2026-10-01", 3);
    assert!(compiled.playlist.items.is_empty());
    assert_eq!(compiled.diagnostics.len(), 1, "{:?}", compiled.diagnostics);
    let d = &compiled.diagnostics[0];
    assert_eq!(d.kind(), "no_windows");
    assert_names_station_and_date_free(d, "01834", date("2026-10-01"));
    assert_eq!(
        plan(&inputs, "01837", "2026-10-01", 3).playlist.items.len(),
        3
    );
}

fn assert_names_station_and_date_free(d: &Diagnostic, code: &str, day: NaiveDate) {
    assert_eq!(d.station(), code);
    assert_eq!(d.date(), day);
    let text = d.to_string();
    assert!(
        text.starts_with(&format!("Trạm {code} không có khung phát sóng")),
        "{text}"
    );
}
