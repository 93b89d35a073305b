//! Slot rules in crontab(5) syntax, in station-local time.
//!
//! Five fields, `minute hour day-of-month month day-of-week`, meaning exactly what
//! they mean in a crontab: `30 6 * * 1-5` is 06:30 Monday to Friday; `0` and `7` are
//! both Sunday; names (`Mon-Fri`, `jan`) work in lists and ranges; steps (`*/15`,
//! `0-30/10`) work in every field, the day fields included (`*/2` in day-of-month is the
//! 1st, 3rd, 5th, …).
//!
//! Combining the two day fields follows Vixie cron and cronie (`entry.c` sets `DOM_STAR`
//! or `DOW_STAR` when a day field's text *begins* with `*`; `cron.c` then matches a day
//! when both fields match if either flag is set, and when either matches otherwise). So
//! `*/2` counts as starting with `*`: `0 6 */2 * 1` is odd days that are Mondays, while
//! `0 6 1-31/2 * 1` is odd days or Mondays. A rule that can match no calendar day at all
//! (`0 6 31 2 *`) is refused at parse time.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// One of the five fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CronField {
    /// Minute, 0-59.
    Minute,
    /// Hour, 0-23.
    Hour,
    /// Day of month, 1-31.
    DayOfMonth,
    /// Month, 1-12 or `jan`-`dec`.
    Month,
    /// Day of week, 0-7 (0 and 7 are Sunday) or `sun`-`sat`.
    DayOfWeek,
}

impl CronField {
    const ALL: [Self; 5] = [
        Self::Minute,
        Self::Hour,
        Self::DayOfMonth,
        Self::Month,
        Self::DayOfWeek,
    ];

    fn bounds(self) -> (u8, u8) {
        match self {
            Self::Minute => (0, 59),
            Self::Hour => (0, 23),
            Self::DayOfMonth => (1, 31),
            Self::Month => (1, 12),
            Self::DayOfWeek => (0, 7),
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Self::Month => &[
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ],
            Self::DayOfWeek => &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
            _ => &[],
        }
    }

    /// Vietnamese name of the field with its range.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Minute => "phút (0-59)",
            Self::Hour => "giờ (0-23)",
            Self::DayOfMonth => "ngày trong tháng (1-31)",
            Self::Month => "tháng (1-12 hoặc jan-dec)",
            Self::DayOfWeek => "thứ (0-7, 0 và 7 là Chủ nhật, hoặc sun-sat)",
        }
    }
}

/// Why a crontab expression is invalid, with where in the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError {
    /// The field at fault, if the fault is inside one field.
    pub field: Option<CronField>,
    /// Byte offset of the fault inside the expression.
    pub offset: usize,
    /// What is wrong and what to write instead.
    pub message: String,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "trường {}: {}", field.label_vi(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CronError {}

/// A parsed five-field crontab schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    source: String,
    minutes: u64,
    hours: u32,
    days_of_month: u32,
    months: u16,
    /// Bit 0 is Sunday, bit 6 Saturday (7 is folded onto 0).
    days_of_week: u8,
    /// The day-of-month field's text begins with `*` (cronie's `DOM_STAR`).
    dom_star: bool,
    /// The day-of-week field's text begins with `*` (cronie's `DOW_STAR`).
    dow_star: bool,
    /// Minute-of-day of every firing on a matching day, ascending.
    times: Vec<u16>,
}

