//! How rotations walk their pools: order, spacing, and the determinism that lets a
//! rolling horizon recompile without reshuffling what is already planned.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;

use super::invariants::{assert_all, assert_spacing, by_rotation, local_date};
use crate::support::{
    Scenario, campaign, date, plan, rotation, segment, segment_ids, segment_ms, station, windows,
};
use loa::domain::{Order, Priority};

/// Several campaigns and orders, language variants, uneven durations, validity limits
/// and spacing: enough that any hidden dependence on compile state would show.
fn busy_province() -> Scenario {
    Scenario::province()
        .station(station("01834").languages(&["tyz", "vi"]))
        .station(station("01837"))
        .segment(segment_ms("tuan-vi", 41_300).group("tuan"))
        .segment(segment_ms("tuan-tyz", 47_800).lang("tyz").group("tuan"))
        .segment(segment("sach", 30))
        .segment(segment("doc", 15).valid(Some("2026-10-09"), Some("2026-10-20")))
        .segment(segment("thu-vien", 52))
        .segment(segment("bao", 90))
        .segment(segment("khan", 20))
        .campaign(
            campaign("hoc-tap")
                .weighted_pool(&[("tuan-vi", 3), ("sach", 1), ("doc", 2), ("thu-vien", 1)])
                .rotation(
                    rotation(&["30 5 * * *", "0 17 * * 1-5"], 180)
                        .order(Order::Weighted)
                        .spacing(1),
                )
                .rotation(
                    rotation(&["*/20 17 * * *"], 240)
                        .order(Order::Shuffle { seed: 11 })
                        .spacing(2),
                ),
        )
        .campaign(
            campaign("ngay-sach")
                .dates("2026-10-08", "2026-10-25")
                .priority(Priority::Priority)
                .pool(&["bao", "khan", "sach"])
                .rotation(rotation(&["0 6 * * *", "10 17 * * 0,6"], 150).spacing(1)),
        )
}

#[test]
fn same_inputs_give_equal_playlists_versions_and_ids() {
    for code in ["01834", "01837"] {
        let first = plan(&busy_province().build(), code, "2026-10-05", 14);
        let again = plan(&busy_province().build(), code, "2026-10-05", 14);
        assert_eq!(first, again, "{code}");
        assert_eq!(first.playlist.version, again.playlist.version);
        assert_eq!(first.playlist.version.len(), 64, "hex SHA-256");
        assert!(
            first.playlist.items.len() > 100,
            "{code}: {}",
            first.playlist.items.len()
        );
        let ids: BTreeSet<_> = first.playlist.items.iter().map(|i| i.id).collect();
        assert_eq!(
            ids.len(),
            first.playlist.items.len(),
            "{code}: item ids are unique"
        );
    }
    let a = plan(&busy_province().build(), "01834", "2026-10-05", 14);
    let b = plan(&busy_province().build(), "01837", "2026-10-05", 14);
    assert_ne!(
        a.playlist.version, b.playlist.version,
        "stations get different plans"
    );
}

#[test]
fn version_changes_when_what_airs_changes() {
    let base = plan(&busy_province().build(), "01837", "2026-10-05", 14).playlist;
    let unused = busy_province().segment(segment("them", 10));
    let unchanged = plan(&unused.build(), "01837", "2026-10-05", 14).playlist;
    assert_eq!(
        base, unchanged,
        "a segment no campaign uses changes nothing"
    );
    // One priority item at 06:05 on 12/10.
    let added = busy_province().campaign(
        campaign("them")
            .priority(Priority::Priority)
            .pool(&["khan"])
            .rotation(rotation(&["5 6 12 10 *"], 20)),
    );
    let changed = plan(&added.build(), "01837", "2026-10-05", 14).playlist;
    assert_ne!(base.version, changed.version);
    assert_eq!(changed.items.len(), base.items.len() + 1);
    // Days before the change keep their items and ids.
    let before = |items: &[loa::domain::Item]| -> Vec<_> {
        items
            .iter()
            .filter(|i| local_date(i) < date("2026-10-12"))
            .cloned()
            .collect()
    };
    assert_eq!(before(&base.items), before(&changed.items));
}

