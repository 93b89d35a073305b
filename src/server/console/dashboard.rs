//! Page "Tổng quan": the caller's stations by state (problems first, each count a link
//! to the station list filtered by that state), today's completion per area (each area
//! a link narrowing the page to it), the emergency bulletins under way in a banner and
//! the open alerts. htmx polls the live part every [`POLL_S`] seconds.
//!
//! Counts, completion and bulletins are `api::fleet::fleet_status`'s, exactly what
//! `GET /api/v1/fleet` answers for the same account and area; no station list is
//! loaded (one station is asked for, for its time zone). Open alerts come from the
//! alert task's table, filtered by the same area set.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::conventions::{clock, date_dmy, date_time_in, decimal1, freshness, gmt_label, number};
use super::i18n::Lang;
use super::page::Page;
use super::session::Viewer;
use super::{ConsoleError, ConsoleResult};
use crate::domain::AreaCode;
use crate::server::AppState;
use crate::server::api::Scope;
use crate::server::api::fleet::{FleetJson, FleetParams, area_filter, fleet_status};
use crate::server::error::ApiError;

/// Seconds between two refreshes of the live part.
pub const POLL_S: u32 = 30;
/// Open alerts listed at most (newest first; the rest are counted).
const MAX_ALERTS: usize = 20;
/// Areas listed below the chosen one at most.
const MAX_AREAS: usize = 200;
/// The id of the live part, also the `HX-Target` that asks for it alone.
const LIVE_ID: &str = "dashboard-live";

/// Query of `GET /`.
#[derive(Debug, Default, Deserialize)]
pub struct DashQuery {
    area: Option<String>,
}

/// A step of the path from the caller's area to the chosen one.
pub struct Crumb {
    name: String,
    href: String,
}

/// How many stations are in one state, and where they are listed.
pub struct StateLink {
    key: &'static str,
    label: String,
    count: String,
    href: String,
    zero: bool,
}

/// Today's completion of one area.
pub struct AreaRow {
    name: String,
    href: Option<String>,
    aired: String,
    due: String,
    pct: Option<String>,
    /// Bar length, 0–100, written for SVG (a point, not a comma).
    width: String,
    total: bool,
}

/// An open alert.
pub struct AlertLine {
    station: String,
    href: String,
    kind: String,
    since: String,
    detail: String,
}

/// A bulletin under way.
pub struct Banner {
    title: String,
    detail: String,
}

/// What the page shows and refreshes.
pub struct Live {
    poll: String,
    poll_s: u32,
    as_of: String,
    total: String,
    problems: Vec<StateLink>,
    activity: Vec<StateLink>,
    completion_title: String,
    areas: Vec<AreaRow>,
    more_areas: Option<String>,
    alerts_title: String,
    alerts: Vec<AlertLine>,
    alerts_more: Option<String>,
    emergencies: Vec<Banner>,
}

/// The whole page.
#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    page: Page,
    crumbs: Vec<Crumb>,
    live: Live,
}

/// The live part alone, for htmx.
#[derive(Template, WebTemplate)]
#[template(path = "dashboard_fragment.html")]
pub struct DashboardFragment {
    page: Page,
    live: Live,
}

/// `/` or `/?area=CODE`.
fn href(area: Option<&str>) -> String {
    match area {
        Some(a) => format!(
            "/?{}",
            serde_urlencoded::to_string([("area", a)]).unwrap_or_default()
        ),
        None => "/".to_owned(),
    }
}

