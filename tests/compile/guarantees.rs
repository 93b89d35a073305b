//! Where and when items may air: no overlap, inside the windows, inside validity and
//! campaign dates, never cut, and on the days the crontab rules name.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Timelike, Weekday};

use super::invariants::{
    assert_all, assert_dates_respected, assert_no_overlap, assert_not_cut, local_date,
};
use crate::support::{
    Scenario, campaign, date, local_start, plan, rotation, segment, segment_ids, station, windows,
};
use loa::domain::{Order, Priority};

/// Three campaigns fighting over the same minutes: overlapping slots every five
/// minutes, a priority campaign on top, and a long slot running past a window's end.
fn crowded() -> Scenario {
    Scenario::province()
        .station(station("01834"))
        .station(station("01837"))
        .segment(segment("a", 45))
        .segment(segment("b", 70))
        .segment(segment("c", 100))
        .segment(segment("p1", 50))
        .segment(segment("p2", 20))
        .campaign(
            campaign("hoc-tap")
                .pool(&["a", "b", "c"])
                .rotation(rotation(&["*/5 5,6,17 * * *"], 600).spacing(1)),
        )
        .campaign(
            campaign("sach")
                .priority(Priority::Priority)
                .pool(&["p1", "p2"])
                .rotation(rotation(&["30 5 * * *", "0 17 * * *"], 300))
                .rotation(rotation(&["*/7 5 * * *"], 120).order(Order::Shuffle { seed: 3 })),
        )
        .campaign(
            campaign("ca-nuoc")
                .areas(&["058"])
                .pool(&["a", "p2"])
                .rotation(rotation(&["15 6 * * *"], 1800)),
        )
}

#[test]
fn items_never_overlap_even_when_slots_compete() {
    let inputs = crowded().build();
    let cases = [("01834", "2026-10-05", 14), ("01837", "2026-09-28", 7)];
    for (code, from, days) in cases {
        let items = plan(&inputs, code, from, days).playlist.items;
        assert_no_overlap(&items);
        // Every active day has items of all three campaigns, so they did compete.
        let mut per_day: BTreeMap<NaiveDate, BTreeSet<usize>> = BTreeMap::new();
        for item in &items {
            per_day
                .entry(local_date(item))
                .or_default()
                .insert(item.campaign);
        }
        let first_active = date(from).max(date("2026-10-01"));
        let expected_days =
            (date(from) + chrono::Duration::days(i64::from(days)) - first_active).num_days();
        assert_eq!(per_day.len() as i64, expected_days, "{code} from {from}");
        for (day, campaigns) in per_day {
            assert_eq!(campaigns, BTreeSet::from([0, 1, 2]), "{code} on {day}");
        }
    }
}

