//! A station's airing log: what the station recorded, newest first, filtered by a
//! range of local days and an outcome, paged on the server.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::calendar::{language_label, parse_day, reason_label};
use super::conventions::{date_dmy, date_time_in, number, time_hm};
use super::i18n::Lang;
use super::page::Page;
use super::session::Viewer;
use super::{ConsoleError, ConsoleResult};
use crate::domain::Outcome;
use crate::server::AppState;
use crate::server::api::{Scope, visible_station};
use crate::server::error::ApiError;
use crate::store::StationRow;
use crate::store::console::{AiringLogQuery, airing_log};

/// Airings per page.
pub const PAGE_SIZE: i64 = 50;

/// Days the log covers when no range is given (today and the six before).
const DEFAULT_DAYS: i64 = 7;

/// Query of the log (`from`, `until`, `outcome`, `page`).
#[derive(Debug, Default, Deserialize)]
pub struct LogQuery {
    pub(super) from: Option<String>,
    pub(super) until: Option<String>,
    pub(super) outcome: Option<String>,
    pub(super) page: Option<u32>,
}

/// One airing as the log shows it.
pub struct LogRow {
    pub(super) planned: String,
    pub(super) actual: String,
    pub(super) title: String,
    pub(super) campaign: String,
    pub(super) language: String,
    pub(super) outcome: String,
    pub(super) outcome_class: String,
    pub(super) reason: String,
}

/// The log part of a station page.
pub struct LogView {
    pub(super) code: String,
    pub(super) from: String,
    pub(super) until: String,
    pub(super) outcomes: Vec<(String, String, bool)>,
    pub(super) rows: Vec<LogRow>,
    pub(super) summary: String,
    pub(super) prev: Option<(String, String)>,
    pub(super) next: Option<(String, String)>,
}

/// The log alone, for htmx.
#[derive(Template, WebTemplate)]
#[template(path = "airing_log_fragment.html")]
pub struct LogFragment {
    pub(super) page: Page,
    pub(super) log: LogView,
}

fn day_start_ms(d: NaiveDate, tz: Tz) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map_or(0, |t| t.timestamp_millis())
}

/// Builds the log of `row` for the query.
pub async fn build(
    state: &AppState,
    row: &StationRow,
    lang: Lang,
    q: &LogQuery,
) -> Result<LogView, ApiError> {
    let tz: Tz = row.timezone.parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
    let today = Utc::now().with_timezone(&tz).date_naive();
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let until = match given(&q.until) {
        Some(t) => parse_day("until", &t)?,
        None => today,
    };
    let from = match given(&q.from) {
        Some(t) => parse_day("from", &t)?,
        None => until - Duration::days(DEFAULT_DAYS - 1),
    };
    if until < from {
        return Err(ApiError::BadRequest(format!(
            "until: {} trước from {}; ngày cuối phải từ ngày đầu trở đi",
            until.format("%d/%m/%Y"),
            from.format("%d/%m/%Y")
        )));
    }
    let outcome = given(&q.outcome).filter(|o| Outcome::parse(o).is_some());
    let page_no = i64::from(q.page.unwrap_or(1).clamp(1, 100_000));
    let (found, total) = airing_log(
        &state.store,
        &AiringLogQuery {
            station: row.code.clone(),
            from_ms: day_start_ms(from, tz),
            until_ms: day_start_ms(until + Duration::days(1), tz),
            outcome: outcome.clone(),
            offset: (page_no - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        },
    )
    .await?;
    let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap_or_default();
    let rows = found
        .into_iter()
        .map(|r| LogRow {
            planned: date_time_in(at(r.planned_start_ms), tz),
            actual: match (r.actual_start_ms, r.actual_end_ms) {
                (Some(s), Some(e)) => format!(
                    "{}–{}",
                    time_hm(&at(s).with_timezone(&tz)),
                    time_hm(&at(e).with_timezone(&tz))
                ),
                (Some(s), None) => time_hm(&at(s).with_timezone(&tz)),
                _ => String::new(),
            },
            title: r.segment_title.or(r.segment_id).unwrap_or(r.item_id),
            campaign: r.campaign.unwrap_or_default(),
            language: r
                .language
                .map(|l| language_label(&l, lang))
                .unwrap_or_default(),
            outcome: lang.t(&format!("status-{}", r.outcome)),
            outcome_class: format!("status-{}", r.outcome),
            reason: r
                .reason
                .as_deref()
                .map(|x| reason_label(x, lang))
                .unwrap_or_default(),
        })
        .collect();
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    let link = |base: &str, p: i64| {
        let mut pairs = vec![
            ("from", from.format("%Y-%m-%d").to_string()),
            ("until", until.format("%Y-%m-%d").to_string()),
        ];
        if let Some(o) = &outcome {
            pairs.push(("outcome", o.clone()));
        }
        pairs.push(("page", p.to_string()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("/stations/{}{base}?{query}#airing-log", row.code)
    };
    let pair = |p: i64| (link("", p), link("/airings", p).replace("#airing-log", ""));
    let first = ((page_no - 1) * PAGE_SIZE + 1).min(total);
    let last = (page_no * PAGE_SIZE).min(total);
    let mut outcomes = vec![(String::new(), lang.t("log-outcome-any"), outcome.is_none())];
    for o in ["aired", "partial", "missed", "failed", "preempted"] {
        outcomes.push((
            o.to_owned(),
            lang.t(&format!("status-{o}")),
            outcome.as_deref() == Some(o),
        ));
    }
    Ok(LogView {
        code: row.code.clone(),
        from: date_dmy(from),
        until: date_dmy(until),
        outcomes,
        rows,
        summary: lang.ta(
            "log-summary",
            &[
                ("first", number(first, lang)),
                ("last", number(last, lang)),
                ("total", number(total, lang)),
            ],
        ),
        prev: (page_no > 1).then(|| pair(page_no - 1)),
        next: (page_no < pages).then(|| pair(page_no + 1)),
    })
}

/// `GET /stations/{code}/airings`: the log alone (htmx swaps it in place).
pub async fn fragment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    query: Result<Query<LogQuery>, axum::extract::rejection::QueryRejection>,
) -> ConsoleResult<LogFragment> {
    let lang = viewer.lang;
    let api = |e: ApiError| ConsoleError::Api(e, lang);
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let scope = Scope::load(&state.store, &viewer.auth).await.map_err(api)?;
    let row = visible_station(&state, &scope, &code).await.map_err(api)?;
    let log = build(&state, &row, lang, &q).await.map_err(api)?;
    Ok(LogFragment {
        page: Page::new(
            &viewer,
            String::new(),
            "stations",
            format!("/stations/{code}"),
        ),
        log,
    })
}
