//! The report form: what the query string of `/reports` may say (a period kind and its
//! year, month or days; a grouping; an area), read into a checked request through the
//! API's own `report_query`, and shown again with each refusal next to its control.
//! Also the names downloaded files carry.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use serde::Deserialize;

use super::super::conventions::{date_dmy, number};
use super::super::i18n::Lang;
use crate::domain::{Area, AreaCode, GroupBy};
use crate::server::api::{ReportAsk, ReportField, Scope, report_query};
use crate::server::error::ApiError;
use crate::store::ReportQuery;

/// Longest range of days the form takes (a whole year is the period "Năm").
const MAX_RANGE_DAYS: i64 = 366;
/// Areas below the chosen one offered in the area list at most.
const MAX_AREA_CHOICES: usize = 300;
/// The Lifelong Learning Week ("Tuần lễ hưởng ứng học tập suốt đời"): 1 to 7 October,
/// the dates the Ministry of Education set in 2018, 2019, 2024 and 2025.
const LEARNING_WEEK: ((u32, u32), (u32, u32)) = ((10, 1), (10, 7));

/// Query of `GET /reports` and `GET /reports/download` (every field optional: an
/// empty query gives this month by area for the caller's own area).
#[derive(Debug, Default, Deserialize)]
pub struct ReportsQuery {
    pub(super) period: Option<String>,
    pub(super) year: Option<String>,
    pub(super) month: Option<String>,
    pub(super) from: Option<String>,
    pub(super) until: Option<String>,
    pub(super) area: Option<String>,
    pub(super) by: Option<String>,
    pub(super) page: Option<String>,
    pub(super) format: Option<String>,
}

/// The kind of period the form asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// A calendar year.
    Year,
    /// The Lifelong Learning Week of a year.
    LearningWeek,
    /// A calendar month.
    Month,
    /// Any range of days.
    Range,
}

impl Period {
    const ALL: [Self; 4] = [Self::Year, Self::LearningWeek, Self::Month, Self::Range];

    pub(super) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == s)
    }

    /// The keyword in the query string.
    pub(super) fn code(self) -> &'static str {
        match self {
            Self::Year => "year",
            Self::LearningWeek => "llw",
            Self::Month => "month",
            Self::Range => "range",
        }
    }
}

/// A checked period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// 1 January to 31 December.
    Year(i32),
    /// The Lifelong Learning Week of the year.
    LearningWeek(i32),
    /// A month: year, month 1–12.
    Month(i32, u32),
    /// First and last day.
    Range(NaiveDate, NaiveDate),
}

impl Span {
    pub(super) fn period(self) -> Period {
        match self {
            Self::Year(_) => Period::Year,
            Self::LearningWeek(_) => Period::LearningWeek,
            Self::Month(..) => Period::Month,
            Self::Range(..) => Period::Range,
        }
    }

    /// The first and last day, when the calendar has them.
    pub(super) fn days(self) -> Option<(NaiveDate, NaiveDate)> {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        Some(match self {
            Self::Year(y) => (day(y, 1, 1)?, day(y, 12, 31)?),
            Self::LearningWeek(y) => {
                let ((m1, d1), (m2, d2)) = LEARNING_WEEK;
                (day(y, m1, d1)?, day(y, m2, d2)?)
            }
            Self::Month(y, m) => {
                let first = day(y, m, 1)?;
                (
                    first,
                    super::super::conventions::next_month(first).pred_opt()?,
                )
            }
            Self::Range(a, b) => (a, b),
        })
    }

    /// The period part of a file name: `2026`, `tuan-le-2026`, `2026-10`,
    /// `14-05-2026`, `01-10-2026-07-10-2026`.
    pub(super) fn slug(self) -> String {
        match self {
            Self::Year(y) => format!("{y:04}"),
            Self::LearningWeek(y) => format!("tuan-le-{y:04}"),
            Self::Month(y, m) => format!("{y:04}-{m:02}"),
            Self::Range(a, b) if a == b => a.format("%d-%m-%Y").to_string(),
            Self::Range(a, b) => format!("{}-{}", a.format("%d-%m-%Y"), b.format("%d-%m-%Y")),
        }
    }
}