/// The station list of `state` inside `area`.
fn stations_href(state: &str, area: Option<&str>) -> String {
    let mut pairs = vec![("state", state)];
    if let Some(a) = area {
        pairs.push(("area", a));
    }
    format!(
        "/stations?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// `GET /` (the live part alone when htmx asks with `HX-Target: dashboard-live`).
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    query: Result<Query<DashQuery>, axum::extract::rejection::QueryRejection>,
) -> ConsoleResult<Response> {
    let lang = viewer.lang;
    let api = |e: ApiError| ConsoleError::Api(e, lang);
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let asked: Option<String> = q
        .area
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| a.chars().take(64).collect());
    let scope = Scope::load(&state.store, &viewer.auth).await.map_err(api)?;
    // Unknown or outside the account's area: 404 with the API's Vietnamese message.
    let (area, keep) = area_filter(&scope, asked.as_deref()).map_err(api)?;
    let top = scope.root_area().map(str::to_owned);
    // The area in links: none when it is the caller's own.
    let narrowed = area.clone().filter(|a| Some(a) != top.as_ref());
    let params = FleetParams {
        state: None,
        area: narrowed.clone(),
        page: None,
        per_page: Some(1),
    };
    let fleet = fleet_status(&state, &viewer.auth, &params)
        .await
        .map_err(api)?;
    let (alerts, alerts_total) =
        crate::store::console::open_alerts_in(&state.store, |a| keep.contains(a), MAX_ALERTS)
            .await
            .map_err(|e| api(e.into()))?;
    let now = DateTime::parse_from_rfc3339(&fleet.generated_at)
        .map_or_else(|_| state.clock.now(), |t| t.with_timezone(&Utc));
    let live = live(
        &fleet,
        &alerts,
        alerts_total,
        &scope,
        narrowed.as_deref(),
        now,
        lang,
    );
    let here = href(narrowed.as_deref());
    let page = Page::new(&viewer, lang.t("dash-title"), "dashboard", here);
    let wants_live =
        viewer.htmx && headers.get("hx-target").and_then(|v| v.to_str().ok()) == Some(LIVE_ID);
    if wants_live {
        return Ok(DashboardFragment { page, live }.into_response());
    }
    let crumbs = crumbs(&scope, area.as_deref(), top.as_deref(), lang);
    Ok(DashboardPage { page, crumbs, live }.into_response())
}

/// The path from the caller's area down to `chosen`, each step a link.
fn crumbs(areas: &Scope, chosen: Option<&str>, top: Option<&str>, lang: Lang) -> Vec<Crumb> {
    let mut out = Vec::new();
    let mut at = chosen;
    // The tree is a few levels deep; the bound only guards against a cycle.
    for _ in 0..16 {
        let Some(code) = at else { break };
        let Some(a) = areas.area_inside(code) else {
            break;
        };
        let is_top = Some(code) == top;
        out.push(Crumb {
            name: a.name.clone(),
            href: href((!is_top).then_some(code)),
        });
        if is_top {
            break;
        }
        at = a.parent.as_ref().map(AreaCode::as_str);
    }
    if top.is_none() {
        out.push(Crumb {
            name: lang.t("area-whole-country"),
            href: href(None),
        });
    }
    out.reverse();
    out
}

fn state_link(
    c: &crate::server::api::fleet::StateCountJson,
    area: Option<&str>,
    lang: Lang,
) -> Option<StateLink> {
    let key = crate::domain::State::parse(&c.state)?.as_str();
    let label = lang.t(&format!("fleet-state-{key}"));
    Some(StateLink {
        key,
        count: number(c.stations as i64, lang),
        href: stations_href(key, area),
        label,
        zero: c.stations == 0,
    })
}

