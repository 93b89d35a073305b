//! Page "Trạm": the caller's area tree with station counts (one level at a time, from
//! the caller's area down), and the stations of the chosen area, searched without
//! diacritics, filtered by state and paged on the server; every row links to the
//! station's page.
//!
//! The scope is the API's (`Scope::load`), applied to the cached directory before
//! anything is counted or listed. A state filter classifies the chosen area's stations
//! with `api::fleet::classified`, the dashboard's and `GET /api/v1/fleet`'s rule.

use std::collections::HashMap;

use crate::domain::{Area, AreaCode, State as StationState, Status};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::DateTime;
use serde::Deserialize;

use super::conventions::{freshness, number, page_summary, previous_page};
use super::i18n::Lang;
use super::page::Page;
use super::session::Viewer;
use super::{ConsoleError, ConsoleResult};
use crate::server::AppState;
use crate::server::api::Scope;
use crate::server::error::ApiError;

/// Stations per page.
pub const PAGE_SIZE: usize = 50;
/// Longest search kept, characters.
const MAX_QUERY: usize = 100;
/// Areas listed below the chosen one at most (a province of the whole country after
/// 2025 has a few hundred communes; a hand-made tree may have thousands).
const MAX_CHILDREN: usize = 200;
/// A station heard within this long is "live" on the list.
const LIVE_MS: i64 = 5 * 60 * 1000;

/// Query of `GET /stations`.
#[derive(Debug, Default, Deserialize)]
pub struct StationsQuery {
    area: Option<String>,
    q: Option<String>,
    state: Option<String>,
    page: Option<u32>,
}

/// A choice of the state filter.
pub struct StateChoice {
    value: &'static str,
    label: String,
    chosen: bool,
}

/// A step of the path from the caller's area to the chosen one.
pub struct Crumb {
    name: String,
    href: String,
}

/// An area below the chosen one.
pub struct AreaLink {
    name: String,
    kind: String,
    count: String,
    href: String,
}

/// One station on the list.
pub struct StationLine {
    code: String,
    name: String,
    area_name: String,
    href: String,
    last_seen: String,
    live: &'static str,
    state: String,
}

/// The list part (also sent alone to htmx).
pub struct StationList {
    rows: Vec<StationLine>,
    show_state: bool,
    summary: String,
    prev: Option<String>,
    next: Option<String>,
    page_label: String,
}

/// The whole page.
#[derive(Template, WebTemplate)]
#[template(path = "stations.html")]
pub struct StationsPage {
    page: Page,
    area: String,
    q: String,
    states: Vec<StateChoice>,
    crumbs: Vec<Crumb>,
    children: Vec<AreaLink>,
    more: Option<String>,
    list: StationList,
}

/// The list alone, for htmx.
#[derive(Template, WebTemplate)]
#[template(path = "stations_fragment.html")]
pub struct StationsFragment {
    page: Page,
    list: StationList,
}

fn href(area: &str, q: &str, state: &str, page: usize) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if !area.is_empty() {
        pairs.push(("area", area.to_owned()));
    }
    if !q.is_empty() {
        pairs.push(("q", q.to_owned()));
    }
    if !state.is_empty() {
        pairs.push(("state", state.to_owned()));
    }
    if page > 1 {
        pairs.push(("page", page.to_string()));
    }
    match serde_urlencoded::to_string(&pairs) {
        Ok(s) if !s.is_empty() => format!("/stations?{s}"),
        _ => "/stations".to_owned(),
    }
}