/// The grouping keywords in the order the form lists them.
const GROUPINGS: [(&str, GroupBy); 9] = [
    ("area", GroupBy::Area),
    ("station", GroupBy::Station),
    ("campaign", GroupBy::Campaign),
    ("segment", GroupBy::Segment),
    ("language", GroupBy::Language),
    ("priority", GroupBy::Priority),
    ("day", GroupBy::Day),
    ("week", GroupBy::Week),
    ("month", GroupBy::Month),
];

pub(super) fn by_code(by: GroupBy) -> &'static str {
    GROUPINGS
        .iter()
        .find(|(_, b)| *b == by)
        .map_or("area", |(c, _)| c)
}

/// The grouping part of a file name (nothing for the default, by area).
pub(super) fn by_slug(by: GroupBy) -> &'static str {
    match by {
        GroupBy::Area => "",
        GroupBy::Station => "-theo-tram",
        GroupBy::Campaign => "-theo-chien-dich",
        GroupBy::Segment => "-theo-ban-tin",
        GroupBy::Language => "-theo-ngon-ngu",
        GroupBy::Priority => "-theo-uu-tien",
        GroupBy::Day => "-theo-ngay",
        GroupBy::Week => "-theo-tuan",
        GroupBy::Month => "-theo-thang",
    }
}

/// The name of a downloaded report, ASCII only: `bao-cao-`, the area code (or
/// `toan-quoc`), the period (`2026`, `tuan-le-2026`, `2026-10`, `dd-mm-yyyy` or
/// `dd-mm-yyyy-dd-mm-yyyy`), the grouping when it is not by area (`-theo-tram`, …),
/// then the extension: `bao-cao-19-2026.xlsx`, `bao-cao-05443-tuan-le-2026.csv`,
/// `bao-cao-19-01-10-2026-07-10-2026-theo-tram.csv`.
pub fn file_name(area: Option<&AreaCode>, span: Span, by: GroupBy, ext: &str) -> String {
    let area = area.map_or_else(|| "toan-quoc".to_owned(), |a| a.as_str().to_owned());
    format!("bao-cao-{area}-{}{}.{ext}", span.slug(), by_slug(by))
}

/// Which control of the form a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Period,
    Year,
    Month,
    From,
    Until,
    Area,
    By,
    Page,
}

impl From<ReportField> for Field {
    fn from(f: ReportField) -> Self {
        match f {
            ReportField::From => Self::From,
            ReportField::Until => Self::Until,
            ReportField::Area | ReportField::Campaign => Self::Area,
            ReportField::By => Self::By,
        }
    }
}

/// A refusal: the control, the answer (its message and status).
pub(super) type Refusal = (Field, ApiError);

/// The form as it is shown again: the values as given (or as the period works out),
/// and the message of the control that was refused.
pub struct FormView {
    pub(super) period: &'static str,
    pub(super) periods: Vec<Choice>,
    pub(super) year: String,
    pub(super) month: String,
    pub(super) months: Vec<Choice>,
    pub(super) from: String,
    pub(super) until: String,
    pub(super) by: &'static str,
    pub(super) groupings: Vec<Choice>,
    pub(super) area: String,
    pub(super) areas: Vec<Choice>,
    pub(super) error: Option<(Field, String)>,
}

/// An option of a list.
pub struct Choice {
    pub(super) value: String,
    pub(super) label: String,
    pub(super) selected: bool,
}

impl FormView {
    /// The message shown next to control `name` (`period`, `year`, …), if refused.
    pub(super) fn error_of(&self, name: &str) -> Option<&str> {
        let (field, text) = self.error.as_ref()?;
        let named = match field {
            Field::Period => "period",
            Field::Year => "year",
            Field::Month => "month",
            Field::From => "from",
            Field::Until => "until",
            Field::Area => "area",
            Field::By => "by",
            Field::Page => "page",
        };
        (named == name).then_some(text.as_str())
    }
}

