//! The filters of the audit log (actor, action, text, a range of local days, a page
//! cursor) as `GET /api/v1/audit` and the console's Nhật ký take them: checked once
//! here, each refusal a typed problem naming its field, which the API writes in
//! Vietnamese and the console in its catalog's words.

use chrono::{NaiveDate, TimeZone};

use super::{AUDIT_ZONE, MAX_FILTER_CHARS};
use crate::server::error::ApiError;
use crate::store::audit::{ACTIONS, AuditFilter, Cursor};

/// A filter of the audit log, as the API's parameters name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuditField {
    /// `actor`
    Actor,
    /// `action`
    Action,
    /// `q`
    Text,
    /// `from`
    From,
    /// `until`
    Until,
    /// `before`
    Before,
    /// `after`
    After,
}

impl AuditField {
    /// The parameter's name.
    pub(crate) fn param(self) -> &'static str {
        match self {
            Self::Actor => "actor",
            Self::Action => "action",
            Self::Text => "q",
            Self::From => "from",
            Self::Until => "until",
            Self::Before => "before",
            Self::After => "after",
        }
    }
}

/// Why a filter was refused (the API writes these in Vietnamese; the console has its
/// own words for each, in both languages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuditProblem {
    /// Longer than [`MAX_FILTER_CHARS`].
    #[error("dài quá {MAX_FILTER_CHARS} ký tự; viết ngắn hơn")]
    TooLong(AuditField),
    /// Not one of [`ACTIONS`].
    #[error("hành động `{0}` không có; dùng một trong: {list}", list = ACTIONS.join(", "))]
    UnknownAction(String),
    /// Not a day.
    #[error("{}", crate::wire::day::hint(.1))]
    NotADay(AuditField, String),
    /// The last day comes before the first.
    #[error("ngày cuối {} trước ngày đầu {}; đổi chỗ hai ngày", .until.format("%d/%m/%Y"), .from.format("%d/%m/%Y"))]
    Reversed {
        /// First day.
        from: NaiveDate,
        /// Last day.
        until: NaiveDate,
    },
    /// Not an entry id.
    #[error("`{1}` không phải mã mục nhật ký; viết một số nguyên dương")]
    NotAnId(AuditField, String),
    /// `before` and `after` together.
    #[error("chỉ dùng một trong hai tham số `before` và `after`")]
    BothCursors,
}

impl AuditProblem {
    /// The field at fault.
    pub(crate) fn field(&self) -> AuditField {
        match self {
            Self::TooLong(f) | Self::NotADay(f, _) | Self::NotAnId(f, _) => *f,
            Self::UnknownAction(_) => AuditField::Action,
            Self::Reversed { .. } => AuditField::Until,
            Self::BothCursors => AuditField::After,
        }
    }

    /// The API's answer: a 400 naming the parameter.
    pub(crate) fn to_api(&self) -> ApiError {
        ApiError::BadRequest(format!("{}: {self}", self.field().param()))
    }
}

/// The filters as given (each trimmed; empty is absent).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AuditAsk<'a> {
    /// An account's username (or `seed`, `cli`, `station:CODE`), exactly.
    pub actor: Option<&'a str>,
    /// One of [`ACTIONS`].
    pub action: Option<&'a str>,
    /// Text the target or detail contains (ASCII case ignored).
    pub q: Option<&'a str>,
    /// First local day, `dd/mm/yyyy` or `yyyy-mm-dd`.
    pub from: Option<&'a str>,
    /// Last local day, inclusive.
    pub until: Option<&'a str>,
    /// Only entries older than this id.
    pub before: Option<&'a str>,
    /// Only entries newer than this id.
    pub after: Option<&'a str>,
}

/// Checked filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuditAsked {
    /// What the store filters on.
    pub filter: AuditFilter,
    /// Where the page starts.
    pub cursor: Cursor,
    /// The first and last day, as read.
    pub days: (Option<NaiveDate>, Option<NaiveDate>),
}

fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

