//! Slot rules in words: a crontab rule as an officer would say it in Vietnamese
//! ("06:30 hằng ngày", "06:30 thứ Hai đến thứ Sáu", "17:00 ngày 1 và 15 hằng tháng"),
//! and why a planned item sits where it does ("Chiến dịch …, khung 06:30 hằng ngày").
//!
//! Only the common shapes are put in words: fixed times, every day, some weekdays, some
//! days of the month, some months. Anything else (steps, both day fields restricted,
//! many times) is shown as the rule itself, which is never wrong.

use chrono::{NaiveDateTime, Timelike};

use super::{CronSchedule, Rotation};

/// One field as written: `*`, or a list of numbers and ranges.
enum Field {
    Star,
    /// Values in the field's numbering, each range expanded.
    Values(Vec<u8>),
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// Weekday names, Monday first (index 0 is Monday, 6 is Sunday).
const WEEKDAYS_VI: [&str; 7] = [
    "thứ Hai",
    "thứ Ba",
    "thứ Tư",
    "thứ Năm",
    "thứ Sáu",
    "thứ Bảy",
    "Chủ nhật",
];

fn value(text: &str, names: &[&str], offset: u8) -> Option<u8> {
    if let Ok(n) = text.parse::<u8>() {
        return Some(n);
    }
    let lower = text.to_ascii_lowercase();
    names
        .iter()
        .position(|n| *n == lower)
        .map(|i| i as u8 + offset)
}

/// Reads one field; `None` for what is not put in words (steps, bad text).
fn field(text: &str, names: &[&str], offset: u8) -> Option<Field> {
    if text == "*" {
        return Some(Field::Star);
    }
    if text.contains('/') || text.contains('*') {
        return None;
    }
    let mut out = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (value(a, names, offset)?, value(b, names, offset)?);
                if a > b {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(value(part, names, offset)?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(Field::Values(out))
}

/// `a`, `a và b`, `a, b và c`.
fn join_vi(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} và {last}", init.join(", ")),
    }
}

/// Numbers as runs: `1 và 15`, `1 đến 7`, `1, 10 đến 15 và 20`.
fn numbers_vi(values: &[u8]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let mut j = i;
        while j + 1 < values.len() && values[j + 1] == values[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{} đến {}", values[i], values[j]));
        } else {
            parts.extend(values[i..=j].iter().map(u8::to_string));
        }
        i = j + 1;
    }
    join_vi(&parts)
}

/// Weekdays (crontab numbering, 0 and 7 Sunday) Monday first: `thứ Hai đến thứ Sáu`,
/// `thứ Bảy và Chủ nhật`, and whether it is one day; `None` when it is every day.
fn weekdays_vi(values: &[u8]) -> Option<(String, bool)> {
    let mut days: Vec<usize> = values.iter().map(|&d| (usize::from(d) + 6) % 7).collect();
    days.sort_unstable();
    days.dedup();
    if days.len() == 7 {
        return None;
    }
    let contiguous = days.windows(2).all(|w| w[1] == w[0] + 1);
    let one = days.len() == 1;
    Some((
        if contiguous && days.len() >= 3 {
            format!(
                "{} đến {}",
                WEEKDAYS_VI[days[0]],
                WEEKDAYS_VI[days[days.len() - 1]]
            )
        } else {
            let names: Vec<String> = days.iter().map(|&d| WEEKDAYS_VI[d].to_owned()).collect();
            join_vi(&names)
        },
        one,
    ))
}

/// Most firing times put in words; more are shown as the rule.
const MAX_TIMES: usize = 4;

/// The rule in Vietnamese words, or `lịch crontab "…"` when it has no plain reading.
pub fn describe_slot_rule(rule: &CronSchedule) -> String {
    words(rule.source()).unwrap_or_else(|| format!("lịch crontab \"{}\"", rule.source()))
}

