//! Page "Nhật ký": who changed what, when — newest first, 50 entries a page (links to
//! newer and older pages), filtered by actor, action, object or detail text and a range
//! of days read in Vietnam time.
//!
//! Everything shown is what `GET /api/v1/audit` answers the same account with the same
//! filters: the API's reader (`api::audit::AuditReader`: administrators only, their
//! subtree) and its checker (`audit_filter`, each refusal naming its field, here in the
//! catalog's words). The filter form swaps the table in place with htmx and pushes the
//! address; without JavaScript it is an ordinary GET form.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::conventions::{date_dmy, date_time_in, freshness, gmt_label, number};
use super::i18n::Lang;
use super::page::Page;
use super::session::Viewer;
use super::{ConsoleError, ConsoleResult};
use crate::server::AppState;
use crate::server::api::audit::{
    AUDIT_ZONE, AuditAsk, AuditAsked, AuditProblem, AuditReader, MAX_FILTER_CHARS, audit_filter,
};
use crate::server::error::ApiError;
use crate::store::audit::{ACTIONS, AuditEntry, AuditFilter, Cursor};

/// Entries per page.
pub const PAGE_SIZE: usize = 50;
/// Longest detail shown, characters (the API has all of it).
const MAX_DETAIL: usize = 160;
/// The id of the part htmx swaps, also the `HX-Target` that asks for it alone.
const LIST_ID: &str = "audit-list";

/// Query of `GET /audit`.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    q: Option<String>,
    from: Option<String>,
    until: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

/// The form as shown again: what was written, cut to a length the page can echo.
pub struct FormView {
    actor: String,
    action: String,
    q: String,
    from: String,
    until: String,
    actions: Vec<(&'static str, String)>,
    actors: Vec<String>,
    zone: String,
}

/// One entry.
pub struct Row {
    id: i64,
    at: String,
    ago: String,
    actor: String,
    action: String,
    /// The raw keyword, when the catalog has words for it (shown small).
    key: Option<String>,
    target: String,
    target_href: Option<String>,
    detail: String,
}

/// The list part (also sent alone to htmx).
pub struct ListView {
    error: Option<String>,
    rows: Vec<Row>,
    summary: String,
    newer: Option<String>,
    older: Option<String>,
}

/// The whole page.
#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    page: Page,
    form: FormView,
    list: ListView,
}

/// The list alone, for htmx.
#[derive(Template, WebTemplate)]
#[template(path = "audit_fragment.html")]
pub struct AuditFragment {
    page: Page,
    list: ListView,
}

fn clip(text: Option<&str>) -> String {
    text.unwrap_or_default()
        .trim()
        .chars()
        .take(MAX_FILTER_CHARS)
        .collect()
}

/// A refusal in the page's words, naming the field as the form labels it.
fn refusal(problem: &AuditProblem, lang: Lang) -> String {
    let field = lang.t(&format!("audit-field-{}", problem.field().param()));
    let arg = |k: &'static str, v: String| (k, v);
    match problem {
        AuditProblem::TooLong(_) => lang.ta(
            "audit-bad-long",
            &[
                arg("field", field),
                arg("max", number(MAX_FILTER_CHARS as i64, lang)),
            ],
        ),
        AuditProblem::UnknownAction(v) => lang.ta(
            "audit-bad-action",
            &[arg("field", field), arg("value", v.clone())],
        ),
        AuditProblem::NotADay(_, v) => lang.ta(
            "audit-bad-day",
            &[arg("field", field), arg("value", v.clone())],
        ),
        AuditProblem::Reversed { from, until } => lang.ta(
            "audit-bad-range",
            &[
                arg("field", field),
                arg("from", date_dmy(*from)),
                arg("until", date_dmy(*until)),
            ],
        ),
        AuditProblem::NotAnId(_, v) => lang.ta(
            "audit-bad-id",
            &[arg("field", field), arg("value", v.clone())],
        ),
        AuditProblem::BothCursors => lang.ta("audit-bad-cursors", &[arg("field", field)]),
    }
}

