//! Checks of what must hold for every compiled playlist, shared by the example tests
//! and the property tests. Each panics with the offending items.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Timelike};
use loa::domain::{Inputs, Item, Windows};

use crate::support::{TZ, local_start};

/// Local date of an item's start.
pub fn local_date(item: &Item) -> NaiveDate {
    local_start(item).date()
}

/// Items are sorted by start and each ends before (or when) the next starts.
pub fn assert_no_overlap(items: &[Item]) {
    for pair in items.windows(2) {
        assert!(
            pair[0].end() <= pair[1].start,
            "items overlap or are out of order: {:?} then {:?}",
            pair[0],
            pair[1]
        );
    }
}

/// Every item lies whole inside one window range of its local weekday.
pub fn assert_within(windows: &Windows, items: &[Item]) {
    for item in items {
        let start = item.start.with_timezone(&TZ);
        let end = item.end().with_timezone(&TZ);
        let ms = |t: chrono::DateTime<chrono_tz::Tz>, day: NaiveDate| {
            (t.date_naive() - day).num_milliseconds()
                + i64::from(t.num_seconds_from_midnight()) * 1000
                + i64::from(t.nanosecond() / 1_000_000)
        };
        let day = start.date_naive();
        let (a, b) = (ms(start, day), ms(end, day));
        let inside = windows
            .ranges_on(day.weekday())
            .iter()
            .any(|&(s, e)| i64::from(s) * 60_000 <= a && b <= i64::from(e) * 60_000);
        assert!(
            inside,
            "item {start} to {end} ({}) is outside the windows {windows}",
            day.weekday()
        );
    }
}

/// Every item's segment is valid on the item's local date, and its campaign runs then.
pub fn assert_dates_respected(inputs: &Inputs, items: &[Item]) {
    for item in items {
        let day = local_date(item);
        let segment = inputs.segment(item.segment);
        assert!(
            segment.is_valid_on(day),
            "{} airs on {day}, outside its validity",
            segment.id
        );
        let c = &inputs.campaigns()[item.campaign];
        assert!(
            c.is_active_on(day),
            "{} airs on {day}, outside campaign {}",
            segment.id,
            c.id
        );
    }
}

/// Every item lasts exactly its segment's duration: nothing is cut.
pub fn assert_not_cut(inputs: &Inputs, items: &[Item]) {
    for item in items {
        assert_eq!(
            item.duration_ms,
            inputs.segment(item.segment).duration_ms,
            "{item:?}"
        );
    }
}

/// The items of each rotation, in start order, keyed by (campaign, rotation).
pub fn by_rotation(items: &[Item]) -> HashMap<(usize, usize), Vec<&Item>> {
    let mut out: HashMap<(usize, usize), Vec<&Item>> = HashMap::new();
    for item in items {
        out.entry((item.campaign, item.rotation))
            .or_default()
            .push(item);
    }
    out
}

/// No message (translation group) repeats within `spacing` airings of its rotation.
/// With `same_day_only`, only airings on the same local date are compared.
pub fn assert_spacing(inputs: &Inputs, items: &[Item], same_day_only: bool) {
    for ((c, r), aired) in by_rotation(items) {
        let spacing = inputs.campaigns()[c].rotations[r].spacing as usize;
        for (i, item) in aired.iter().enumerate() {
            let message = &inputs.segment(item.segment).group;
            for earlier in &aired[i.saturating_sub(spacing)..i] {
                if same_day_only && local_date(earlier) != local_date(item) {
                    continue;
                }
                assert_ne!(
                    &inputs.segment(earlier.segment).group,
                    message,
                    "message repeats within {spacing} airings: {} at {} and again at {}",
                    inputs.segment(earlier.segment).id,
                    local_start(earlier),
                    local_start(item)
                );
            }
        }
    }
}

/// Every guarantee that holds for any playlist at any station.
pub fn assert_all(inputs: &Inputs, windows: &Windows, items: &[Item]) {
    assert_no_overlap(items);
    assert_within(windows, items);
    assert_dates_respected(inputs, items);
    assert_not_cut(inputs, items);
}