fn words(source: &str) -> Option<String> {
    let text = match source.trim() {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => return None,
        other => other,
    };
    let f: Vec<&str> = text.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = f.as_slice() else {
        return None;
    };
    let (Field::Values(minutes), Field::Values(hours)) =
        (field(minute, &[], 0)?, field(hour, &[], 0)?)
    else {
        return None;
    };
    if minutes.len() * hours.len() > MAX_TIMES {
        return None;
    }
    let times: Vec<String> = hours
        .iter()
        .flat_map(|h| minutes.iter().map(move |m| format!("{h:02}:{m:02}")))
        .collect();
    let times = join_vi(&times);
    let months = match field(month, &MONTHS, 1)? {
        Field::Star => None,
        Field::Values(v) => Some(format!("tháng {}", numbers_vi(&v))),
    };
    let days = match (field(dom, &[], 0)?, field(dow, &DAYS, 0)?) {
        (Field::Star, Field::Star) => None,
        (Field::Values(d), Field::Star) => Some(Days::OfMonth(numbers_vi(&d))),
        (Field::Star, Field::Values(w)) => weekdays_vi(&w).map(|(text, one)| {
            if one {
                Days::OneWeekday(text)
            } else {
                Days::OfWeek(text)
            }
        }),
        // Both restricted: crontab fires on either, which plain words blur.
        (Field::Values(_), Field::Values(_)) => return None,
    };
    Some(match (days, months) {
        (None, None) => format!("{times} hằng ngày"),
        (None, Some(m)) => format!("{times} hằng ngày trong {m}"),
        (Some(Days::OneWeekday(w)), None) => format!("{times} {w} hằng tuần"),
        (Some(Days::OfWeek(w)), None) => format!("{times} {w}"),
        (Some(Days::OfWeek(w) | Days::OneWeekday(w)), Some(m)) => {
            format!("{times} {w} trong {m}")
        }
        (Some(Days::OfMonth(d)), None) => format!("{times} ngày {d} hằng tháng"),
        (Some(Days::OfMonth(d)), Some(m)) => format!("{times} ngày {d} {m} hằng năm"),
    })
}

/// The day part of a rule in words.
enum Days {
    /// Days of the month: `1 và 15`.
    OfMonth(String),
    /// Several weekdays: `thứ Hai đến thứ Sáu`.
    OfWeek(String),
    /// One weekday (read "… hằng tuần").
    OneWeekday(String),
}

/// The slot rule of `rotation` whose slot holds an item starting at local `start`: the
/// latest firing at or before it whose slot (of the rotation's length) still runs then.
pub fn slot_rule_at(rotation: &Rotation, start: NaiveDateTime) -> Option<&CronSchedule> {
    let date = start.date();
    let second = i64::from(start.num_seconds_from_midnight());
    let length = i64::from(rotation.slot_seconds);
    rotation
        .slots
        .iter()
        .filter(|rule| rule.fires_on(date))
        .flat_map(|rule| rule.times().iter().map(move |&t| (i64::from(t) * 60, rule)))
        .filter(|&(fired, _)| fired <= second && second < fired + length.max(1))
        .max_by_key(|&(fired, _)| fired)
        .map(|(_, rule)| rule)
}

/// Why an item airs: `Chiến dịch <campaign>, khung <rule in words>`; without a rule
/// found, the rotation's id stands in.
pub fn why_vi(campaign_name: &str, rotation: &Rotation, start: NaiveDateTime) -> String {
    let campaign = campaign_vi(campaign_name);
    match slot_rule_at(rotation, start) {
        Some(rule) => format!("{campaign}, khung {}", describe_slot_rule(rule)),
        None => format!("{campaign}, vòng phát {}", rotation.id),
    }
}

