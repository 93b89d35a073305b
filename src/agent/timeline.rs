//! What the agent should do next, as plain functions over the items it holds: play an
//! item now, record it as missed, or wait. Also the station's fallback rotation, for
//! days beyond the playlist's horizon. No I/O and no clock: `now` is an argument.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// One item the agent may play, as it holds it (from the playlist or the fallback
/// rotation).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanItem {
    /// Stable id (the server's, or derived for fallback items).
    pub id: String,
    /// Planned start, ms since the epoch (server time).
    pub start_ms: i64,
    /// Length, ms.
    pub duration_ms: u32,
    /// Segment id.
    pub segment: String,
    /// SHA-256 of the audio.
    pub sha256: String,
    /// Size of the audio file, bytes.
    pub size_bytes: i64,
    /// Gain to apply, dB.
    pub gain_db: f64,
    /// Campaign id.
    pub campaign: String,
    /// Made by the fallback rotation, not by the server.
    pub fallback: bool,
    /// A relay: the live stream to play for the item's length (the segment is then
    /// the fallback).
    pub relay: Option<String>,
}

impl PlanItem {
    /// Planned end, ms since the epoch.
    pub fn end_ms(&self) -> i64 {
        self.start_ms + i64::from(self.duration_ms)
    }
}

/// The next thing to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Next<'a> {
    /// Start this item now.
    Play(&'a PlanItem),
    /// Too late to start this item: record it as missed.
    Miss(&'a PlanItem),
    /// Nothing to do before this instant (`None`: nothing planned at all).
    Wait(Option<i64>),
}

/// Decides what to do at `now_ms` with `items` (sorted by start). Items planned before
/// `since_ms` (before this agent first ran) and items in `done` are not considered.
/// An item may start up to `grace_ms` after its planned start, unless the next item's
/// start has come too (no start moves because another was late: a late item is cut
/// where the next begins, so one whose successor is already due is missed); later it
/// is missed.
pub fn next<'a>(
    items: &'a [PlanItem],
    now_ms: i64,
    grace_ms: i64,
    since_ms: i64,
    done: &HashSet<String>,
) -> Next<'a> {
    let first = items.partition_point(|i| i.start_ms < since_ms);
    for (i, item) in items.iter().enumerate().skip(first) {
        if done.contains(&item.id) {
            continue;
        }
        if now_ms > item.start_ms + grace_ms {
            return Next::Miss(item);
        }
        if now_ms >= item.start_ms {
            let superseded =
                next_start_after(&items[i + 1..], item.start_ms, done).is_some_and(|t| t <= now_ms);
            return if superseded {
                Next::Miss(item)
            } else {
                Next::Play(item)
            };
        }
        return Next::Wait(Some(item.start_ms));
    }
    Next::Wait(None)
}

/// The planned start of the first item of `items` (sorted by start) that starts after
/// `start_ms` and is not in `done`: where an item starting at `start_ms` must end at
/// the latest.
pub fn next_start_after(items: &[PlanItem], start_ms: i64, done: &HashSet<String>) -> Option<i64> {
    items
        .iter()
        .filter(|i| i.start_ms > start_ms && !done.contains(&i.id))
        .map(|i| i.start_ms)
        .next()
}

/// The items to air on the local dates `from ..= until` beyond a playlist that ends
/// before them: each day repeats, at the same local times, the last day of the
/// playlist that fell on the same weekday (or, if the playlist is shorter than a week,
/// its last day with items). Ids are derived from the station, the start and the audio,
/// so they are stable across restarts.
pub fn fallback_rotation(
    station: &str,
    tz: Tz,
    items: &[PlanItem],
    from: NaiveDate,
    until: NaiveDate,
) -> Vec<PlanItem> {
    let local_date = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .map(|t| t.with_timezone(&tz).date_naive())
            .unwrap_or(from)
    };
    let served: Vec<(NaiveDate, &PlanItem)> = items
        .iter()
        .filter(|i| !i.fallback)
        .map(|i| (local_date(i.start_ms), i))
        .collect();
    let Some(last) = served.iter().map(|(d, _)| *d).max() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut day = from;
    while day <= until {
        let source = (0..7)
            .filter_map(|back| last.checked_sub_days(Days::new(back)))
            .find(|d| d.weekday() == day.weekday() && served.iter().any(|(sd, _)| sd == d))
            .unwrap_or(last);
        for (_, item) in served.iter().filter(|(d, _)| *d == source) {
            let Some(start) = shift_to(item.start_ms, tz, source, day) else {
                continue;
            };
            out.push(PlanItem {
                id: fallback_id(station, start, &item.sha256),
                start_ms: start,
                fallback: true,
                ..(*item).clone()
            });
        }
        match day.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    out.sort_by_key(|i| i.start_ms);
    out
}