fn shown(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Ms since the epoch at the start of local `day` in [`AUDIT_ZONE`].
fn day_start_ms(day: NaiveDate) -> i64 {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    AUDIT_ZONE
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(i64::MAX, |t| t.timestamp_millis())
}

/// Checks the filters; the first refusal names its field.
pub(crate) fn audit_filter(ask: AuditAsk<'_>) -> Result<AuditAsked, AuditProblem> {
    let text = |t: Option<&str>, field| match given(t) {
        Some(t) if t.chars().count() > MAX_FILTER_CHARS => Err(AuditProblem::TooLong(field)),
        other => Ok(other.map(str::to_owned)),
    };
    let actor = text(ask.actor, AuditField::Actor)?;
    let action = match given(ask.action) {
        Some(a) if ACTIONS.contains(&a) => Some(a.to_owned()),
        Some(a) => return Err(AuditProblem::UnknownAction(shown(a))),
        None => None,
    };
    let q = text(ask.q, AuditField::Text)?;
    let day = |t: Option<&str>, field| -> Result<Option<NaiveDate>, AuditProblem> {
        given(t)
            .map(|t| {
                crate::wire::day::parse(t).ok_or_else(|| AuditProblem::NotADay(field, shown(t)))
            })
            .transpose()
    };
    let from = day(ask.from, AuditField::From)?;
    let until = day(ask.until, AuditField::Until)?;
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        return Err(AuditProblem::Reversed { from, until });
    }
    let id = |t: Option<&str>, field| -> Result<Option<i64>, AuditProblem> {
        given(t)
            .map(|t| {
                t.parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| AuditProblem::NotAnId(field, shown(t)))
            })
            .transpose()
    };
    let cursor = match (
        id(ask.before, AuditField::Before)?,
        id(ask.after, AuditField::After)?,
    ) {
        (Some(_), Some(_)) => return Err(AuditProblem::BothCursors),
        (Some(b), None) => Cursor::Before(b),
        (None, Some(a)) => Cursor::After(a),
        (None, None) => Cursor::Before(i64::MAX),
    };
    Ok(AuditAsked {
        filter: AuditFilter {
            actor,
            action,
            text: q,
            from_ms: from.map(day_start_ms),
            until_ms: until.and_then(|d| d.succ_opt()).map(day_start_ms),
        },
        cursor,
        days: (from, until),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask<'a>(pairs: &[(&str, &'a str)]) -> AuditAsk<'a> {
        let mut a = AuditAsk::default();
        for (k, v) in pairs {
            let v = Some(*v);
            match *k {
                "actor" => a.actor = v,
                "action" => a.action = v,
                "q" => a.q = v,
                "from" => a.from = v,
                "until" => a.until = v,
                "before" => a.before = v,
                "after" => a.after = v,
                other => panic!("no field {other}"),
            }
        }
        a
    }

    #[test]
    fn days_are_whole_local_days_in_vietnam() {
        let asked =
            audit_filter(ask(&[("from", "05/10/2026"), ("until", "2026-10-05")])).expect("ok");
        // 05/10/2026 00:00 GMT+7 is 04/10/2026 17:00 UTC; the day ends 24 h later.
        assert_eq!(asked.filter.from_ms, Some(1_791_133_200_000));
        assert_eq!(asked.filter.until_ms, Some(1_791_133_200_000 + 86_400_000));
        assert_eq!(asked.cursor, Cursor::Before(i64::MAX));
    }

    #[test]
    fn each_refusal_names_its_field() {
        let cases: &[(&[(&str, &str)], AuditField)] = &[
            (&[("from", "32/13/2026")], AuditField::From),
            (&[("until", "hôm qua")], AuditField::Until),
            (
                &[("from", "06/10/2026"), ("until", "05/10/2026")],
                AuditField::Until,
            ),
            (&[("action", "station.explode")], AuditField::Action),
            (&[("before", "-3")], AuditField::Before),
            (&[("after", "x")], AuditField::After),
            (&[("before", "5"), ("after", "3")], AuditField::After),
        ];
        for (pairs, field) in cases {
            let problem = audit_filter(ask(pairs)).expect_err("refused");
            assert_eq!(problem.field(), *field, "{pairs:?}: {problem}");
            let ApiError::BadRequest(text) = problem.to_api() else {
                panic!("a 400")
            };
            assert!(text.starts_with(&format!("{}: ", field.param())), "{text}");
        }
        let long = "a".repeat(MAX_FILTER_CHARS + 1);
        assert_eq!(
            audit_filter(ask(&[("q", &long)])),
            Err(AuditProblem::TooLong(AuditField::Text))
        );
    }

    #[test]
    fn empty_filters_are_absent() {
        let asked =
            audit_filter(ask(&[("actor", "  "), ("action", ""), ("q", " x ")])).expect("ok");
        assert_eq!(
            asked.filter,
            AuditFilter {
                text: Some("x".into()),
                ..AuditFilter::default()
            }
        );
        let after = audit_filter(ask(&[("after", "12")])).expect("ok");
        assert_eq!(after.cursor, Cursor::After(12));
    }
}