/// `Chiến dịch <name>`, unless the name already says it ("Chiến dịch tháng Mười" is
/// not written "Chiến dịch Chiến dịch tháng Mười").
fn campaign_vi(name: &str) -> String {
    const WORD: &str = "Chiến dịch";
    match name.get(..WORD.len()) {
        Some(head) if head.to_lowercase() == WORD.to_lowercase() => {
            format!("{WORD}{}", &name[WORD.len()..])
        }
        _ => format!("{WORD} {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(rule: &str) -> String {
        describe_slot_rule(&CronSchedule::parse(rule).expect("valid rule"))
    }

    #[test]
    fn common_rules_read_as_an_officer_says_them() {
        for (rule, words) in [
            ("30 6 * * *", "06:30 hằng ngày"),
            ("30 6 * * 1-5", "06:30 thứ Hai đến thứ Sáu"),
            ("30 6 * * Mon-Fri", "06:30 thứ Hai đến thứ Sáu"),
            ("0 17 1,15 * *", "17:00 ngày 1 và 15 hằng tháng"),
            ("15 17 * * Sat,Sun", "17:15 thứ Bảy và Chủ nhật"),
            ("15 17 * * 6,7", "17:15 thứ Bảy và Chủ nhật"),
            ("0 7 * * 1", "07:00 thứ Hai hằng tuần"),
            ("0 7 * * 1,3,5", "07:00 thứ Hai, thứ Tư và thứ Sáu"),
            ("0 7 * * 0-6", "07:00 hằng ngày"),
            ("45 5,17 * * *", "05:45 và 17:45 hằng ngày"),
            ("0 7 21 4 *", "07:00 ngày 21 tháng 4 hằng năm"),
            ("0 7 1-7 10 *", "07:00 ngày 1 đến 7 tháng 10 hằng năm"),
            ("0 6 * 10 *", "06:00 hằng ngày trong tháng 10"),
            ("@daily", "00:00 hằng ngày"),
        ] {
            assert_eq!(say(rule), words, "{rule}");
        }
    }

    #[test]
    fn complex_rules_fall_back_to_the_rule_itself() {
        for rule in [
            "*/15 6 * * *",
            "0 6 1 * 1",
            "0 5-18 * * *",
            "0 6 */2 * *",
            "@hourly",
        ] {
            assert_eq!(say(rule), format!("lịch crontab \"{rule}\""), "{rule}");
        }
    }

    #[test]
    fn the_slot_holding_an_item_names_its_rule() {
        let rotation = Rotation {
            id: crate::domain::RotationId::parse("sang-chieu").expect("id"),
            slots: vec![
                CronSchedule::parse("45 5 * * *").expect("rule"),
                CronSchedule::parse("15 17 * * 1-5").expect("rule"),
            ],
            slot_seconds: 120,
            order: crate::domain::Order::Sequential,
            spacing: 0,
            relay: None,
        };
        // 2 March 2026 is a Monday.
        let at = |h, m, s| {
            chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
                .and_then(|d| d.and_hms_opt(h, m, s))
                .expect("time")
        };
        assert_eq!(
            why_vi("Tuần lễ HTSĐ 2026", &rotation, at(17, 16, 30)),
            "Chiến dịch Tuần lễ HTSĐ 2026, khung 17:15 thứ Hai đến thứ Sáu"
        );
        assert_eq!(
            why_vi("Chiến dịch tháng Mười", &rotation, at(5, 45, 10)),
            "Chiến dịch tháng Mười, khung 05:45 hằng ngày"
        );
        assert_eq!(
            why_vi("chiến dịch mùa hè", &rotation, at(5, 45, 10)),
            "Chiến dịch mùa hè, khung 05:45 hằng ngày"
        );
        assert_eq!(
            slot_rule_at(&rotation, at(5, 45, 0)).map(CronSchedule::source),
            Some("45 5 * * *")
        );
        assert!(slot_rule_at(&rotation, at(5, 47, 0)).is_none());
        assert_eq!(
            why_vi("X", &rotation, at(9, 0, 0)),
            "Chiến dịch X, vòng phát sang-chieu"
        );
    }
}