#[test]
fn a_rolling_horizon_keeps_the_overlapping_days_identical() {
    let inputs = busy_province().build();
    for code in ["01834", "01837"] {
        for shift in [1, 3, 7] {
            let early = plan(&inputs, code, "2026-10-05", 14).playlist.items;
            let from = date("2026-10-05") + Duration::days(shift);
            let late_from = from.format("%Y-%m-%d").to_string();
            let late = plan(&inputs, code, &late_from, 14).playlist.items;
            let end = date("2026-10-19");
            let overlap = |items: &[loa::domain::Item]| -> Vec<loa::domain::Item> {
                items
                    .iter()
                    .filter(|i| (from..end).contains(&local_date(i)))
                    .cloned()
                    .collect()
            };
            let (a, b) = (overlap(&early), overlap(&late));
            assert!(a.len() > 50, "{code} +{shift}: {}", a.len());
            assert_eq!(a, b, "{code} shifted by {shift} days");
        }
    }
}

#[test]
fn spacing_holds_within_every_day_of_a_fourteen_day_plan() {
    // Each day's walk starts from the calendar (so a rolling horizon is stable) and
    // seeds spacing from the sequence the calendar expects before it, not from what
    // really aired; across midnight the two can differ, so this checks within days.
    let inputs = busy_province().build();
    for code in ["01834", "01837"] {
        let items = plan(&inputs, code, "2026-10-05", 14).playlist.items;
        assert_all(
            &inputs,
            &windows(&[("*", "05:30-06:30"), ("*", "17:00-18:00")]),
            &items,
        );
        assert_spacing(&inputs, &items, true);
        assert_eq!(by_rotation(&items).len(), 3, "{code}: all rotations aired");
    }
}

#[test]
fn spacing_carries_across_midnight_when_days_air_what_the_calendar_expects() {
    // Weighted 2:1:1 walks a, b, c, a | a, b, c, a: every other day starts right after
    // an `a`, and one slot holds exactly one segment.
    let inputs = Scenario::province()
        .station(station("01834"))
        .segment(segment("a", 30))
        .segment(segment("b", 30))
        .segment(segment("c", 30))
        .campaign(
            campaign("hoc-tap")
                .dates("2026-10-05", "2026-10-31")
                .weighted_pool(&[("a", 2), ("b", 1), ("c", 1)])
                .rotation(
                    rotation(&["30 5 * * *", "0 17 * * *"], 30)
                        .order(Order::Weighted)
                        .spacing(1),
                ),
        )
        .build();
    let items = plan(&inputs, "01834", "2026-10-05", 14).playlist.items;
    assert_eq!(items.len(), 28);
    assert_eq!(
        segment_ids(&inputs, &items[..8]),
        ["a", "b", "c", "a", "b", "a", "c", "a"]
    );
    assert_spacing(&inputs, &items, false);
}

#[test]
fn spacing_counts_airings_in_time_order_when_slots_of_a_rotation_overlap() {
    // The 06:03 slot lies inside the 06:00 one, and a priority item at 06:05 leaves 20 s
    // free before it. Filling that leftover after 06:06-06:15 would put `c` right after `c`.
    let inputs = Scenario::province()
        .station(station("01834"))
        .segment(segment("a", 60))
        .segment(segment("b", 60))
        .segment(segment("c", 20))
        .segment(segment("p", 60))
        .campaign(
            campaign("hoc-tap")
                .dates("2026-10-05", "2026-10-31")
                .pool(&["a", "b", "c"])
                .rotation(rotation(&["0,3 6 * * *"], 900).spacing(1)),
        )
        .campaign(
            campaign("ngay-sach")
                .priority(Priority::Priority)
                .pool(&["p"])
                .rotation(rotation(&["5 6 * * *"], 60)),
        )
        .build();
    let items = plan(&inputs, "01834", "2026-10-05", 1).playlist.items;
    assert_all(
        &inputs,
        &windows(&[("*", "05:30-06:30"), ("*", "17:00-18:00")]),
        &items,
    );
    assert_spacing(&inputs, &items, false);
    let ids = segment_ids(&inputs, &items);
    assert_eq!(ids[..7], ["a", "b", "c", "a", "b", "c", "p"], "{ids:?}");
}