impl CronSchedule {
    /// Parses a crontab(5) time specification (the five fields, or `@daily`-style
    /// shorthands other than `@reboot`).
    pub fn parse(expr: &str) -> Result<Self, CronError> {
        let expanded = match expr.trim() {
            "@yearly" | "@annually" => Some("0 0 1 1 *"),
            "@monthly" => Some("0 0 1 * *"),
            "@weekly" => Some("0 0 * * 0"),
            "@daily" | "@midnight" => Some("0 0 * * *"),
            "@hourly" => Some("0 * * * *"),
            s if s.starts_with('@') => {
                return Err(CronError {
                    field: None,
                    offset: expr.find('@').unwrap_or(0),
                    message: format!(
                        "`{s}` không dùng được cho khung phát; viết 5 trường như `30 5 * * *` \
                         hoặc @daily, @weekly, @monthly, @yearly, @hourly"
                    ),
                });
            }
            _ => None,
        };
        let text = expanded.unwrap_or(expr);
        let fields: Vec<(usize, &str)> = split_fields(text);
        if fields.len() != 5 {
            let hint = if fields.len() == 6 {
                " (crontab không có trường giây; bỏ trường đầu hoặc trường năm)"
            } else {
                ""
            };
            return Err(CronError {
                field: None,
                offset: 0,
                message: format!(
                    "cần đúng 5 trường `phút giờ ngày tháng thứ`, ví dụ `30 5 * * *`, \
                     nhưng có {}{hint}",
                    fields.len()
                ),
            });
        }
        let at = |offset: usize| if expanded.is_some() { 0 } else { offset };
        let mut bits = [0u64; 5];
        for (i, field) in CronField::ALL.into_iter().enumerate() {
            let (offset, body) = fields[i];
            bits[i] = parse_field(field, body).map_err(|(rel, message)| CronError {
                field: Some(field),
                offset: at(offset + rel),
                message,
            })?;
        }
        let dow = bits[4];
        let days_of_week = ((dow & 0x7f) | ((dow >> 7) & 1)) as u8;
        let minutes = bits[0];
        let hours = bits[1] as u32;
        let times = (0..24u16)
            .filter(|h| hours & (1 << h) != 0)
            .flat_map(|h| {
                (0..60u16)
                    .filter(move |m| minutes & (1 << m) != 0)
                    .map(move |m| h * 60 + m)
            })
            .collect();
        let rule = Self {
            source: expr.trim().to_owned(),
            minutes,
            hours,
            days_of_month: bits[2] as u32,
            months: bits[3] as u16,
            days_of_week,
            dom_star: fields[2].1.starts_with('*'),
            dow_star: fields[4].1.starts_with('*'),
            times,
        };
        // Day of month and month together: no one field is at fault. The caller names
        // the rule; the offset points at its day of month.
        rule.check_can_fire().map_err(|message| CronError {
            field: None,
            offset: at(fields[2].0),
            message,
        })?;
        Ok(rule)
    }

