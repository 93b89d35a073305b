//! Who gets the time and what each station hears: priority before normal, and the
//! variant in the station's language with Vietnamese as the fallback.

use std::collections::BTreeSet;

use super::invariants::assert_all;
use crate::support::{
    Scenario, campaign, plan, rotation, segment, segment_ids, station, timeline, windows,
};
use loa::domain::Priority;

#[test]
fn priority_items_go_first_when_slots_start_at_the_same_minute() {
    // The normal campaign is listed first, so input order would favour it.
    let inputs = Scenario::province()
        .station(station("01834"))
        .segment(segment("thuong", 60))
        .segment(segment("uu-tien", 60))
        .campaign(
            campaign("hoc-tap")
                .pool(&["thuong"])
                .rotation(rotation(&["0 6 * * *"], 120)),
        )
        .campaign(
            campaign("ngay-sach")
                .priority(Priority::Priority)
                .pool(&["uu-tien"])
                .rotation(rotation(&["0 6 * * *"], 60)),
        )
        .build();
    let items = plan(&inputs, "01834", "2026-10-05", 2).playlist.items;
    assert_eq!(
        timeline(&inputs, &items),
        [
            "10-05 06:00:00 uu-tien",
            "10-05 06:01:00 thuong",
            "10-06 06:00:00 uu-tien",
            "10-06 06:01:00 thuong",
        ]
    );
    assert_eq!(items[0].priority, Priority::Priority);
    assert_eq!(items[1].priority, Priority::Normal);
}

#[test]
fn a_priority_slot_inside_a_normal_slot_keeps_its_time() {
    let inputs = Scenario::province()
        .station(station("01834"))
        .segment(segment("thuong", 120))
        .segment(segment("uu-tien", 60))
        .campaign(
            campaign("hoc-tap")
                .pool(&["thuong"])
                .rotation(rotation(&["0 6 * * *"], 900)),
        )
        .campaign(
            campaign("ngay-sach")
                .priority(Priority::Priority)
                .pool(&["uu-tien"])
                .rotation(rotation(&["5 6 * * *"], 60)),
        )
        .build();
    let items = plan(&inputs, "01834", "2026-10-05", 1).playlist.items;
    // Normal fills 06:00-06:05 and 06:06-06:15 around it; a 2-minute segment does not
    // fit in the last minute of either stretch.
    assert_eq!(
        timeline(&inputs, &items),
        [
            "10-05 06:00:00 thuong",
            "10-05 06:02:00 thuong",
            "10-05 06:05:00 uu-tien",
            "10-05 06:06:00 thuong",
            "10-05 06:08:00 thuong",
            "10-05 06:10:00 thuong",
            "10-05 06:12:00 thuong",
        ]
    );
}

#[test]
fn each_station_hears_its_language_with_vietnamese_as_fallback() {
    let inputs = Scenario::province()
        .station(station("01834").languages(&["tyz", "vi"]))
        .station(station("01837"))
        .station(station("01840").languages(&["hmn", "tyz"]))
        // "tuan" exists in Vietnamese and Tày; the pool lists the Tày recording.
        .segment(segment("tuan-vi", 35).group("tuan"))
        .segment(segment("tuan-tyz", 35).lang("tyz").group("tuan"))
        // "sach" exists only in Vietnamese. A 100 s slot holds one pass of the pool.
        .segment(segment("sach-vi", 40))
        // "cho" exists only in Tày.
        .segment(segment("cho-tyz", 25).lang("tyz"))
        .campaign(
            campaign("hoc-tap")
                .name("Tuần lễ học tập suốt đời")
                .pool(&["tuan-tyz", "sach-vi", "cho-tyz"])
                .rotation(rotation(&["30 5 * * *"], 100)),
        )
        .build();
    // (station, segments it airs, pool segments it has no variant for)
    let cases: [(&str, &[&str], &[&str]); 3] = [
        ("01834", &["cho-tyz", "sach-vi", "tuan-tyz"], &[]),
        ("01837", &["sach-vi", "tuan-vi"], &["cho-tyz"]),
        ("01840", &["cho-tyz", "sach-vi", "tuan-tyz"], &[]),
    ];
    for (code, airs, missing) in cases {
        let compiled = plan(&inputs, code, "2026-10-05", 3);
        let items = &compiled.playlist.items;
        assert_all(
            &inputs,
            &windows(&[("*", "05:30-06:30"), ("*", "17:00-18:00")]),
            items,
        );
        let aired: BTreeSet<&str> = segment_ids(&inputs, items).into_iter().collect();
        assert_eq!(aired, airs.iter().copied().collect(), "{code}");
        assert_eq!(
            items.len(),
            3 * airs.len(),
            "{code}: every variant it has airs daily"
        );

        let gaps: Vec<_> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.kind() == "no_language_variant")
            .collect();
        assert_eq!(gaps.len(), missing.len(), "{code}: {gaps:?}");
        for (diagnostic, segment) in gaps.iter().zip(missing) {
            assert_eq!(diagnostic.station(), code);
            assert_eq!(diagnostic.date(), crate::support::date("2026-10-05"));
            let text = diagnostic.to_string();
            for needle in [
                code,
                "05/10/2026",
                segment,
                "Tuần lễ học tập suốt đời",
                "tiếng Việt",
            ] {
                assert!(text.contains(needle), "{text} should name {needle}");
            }
        }
    }
}