/// A checked request: the period, the query for the store, the canonical query
/// string pairs (what links and downloads repeat).
pub(super) struct Checked {
    pub(super) span: Span,
    pub(super) query: ReportQuery,
    pub(super) pairs: Vec<(&'static str, String)>,
}

/// Text from outside, trimmed and cut to `max` characters (what is echoed back).
pub(super) fn clip(s: Option<&str>, max: usize) -> String {
    s.unwrap_or_default().trim().chars().take(max).collect()
}

/// The station's local today (stations run on Asia/Ho_Chi_Minh unless set otherwise).
pub(super) fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
}

pub(super) fn bad(field: Field, lang: Lang, key: &str, value: &str) -> Refusal {
    (
        field,
        ApiError::BadRequest(lang.ta(key, &[("value", value.to_owned())])),
    )
}

/// Reads the form: fills `form` with what is shown again and checks everything with
/// the API's function; a refusal names its control.
pub(super) fn check(
    q: &ReportsQuery,
    scope: &Scope,
    lang: Lang,
    form: &mut FormView,
) -> Result<Checked, Refusal> {
    let today = today();
    let period_text = clip(q.period.as_deref(), 20);
    let year_text = clip(q.year.as_deref(), 20);
    let month_text = clip(q.month.as_deref(), 20);
    form.year = if year_text.is_empty() {
        today.year().to_string()
    } else {
        year_text.clone()
    };
    form.month = if month_text.is_empty() {
        today.month().to_string()
    } else {
        month_text.clone()
    };
    form.from = clip(q.from.as_deref(), 40);
    form.until = clip(q.until.as_deref(), 40);
    let by_text = clip(q.by.as_deref(), 20);
    if let Some((code, _)) = GROUPINGS.iter().find(|(c, _)| *c == by_text) {
        form.by = code;
    }
    let area_text = clip(q.area.as_deref(), 20);
    form.area = area_text.clone();

    let period = if period_text.is_empty() {
        Period::Month
    } else {
        Period::parse(&period_text)
            .ok_or_else(|| bad(Field::Period, lang, "reports-bad-period", &period_text))?
    };
    form.period = period.code();
    let year = || -> Result<i32, Refusal> {
        let text = form.year.as_str();
        text.parse::<i32>()
            .ok()
            .filter(|y| text.len() == 4 && (1000..=9999).contains(y))
            .ok_or_else(|| bad(Field::Year, lang, "reports-bad-year", text))
    };
    let span_days = match period {
        Period::Year => Some(Span::Year(year()?)),
        Period::LearningWeek => Some(Span::LearningWeek(year()?)),
        Period::Month => {
            let y = year()?;
            let m = form
                .month
                .parse::<u32>()
                .ok()
                .filter(|m| (1..=12).contains(m))
                .ok_or_else(|| bad(Field::Month, lang, "reports-bad-month", &form.month))?;
            Some(Span::Month(y, m))
        }
        Period::Range => None,
    };
    let (from_text, until_text) = match span_days.and_then(Span::days) {
        Some((a, b)) => (date_dmy(a), date_dmy(b)),
        None if span_days.is_some() => {
            return Err(bad(Field::Year, lang, "reports-bad-year", &form.year));
        }
        None => (form.from.clone(), form.until.clone()),
    };
    let ask = ReportAsk {
        from: &from_text,
        until: &until_text,
        area: (!area_text.is_empty()).then_some(area_text.as_str()),
        campaign: None,
        by: (!by_text.is_empty()).then_some(by_text.as_str()),
    };
    let query = report_query(scope, ask, Utc::now().timestamp_millis())
        .map_err(|(f, e)| (Field::from(f), e))?;
    form.by = by_code(query.by);
    form.area = query
        .area
        .as_ref()
        .map(|a| a.as_str().to_owned())
        .unwrap_or_default();
    let span = span_days.unwrap_or(Span::Range(query.from, query.until));
    if span.period() == Period::Range {
        let days = (query.until - query.from).num_days() + 1;
        if days > MAX_RANGE_DAYS {
            return Err(bad(
                Field::Until,
                lang,
                "reports-range-too-long",
                &number(days, lang),
            ));
        }
    }
    // The days the report covers, shown in the range boxes whatever the period.
    form.from = date_dmy(query.from);
    form.until = date_dmy(query.until);
    let mut pairs = vec![("period", period.code().to_owned())];
    match span {
        Span::Year(y) | Span::LearningWeek(y) => pairs.push(("year", y.to_string())),
        Span::Month(y, m) => {
            pairs.push(("year", y.to_string()));
            pairs.push(("month", m.to_string()));
        }
        Span::Range(a, b) => {
            pairs.push(("from", date_dmy(a)));
            pairs.push(("until", date_dmy(b)));
        }
    }
    if let Some(a) = &query.area {
        pairs.push(("area", a.as_str().to_owned()));
    }
    pairs.push(("by", by_code(query.by).to_owned()));
    Ok(Checked { span, query, pairs })
}