    /// Whether some calendar day, in some year, matches the rule; the reason if none does.
    ///
    /// Exact from the parsed sets: when the day fields are combined with OR (both
    /// restricted), every month has every weekday, so the rule fires. Otherwise a day
    /// must match both, so some chosen month must have some chosen day of month (February
    /// counted with its 29th); any such date falls on every weekday in some year (the
    /// Gregorian calendar's 400-year cycle, leap days included), so the weekdays cannot
    /// empty it further.
    fn check_can_fire(&self) -> Result<(), String> {
        if !(self.dom_star || self.dow_star) {
            return Ok(());
        }
        let possible = (1..=12u32).any(|month| {
            self.months & (1 << month) != 0
                && (1..=days_in_month_at_most(month)).any(|d| self.days_of_month & (1 << d) != 0)
        });
        if possible {
            return Ok(());
        }
        let days: Vec<u32> = (1..=31)
            .filter(|d| self.days_of_month & (1 << d) != 0)
            .collect();
        let months: Vec<u32> = (1..=12).filter(|m| self.months & (1 << m) != 0).collect();
        Err(format!(
            "không bao giờ chạy: {} không có ngày {} (kể cả năm nhuận); \
             chọn ngày có trong tháng, ví dụ ngày cuối tháng 2 là 28 hoặc 29",
            list_vi("tháng", &months),
            list_or(&days),
        ))
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the rule fires at all on local `date`.
    pub fn fires_on(&self, date: NaiveDate) -> bool {
        if self.months & (1 << date.month()) == 0 {
            return false;
        }
        let dom = self.days_of_month & (1 << date.day()) != 0;
        let dow = self.days_of_week & (1 << date.weekday().num_days_from_sunday()) != 0;
        // cronie's `find_jobs`: a `*`-started day field makes the match an AND (a bare
        // `*` holds every day, so the other field alone decides).
        if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// Minutes after local midnight at which the rule fires on a matching day, ascending.
    pub fn times(&self) -> &[u16] {
        &self.times
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// The most days `month` has in any year (February: 29).
fn days_in_month_at_most(month: u32) -> u32 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `tháng 2` or `các tháng 4, 6` for the refusal message.
fn list_vi(noun: &str, values: &[u32]) -> String {
    let joined: Vec<String> = values.iter().map(u32::to_string).collect();
    if values.len() == 1 {
        format!("{noun} {}", joined[0])
    } else {
        format!("các {noun} {}", joined.join(", "))
    }
}

/// `30` or `30 hay 31`.
fn list_or(values: &[u32]) -> String {
    let joined: Vec<String> = values.iter().map(u32::to_string).collect();
    joined.join(" hay ")
}

fn split_fields(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// Parses one field into a bit set; errors carry the offset inside the field.
fn parse_field(field: CronField, body: &str) -> Result<u64, (usize, String)> {
    let (lo, hi) = field.bounds();
    let mut bits = 0u64;
    let mut offset = 0;
    for element in body.split(',') {
        bits |= parse_element(field, element, lo, hi).map_err(|(rel, m)| (offset + rel, m))?;
        offset += element.len() + 1;
    }
    Ok(bits)
}

fn parse_element(field: CronField, element: &str, lo: u8, hi: u8) -> Result<u64, (usize, String)> {
    if element.is_empty() {
        return Err((0, "thiếu giá trị giữa hai dấu phẩy".to_owned()));
    }
    if let Some(pos) = element.find(['?', 'L', 'W', '#']) {
        return Err((
            pos,
            format!(
                "`{}` là cú pháp Quartz, crontab(5) không có; dùng `*`, danh sách `1,3,5` \
                 hoặc khoảng `1-5`",
                &element[pos..=pos]
            ),
        ));
    }
    let (range, step) = match element.split_once('/') {
        Some((r, s)) => {
            let step: u8 = s.parse().ok().filter(|&s| s > 0).ok_or((
                r.len() + 1,
                format!("bước `/{s}` phải là số nguyên dương, ví dụ `*/15`"),
            ))?;
            (r, Some(step))
        }
        None => (element, None),
    };
    let (start, end) = if range == "*" {
        (lo, if field == CronField::DayOfWeek { 6 } else { hi })
    } else if let Some((a, b)) = range.split_once('-') {
        let a_val = parse_value(field, a, lo, hi).map_err(|m| (0, m))?;
        let b_val = parse_value(field, b, lo, hi).map_err(|m| (a.len() + 1, m))?;
        if a_val > b_val {
            return Err((
                0,
                format!(
                    "khoảng `{range}` bị ngược; viết giá trị nhỏ trước, ví dụ `{a}-{b}` không hợp lệ, hãy dùng `{b_val}-{a_val}` hoặc một danh sách"
                ),
            ));
        }
        (a_val, b_val)
    } else {
        let v = parse_value(field, range, lo, hi).map_err(|m| (0, m))?;
        if step.is_some() {
            return Err((
                0,
                format!(
                    "`{element}`: bước chỉ đi sau `*` hoặc một khoảng; viết `{v}-{hi}/{}`",
                    step.unwrap_or(1)
                ),
            ));
        }
        (v, v)
    };
    let step = step.unwrap_or(1);
    let mut bits = 0u64;
    let mut v = start;
    while v <= end {
        bits |= 1 << v;
        match v.checked_add(step) {
            Some(n) => v = n,
            None => break,
        }
    }
    Ok(bits)
}

fn parse_value(field: CronField, text: &str, lo: u8, hi: u8) -> Result<u8, String> {
    if let Ok(v) = text.parse::<u8>() {
        if v < lo || v > hi {
            return Err(format!("`{v}` nằm ngoài khoảng {lo}-{hi}"));
        }
        return Ok(v);
    }
    let lower = text.to_ascii_lowercase();
    let names = field.names();
    if let Some(i) = names.iter().position(|n| *n == lower) {
        // Months count from 1, weekdays from 0 (Sunday).
        return Ok(if field == CronField::Month {
            i as u8 + 1
        } else {
            i as u8
        });
    }
    Err(if names.is_empty() {
        format!("`{text}` không phải số trong khoảng {lo}-{hi}")
    } else {
        format!(
            "`{text}` không phải số {lo}-{hi} hay tên hợp lệ ({})",
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn day_of_week_numbering_follows_crontab5() {
        // 2026-10-04 is a Sunday, 2026-10-05 a Monday, 2026-10-10 a Saturday.
        let cases = [
            ("30 6 * * 1-5", "2026-10-05", true),
            ("30 6 * * 1-5", "2026-10-10", false),
            ("30 6 * * 1-5", "2026-10-04", false),
            ("0 6 * * 0", "2026-10-04", true),
            ("0 6 * * 7", "2026-10-04", true),
            ("0 6 * * 5-7", "2026-10-04", true),
            ("0 6 * * 5-7", "2026-10-05", false),
            ("0 6 * * Mon-Fri", "2026-10-05", true),
            ("0 6 * * mon-fri", "2026-10-04", false),
            ("0 6 * * sat,sun", "2026-10-10", true),
            ("0 6 * * */2", "2026-10-04", true),
            // Both day fields restricted: either matches.
            ("0 6 1 * 1", "2026-10-01", true),
            ("0 6 1 * 1", "2026-10-05", true),
            ("0 6 1 * 1", "2026-10-06", false),
            // Day-of-week `*` with day-of-month restricted: only the 21st.
            ("0 6 21 4 *", "2027-04-21", true),
            ("0 6 21 apr *", "2027-04-22", false),
            ("@daily", "2026-10-07", true),
            // A step on `*` in a day field is a step (cronie): odd days, even weekdays.
            ("0 6 */2 * *", "2026-10-03", true),
            ("0 6 */2 * *", "2026-10-04", false),
            ("0 6 * * */2", "2026-10-06", true),
            ("0 6 * * */2", "2026-10-05", false),
            // `*`-started day field: both must match (odd days that are Mondays).
            ("0 6 */2 * 1", "2026-10-05", true),
            ("0 6 */2 * 1", "2026-10-12", false),
            ("0 6 */2 * 1", "2026-10-07", false),
            // The same days spelt without `*`: either matches.
            ("0 6 1-31/2 * 1", "2026-10-12", true),
            ("0 6 1-31/2 * 1", "2026-10-07", true),
            ("0 6 29 2 *", "2028-02-29", true),
            // cronie decides by the first character: `10,*` is restricted, so OR, and
            // it holds every day (croniter says Tuesdays only; see the fixture).
            ("0 12 10,* * 2", "2026-10-07", true),
            ("0 12 *,10 * 2", "2026-10-07", false),
        ];
        for (expr, day, expected) in cases {
            let rule = CronSchedule::parse(expr).expect(expr);
            assert_eq!(rule.fires_on(date(day)), expected, "{expr} on {day}");
        }
    }

    #[test]
    fn rules_that_can_fire_are_kept() {
        // OR of restricted day fields: Mondays in February fire, though no 31 February.
        for expr in ["0 6 31 2 1", "0 6 29 2 *", "0 6 */30 2 *", "0 6 31 * *"] {
            assert!(CronSchedule::parse(expr).is_ok(), "{expr}");
        }
    }

    #[test]
    fn times_expand_minutes_hours_and_steps() {
        let cases: [(&str, &[u16]); 4] = [
            ("30 5 * * *", &[330]),
            ("0,30 17 * * *", &[1020, 1050]),
            ("*/20 6 * * *", &[360, 380, 400]),
            ("0 5-17/6 * * *", &[300, 660, 1020]),
        ];
        for (expr, times) in cases {
            assert_eq!(
                CronSchedule::parse(expr).expect(expr).times(),
                times,
                "{expr}"
            );
        }
    }

    #[test]
    fn errors_name_the_field_and_column() {
        let cases = [
            ("30 24 * * *", Some(CronField::Hour), 3, "24"),
            ("60 5 * * *", Some(CronField::Minute), 0, "60"),
            ("0 5 * * 8", Some(CronField::DayOfWeek), 8, "0-7"),
            ("0 5 * * Mox", Some(CronField::DayOfWeek), 8, "mon"),
            ("0 5 * * 5-1", Some(CronField::DayOfWeek), 8, "ngược"),
            ("0 5 ? * *", Some(CronField::DayOfMonth), 4, "Quartz"),
            ("0 0 5 * * *", None, 0, "giây"),
            ("0 5 * *", None, 0, "5 trường"),
            ("*/0 5 * * *", Some(CronField::Minute), 2, "bước"),
            ("@reboot", None, 0, "@daily"),
            ("0 6 31 2 *", None, 4, "không bao giờ chạy"),
            ("0 6 30 2 *", None, 4, "tháng 2 không có ngày 30"),
            ("0 6 31 4,6,9,11 *", None, 4, "tháng 4, 6, 9, 11"),
            ("0 6 30,31 feb *", None, 4, "30 hay 31"),
        ];
        for (expr, field, offset, needle) in cases {
            let err = CronSchedule::parse(expr).expect_err(expr);
            assert_eq!(err.field, field, "{expr}");
            assert_eq!(err.offset, offset, "{expr}");
            assert!(err.to_string().contains(needle), "{expr}: {err}");
            // The caller names the rule, once.
            if err.message.contains("không bao giờ chạy") {
                assert!(!err.to_string().contains(expr), "{expr}: {err}");
            }
        }
    }
}