#[test]
fn nothing_airs_outside_the_station_windows() {
    let everyday = [("*", "05:30-06:30"), ("*", "17:00-18:00")];
    let narrowed = [("*", "05:45-06:15"), ("Sat-Sun", "17:00-17:30")];
    let weekdays = [("Mon-Fri", "05:30-06:30"), ("Mon-Fri", "17:00-18:00")];
    let all: Vec<Weekday> = (0..7)
        .map(|d| Weekday::try_from(d).expect("weekday"))
        .collect();
    let mon_fri = all[..5].to_vec();
    let cases = [
        (
            "inherited from the province",
            Scenario::province().station(station("01834")),
            &everyday[..],
            "05:30:00",
            all.clone(),
            all.clone(),
        ),
        (
            "narrowed by the station",
            Scenario::province().station(station("01834").windows(&narrowed)),
            &narrowed[..],
            "05:45:00",
            all.clone(),
            vec![Weekday::Sat, Weekday::Sun],
        ),
        (
            "Monday to Friday on the district",
            Scenario::province()
                .area_windows("058", &weekdays)
                .station(station("01834")),
            &weekdays[..],
            "05:30:00",
            mon_fri.clone(),
            mon_fri,
        ),
    ];
    for (name, scenario, expected_windows, first_start, days_with_items, days_with_evening) in cases
    {
        let inputs = scenario
            .segment(segment("a", 60))
            .segment(segment("b", 90))
            .segment(segment("c", 45))
            .campaign(
                campaign("hoc-tap")
                    .pool(&["a", "b", "c"])
                    .rotation(rotation(&["0 5 * * *", "10 17 * * *", "50 17 * * *"], 3600)),
            )
            .build();
        let items = plan(&inputs, "01834", "2026-10-05", 14).playlist.items;
        assert_all(&inputs, &windows(expected_windows), &items);
        assert_eq!(
            local_start(&items[0]).format("%H:%M:%S").to_string(),
            first_start,
            "{name}"
        );
        let weekdays_of = |evening: bool| -> BTreeSet<u32> {
            items
                .iter()
                .filter(|i| !evening || local_start(i).hour() >= 17)
                .map(|i| local_date(i).weekday().num_days_from_monday())
                .collect()
        };
        let expect = |days: &[Weekday]| {
            days.iter()
                .map(Weekday::num_days_from_monday)
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(weekdays_of(false), expect(&days_with_items), "{name}");
        assert_eq!(weekdays_of(true), expect(&days_with_evening), "{name}");
    }
}

#[test]
fn segments_air_only_inside_their_validity_and_campaign_dates() {
    let inputs = Scenario::province()
        .station(station("01834"))
        .segment(segment("a", 30).valid(Some("2026-10-03"), Some("2026-10-06")))
        .segment(segment("b", 30).valid(Some("2026-10-05"), None))
        .segment(segment("c", 30).valid(None, Some("2026-10-03")))
        .segment(segment("d", 30))
        .campaign(
            campaign("hoc-tap")
                .dates("2026-10-02", "2026-10-08")
                .pool(&["a", "b", "c", "d"])
                .rotation(rotation(&["30 5 * * *"], 240)),
        )
        .build();
    let items = plan(&inputs, "01834", "2026-09-28", 14).playlist.items;
    assert_dates_respected(&inputs, &items);
    let mut aired: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    for item in &items {
        aired
            .entry(inputs.segment(item.segment).id.as_str())
            .or_default()
            .insert(local_date(item).day());
    }
    let expected = BTreeMap::from([
        ("a", BTreeSet::from([3, 4, 5, 6])),
        ("b", BTreeSet::from([5, 6, 7, 8])),
        ("c", BTreeSet::from([2, 3])),
        ("d", BTreeSet::from([2, 3, 4, 5, 6, 7, 8])),
    ]);
    assert_eq!(aired, expected);
}

#[test]
fn a_segment_that_does_not_fit_is_skipped_not_cut() {
    // (slot seconds, pool durations in seconds, what airs in the first slot)
    let cases: [(u32, [u32; 3], &[&str]); 5] = [
        (60, [40, 30, 15], &["s0", "s2"]),
        (90, [40, 30, 15], &["s0", "s1", "s2"]),
        (30, [40, 30, 15], &["s1"]),
        (20, [40, 30, 15], &["s2"]),
        (10, [40, 30, 15], &[]),
    ];
    for (slot, durations, expected) in cases {
        let mut scenario = Scenario::province().station(station("01834"));
        for (i, seconds) in durations.iter().enumerate() {
            scenario = scenario.segment(segment(&format!("s{i}"), *seconds));
        }
        let inputs = scenario
            .campaign(
                campaign("hoc-tap")
                    .dates("2026-10-05", "2026-10-31")
                    .pool(&["s0", "s1", "s2"])
                    .rotation(rotation(&["30 5 * * *"], slot)),
            )
            .build();
        let items = plan(&inputs, "01834", "2026-10-05", 1).playlist.items;
        assert_eq!(segment_ids(&inputs, &items), expected, "slot of {slot} s");
        assert_not_cut(&inputs, &items);
        // Back to back from the slot's start.
        let mut at = date("2026-10-05").and_hms_opt(5, 30, 0).expect("time");
        for item in &items {
            assert_eq!(local_start(item), at, "slot of {slot} s");
            at += chrono::Duration::milliseconds(i64::from(item.duration_ms));
        }
    }
}

#[test]
fn crontab_day_fields_mean_what_crontab5_says() {
    // 2026-10-05 is a Monday; 14 days reach Sunday 2026-10-18.
    let cases: [(&str, &[u32]); 6] = [
        ("30 5 * * 1-5", &[5, 6, 7, 8, 9, 12, 13, 14, 15, 16]),
        ("0 17 * * 0", &[11, 18]),
        ("0 17 * * 7", &[11, 18]),
        ("0 17 * * sat,sun", &[10, 11, 17, 18]),
        ("0 6 15 * *", &[15]),
        // Both day fields restricted: a day matches if either does.
        ("0 6 15 * 1", &[5, 12, 15]),
    ];
    for (rule, expected_days) in cases {
        let inputs = Scenario::province()
            .station(station("01834"))
            .segment(segment("a", 30))
            .campaign(
                campaign("hoc-tap")
                    .pool(&["a"])
                    .rotation(rotation(&[rule], 30)),
            )
            .build();
        let items = plan(&inputs, "01834", "2026-10-05", 14).playlist.items;
        let days: Vec<u32> = items.iter().map(|i| local_date(i).day()).collect();
        assert_eq!(days, expected_days, "{rule}");
        let minute = rule.split(' ').next().expect("minute field");
        for item in &items {
            assert_eq!(local_start(item).minute().to_string(), minute, "{rule}");
        }
    }
}