/// `/audit` with the checked filters and a page cursor (none: the newest entries).
fn href(asked: &AuditAsked, cursor: Option<Cursor>) -> String {
    let f = &asked.filter;
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (name, value) in [("actor", &f.actor), ("action", &f.action), ("q", &f.text)] {
        if let Some(v) = value {
            pairs.push((name, v.clone()));
        }
    }
    let (from, until) = asked.days;
    for (name, day) in [("from", from), ("until", until)] {
        if let Some(d) = day {
            pairs.push((name, date_dmy(d)));
        }
    }
    match cursor {
        Some(Cursor::Before(id)) if id < i64::MAX => pairs.push(("before", id.to_string())),
        Some(Cursor::After(id)) => pairs.push(("after", id.to_string())),
        _ => {}
    }
    match serde_urlencoded::to_string(&pairs) {
        Ok(s) if !s.is_empty() => format!("/audit?{s}"),
        _ => "/audit".to_owned(),
    }
}

/// One page of entries and where the pages beside it start (`Some(None)`: the
/// newest page).
struct Window {
    rows: Vec<AuditEntry>,
    newer: Option<Option<Cursor>>,
    older: Option<Cursor>,
}

/// The page at `cursor`, with its neighbours: the reader is asked one entry past the
/// page to know whether more lie beyond, and once on the other side.
async fn window(
    reader: &AuditReader,
    state: &AppState,
    filter: &AuditFilter,
    cursor: Cursor,
) -> Result<Window, ApiError> {
    let store = &state.store;
    let more = PAGE_SIZE + 1;
    let below = match cursor {
        Cursor::Before(below) => below,
        Cursor::After(id) => {
            let mut rows = reader.read(store, filter, cursor, more).await?;
            // No more than a page above: that is the newest page.
            if rows.len() <= PAGE_SIZE {
                return Box::pin(window(reader, state, filter, Cursor::Before(i64::MAX))).await;
            }
            rows.remove(0);
            let last = rows.last().map_or(id + 1, |e| e.id);
            let older = !reader
                .read(store, filter, Cursor::Before(last), 1)
                .await?
                .is_empty();
            return Ok(Window {
                newer: rows.first().map(|e| Some(Cursor::After(e.id))),
                older: older.then_some(Cursor::Before(last)),
                rows,
            });
        }
    };
    let mut rows = reader.read(store, filter, cursor, more).await?;
    let has_older = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let newer = if below == i64::MAX {
        None
    } else {
        let top = rows.first().map_or(below - 1, |e| e.id);
        match reader
            .read(store, filter, Cursor::After(top), more)
            .await?
            .len()
        {
            0 => None,
            n if n <= PAGE_SIZE => Some(None),
            _ => Some(Some(Cursor::After(top))),
        }
    };
    Ok(Window {
        older: has_older
            .then(|| rows.last().map(|e| Cursor::Before(e.id)))
            .flatten(),
        newer,
        rows,
    })
}

/// The actor in words: a station's device, the system, or the login name.
fn actor_words(actor: &str, lang: Lang) -> String {
    if let Some(code) = actor.strip_prefix("station:") {
        return lang.ta("audit-actor-station", &[("code", code.to_owned())]);
    }
    match actor {
        "seed" | "cli" => lang.t(&format!("audit-actor-{actor}")),
        _ => actor.to_owned(),
    }
}

fn row(e: AuditEntry, now: DateTime<Utc>, lang: Lang) -> Row {
    let at = DateTime::from_timestamp_millis(e.at_ms).unwrap_or_default();
    let words = lang.try_t(&format!("audit-action-{}", e.action.replace('.', "-")));
    let mut detail: String = e.detail.chars().take(MAX_DETAIL).collect();
    if e.detail.chars().count() > MAX_DETAIL {
        detail.push('…');
    }
    let target_href = (e.action.starts_with("station.") && !e.target.is_empty())
        .then(|| format!("/stations/{}", e.target));
    Row {
        id: e.id,
        at: date_time_in(at, AUDIT_ZONE),
        ago: freshness(at, now, lang),
        actor: actor_words(&e.actor, lang),
        key: words.as_ref().map(|_| e.action.clone()),
        action: words.unwrap_or_else(|| e.action.clone()),
        target: e.target,
        target_href,
        detail,
    }
}