/// `GET /stations`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    query: Result<Query<StationsQuery>, axum::extract::rejection::QueryRejection>,
) -> ConsoleResult<Response> {
    let lang = viewer.lang;
    let api = |e: ApiError| ConsoleError::Api(e, lang);
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let search: String =
        q.q.unwrap_or_default()
            .trim()
            .chars()
            .take(MAX_QUERY)
            .collect();
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000) as usize;
    let wanted = state_filter(q.state.as_deref(), lang).map_err(api)?;
    let state_key = wanted.map_or("", StationState::as_str);
    let scope = Scope::load(&state.store, &viewer.auth).await.map_err(api)?;
    let areas: HashMap<&str, &Area> = scope
        .areas()
        .into_iter()
        .map(|a| (a.code.as_str(), a))
        .collect();
    let parent = |c: &str| {
        areas
            .get(c)
            .and_then(|a| a.parent.as_ref().map(AreaCode::as_str))
    };
    let top = scope.root_area().map(str::to_owned);
    let chosen = match q.area.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) if scope.contains(a) => Some(a.to_owned()),
        Some(a) => {
            let a: String = a.chars().take(64).collect();
            return Err(api(ApiError::NotFound(format!("không có đơn vị `{a}`"))));
        }
        None => top.clone(),
    };
    let within = |area: &str| -> bool {
        let Some(root) = chosen.as_deref() else {
            return true;
        };
        let mut at = Some(area);
        for _ in 0..16 {
            match at {
                Some(a) if a == root => return true,
                Some(a) => at = parent(a),
                None => return false,
            }
        }
        false
    };
    let inside = |area: &str| scope.contains(area) && within(area);
    let directory = state
        .directory
        .current(&state.store)
        .await
        .map_err(|e| api(e.into()))?;
    let counts = directory.counts(|a| scope.contains(a), parent);
    let now = state.clock.now();
    // Filtered by state: the chosen area's stations are classified first (the rule
    // and the facts of the dashboard), then searched and paged as without a filter.
    let states: Option<HashMap<String, Status>> = match wanted {
        None => None,
        Some(w) => Some(
            crate::server::api::fleet::classified(&state, &inside, now)
                .await
                .map_err(|e| api(e.into()))?
                .into_iter()
                .filter(|(_, st)| st.has(w))
                .map(|(row, st)| (row.code, st))
                .collect(),
        ),
    };
    let offset = (page_no - 1) * PAGE_SIZE;
    let found = match &states {
        None => directory.search(inside, &search, offset, PAGE_SIZE),
        Some(kept) => directory.search_where(
            |e| inside(&e.area) && kept.contains_key(&e.code),
            &search,
            offset,
            PAGE_SIZE,
        ),
    };
    let codes: Vec<String> = found.page.iter().map(|e| e.code.clone()).collect();
    let heard = crate::store::console::last_heard(&state.store, &codes)
        .await
        .map_err(|e| api(e.into()))?;
    let area_key = chosen
        .clone()
        .filter(|c| Some(c) != top.as_ref())
        .unwrap_or_default();
    let rows = found
        .page
        .iter()
        .map(|e| {
            let seen = heard
                .get(&e.code)
                .and_then(|ms| DateTime::from_timestamp_millis(*ms));
            StationLine {
                code: e.code.clone(),
                name: e.name.clone(),
                area_name: e.area_name.clone(),
                href: format!("/stations/{}", e.code),
                last_seen: seen.map_or_else(|| lang.t("never-heard"), |t| freshness(t, now, lang)),
                live: match seen {
                    Some(t) if (now - t).num_milliseconds() < LIVE_MS => "live",
                    Some(_) => "stale",
                    None => "never",
                },
                state: states
                    .as_ref()
                    .and_then(|m| m.get(&e.code))
                    .map(|st| state_words(st, lang))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let pages = found.total.div_ceil(PAGE_SIZE).max(1);
    let list = StationList {
        rows,
        show_state: wanted.is_some(),
        summary: page_summary(page_no, PAGE_SIZE, found.total, lang),
        prev: previous_page(page_no, PAGE_SIZE, found.total)
            .map(|p| href(&area_key, &search, state_key, p)),
        next: (page_no < pages).then(|| href(&area_key, &search, state_key, page_no + 1)),
        page_label: lang.ta(
            "pager-label",
            &[
                ("page", number(page_no as i64, lang)),
                ("pages", number(pages as i64, lang)),
            ],
        ),
    };
    let here = href(&area_key, &search, state_key, page_no);
    let page = Page::new(&viewer, lang.t("stations-title"), "stations", here);
    let wants_list = viewer.htmx
        && headers.get("hx-target").and_then(|v| v.to_str().ok()) == Some("station-list");
    if wants_list {
        return Ok(StationsFragment { page, list }.into_response());
    }
    let count_of = |code: &str| number(counts.get(code).copied().unwrap_or(0) as i64, lang);
    let mut crumbs = Vec::new();
    let mut at = chosen.as_deref();
    while let Some(code) = at {
        let Some(a) = areas.get(code) else { break };
        crumbs.push(Crumb {
            name: a.name.clone(),
            href: href(
                if Some(code) == top.as_deref() {
                    ""
                } else {
                    code
                },
                "",
                "",
                1,
            ),
        });
        if Some(code) == top.as_deref() {
            break;
        }
        at = a.parent.as_ref().map(AreaCode::as_str);
    }
    if top.is_none() {
        crumbs.push(Crumb {
            name: lang.t("area-whole-country"),
            href: href("", "", "", 1),
        });
    }
    crumbs.reverse();
    let below: Vec<_> = scope
        .areas()
        .into_iter()
        .filter(|a| a.parent.as_ref().map(AreaCode::as_str) == chosen.as_deref())
        .collect();
    let more = (below.len() > MAX_CHILDREN).then(|| {
        lang.ta(
            "stations-more-areas",
            &[("n", number((below.len() - MAX_CHILDREN) as i64, lang))],
        )
    });
    let children = below
        .into_iter()
        .take(MAX_CHILDREN)
        .map(|a| AreaLink {
            name: a.name.clone(),
            kind: kind_label(a.kind.as_str(), lang),
            count: count_of(a.code.as_str()),
            href: href(a.code.as_str(), &search, state_key, 1),
        })
        .collect();
    let states = StationState::ALL
        .iter()
        .map(|&s| StateChoice {
            value: s.as_str(),
            label: lang.t(&format!("fleet-state-{}", s.as_str())),
            chosen: wanted == Some(s),
        })
        .collect();
    Ok(StationsPage {
        page,
        area: area_key,
        q: search,
        states,
        crumbs,
        children,
        more,
        list,
    }
    .into_response())
}

/// "Tỉnh", "Huyện", "Xã" — or the stored keyword when it is none of them.
fn kind_label(kind: &str, lang: Lang) -> String {
    lang.try_t(&format!("area-kind-{kind}"))
        .unwrap_or_else(|| kind.to_owned())
}

/// The `state` of the query: none when empty; a 400 naming `state` and every state
/// there is when it is none of them.
fn state_filter(text: Option<&str>, lang: Lang) -> Result<Option<StationState>, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    StationState::parse(text).map(Some).ok_or_else(|| {
        let known: Vec<String> = StationState::ALL
            .iter()
            .map(|s| {
                let key = s.as_str();
                format!("{key} ({})", lang.t(&format!("fleet-state-{key}")))
            })
            .collect();
        ApiError::BadRequest(lang.ta(
            "stations-state-unknown",
            &[
                ("value", text.chars().take(40).collect()),
                ("known", known.join(", ")),
            ],
        ))
    })
}

/// A station's problems and what it is doing, in words: "lệch đồng hồ quá 1 giây, đang phát".
fn state_words(st: &Status, lang: Lang) -> String {
    st.problems
        .iter()
        .chain(st.activity.iter())
        .map(|s| lang.t(&format!("fleet-state-{}", s.as_str())))
        .collect::<Vec<_>>()
        .join(", ")
}