#[test]
fn sequential_follows_the_pool_order() {
    let inputs = Scenario::province()
        .station(station("01834"))
        .segment(segment("a", 30))
        .segment(segment("b", 30))
        .segment(segment("c", 30))
        .segment(segment("d", 30))
        .campaign(
            campaign("hoc-tap")
                .dates("2026-10-05", "2026-10-31")
                .pool(&["a", "b", "c", "d"])
                .rotation(rotation(&["30 5 * * *", "0 17 * * *"], 60)),
        )
        .build();
    let items = plan(&inputs, "01834", "2026-10-05", 3).playlist.items;
    assert_eq!(
        segment_ids(&inputs, &items),
        "abcdabcdabcd"
            .split("")
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    );
    // Compiling from the middle starts where the calendar says, not at the pool's head.
    let later = plan(&inputs, "01834", "2026-10-06", 1).playlist.items;
    assert_eq!(segment_ids(&inputs, &later), ["a", "b", "c", "d"]);
    let third = plan(&inputs, "01834", "2026-10-07", 1).playlist.items;
    assert_eq!(segment_ids(&inputs, &third), ["a", "b", "c", "d"]);
}

#[test]
fn weighted_airs_each_entry_in_proportion_to_its_weight() {
    let inputs = Scenario::province()
        .station(station("01834"))
        .segment(segment("a", 30))
        .segment(segment("b", 30))
        .segment(segment("c", 30))
        .campaign(
            campaign("hoc-tap")
                .weighted_pool(&[("a", 3), ("b", 1), ("c", 2)])
                .rotation(rotation(&["*/10 17 * * *"], 30).order(Order::Weighted)),
        )
        .build();
    let items = plan(&inputs, "01834", "2026-10-05", 30).playlist.items;
    assert_eq!(items.len(), 180);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in segment_ids(&inputs, &items) {
        *counts.entry(id).or_default() += 1;
    }
    assert_eq!(counts, BTreeMap::from([("a", 90), ("b", 30), ("c", 60)]));
    // Spread evenly, not in runs: every six consecutive airings hold 3, 1 and 2.
    for window in segment_ids(&inputs, &items).windows(6) {
        let count = |id: &str| window.iter().filter(|&&w| w == id).count();
        assert_eq!(
            (count("a"), count("b"), count("c")),
            (3, 1, 2),
            "{window:?}"
        );
    }
}

fn shuffled(seed: u64, code: &str) -> Vec<String> {
    let mut scenario = Scenario::province()
        .station(station("01834"))
        .station(station("01837"));
    for i in 0..5 {
        scenario = scenario.segment(segment(&format!("s{i}"), 30));
    }
    let inputs = scenario
        .campaign(
            campaign("hoc-tap")
                .dates("2026-10-05", "2026-10-31")
                .pool(&["s0", "s1", "s2", "s3", "s4"])
                .rotation(rotation(&["*/12 17 * * *"], 30).order(Order::Shuffle { seed })),
        )
        .build();
    let items = plan(&inputs, code, "2026-10-05", 6).playlist.items;
    segment_ids(&inputs, &items)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[test]
fn shuffle_is_reproducible_per_seed_and_differs_between_seeds() {
    let first = shuffled(7, "01834");
    assert_eq!(first.len(), 30);
    assert_eq!(first, shuffled(7, "01834"), "same seed, same order");
    assert_ne!(first, shuffled(8, "01834"), "another seed, another order");
    assert_ne!(
        first,
        shuffled(7, "01837"),
        "another station, another order"
    );
    // Each pass (five slots a day) airs every entry once, in a fresh order.
    let passes: Vec<&[String]> = first.chunks(5).collect();
    for pass in &passes {
        let set: BTreeSet<&str> = pass.iter().map(String::as_str).collect();
        assert_eq!(
            set,
            BTreeSet::from(["s0", "s1", "s2", "s3", "s4"]),
            "{pass:?}"
        );
    }
    let distinct: BTreeSet<&[String]> = passes.iter().copied().collect();
    assert!(
        distinct.len() > 1,
        "passes should not all be in the same order: {passes:?}"
    );
    let sequential: Vec<String> = (0..5).map(|i| format!("s{i}")).collect();
    assert!(
        passes.iter().any(|p| *p != sequential.as_slice()),
        "{passes:?}"
    );
}