fn live(
    fleet: &FleetJson,
    alerts: &[crate::store::console::OpenAlertRow],
    alerts_total: usize,
    areas: &Scope,
    narrowed: Option<&str>,
    now: DateTime<Utc>,
    lang: Lang,
) -> Live {
    // "As of" in the stations' zone (one station is read for it; Vietnam has one zone).
    let tz: Tz = fleet
        .stations
        .first()
        .and_then(|s| s.timezone.parse().ok())
        .unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
    let local = now.with_timezone(&tz);
    let total = fleet.total;
    let (problems, activity): (Vec<_>, Vec<_>) = fleet
        .counts
        .iter()
        .filter_map(|c| state_link(c, narrowed, lang).map(|l| (c.problem, l)))
        .partition(|(problem, _)| *problem);
    let mut rows: Vec<_> = fleet.completion.iter().collect();
    rows.sort_by_key(|a| a.depth);
    let below = rows.iter().filter(|a| a.depth > 0).count();
    let area_rows = rows
        .iter()
        .take(MAX_AREAS + 1)
        .map(|a| {
            let pct = a.completion_pct.map(|p| p.clamp(0.0, 100.0));
            AreaRow {
                name: if a.depth == 0 {
                    lang.ta("dash-area-total", &[("area", a.name.clone())])
                } else {
                    a.name.clone()
                },
                href: (a.depth > 0).then(|| href(Some(&a.area))),
                aired: number(a.aired as i64, lang),
                due: number(a.due as i64, lang),
                pct: pct.map(|p| lang.ta("dash-pct", &[("pct", decimal1(p, lang))])),
                width: format!("{:.1}", pct.unwrap_or(0.0)),
                total: a.depth == 0,
            }
        })
        .collect();
    let alert_lines = alerts
        .iter()
        .map(|a| {
            let tz: Tz = a.timezone.parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
            let at = DateTime::from_timestamp_millis(a.opened_at_ms).unwrap_or_default();
            let area = areas
                .area_inside(a.area.as_str())
                .map_or("", |x| x.name.as_str());
            let name = if a.name.is_empty() {
                &a.station
            } else {
                &a.name
            };
            AlertLine {
                station: if area.is_empty() {
                    name.clone()
                } else {
                    format!("{name} · {area}")
                },
                href: format!("/stations/{}", a.station),
                kind: lang
                    .try_t(&format!("alert-kind-{}", a.kind))
                    .unwrap_or_else(|| a.kind.clone()),
                since: lang.ta(
                    "dash-since",
                    &[
                        ("ago", freshness(at, now, lang)),
                        ("at", date_time_in(at, tz)),
                    ],
                ),
                detail: a.detail.clone(),
            }
        })
        .collect();
    let emergencies = fleet
        .emergencies
        .iter()
        .map(|e| {
            let at =
                DateTime::parse_from_rfc3339(&e.sent_at).map_or(now, |t| t.with_timezone(&Utc));
            let area = areas
                .area_inside(&e.area)
                .map_or_else(|| e.area.clone(), |a| a.name.clone());
            Banner {
                title: lang.ta("dash-emergency", &[("title", e.title.clone())]),
                detail: lang.ta(
                    "dash-emergency-detail",
                    &[
                        ("ago", freshness(at, now, lang)),
                        ("at", date_time_in(at, tz)),
                        ("area", area),
                        ("by", e.sent_by.clone()),
                        ("acked", number(e.acknowledged as i64, lang)),
                        ("targeted", number(e.targeted as i64, lang)),
                    ],
                ),
            }
        })
        .collect();
    Live {
        poll: href(narrowed),
        poll_s: POLL_S,
        as_of: lang.ta(
            "dash-as-of",
            &[
                (
                    "time",
                    format!(
                        "{} {} ({})",
                        date_dmy(local.date_naive()),
                        clock(&local),
                        gmt_label(now, tz)
                    ),
                ),
                ("n", POLL_S.to_string()),
            ],
        ),
        total: lang.ta("dash-total", &[("n", number(total as i64, lang))]),
        problems: problems.into_iter().map(|(_, l)| l).collect(),
        activity: activity.into_iter().map(|(_, l)| l).collect(),
        completion_title: lang.ta("dash-completion", &[("day", date_dmy(local.date_naive()))]),
        areas: area_rows,
        more_areas: (below > MAX_AREAS).then(|| {
            lang.ta(
                "dash-more-areas",
                &[("n", number((below - MAX_AREAS) as i64, lang))],
            )
        }),
        alerts_title: lang.ta("dash-alerts", &[("n", number(alerts_total as i64, lang))]),
        alerts: alert_lines,
        alerts_more: (alerts_total > alerts.len()).then(|| {
            lang.ta(
                "dash-alerts-more",
                &[("n", number((alerts_total - alerts.len()) as i64, lang))],
            )
        }),
        emergencies,
    }
}
