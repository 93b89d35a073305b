//! Page "Đang phát": what each station of the caller's scope plays now and next, and
//! why (campaign, rotation, slot rule in words), filtered by area, by a search that
//! ignores diacritics and to the stations on air; paged on the server. The table is an
//! htmx fragment (`/now/rows`) that polls itself every [`POLL_SECONDS`] seconds with
//! the same filters. Also the "now / next" block of a station's page
//! (`/stations/{code}/now`, polled the same way).
//!
//! The data is the API's: `now_playing_page` (`GET /api/v1/now-playing`) and
//! `station_now_of` (`GET /api/v1/stations/{code}/now`), so scope and filters are
//! decided once, there.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::conventions::{
    clock, date_dmy, fold, gmt_label, number, page_summary, previous_page, weekday_key,
};
use super::i18n::Lang;
use super::page::Page;
use super::session::Viewer;
use super::{ConsoleError, ConsoleResult};
use crate::domain::{Area, AreaCode};
use crate::server::AppState;
use crate::server::api::Scope;
use crate::server::api::now_playing::{
    MAX_QUERY, NowItemJson, NowParams, StationNowJson, now_playing_page, station_now_of,
};
use crate::server::error::ApiError;

/// Stations per page.
const PAGE_SIZE: u32 = 50;
/// How often the table and the station block refresh themselves, seconds.
pub const POLL_SECONDS: u32 = 15;
/// Areas offered below the chosen one at most.
const MAX_CHILDREN: usize = 200;
/// Highest page number accepted.
const MAX_PAGE: u32 = 100_000;
/// The id of the filter form: htmx names it in `HX-Trigger` when it asks.
const FORM_ID: &str = "now-filters";

/// The checked query of `/now` and `/now/rows`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NowFilters {
    /// Area code; empty for the caller's whole scope.
    area: String,
    /// Search text, trimmed.
    q: String,
    /// Only stations on air now.
    playing: bool,
    /// Page, from 1.
    page: u32,
}

