//! Broadcast windows: on which weekdays and between which local times a station may air.
//!
//! Windows are written on an area and inherited down the tree; a lower unit or a
//! station may only narrow what it inherits. A window never crosses midnight.

use std::fmt;

use chrono::Weekday;

/// A local time of day in whole minutes, `00:00` to `24:00` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    /// Midnight at the start of the day.
    pub const MIDNIGHT: Self = Self(0);
    /// Midnight at the end of the day (only meaningful as a window end).
    pub const END_OF_DAY: Self = Self(24 * 60);

    /// From hours and minutes; `24:00` is allowed, nothing later.
    pub fn from_hm(hour: u16, minute: u16) -> Option<Self> {
        (minute < 60 && (hour < 24 || (hour == 24 && minute == 0)))
            .then_some(Self(hour * 60 + minute))
    }

    /// Parses `HH:MM` (24-hour clock; `5:30` is accepted too).
    pub fn parse(s: &str) -> Result<Self, WindowError> {
        let bad = || WindowError::BadTime(s.to_owned());
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u16 = h.parse().map_err(|_| bad())?;
        let m: u16 = m.parse().map_err(|_| bad())?;
        Self::from_hm(h, m).ok_or_else(bad)
    }

    /// Minutes since local midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// A set of weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekdaySet(u8);

const DAY_NAMES: [(&str, &str); 7] = [
    ("mon", "t2"),
    ("tue", "t3"),
    ("wed", "t4"),
    ("thu", "t5"),
    ("fri", "t6"),
    ("sat", "t7"),
    ("sun", "cn"),
];

impl WeekdaySet {
    /// Every day of the week.
    pub const ALL: Self = Self(0b111_1111);

    /// Parses a list of days or ranges: `Mon-Fri`, `Mon,Wed,Fri`, `Sat-Sun`, or the
    /// Vietnamese `T2-T6`, `T7,CN`; `*` means every day. A range may wrap (`Fri-Mon`).
    pub fn parse(s: &str) -> Result<Self, WindowError> {
        let bad = || WindowError::BadDays(s.to_owned());
        let s = s.trim();
        if s == "*" {
            return Ok(Self::ALL);
        }
        let day = |name: &str| -> Option<u8> {
            let name = name.trim().to_ascii_lowercase();
            DAY_NAMES
                .iter()
                .position(|(en, vi)| name == *en || name == *vi)
                .map(|i| i as u8)
        };
        let mut bits = 0u8;
        for part in s.split(',') {
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day(a).ok_or_else(bad)?, day(b).ok_or_else(bad)?);
                    let mut d = a;
                    loop {
                        bits |= 1 << d;
                        if d == b {
                            break;
                        }
                        d = (d + 1) % 7;
                    }
                }
                None => bits |= 1 << day(part).ok_or_else(bad)?,
            }
        }
        Ok(Self(bits))
    }

    /// Whether the set holds `day`.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// Whether the two sets share a day.
    pub fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

impl fmt::Display for WeekdaySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::ALL {
            return f.write_str("T2-CN");
        }
        let names: Vec<&str> = (0..7)
            .filter(|d| self.0 & (1 << d) != 0)
            .map(|d| ["T2", "T3", "T4", "T5", "T6", "T7", "CN"][d])
            .collect();
        f.write_str(&names.join(","))
    }
}

/// One broadcast window: some weekdays, from `start` until `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    days: WeekdaySet,
    start: TimeOfDay,
    end: TimeOfDay,
}

impl Window {
    /// A window; `start` must be before `end` (windows do not cross midnight).
    pub fn new(days: WeekdaySet, start: TimeOfDay, end: TimeOfDay) -> Result<Self, WindowError> {
        if start >= end {
            return Err(WindowError::EmptyRange { start, end });
        }
        Ok(Self { days, start, end })
    }

    /// Parses `"05:30-06:30"` for the given days.
    pub fn parse_range(days: WeekdaySet, range: &str) -> Result<Self, WindowError> {
        let (a, b) = range
            .split_once('-')
            .ok_or_else(|| WindowError::BadRange(range.to_owned()))?;
        Self::new(days, TimeOfDay::parse(a)?, TimeOfDay::parse(b)?)
    }

    /// The weekdays.
    pub fn days(&self) -> WeekdaySet {
        self.days
    }

    /// Start, inclusive.
    pub fn start(&self) -> TimeOfDay {
        self.start
    }

    /// End, exclusive.
    pub fn end(&self) -> TimeOfDay {
        self.end
    }

    fn overlaps(&self, other: &Self) -> bool {
        self.days.intersects(other.days) && self.start < other.end && other.start < self.end
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{} ({})", self.start, self.end, self.days)
    }
}

/// Why a window is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// Not `HH:MM`.
    #[error("giờ `{0}` không hợp lệ: viết HH:MM theo 24 giờ, ví dụ `05:30` hoặc `17:00`")]
    BadTime(String),
    /// Not `HH:MM-HH:MM`.
    #[error("khung giờ `{0}` không hợp lệ: viết `05:30-06:30`")]
    BadRange(String),
    /// Unknown day names.
    #[error("ngày `{0}` không hợp lệ: viết `Mon-Fri`, `Sat,Sun`, `T2-T6`, `T7,CN` hoặc `*`")]
    BadDays(String),
    /// End not after start.
    #[error(
        "khung giờ {start}–{end} phải kết thúc sau khi bắt đầu và không qua nửa đêm; \
         tách thành hai khung, ví dụ 22:00-24:00 và 00:00-02:00"
    )]
    EmptyRange {
        /// Start.
        start: TimeOfDay,
        /// End.
        end: TimeOfDay,
    },
    /// Two windows of one list share time on a weekday.
    #[error(
        "khung giờ {second} chồng lên khung {first}; gộp chúng thành một khung hoặc bỏ bớt một"
    )]
    Overlap {
        /// Index of the earlier window in the list.
        first_index: usize,
        /// The earlier window.
        first: Window,
        /// Index of the later window.
        second_index: usize,
        /// The later window.
        second: Window,
    },
}

