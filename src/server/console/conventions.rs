//! How the console writes times, dates, numbers and ages, the way officers expect them:
//! 24-hour times, `dd/mm/yyyy`, weeks from Monday, instants in the station's time zone
//! with the zone named ("06:30 (GMT+7)"), numbers with Vietnamese separators
//! (1.234.567), freshness as words ("3 phút trước"), and the folding that makes search
//! ignore diacritics. Pure functions: the caller passes `now`.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::i18n::Lang;

/// `06:30` (24-hour).
pub fn time_hm<T: TimeZone>(at: &DateTime<T>) -> String
where
    T::Offset: std::fmt::Display,
{
    at.format("%H:%M").to_string()
}

/// `06:30`, or `06:30:25` when the instant is not on a whole minute (items placed one
/// after another inside a slot start seconds apart).
pub fn clock<T: TimeZone>(at: &DateTime<T>) -> String
where
    T::Offset: std::fmt::Display,
{
    if at.second() == 0 {
        time_hm(at)
    } else {
        at.format("%H:%M:%S").to_string()
    }
}

/// `05/10/2026`.
pub fn date_dmy(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// The zone's offset at `at` as people write it: `GMT+7`, `GMT+5:30`, `GMT-3`, `GMT`.
pub fn gmt_label(at: DateTime<Utc>, tz: Tz) -> String {
    let seconds = at.with_timezone(&tz).offset().fix().local_minus_utc();
    if seconds == 0 {
        return "GMT".to_owned();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    match minutes % 60 {
        0 => format!("GMT{sign}{}", minutes / 60),
        m => format!("GMT{sign}{}:{m:02}", minutes / 60),
    }
}

/// `06:30 (GMT+7)`: an instant in the station's zone, labelled.
pub fn time_in(at: DateTime<Utc>, tz: Tz) -> String {
    format!(
        "{} ({})",
        time_hm(&at.with_timezone(&tz)),
        gmt_label(at, tz)
    )
}

/// `05/10/2026 06:30 (GMT+7)`.
pub fn date_time_in(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!(
        "{} {} ({})",
        date_dmy(local.date_naive()),
        time_hm(&local),
        gmt_label(at, tz)
    )
}

/// The Monday of `date`'s week.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The first day of `date`'s month.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The first day of the month after `date`'s.
pub fn next_month(date: NaiveDate) -> NaiveDate {
    let first = month_start(date);
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(first)
}

/// The first day of the month before `date`'s.
pub fn previous_month(date: NaiveDate) -> NaiveDate {
    month_start(month_start(date) - Duration::days(1))
}

/// The weekday's message key (`weekday-mon` … `weekday-sun`).
pub fn weekday_key(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "weekday-mon",
        Weekday::Tue => "weekday-tue",
        Weekday::Wed => "weekday-wed",
        Weekday::Thu => "weekday-thu",
        Weekday::Fri => "weekday-fri",
        Weekday::Sat => "weekday-sat",
        Weekday::Sun => "weekday-sun",
    }
}

/// An integer with thousands grouped: `1.234.567` in Vietnamese, `1,234,567` in English.
pub fn number(n: i64, lang: Lang) -> String {
    let sep = match lang {
        Lang::Vi => '.',
        Lang::En => ',',
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A number with one decimal: `12,5` in Vietnamese, `12.5` in English.
pub fn decimal1(x: f64, lang: Lang) -> String {
    let tenths = (x * 10.0).round() as i64;
    let point = match lang {
        Lang::Vi => ',',
        Lang::En => '.',
    };
    let sign = if tenths < 0 { "-" } else { "" };
    let whole = number(tenths.abs() / 10, lang);
    format!("{sign}{whole}{point}{}", tenths.abs() % 10)
}

/// A size in bytes as people read it: `12,3 GB`, `850 MB`, `512 kB`.
pub fn bytes(n: u64, lang: Lang) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1000 {
        return format!("{} B", number(n as i64, lang));
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if value >= 100.0 {
        format!("{} {}", number(value.round() as i64, lang), UNITS[unit])
    } else {
        format!("{} {}", decimal1(value, lang), UNITS[unit])
    }
}

/// How long ago `then` was, in words: "vừa xong", "3 phút trước", "2 giờ trước",
/// The line above a paged list of stations: "Trạm 51–100 trên 120", or, for a page
/// past the last one (an old link, a typed address), that it has none and how many
/// there are.
pub fn page_summary(page_no: usize, page_size: usize, total: usize, lang: Lang) -> String {
    let pages = total.div_ceil(page_size).max(1);
    if page_no > pages {
        return lang.ta(
            "page-past-end",
            &[
                ("page", number(page_no as i64, lang)),
                ("pages", number(pages as i64, lang)),
            ],
        );
    }
    lang.ta(
        "stations-summary",
        &[
            (
                "first",
                number(((page_no - 1) * page_size + 1).min(total) as i64, lang),
            ),
            (
                "last",
                number((page_no * page_size).min(total) as i64, lang),
            ),
            ("total", number(total as i64, lang)),
        ],
    )
}

/// The previous page of a paged list: the one before, or the last one from past the
/// end.
pub fn previous_page(page_no: usize, page_size: usize, total: usize) -> Option<usize> {
    let pages = total.div_ceil(page_size).max(1);
    (page_no > 1).then(|| (page_no - 1).min(pages))
}

/// "hôm qua", "5 ngày trước". A `then` slightly after `now` (clocks differ) is "vừa xong".
pub fn freshness(then: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
    let seconds = (now - then).num_seconds();
    let n = |v: i64| vec![("n", number(v, lang))];
    match seconds {
        s if s < 60 => lang.t("fresh-just-now"),
        s if s < 3600 => lang.ta("fresh-minutes", &n(s / 60)),
        s if s < 86_400 => lang.ta("fresh-hours", &n(s / 3600)),
        s if s < 2 * 86_400 => lang.t("fresh-yesterday"),
        s => lang.ta("fresh-days", &n(s / 86_400)),
    }
}

/// Text folded for search: lower case, diacritics removed (NFD, combining marks
/// dropped) and `đ`/`Đ` mapped to `d` by hand (they are letters of their own, not `d`
/// with a mark, so NFD leaves them). "Phường Phan Đình Phùng" → "phuong phan dinh phung".
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("test instant")
            .with_timezone(&Utc)
    }

    #[test]
    fn a_page_past_the_end_says_so_and_leads_back_to_the_last() {
        assert_eq!(page_summary(2, 50, 94, Lang::Vi), "Trạm 51–94 trên 94");
        assert_eq!(page_summary(1, 50, 0, Lang::Vi), "Trạm 0–0 trên 0");
        assert_eq!(
            page_summary(3, 50, 94, Lang::Vi),
            "Trang 3 không có trạm nào; danh sách có 2 trang."
        );
        assert_eq!(previous_page(3, 50, 94), Some(2));
        assert_eq!(previous_page(9, 50, 94), Some(2));
        assert_eq!(previous_page(2, 50, 94), Some(1));
        assert_eq!(previous_page(1, 50, 94), None);
    }

    #[test]
    fn times_are_24_hour_in_the_station_zone_and_labelled() {
        let hcm = chrono_tz::Asia::Ho_Chi_Minh;
        assert_eq!(time_in(utc("2026-10-05T23:30:00Z"), hcm), "06:30 (GMT+7)");
        assert_eq!(time_in(utc("2026-10-05T10:05:00Z"), hcm), "17:05 (GMT+7)");
        let local = |s| utc(s).with_timezone(&hcm);
        assert_eq!(clock(&local("2026-10-05T22:45:00Z")), "05:45");
        assert_eq!(clock(&local("2026-10-05T22:45:25.500Z")), "05:45:25");
        assert_eq!(
            date_time_in(utc("2026-10-05T23:30:00Z"), hcm),
            "06/10/2026 06:30 (GMT+7)"
        );
        let cases = [
            (chrono_tz::Asia::Kolkata, "GMT+5:30"),
            (chrono_tz::UTC, "GMT"),
            (chrono_tz::America::Sao_Paulo, "GMT-3"),
        ];
        for (tz, label) in cases {
            assert_eq!(gmt_label(utc("2026-07-01T00:00:00Z"), tz), label);
        }
    }

    #[test]
    fn dates_are_day_month_year_and_weeks_start_on_monday() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(date_dmy(d("2026-10-05")), "05/10/2026");
        // 2026-10-08 is a Thursday; 2026-10-11 a Sunday, still the same week.
        assert_eq!(week_start(d("2026-10-08")), d("2026-10-05"));
        assert_eq!(week_start(d("2026-10-11")), d("2026-10-05"));
        assert_eq!(week_start(d("2026-10-05")), d("2026-10-05"));
        assert_eq!(next_month(d("2026-12-31")), d("2027-01-01"));
        assert_eq!(previous_month(d("2026-01-15")), d("2025-12-01"));
        assert_eq!(month_start(d("2026-02-28")), d("2026-02-01"));
        assert_eq!(weekday_key(d("2026-10-05").weekday()), "weekday-mon");
    }

    #[test]
    fn numbers_use_vietnamese_separators() {
        assert_eq!(number(1_234_567, Lang::Vi), "1.234.567");
        assert_eq!(number(1_234_567, Lang::En), "1,234,567");
        assert_eq!(number(999, Lang::Vi), "999");
        assert_eq!(number(1000, Lang::Vi), "1.000");
        assert_eq!(number(-45_000, Lang::Vi), "-45.000");
        assert_eq!(number(0, Lang::Vi), "0");
        assert_eq!(decimal1(12.34, Lang::Vi), "12,3");
        assert_eq!(decimal1(1234.5, Lang::Vi), "1.234,5");
        assert_eq!(decimal1(-0.25, Lang::En), "-0.3");
        assert_eq!(bytes(12_345_678_901, Lang::Vi), "12,3 GB");
        assert_eq!(bytes(850_000_000, Lang::Vi), "850 MB");
        assert_eq!(bytes(512, Lang::Vi), "512 B");
    }

    #[test]
    fn freshness_is_said_in_words() {
        let now = utc("2026-10-05T12:00:00Z");
        let ago = |s: i64| freshness(now - Duration::seconds(s), now, Lang::Vi);
        assert_eq!(ago(5), "vừa xong");
        assert_eq!(ago(-30), "vừa xong");
        assert_eq!(ago(3 * 60 + 20), "3 phút trước");
        assert_eq!(ago(2 * 3600 + 59), "2 giờ trước");
        assert_eq!(ago(30 * 3600), "hôm qua");
        assert_eq!(ago(5 * 86_400), "5 ngày trước");
        assert_eq!(ago(1200 * 86_400), "1.200 ngày trước");
        assert_eq!(freshness(now, now, Lang::En), "just now");
        assert_eq!(
            freshness(now - Duration::minutes(3), now, Lang::En),
            "3 minutes ago"
        );
    }

    #[test]
    fn folding_ignores_diacritics_case_and_spacing() {
        assert_eq!(fold("Phường Phan Đình Phùng"), "phuong phan dinh phung");
        assert_eq!(fold("ĐỒNG HỶ"), "dong hy");
        assert_eq!(fold("  Xã   Tân  Cương "), "xa tan cuong");
        assert_eq!(fold("đường"), "duong");
        // NFC and NFD input fold alike.
        let nfd: String = "Phùng".nfd().collect();
        assert_eq!(fold(&nfd), fold("Phùng"));
        assert!(fold("Phường Phan Đình Phùng").contains(&fold("phan dinh phung")));
    }
}