impl NowFilters {
    /// Reads the query string: `area`, `q`, `playing` (`1`/`true`/`on`, `0`/`false`)
    /// and `page`; anything else, or a value that does not read, is refused in words.
    fn parse(raw: Option<&str>, lang: Lang) -> Result<Self, ApiError> {
        let bad =
            |key: &str, args: &[(&'static str, String)]| ApiError::BadRequest(lang.ta(key, args));
        let shown = |v: &str| v.chars().take(40).collect::<String>();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
            .map_err(|_| bad("now-bad-query", &[]))?;
        let mut out = Self {
            page: 1,
            ..Self::default()
        };
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in &pairs {
            if seen.contains(&key.as_str()) {
                return Err(bad("now-bad-twice", &[("name", shown(key))]));
            }
            let v = value.trim();
            match key.as_str() {
                "area" => {
                    seen.push("area");
                    out.area = v.chars().take(64).collect();
                }
                "q" => {
                    seen.push("q");
                    if v.chars().count() > MAX_QUERY {
                        return Err(bad("now-bad-q", &[("max", number(MAX_QUERY as i64, lang))]));
                    }
                    out.q = v.to_owned();
                }
                "playing" => {
                    seen.push("playing");
                    out.playing = match v {
                        "1" | "true" | "on" => true,
                        "" | "0" | "false" => false,
                        other => return Err(bad("now-bad-playing", &[("value", shown(other))])),
                    };
                }
                "page" => {
                    seen.push("page");
                    out.page = v
                        .parse::<u32>()
                        .ok()
                        .filter(|p| (1..=MAX_PAGE).contains(p))
                        .ok_or_else(|| {
                            bad(
                                "now-bad-page",
                                &[
                                    ("value", shown(v)),
                                    ("max", number(i64::from(MAX_PAGE), lang)),
                                ],
                            )
                        })?;
                }
                other => return Err(bad("now-bad-param", &[("name", shown(other))])),
            }
        }
        Ok(out)
    }

    /// The query string of these filters on `page` (empty when all are defaults).
    fn query(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.area.is_empty() {
            pairs.push(("area", self.area.clone()));
        }
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        if self.playing {
            pairs.push(("playing", "1".to_owned()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    fn href(&self, base: &str, page: u32) -> String {
        match self.query(page) {
            q if q.is_empty() => base.to_owned(),
            q => format!("{base}?{q}"),
        }
    }
}

/// A planned item as the page shows it.
pub struct ItemLine {
    pub(super) title: String,
    pub(super) when: String,
    pub(super) why: String,
    pub(super) rule: String,
    pub(super) href: String,
}

/// One station: now and next.
pub struct NowRow {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) href: String,
    pub(super) area_name: String,
    pub(super) class: &'static str,
    pub(super) now: Option<ItemLine>,
    pub(super) next: Option<ItemLine>,
    /// What an idle station is doing, in words.
    pub(super) idle: String,
}

/// The table part (also sent alone to htmx).
pub struct NowList {
    rows: Vec<NowRow>,
    summary: String,
    updated: String,
    generated: String,
    poll: String,
    poll_seconds: u32,
    prev: Option<(String, String)>,
    next: Option<(String, String)>,
    page_label: String,
}

/// An area the filter offers.
pub struct AreaOption {
    value: String,
    label: String,
    chosen: bool,
    /// A note, not a choice (how many more areas there are).
    disabled: bool,
}

/// The whole page.
#[derive(Template, WebTemplate)]
#[template(path = "now.html")]
pub struct NowPage {
    page: Page,
    q: String,
    playing: bool,
    areas: Vec<AreaOption>,
    list: NowList,
}

/// The table alone, for htmx; with the area choice too when the form asked (it
/// changes with the chosen area).
#[derive(Template, WebTemplate)]
#[template(path = "now_fragment.html")]
pub struct NowFragment {
    page: Page,
    list: NowList,
    areas: Option<Vec<AreaOption>>,
}

/// The station page's "now / next" block.
pub struct NowNext {
    pub(super) poll: String,
    pub(super) poll_seconds: u32,
    pub(super) now: Option<ItemLine>,
    pub(super) next: Option<ItemLine>,
    pub(super) idle: String,
    pub(super) updated: String,
}

/// The block alone, for htmx.
#[derive(Template, WebTemplate)]
#[template(path = "now_next_fragment.html")]
pub struct NowNextFragment {
    page: Page,
    nn: NowNext,
}

/// Why an item airs, in the page's language: the API's Vietnamese sentence, or the
/// English one from the catalog (the slot rule as written, crontab being no language).
pub fn why_text(
    lang: Lang,
    why_vi: &str,
    campaign: &str,
    rotation: &str,
    rule: Option<&str>,
) -> String {
    match (lang, rule) {
        (Lang::Vi, _) => why_vi.to_owned(),
        (Lang::En, Some(rule)) => lang.ta(
            "why-slot",
            &[("campaign", campaign.to_owned()), ("rule", rule.to_owned())],
        ),
        (Lang::En, None) => lang.ta(
            "why-rotation",
            &[
                ("campaign", campaign.to_owned()),
                ("rotation", rotation.to_owned()),
            ],
        ),
    }
}

/// The rotation and the rule as written, for who wants the detail.
pub fn rule_text(lang: Lang, rotation: &str, rule: Option<&str>) -> String {
    match rule {
        Some(r) => lang.ta(
            "why-detail",
            &[("rotation", rotation.to_owned()), ("rule", r.to_owned())],
        ),
        None => lang.ta("why-detail-rotation", &[("rotation", rotation.to_owned())]),
    }
}

fn zone_of(s: &StationNowJson) -> Tz {
    s.timezone.parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh)
}

fn instant(rfc: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(rfc)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// "hôm nay 17:15 (GMT+7)", "ngày mai 05:45 (GMT+7)", "Thứ Hai 07/12/2026 17:15 (GMT+7)".
fn day_and_time(at: DateTime<Utc>, tz: Tz, today: NaiveDate, lang: Lang) -> String {
    let local = at.with_timezone(&tz);
    let day = local.date_naive();
    let time = format!("{} ({})", clock(&local), gmt_label(at, tz));
    if day == today {
        lang.ta("now-today-at", &[("time", time)])
    } else if day == today + Duration::days(1) {
        lang.ta("now-tomorrow-at", &[("time", time)])
    } else {
        format!(
            "{} {} {time}",
            lang.t(weekday_key(day.weekday())),
            date_dmy(day)
        )
    }
}

fn item_line(
    i: &NowItemJson,
    code: &str,
    tz: Tz,
    today: NaiveDate,
    on_air: bool,
    lang: Lang,
) -> ItemLine {
    let start = instant(&i.start).unwrap_or_default();
    let end = instant(&i.end).unwrap_or_default();
    let when = if on_air {
        lang.ta(
            "now-since-until",
            &[
                ("since", clock(&start.with_timezone(&tz))),
                ("until", clock(&end.with_timezone(&tz))),
                ("gmt", gmt_label(start, tz)),
            ],
        )
    } else {
        day_and_time(start, tz, today, lang)
    };
    let day = start.with_timezone(&tz).date_naive();
    ItemLine {
        title: i.title.clone(),
        when,
        why: why_text(
            lang,
            &i.why,
            &i.campaign_name,
            &i.rotation,
            i.slot_rule.as_deref(),
        ),
        rule: rule_text(lang, &i.rotation, i.slot_rule.as_deref()),
        href: format!(
            "/stations/{code}?view=day&date={}#calendar",
            day.format("%Y-%m-%d")
        ),
    }
}

/// What an idle station is doing, in words.
fn idle_text(s: &StationNowJson, tz: Tz, today: NaiveDate, lang: Lang) -> String {
    match s.next.as_ref().and_then(|n| instant(&n.start)) {
        Some(at) => lang.ta(
            "now-idle-until",
            &[("when", day_and_time(at, tz, today, lang))],
        ),
        None => lang.t("now-idle-nothing"),
    }
}

fn row_of(s: &StationNowJson, now: DateTime<Utc>, lang: Lang) -> NowRow {
    let tz = zone_of(s);
    let today = now.with_timezone(&tz).date_naive();
    NowRow {
        href: format!("/stations/{}", s.station),
        code: s.station.clone(),
        name: if s.name.is_empty() {
            s.station.clone()
        } else {
            s.name.clone()
        },
        area_name: s.area_name.clone(),
        class: if s.now.is_some() { "on-air" } else { "idle" },
        now: s
            .now
            .as_ref()
            .map(|i| item_line(i, &s.station, tz, today, true, lang)),
        next: s
            .next
            .as_ref()
            .map(|i| item_line(i, &s.station, tz, today, false, lang)),
        idle: idle_text(s, tz, today, lang),
    }
}

/// The station page's block for `s` at `now`.
pub fn now_next(s: &StationNowJson, now: DateTime<Utc>, lang: Lang) -> NowNext {
    let row = row_of(s, now, lang);
    let tz = zone_of(s);
    NowNext {
        poll: format!("/stations/{}/now", s.station),
        poll_seconds: POLL_SECONDS,
        now: row.now,
        next: row.next,
        idle: row.idle,
        updated: lang.ta("now-updated", &[("time", time_in_s(now, tz))]),
    }
}

/// `11:32:05 (GMT+7)`.
fn time_in_s(at: DateTime<Utc>, tz: Tz) -> String {
    format!(
        "{} ({})",
        at.with_timezone(&tz).format("%H:%M:%S"),
        gmt_label(at, tz)
    )
}

/// The areas the filter offers: the way down from the caller's area to the chosen one,
/// then the areas just below it (by name), each indented by its depth.
fn area_options(scope: &Scope, chosen: &str, lang: Lang) -> Vec<AreaOption> {
    let areas: HashMap<&str, &Area> = scope
        .areas()
        .into_iter()
        .map(|a| (a.code.as_str(), a))
        .collect();
    let top = scope.root_area();
    let mut path: Vec<&Area> = Vec::new();
    let mut at = (!chosen.is_empty()).then_some(chosen);
    for _ in 0..16 {
        let Some(code) = at else { break };
        let Some(a) = areas.get(code) else { break };
        path.push(a);
        if Some(code) == top {
            break;
        }
        at = a.parent.as_ref().map(AreaCode::as_str);
    }
    if let Some(t) = top
        && path.last().map(|a| a.code.as_str()) != Some(t)
        && let Some(a) = areas.get(t)
    {
        path.push(a);
    }
    path.reverse();
    let mut out = Vec::new();
    let indent = |depth: usize| "\u{2003}".repeat(depth);
    let mut depth = 0;
    if top.is_none() {
        out.push(AreaOption {
            value: String::new(),
            label: lang.t("area-whole-country"),
            chosen: chosen.is_empty(),
            disabled: false,
        });
        depth = 1;
    }
    for a in &path {
        let is_top = Some(a.code.as_str()) == top;
        out.push(AreaOption {
            value: if is_top {
                String::new()
            } else {
                a.code.to_string()
            },
            label: format!("{}{}", indent(depth), a.name),
            chosen: a.code.as_str() == chosen || (is_top && chosen.is_empty()),
            disabled: false,
        });
        depth += 1;
    }
    let parent_of_children = if chosen.is_empty() { top } else { Some(chosen) };
    let mut below: Vec<&Area> = scope
        .areas()
        .into_iter()
        .filter(|a| a.parent.as_ref().map(AreaCode::as_str) == parent_of_children)
        .collect();
    below.sort_by_cached_key(|a| fold(&a.name));
    let more = below.len().saturating_sub(MAX_CHILDREN);
    out.extend(below.into_iter().take(MAX_CHILDREN).map(|a| AreaOption {
        value: a.code.to_string(),
        label: format!("{}{}", indent(depth), a.name),
        chosen: false,
        disabled: false,
    }));
    if more > 0 {
        out.push(AreaOption {
            value: String::new(),
            label: lang.ta("now-more-areas", &[("n", number(more as i64, lang))]),
            chosen: false,
            disabled: true,
        });
    }
    out
}

/// The filters and list for the query, with the scope they were read in.
async fn build(
    state: &AppState,
    viewer: &Viewer,
    raw: Option<&str>,
) -> ConsoleResult<(NowFilters, NowList, Scope)> {
    let lang = viewer.lang;
    let api = |e: ApiError| ConsoleError::Api(e, lang);
    let filters = NowFilters::parse(raw, lang).map_err(api)?;
    let scope = Scope::load(&state.store, &viewer.auth).await.map_err(api)?;
    // The caller's own area is the default; naming it is the same choice.
    let mut filters = filters;
    if Some(filters.area.as_str()) == scope.root_area() {
        filters.area.clear();
    }
    let params = NowParams {
        area: (!filters.area.is_empty()).then(|| filters.area.clone()),
        q: (!filters.q.is_empty()).then(|| filters.q.clone()),
        playing: Some(filters.playing),
        page: Some(filters.page),
        per_page: Some(PAGE_SIZE),
    };
    let data = now_playing_page(state, &viewer.auth, &params)
        .await
        .map_err(api)?;
    let now = instant(&data.generated_at).unwrap_or_else(Utc::now);
    let rows: Vec<NowRow> = data.stations.iter().map(|s| row_of(s, now, lang)).collect();
    let tz = data
        .stations
        .first()
        .map_or(chrono_tz::Asia::Ho_Chi_Minh, zone_of);
    let total = data.total;
    let size = PAGE_SIZE as usize;
    let page_no = filters.page as usize;
    let pages = total.div_ceil(size).max(1);
    let link = |p: usize| {
        let p = p as u32;
        (filters.href("/now", p), filters.href("/now/rows", p))
    };
    let list = NowList {
        rows,
        summary: page_summary(page_no, size, total, lang),
        updated: lang.ta(
            "now-updated-every",
            &[
                ("time", time_in_s(now, tz)),
                ("n", number(i64::from(POLL_SECONDS), lang)),
            ],
        ),
        generated: data.generated_at.clone(),
        poll: filters.href("/now/rows", filters.page),
        poll_seconds: POLL_SECONDS,
        prev: previous_page(page_no, size, total).map(link),
        next: (page_no < pages).then(|| link(page_no + 1)),
        page_label: lang.ta(
            "pager-label",
            &[
                ("page", number(page_no as i64, lang)),
                ("pages", number(pages as i64, lang)),
            ],
        ),
    };
    Ok((filters, list, scope))
}

/// `GET /now`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    RawQuery(raw): RawQuery,
) -> ConsoleResult<NowPage> {
    let lang = viewer.lang;
    let (filters, list, scope) = build(&state, &viewer, raw.as_deref()).await?;
    let areas = area_options(&scope, &filters.area, lang);
    let here = filters.href("/now", filters.page);
    Ok(NowPage {
        page: Page::new(&viewer, lang.t("now-title"), "now", here),
        q: filters.q.clone(),
        playing: filters.playing,
        areas,
        list,
    })
}

/// `GET /now/rows`: the table alone (htmx polls it and the filter form asks for it);
/// the address bar is kept on the matching `/now?…`.
pub async fn rows(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ConsoleResult<Response> {
    let lang = viewer.lang;
    let (filters, list, scope) = build(&state, &viewer, raw.as_deref()).await?;
    let from_form = headers.get("hx-trigger").and_then(|v| v.to_str().ok()) == Some(FORM_ID);
    let areas = from_form.then(|| area_options(&scope, &filters.area, lang));
    let here = filters.href("/now", filters.page);
    let mut res = NowFragment {
        page: Page::new(&viewer, String::new(), "now", here.clone()),
        list,
        areas,
    }
    .into_response();
    if viewer.htmx
        && let Ok(v) = HeaderValue::from_str(&here)
    {
        res.headers_mut().insert("hx-replace-url", v);
    }
    Ok(res)
}

/// `GET /stations/{code}/now`: the station page's "now / next" block alone.
pub async fn station_block(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
) -> ConsoleResult<NowNextFragment> {
    let lang = viewer.lang;
    let s = station_now_of(&state, &viewer.auth, &code)
        .await
        .map_err(|e| ConsoleError::Api(e, lang))?;
    let here = format!("/stations/{code}");
    Ok(NowNextFragment {
        page: Page::new(&viewer, String::new(), "stations", here),
        nn: now_next(&s, state.clock.now(), lang),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_and_refuse_in_words() {
        let ok = NowFilters::parse(Some("area=05443&q=phan+dinh&playing=1&page=2"), Lang::Vi)
            .expect("valid");
        assert_eq!(
            ok,
            NowFilters {
                area: "05443".into(),
                q: "phan dinh".into(),
                playing: true,
                page: 2
            }
        );
        assert_eq!(ok.query(2), "area=05443&q=phan+dinh&playing=1&page=2");
        assert_eq!(ok.query(1), "area=05443&q=phan+dinh&playing=1");
        assert_eq!(
            NowFilters::parse(None, Lang::Vi)
                .expect("empty")
                .href("/now", 1),
            "/now"
        );
        for (query, needle) in [
            ("page=0", "page"),
            ("page=abc", "page"),
            ("page=-1", "page"),
            ("playing=maybe", "playing"),
            ("sort=name", "sort"),
            ("page=1&page=2", "page"),
        ] {
            let e = NowFilters::parse(Some(query), Lang::Vi)
                .expect_err(query)
                .to_string();
            assert!(e.contains(needle), "{query}: {e}");
            assert!(
                e.contains("viết") || e.contains("dùng") || e.contains("giữ"),
                "{query}: {e}"
            );
        }
        let long = format!("q={}", "a".repeat(101));
        assert!(NowFilters::parse(Some(&long), Lang::Vi).is_err());
    }
}