/// `path?pairs` with `extra` after them.
pub(super) fn link(
    path: &str,
    pairs: &[(&'static str, String)],
    extra: &[(&'static str, String)],
) -> String {
    let all: Vec<(&str, &str)> = pairs
        .iter()
        .chain(extra)
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    match serde_urlencoded::to_string(all) {
        Ok(s) if !s.is_empty() => format!("{path}?{s}"),
        _ => path.to_owned(),
    }
}

/// The form before anything is read: the defaults.
pub(super) fn empty_form() -> FormView {
    let t = today();
    FormView {
        period: Period::Month.code(),
        periods: Vec::new(),
        year: t.year().to_string(),
        month: t.month().to_string(),
        months: Vec::new(),
        from: String::new(),
        until: String::new(),
        by: "area",
        groupings: Vec::new(),
        area: String::new(),
        areas: Vec::new(),
        error: None,
    }
}

/// Fills the form's lists, the current values selected.
pub(super) fn fill_choices(form: &mut FormView, scope: &Scope, lang: Lang) {
    let choice = |value: String, label: String, selected: bool| Choice {
        value,
        label,
        selected,
    };
    form.periods = Period::ALL
        .iter()
        .map(|p| {
            choice(
                p.code().to_owned(),
                lang.t(&format!("reports-period-{}", p.code())),
                p.code() == form.period,
            )
        })
        .collect();
    form.months = (1..=12u32)
        .map(|m| {
            choice(
                m.to_string(),
                lang.ta("reports-month-name", &[("month", m.to_string())]),
                m.to_string() == form.month,
            )
        })
        .collect();
    form.groupings = GROUPINGS
        .iter()
        .map(|(c, _)| {
            choice(
                (*c).to_owned(),
                lang.t(&format!("reports-by-{c}")),
                *c == form.by,
            )
        })
        .collect();
    let chosen = form.area.clone();
    form.areas = area_choices(scope, &chosen, lang)
        .into_iter()
        .map(|(code, label)| {
            let selected = code == chosen;
            choice(code, label, selected)
        })
        .collect();
}

/// The areas the list offers: the caller's area (or the whole country), the path down
/// to the chosen one, and the units right below it; indented by level.
pub(super) fn area_choices(scope: &Scope, chosen: &str, lang: Lang) -> Vec<(String, String)> {
    let areas: HashMap<&str, &Area> = scope
        .areas()
        .into_iter()
        .map(|a| (a.code.as_str(), a))
        .collect();
    let top = scope.root_area();
    let chosen = if chosen.is_empty() || !areas.contains_key(chosen) {
        top.unwrap_or_default()
    } else {
        chosen
    };
    let mut path = Vec::new();
    let mut at = areas.get(chosen).copied();
    for _ in 0..16 {
        let Some(a) = at else { break };
        path.push(a);
        if Some(a.code.as_str()) == top {
            break;
        }
        at = a
            .parent
            .as_ref()
            .and_then(|p| areas.get(p.as_str()).copied());
    }
    path.reverse();
    let mut out = Vec::new();
    if top.is_none() {
        out.push((String::new(), lang.t("area-whole-country")));
    }
    let offset = usize::from(top.is_none());
    // Official names carry their level already ("Xã Bằng Thành", "Phường Đức Xuân").
    let label =
        |a: &Area, depth: usize| format!("{}{} ({})", "— ".repeat(depth), a.name, a.code.as_str());
    for (depth, a) in path.iter().enumerate() {
        out.push((a.code.as_str().to_owned(), label(a, depth + offset)));
    }
    let below_parent = if chosen.is_empty() {
        None
    } else {
        Some(chosen)
    };
    let mut below: Vec<&&Area> = areas
        .values()
        .filter(|a| a.parent.as_ref().map(AreaCode::as_str) == below_parent)
        .collect();
    below.sort_by(|a, b| {
        (a.name.as_str(), a.code.as_str()).cmp(&(b.name.as_str(), b.code.as_str()))
    });
    for a in below.into_iter().take(MAX_AREA_CHOICES) {
        out.push((a.code.as_str().to_owned(), label(a, path.len() + offset)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn code(s: &str) -> AreaCode {
        AreaCode::parse(s).expect("area code")
    }

    #[test]
    fn file_names_say_area_period_and_grouping_in_ascii() {
        let cases = [
            (
                Some("19"),
                Span::Year(2026),
                GroupBy::Area,
                "xlsx",
                "bao-cao-19-2026.xlsx",
            ),
            (
                Some("05443"),
                Span::LearningWeek(2026),
                GroupBy::Area,
                "csv",
                "bao-cao-05443-tuan-le-2026.csv",
            ),
            (
                Some("19"),
                Span::Month(2026, 10),
                GroupBy::Area,
                "xlsx",
                "bao-cao-19-2026-10.xlsx",
            ),
            (
                Some("19"),
                Span::Range(d("2026-10-01"), d("2026-10-07")),
                GroupBy::Area,
                "csv",
                "bao-cao-19-01-10-2026-07-10-2026.csv",
            ),
            (
                Some("05443"),
                Span::Range(d("2026-12-02"), d("2026-12-02")),
                GroupBy::Station,
                "csv",
                "bao-cao-05443-02-12-2026-theo-tram.csv",
            ),
            (
                None,
                Span::Month(2026, 3),
                GroupBy::Day,
                "xlsx",
                "bao-cao-toan-quoc-2026-03-theo-ngay.xlsx",
            ),
        ];
        for (area, span, by, ext, want) in cases {
            let name = file_name(area.map(code).as_ref(), span, by, ext);
            assert_eq!(name, want);
            assert!(name.is_ascii());
        }
    }

    #[test]
    fn periods_cover_their_days() {
        assert_eq!(
            Span::Year(2026).days(),
            Some((d("2026-01-01"), d("2026-12-31")))
        );
        assert_eq!(
            Span::LearningWeek(2025).days(),
            Some((d("2025-10-01"), d("2025-10-07")))
        );
        assert_eq!(
            Span::Month(2024, 2).days(),
            Some((d("2024-02-01"), d("2024-02-29")))
        );
        assert_eq!(
            Span::Month(2026, 12).days(),
            Some((d("2026-12-01"), d("2026-12-31")))
        );
        for p in Period::ALL {
            assert_eq!(Period::parse(p.code()), Some(p));
        }
        assert_eq!(Period::parse("tuan"), None);
    }

    #[test]
    fn the_grouping_keywords_are_the_apis() {
        for (code, by) in GROUPINGS {
            assert_eq!(GroupBy::parse(code), Some(by));
            assert_eq!(by_code(by), code);
            assert!(by_slug(by).is_ascii());
        }
    }
}