/// A validated, non-overlapping set of windows with fast per-weekday look-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Windows {
    list: Vec<Window>,
    /// Per weekday (Monday first): sorted, merged `[start, end)` minute ranges.
    by_day: [Vec<(u16, u16)>; 7],
}

impl Windows {
    /// Checks no two windows overlap on a shared weekday.
    pub fn new(list: Vec<Window>) -> Result<Self, WindowError> {
        for (j, b) in list.iter().enumerate() {
            if let Some((i, a)) = list[..j].iter().enumerate().find(|(_, a)| a.overlaps(b)) {
                return Err(WindowError::Overlap {
                    first_index: i,
                    first: *a,
                    second_index: j,
                    second: *b,
                });
            }
        }
        let mut by_day: [Vec<(u16, u16)>; 7] = Default::default();
        for (d, ranges) in by_day.iter_mut().enumerate() {
            let mut r: Vec<(u16, u16)> = list
                .iter()
                .filter(|w| w.days.0 & (1 << d) != 0)
                .map(|w| (w.start.0, w.end.0))
                .collect();
            r.sort_unstable();
            // Touching windows (05:30-06:00, 06:00-06:30) merge into one.
            let mut merged: Vec<(u16, u16)> = Vec::with_capacity(r.len());
            for (s, e) in r {
                match merged.last_mut() {
                    Some(last) if last.1 == s => last.1 = e,
                    _ => merged.push((s, e)),
                }
            }
            *ranges = merged;
        }
        Ok(Self { list, by_day })
    }

    /// No window at all: a station with these airs nothing.
    pub fn none() -> Self {
        Self {
            list: Vec::new(),
            by_day: Default::default(),
        }
    }

    /// Whether there is no window at all.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The windows as written.
    pub fn list(&self) -> &[Window] {
        &self.list
    }

    /// Sorted minute ranges `[start, end)` open on `day`.
    pub fn ranges_on(&self, day: Weekday) -> &[(u16, u16)] {
        &self.by_day[day.num_days_from_monday() as usize]
    }

    /// The first window of `self` that is not inside `outer`, with its index, if any.
    /// A station or lower area may only narrow what it inherits.
    pub fn first_outside(&self, outer: &Windows) -> Option<(usize, Window)> {
        self.list.iter().enumerate().find_map(|(i, w)| {
            let inside = (0..7u8).filter(|d| w.days.0 & (1 << d) != 0).all(|d| {
                outer.by_day[d as usize]
                    .iter()
                    .any(|&(s, e)| s <= w.start.0 && w.end.0 <= e)
            });
            (!inside).then_some((i, *w))
        })
    }
}

impl fmt::Display for Windows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.list.iter().map(Window::to_string).collect();
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_days_in_english_and_vietnamese() {
        let cases = [
            (
                "Mon-Fri",
                vec![Weekday::Mon, Weekday::Fri],
                vec![Weekday::Sat],
            ),
            (
                "T2-T6",
                vec![Weekday::Mon, Weekday::Wed],
                vec![Weekday::Sun],
            ),
            (
                "T7,CN",
                vec![Weekday::Sat, Weekday::Sun],
                vec![Weekday::Mon],
            ),
            (
                "Fri-Mon",
                vec![Weekday::Fri, Weekday::Sun, Weekday::Mon],
                vec![Weekday::Tue],
            ),
            ("*", vec![Weekday::Tue], vec![]),
        ];
        for (text, yes, no) in cases {
            let set = WeekdaySet::parse(text).expect(text);
            for d in yes {
                assert!(set.contains(d), "{text} should hold {d}");
            }
            for d in no {
                assert!(!set.contains(d), "{text} should not hold {d}");
            }
        }
        assert!(WeekdaySet::parse("Mon-Funday").is_err());
    }

    #[test]
    fn rejects_overlaps_and_reversed_ranges() {
        let all = WeekdaySet::ALL;
        let a = Window::parse_range(all, "05:30-06:30").expect("a");
        let b =
            Window::parse_range(WeekdaySet::parse("Mon").expect("mon"), "06:00-07:00").expect("b");
        assert!(matches!(
            Windows::new(vec![a, b]),
            Err(WindowError::Overlap {
                first_index: 0,
                second_index: 1,
                ..
            })
        ));
        assert!(Window::parse_range(all, "18:00-17:00").is_err());
        assert!(Window::parse_range(all, "25:00-26:00").is_err());
        let touching = Windows::new(vec![a, Window::parse_range(all, "06:30-07:00").expect("c")])
            .expect("touching windows are fine");
        assert_eq!(touching.ranges_on(Weekday::Mon), &[(330, 420)]);
    }

    #[test]
    fn narrowing_is_checked_per_weekday() {
        let all = WeekdaySet::ALL;
        let outer =
            Windows::new(vec![Window::parse_range(all, "05:30-06:30").expect("w")]).expect("ok");
        let inner =
            Windows::new(vec![Window::parse_range(all, "05:30-06:00").expect("w")]).expect("ok");
        assert_eq!(inner.first_outside(&outer), None);
        let early =
            Windows::new(vec![Window::parse_range(all, "05:00-06:00").expect("w")]).expect("ok");
        assert!(early.first_outside(&outer).is_some());
    }
}
