//! A station's calendar: its plan by day, week (Monday to Sunday) or month, for any
//! date past or future, from `station_plan` (what `GET /stations/{code}/plan`
//! answers). Each item shows its time in the station's zone, segment, campaign,
//! priority and language; items already due show what happened and why. Below it,
//! one player per segment of the range.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use serde::Deserialize;

use super::conventions::{
    clock, date_dmy, gmt_label, month_start, next_month, previous_month, week_start, weekday_key,
};
use super::i18n::Lang;
use super::now_playing::{rule_text, why_text};
use super::page::Page;
use super::session::Viewer;
use super::{ConsoleError, ConsoleResult};
use crate::domain::Reason;
use crate::server::AppState;
use crate::server::api::{Scope, station_plan};
use crate::server::error::ApiError;

/// How much the calendar shows at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// One day.
    Day,
    /// Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
}

impl View {
    /// `day`, `week` (also when absent) or `month`; anything else is refused in words.
    fn parse(s: Option<&str>) -> Result<Self, ApiError> {
        match s.map(str::trim) {
            Some("day") => Ok(Self::Day),
            Some("month") => Ok(Self::Month),
            None | Some("" | "week") => Ok(Self::Week),
            Some(other) => Err(ApiError::BadRequest(format!(
                "view: `{}` không phải kiểu xem; viết view=day (ngày), view=week (tuần) hoặc view=month (tháng)",
                other.chars().take(20).collect::<String>()
            ))),
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// Query of the calendar (`view`, `date`).
#[derive(Debug, Default, Deserialize)]
pub struct CalendarQuery {
    pub(super) view: Option<String>,
    pub(super) date: Option<String>,
}

/// One planned item as the calendar shows it.
pub struct ItemView {
    pub(super) time: String,
    pub(super) title: String,
    pub(super) campaign: String,
    pub(super) priority: String,
    pub(super) priority_class: &'static str,
    pub(super) language: String,
    pub(super) status: String,
    pub(super) status_class: String,
    pub(super) reason: Option<String>,
    pub(super) actual: Option<String>,
    /// Why it is there: campaign and slot rule in words.
    pub(super) why: String,
    /// The rotation and the rule as written.
    pub(super) rule: String,
}

/// One day of the calendar.
pub struct DayView {
    pub(super) heading: String,
    pub(super) label: String,
    pub(super) iso: String,
    pub(super) class: String,
    pub(super) href: String,
    pub(super) frag: String,
    pub(super) items: Vec<ItemView>,
}

/// A segment of the range with its player.
pub struct SegmentView {
    pub(super) title: String,
    pub(super) language: String,
    pub(super) audio: String,
}

/// The calendar part of a station page.
pub struct CalendarView {
    pub(super) view: &'static str,
    pub(super) code: String,
    pub(super) heading: String,
    pub(super) zone: String,
    pub(super) date: String,
    pub(super) prev: String,
    pub(super) next: String,
    pub(super) today: String,
    pub(super) prev_fragment: String,
    pub(super) next_fragment: String,
    pub(super) today_fragment: String,
    /// Label, page link, fragment link, whether current, view code.
    pub(super) tabs: Vec<(String, String, String, bool, &'static str)>,
    pub(super) days: Vec<DayView>,
    pub(super) segments: Vec<SegmentView>,
    pub(super) problems: usize,
}

/// The calendar alone, for htmx.
#[derive(Template, WebTemplate)]
#[template(path = "calendar_fragment.html")]
pub struct CalendarFragment {
    pub(super) page: Page,
    pub(super) cal: CalendarView,
}

/// Years a date may name (far enough for any plan, near enough that no date
/// arithmetic overflows).
const YEARS: std::ops::RangeInclusive<i32> = 1970..=2200;

/// Parses `yyyy-mm-dd` (what `<input type=date>` sends) or `dd/mm/yyyy`.
pub fn parse_day(name: &str, text: &str) -> Result<NaiveDate, ApiError> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()
        .filter(|d| YEARS.contains(&d.year()))
        .ok_or_else(|| {
            let shown: String = t.chars().take(40).collect();
            ApiError::BadRequest(format!(
                "{name}: `{shown}` không phải ngày hợp lệ; viết dd/mm/yyyy, ví dụ 05/10/2026"
            ))
        })
}

/// The first day and length of the range `view` shows around `date`.
fn range(view: View, date: NaiveDate) -> (NaiveDate, u32) {
    match view {
        View::Day => (date, 1),
        View::Week => (week_start(date), 7),
        View::Month => {
            let first = month_start(date);
            (first, (next_month(date) - first).num_days() as u32)
        }
    }
}

fn shifted(view: View, date: NaiveDate, forward: bool) -> NaiveDate {
    let sign = if forward { 1 } else { -1 };
    match view {
        View::Day => date + Duration::days(sign),
        View::Week => week_start(date) + Duration::days(7 * sign),
        View::Month if forward => next_month(date),
        View::Month => previous_month(date),
    }
}

/// Builds the calendar of station `code` (inside `scope`) for the query.
pub async fn build(
    state: &AppState,
    scope: &Scope,
    code: &str,
    lang: Lang,
    q: &CalendarQuery,
) -> Result<(CalendarView, std::sync::Arc<crate::store::Loaded>), ApiError> {
    let view = View::parse(q.view.as_deref())?;
    let row = crate::server::api::visible_station(state, scope, code).await?;
    let tz: Tz = row.timezone.parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
    let now = state.clock.now();
    let today = now.with_timezone(&tz).date_naive();
    let date = match q.date.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => parse_day("date", d)?,
        None => today,
    };
    let (from, days) = range(view, date);
    let (plan, loaded) = station_plan(state, scope, code, from, days).await?;
    let inputs = &loaded.inputs;
    let campaigns: HashMap<&str, &str> = inputs
        .campaigns()
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    let link = |base: &str, v: View, d: NaiveDate| {
        format!(
            "/stations/{code}{base}?view={}&date={}",
            v.code(),
            d.format("%Y-%m-%d")
        )
    };
    let mut by_day: BTreeMap<NaiveDate, Vec<ItemView>> = BTreeMap::new();
    let mut segments: BTreeMap<String, SegmentView> = BTreeMap::new();
    for p in &plan.items {
        let Ok(start) = DateTime::parse_from_rfc3339(&p.item.start) else {
            continue;
        };
        let local = start.with_timezone(&tz);
        let segment = inputs
            .segment_by_id(&p.item.segment)
            .map(|i| inputs.segment(i));
        let title = segment.map_or_else(|| p.item.segment.clone(), |s| s.title.clone());
        let language =
            segment.map_or_else(String::new, |s| language_label(s.language.as_str(), lang));
        segments
            .entry(p.item.segment.clone())
            .or_insert_with(|| SegmentView {
                title: title.clone(),
                language: language.clone(),
                audio: format!("/audio/{}", p.item.segment),
            });
        let actual = p
            .actual_start
            .as_deref()
            .and_then(|a| DateTime::parse_from_rfc3339(a).ok())
            .map(|a| clock(&a.with_timezone(&tz)));
        let campaign = campaigns
            .get(p.item.campaign.as_str())
            .map_or_else(|| p.item.campaign.clone(), |n| (*n).to_owned());
        let rule = p.slot_rule.as_deref();
        by_day
            .entry(local.date_naive())
            .or_default()
            .push(ItemView {
                time: clock(&local),
                title,
                why: why_text(lang, &p.why, &campaign, &p.rotation, rule),
                rule: rule_text(lang, &p.rotation, rule),
                campaign,
                priority: lang.t(&format!("priority-{}", p.item.priority)),
                priority_class: if p.item.priority == "normal" {
                    ""
                } else {
                    " priority"
                },
                language,
                status: lang.t(&format!("status-{}", p.status)),
                status_class: format!("status-{}", p.status),
                reason: p.reason.as_deref().map(|r| reason_label(r, lang)),
                actual,
            });
    }
    let day_views = (0..days)
        .map(|i| {
            let d = from + Duration::days(i64::from(i));
            let label = format!("{} {}", lang.t(weekday_key(d.weekday())), date_dmy(d));
            let mut class = String::new();
            if d == today {
                class.push_str(" today");
            }
            if i == 0 && view == View::Month {
                class.push_str(&format!(" col-{}", d.weekday().number_from_monday()));
            }
            DayView {
                heading: if view == View::Month {
                    d.day().to_string()
                } else {
                    label.clone()
                },
                label,
                iso: d.format("%Y-%m-%d").to_string(),
                class,
                href: link("", View::Day, d),
                frag: link("/calendar", View::Day, d),
                items: by_day.remove(&d).unwrap_or_default(),
            }
        })
        .collect();
    let until = from + Duration::days(i64::from(days) - 1);
    let heading = match view {
        View::Day => format!("{} {}", lang.t(weekday_key(date.weekday())), date_dmy(date)),
        View::Week => format!("{} – {}", date_dmy(from), date_dmy(until)),
        View::Month => lang.ta(
            "calendar-month",
            &[("month", from.format("%m/%Y").to_string())],
        ),
    };
    let tabs = [View::Day, View::Week, View::Month]
        .iter()
        .map(|v| {
            (
                lang.t(&format!("calendar-view-{}", v.code())),
                link("", *v, date),
                link("/calendar", *v, date),
                *v == view,
                v.code(),
            )
        })
        .collect();
    let noon = from.and_hms_opt(12, 0, 0).map_or(now, |t| t.and_utc());
    let cal = CalendarView {
        view: view.code(),
        code: code.to_owned(),
        heading,
        zone: lang.ta(
            "calendar-zone",
            &[("zone", tz.name().to_owned()), ("gmt", gmt_label(noon, tz))],
        ),
        date: date_dmy(date),
        prev: link("", view, shifted(view, date, false)),
        next: link("", view, shifted(view, date, true)),
        today: link("", view, today),
        prev_fragment: link("/calendar", view, shifted(view, date, false)),
        next_fragment: link("/calendar", view, shifted(view, date, true)),
        today_fragment: link("/calendar", view, today),
        tabs,
        days: day_views,
        segments: segments.into_values().collect(),
        problems: plan.diagnostics.len(),
    };
    Ok((cal, loaded))
}

/// "Tiếng Việt", "Tiếng Tày" — or the code when the catalog has no name for it.
pub fn language_label(code: &str, lang: Lang) -> String {
    lang.try_t(&format!("language-{code}"))
        .unwrap_or_else(|| code.to_owned())
}

/// A recorded reason in words: the domain's Vietnamese label (English from the
/// catalog); text that is no known reason (older records) as it is.
pub fn reason_label(reason: &str, lang: Lang) -> String {
    match Reason::parse(reason) {
        Some(r) => match lang {
            Lang::Vi => r.label_vi().to_owned(),
            Lang::En => lang
                .try_t(&format!("reason-{}", r.as_str()))
                .unwrap_or_else(|| r.label_vi().to_owned()),
        },
        None => reason.to_owned(),
    }
}

/// `GET /stations/{code}/calendar`: the calendar alone (htmx swaps it in place).
pub async fn fragment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    query: Result<Query<CalendarQuery>, axum::extract::rejection::QueryRejection>,
) -> ConsoleResult<CalendarFragment> {
    let lang = viewer.lang;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let scope = Scope::load(&state.store, &viewer.auth)
        .await
        .map_err(|e| ConsoleError::Api(e, lang))?;
    let (cal, _) = build(&state, &scope, &code, lang, &q)
        .await
        .map_err(|e| ConsoleError::Api(e, lang))?;
    let here = format!("/stations/{code}");
    Ok(CalendarFragment {
        page: Page::new(&viewer, String::new(), "stations", here),
        cal,
    })
}