/// `GET /audit` (the list alone when htmx asks with `HX-Target: audit-list`).
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> ConsoleResult<Response> {
    let lang = viewer.lang;
    let api = |e: ApiError| ConsoleError::Api(e, lang);
    let Ok(Query(q)) = query else {
        return Err(ConsoleError::BadForm(lang));
    };
    // 403 for whoever the API refuses, before anything is read.
    let reader = AuditReader::load(&state.store, &viewer.auth)
        .await
        .map_err(api)?;
    let checked = audit_filter(AuditAsk {
        actor: q.actor.as_deref(),
        action: q.action.as_deref(),
        q: q.q.as_deref(),
        from: q.from.as_deref(),
        until: q.until.as_deref(),
        before: q.before.as_deref(),
        after: q.after.as_deref(),
    });
    let now = state.clock.now();
    let (status, list, here) = match &checked {
        Err(problem) => (
            StatusCode::BAD_REQUEST,
            ListView {
                error: Some(refusal(problem, lang)),
                rows: Vec::new(),
                summary: String::new(),
                newer: None,
                older: None,
            },
            "/audit".to_owned(),
        ),
        Ok(asked) => {
            let w = window(&reader, &state, &asked.filter, asked.cursor)
                .await
                .map_err(api)?;
            let here = href(asked, Some(asked.cursor));
            let list = ListView {
                error: None,
                summary: lang.ta("audit-summary", &[("n", number(w.rows.len() as i64, lang))]),
                rows: w.rows.into_iter().map(|e| row(e, now, lang)).collect(),
                newer: w.newer.map(|c| href(asked, c)),
                older: w.older.map(|c| href(asked, Some(c))),
            };
            (StatusCode::OK, list, here)
        }
    };
    let page = Page::new(&viewer, lang.t("audit-title"), "audit", here);
    let wants_list =
        viewer.htmx && headers.get("hx-target").and_then(|v| v.to_str().ok()) == Some(LIST_ID);
    if wants_list {
        // htmx swaps only successful answers: a refusal is shown in place, with the
        // address left as it was.
        let mut res = AuditFragment { page, list }.into_response();
        if status != StatusCode::OK {
            res.headers_mut()
                .insert("hx-push-url", HeaderValue::from_static("false"));
        }
        return Ok(res);
    }
    let form = FormView {
        actor: clip(q.actor.as_deref()),
        action: clip(q.action.as_deref()),
        q: clip(q.q.as_deref()),
        from: clip(q.from.as_deref()),
        until: clip(q.until.as_deref()),
        actions: ACTIONS
            .iter()
            .map(|a| {
                let words = lang
                    .try_t(&format!("audit-action-{}", a.replace('.', "-")))
                    .unwrap_or_else(|| (*a).to_owned());
                (*a, words)
            })
            .collect(),
        actors: reader.actors(&state.store).await.map_err(api)?,
        zone: lang.ta("audit-zone", &[("gmt", gmt_label(now, AUDIT_ZONE))]),
    };
    Ok((status, AuditPage { page, form, list }).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_words_in_both_languages() {
        for action in ACTIONS {
            let key = format!("audit-action-{}", action.replace('.', "-"));
            for lang in Lang::ALL {
                assert!(lang.try_t(&key).is_some(), "{key} in {}", lang.code());
            }
        }
    }

    #[test]
    fn refusals_name_the_field_as_the_form_labels_it() {
        let problem = audit_filter(AuditAsk {
            from: Some("32/13/2026"),
            ..AuditAsk::default()
        })
        .expect_err("not a day");
        assert_eq!(problem.field().param(), "from");
        assert_eq!(
            refusal(&problem, Lang::Vi),
            "Từ ngày: `32/13/2026` không phải ngày; viết dd/mm/yyyy, ví dụ 05/10/2026."
        );
        assert!(refusal(&problem, Lang::En).starts_with("From: "));
    }

    #[test]
    fn links_keep_the_filters_and_write_days_as_people_do() {
        let asked = audit_filter(AuditAsk {
            actor: Some("quantri.19"),
            from: Some("2026-10-05"),
            ..AuditAsk::default()
        })
        .expect("ok");
        assert_eq!(
            href(&asked, Some(Cursor::Before(40))),
            "/audit?actor=quantri.19&from=05%2F10%2F2026&before=40"
        );
        assert_eq!(
            href(&asked, Some(Cursor::Before(i64::MAX))),
            "/audit?actor=quantri.19&from=05%2F10%2F2026"
        );
        assert_eq!(actor_words("station:05443", Lang::Vi), "Máy trạm 05443");
    }
}
