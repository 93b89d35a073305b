//! Local days of a time zone as UTC ranges: runs of days with one offset, so SQL can
//! turn an instant into its local day with one addition and one division.

use chrono::{Days, NaiveDate, TimeZone};
use chrono_tz::Tz;

/// A day in milliseconds.
pub(super) const DAY_MS: i64 = 86_400_000;

/// Days from `from` to `until` with one UTC offset: `[start_ms, end_ms)`, and either
/// the offset (ms) that turns an instant into its local day, or the one day it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Run {
    pub start_ms: i64,
    pub end_ms: i64,
    pub day: DayRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DayRule {
    Offset(i64),
    Fixed(NaiveDate),
}

/// The first instant of local day `d` in `tz`, ms (a midnight skipped by a clock
/// change is taken at the first hour that exists).
pub(super) fn day_start_ms(tz: Tz, d: NaiveDate) -> i64 {
    (0..24)
        .find_map(|h| {
            tz.from_local_datetime(&d.and_hms_opt(h, 0, 0)?)
                .earliest()
                .map(|t| t.timestamp_millis())
        })
        .unwrap_or_else(|| {
            d.and_hms_opt(0, 0, 0)
                .map_or(0, |t| t.and_utc().timestamp_millis())
        })
}

/// Splits `from..=until` in `tz` into runs of one offset each.
pub(super) fn runs(tz: Tz, from: NaiveDate, until: NaiveDate) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut d = from;
    let mut start = day_start_ms(tz, d);
    while d <= until {
        let next = d + Days::new(1);
        let end = day_start_ms(tz, next);
        let epoch_day = d.signed_duration_since(NaiveDate::default()).num_days();
        let offset = epoch_day * DAY_MS - start;
        let rule = if end - start == DAY_MS {
            DayRule::Offset(offset)
        } else {
            DayRule::Fixed(d)
        };
        match out.last_mut() {
            Some(last) if last.day == rule && matches!(rule, DayRule::Offset(_)) => {
                last.end_ms = end;
            }
            _ => out.push(Run {
                start_ms: start,
                end_ms: end,
                day: rule,
            }),
        }
        d = next;
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
    }

    #[test]
    fn vietnam_is_one_run_and_its_days_start_at_local_midnight() {
        let tz: Tz = "Asia/Ho_Chi_Minh".parse().expect("a zone");
        let r = runs(tz, date("2026-01-01"), date("2026-12-31"));
        assert_eq!(r.len(), 1);
        // 00:00 on 1 January in Hà Nội is 17:00 UTC on 31 December.
        assert_eq!(r[0].start_ms, 1_767_200_400_000);
        assert_eq!(r[0].day, DayRule::Offset(7 * 3_600_000));
        // An instant at 23:59 local on 1 January falls on day 1 January.
        let at = r[0].start_ms + DAY_MS - 60_000;
        let DayRule::Offset(off) = r[0].day else {
            unreachable!()
        };
        assert_eq!((at + off) / DAY_MS, 20_454);
        assert_eq!(NaiveDate::default() + Days::new(20_454), date("2026-01-01"));
    }

    #[test]
    fn a_clock_change_day_is_a_run_of_its_own() {
        let tz: Tz = "Europe/Berlin".parse().expect("a zone");
        let r = runs(tz, date("2026-03-27"), date("2026-03-31"));
        assert_eq!(r.len(), 3, "{r:?}");
        assert_eq!(r[1].day, DayRule::Fixed(date("2026-03-29")));
        assert_eq!(r[1].end_ms - r[1].start_ms, DAY_MS - 3_600_000);
        assert_eq!(r[0].end_ms, r[1].start_ms);
        assert_eq!(r[1].end_ms, r[2].start_ms);
    }
}