/// The instant with the same local time of day as `ms` (on `from`), on `to`.
fn shift_to(ms: i64, tz: Tz, from: NaiveDate, to: NaiveDate) -> Option<i64> {
    let local = DateTime::<Utc>::from_timestamp_millis(ms)?
        .with_timezone(&tz)
        .naive_local();
    let shifted = to.and_time(local.time()) + (local.date() - from);
    tz.from_local_datetime(&shifted)
        .earliest()
        .map(|t| t.timestamp_millis())
}

fn fallback_id(station: &str, start_ms: i64, sha256: &str) -> String {
    crate::domain::fallback_item_id(station, start_ms, sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, start_ms: i64) -> PlanItem {
        PlanItem {
            id: id.to_owned(),
            start_ms,
            duration_ms: 1000,
            segment: "s".to_owned(),
            sha256: "ab".repeat(32),
            size_bytes: 10,
            gain_db: 0.0,
            campaign: "c".to_owned(),
            fallback: false,
            relay: None,
        }
    }

    #[test]
    fn plays_within_grace_misses_after_waits_before() {
        let items = vec![item("a", 10_000), item("b", 20_000)];
        let done = HashSet::new();
        assert_eq!(next(&items, 5_000, 60, 0, &done), Next::Wait(Some(10_000)));
        assert_eq!(next(&items, 10_000, 60, 0, &done), Next::Play(&items[0]));
        assert_eq!(next(&items, 10_060, 60, 0, &done), Next::Play(&items[0]));
        assert_eq!(next(&items, 10_061, 60, 0, &done), Next::Miss(&items[0]));
        let done: HashSet<String> = ["a".to_owned()].into();
        assert_eq!(next(&items, 10_061, 60, 0, &done), Next::Wait(Some(20_000)));
        assert_eq!(
            next(&items, 10_061, 60, 15_000, &HashSet::new()),
            Next::Wait(Some(20_000))
        );
        let all: HashSet<String> = ["a".to_owned(), "b".to_owned()].into();
        assert_eq!(next(&items, 0, 60, 0, &all), Next::Wait(None));
    }

    #[test]
    fn a_late_item_whose_successor_is_due_too_is_missed_not_replayed() {
        // Back to back every 3 s; the agent comes back at 10 s, grace 60 s.
        let items: Vec<PlanItem> = (0..5).map(|n| item(&format!("i{n}"), n * 3_000)).collect();
        let done = HashSet::new();
        // i0..i2 are all due; only i3 (started at 9 s, next at 12 s) may still play.
        assert_eq!(
            next(&items, 10_000, 60_000, 0, &done),
            Next::Miss(&items[0])
        );
        let done: HashSet<String> = ["i0", "i1", "i2"].map(str::to_owned).into();
        assert_eq!(
            next(&items, 10_000, 60_000, 0, &done),
            Next::Play(&items[3])
        );
        assert_eq!(next_start_after(&items, 9_000, &done), Some(12_000));
        let all: HashSet<String> = ["i4"].map(str::to_owned).into();
        assert_eq!(next_start_after(&items, 9_000, &all), None);
    }

    #[test]
    fn fallback_repeats_the_same_weekday_at_the_same_local_time() {
        let tz: Tz = "Asia/Ho_Chi_Minh".parse().expect("tz");
        let at = |d: &str, h: u32, m: u32| {
            let date: NaiveDate = d.parse().expect("date");
            tz.from_local_datetime(&date.and_hms_opt(h, m, 0).expect("time"))
                .single()
                .expect("instant")
                .timestamp_millis()
        };
        // 2026-12-01 is a Tuesday; the playlist covers 1..=8 December.
        let mut items = Vec::new();
        for day in 1..=8 {
            items.push(item(
                &format!("m{day}"),
                at(&format!("2026-12-{day:02}"), 5, 30 + day),
            ));
        }
        let fb = fallback_rotation(
            "S1",
            tz,
            &items,
            "2026-12-09".parse().expect("date"),
            "2026-12-10".parse().expect("date"),
        );
        // 9 December (Wednesday) copies 2 December, 10 December copies 3 December.
        assert_eq!(fb.len(), 2);
        assert_eq!(fb[0].start_ms, at("2026-12-09", 5, 32));
        assert_eq!(fb[1].start_ms, at("2026-12-10", 5, 33));
        assert!(fb.iter().all(|i| i.fallback && i.id.starts_with("fb-")));
        let again = fallback_rotation(
            "S1",
            tz,
            &items,
            "2026-12-09".parse().expect("date"),
            "2026-12-10".parse().expect("date"),
        );
        assert_eq!(fb, again);
    }
}
