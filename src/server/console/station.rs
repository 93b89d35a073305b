//! A station's page: its state from the last heartbeat, its broadcast windows and
//! where they come from, languages, enrollment and tokens; then its calendar
//! ([`super::calendar`]) and airing log ([`super::airing_log`]).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc, Weekday};
use chrono_tz::Tz;

use super::airing_log::{self, LogQuery, LogView};
use super::calendar::{self, CalendarQuery, CalendarView, language_label};
use super::conventions::{bytes, date_time_in, freshness, number};
use super::i18n::Lang;
use super::now_playing::{NowNext, now_next};
use super::page::Page;
use super::session::Viewer;
use super::{ConsoleError, ConsoleResult};
use crate::domain::{WeekdaySet, Windows};
use crate::server::AppState;
use crate::server::api::now_playing::station_at;
use crate::server::api::{Scope, visible_station};
use crate::server::error::ApiError;
use crate::store::Refusal;
use crate::store::StationRow;
use crate::wire::HeartbeatJson;

/// A clock further off than this is flagged, ms.
const CLOCK_WARN_MS: i64 = 1000;

/// How far back the station page looks for refused airing records, days.
const REFUSALS_DAYS: i64 = 7;

/// One labelled value.
pub struct Fact {
    label: String,
    value: String,
    warn: bool,
}

impl Fact {
    fn new(lang: Lang, key: &str, value: String) -> Self {
        Self {
            label: lang.t(key),
            value,
            warn: false,
        }
    }

    fn warn_if(mut self, warn: bool) -> Self {
        self.warn = warn;
        self
    }
}

/// One broadcast window.
pub struct WindowLine {
    days: String,
    times: String,
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "station.html")]
pub struct StationPage {
    page: Page,
    code: String,
    area: String,
    state: Vec<Fact>,
    heard: bool,
    windows: Vec<WindowLine>,
    windows_source: String,
    languages: Vec<String>,
    credentials: Vec<Fact>,
    /// What it plays now and next (absent only if the schedule lost the station).
    nn: Option<NowNext>,
    cal: CalendarView,
    log: LogView,
}

/// `GET /stations/{code}` (404 outside the caller's area, as the API).
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(code): Path<String>,
    cal_q: Result<Query<CalendarQuery>, axum::extract::rejection::QueryRejection>,
    log_q: Result<Query<LogQuery>, axum::extract::rejection::QueryRejection>,
) -> ConsoleResult<StationPage> {
    let lang = viewer.lang;
    let api = |e: ApiError| ConsoleError::Api(e, lang);
    let scope = Scope::load(&state.store, &viewer.auth).await.map_err(api)?;
    let row = visible_station(&state, &scope, &code).await.map_err(api)?;
    let cal_q = cal_q.map(|Query(q)| q).unwrap_or_default();
    let log_q = log_q.map(|Query(q)| q).unwrap_or_default();
    let (cal, loaded) = calendar::build(&state, &scope, &code, lang, &cal_q)
        .await
        .map_err(api)?;
    let log = airing_log::build(&state, &row, lang, &log_q)
        .await
        .map_err(api)?;
    let tz: Tz = row.timezone.parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh);
    let now = Utc::now();
    let beat = crate::store::console::last_heartbeat(&state.store, &code)
        .await
        .map_err(|e| api(e.into()))?;
    let heard = beat.is_some();
    let mut status = beat.map(|(at, body)| heartbeat_facts(&row, at, &body, tz, now, lang));
    let refused = crate::store::refusals(
        &state.store,
        Some(&code),
        now.timestamp_millis() - REFUSALS_DAYS * 86_400_000,
        now.timestamp_millis() + 1,
    )
    .await
    .map_err(|e| api(e.into()))?;
    if let Some(facts) = status.as_mut() {
        facts.push(refusal_fact(&refused, tz, lang));
    }
    let creds =
        crate::store::console::credential_state(&state.store, &code, now.timestamp_millis())
            .await
            .map_err(|e| api(e.into()))?;
    let at = |ms: Option<i64>| {
        ms.and_then(DateTime::from_timestamp_millis)
            .map(|t| date_time_in(t, tz))
    };
    let mut credentials = vec![
        Fact::new(
            lang,
            "cred-tokens",
            lang.ta(
                "cred-tokens-value",
                &[
                    ("active", number(creds.active_tokens, lang)),
                    ("revoked", number(creds.revoked_tokens, lang)),
                ],
            ),
        )
        .warn_if(creds.active_tokens == 0),
    ];
    if let Some(t) = at(creds.enrolled_at_ms) {
        credentials.push(Fact::new(lang, "cred-enrolled", t));
    }
    credentials.push(Fact::new(
        lang,
        "cred-codes",
        match at(creds.code_expires_ms) {
            Some(t) => lang.ta(
                "cred-codes-open",
                &[("n", number(creds.open_codes, lang)), ("until", t)],
            ),
            None => lang.t("cred-codes-none"),
        },
    ));
    let (windows, windows_source) = windows_of(&loaded, &scope, &row, lang)?;
    let server_now = state.clock.now();
    let area_name = scope.name_inside(&row.area).unwrap_or_default();
    let nn = loaded.inputs.station_by_code(&row.code).map(|idx| {
        let s = station_at(&loaded.inputs, idx, (&row.area, area_name), server_now);
        now_next(&s, server_now, lang)
    });
    let area = scope
        .areas()
        .into_iter()
        .find(|a| a.code.as_str() == row.area)
        .map_or_else(|| row.area.clone(), |a| format!("{} ({})", a.name, a.code));
    let title = if row.name.is_empty() {
        row.code.clone()
    } else {
        row.name.clone()
    };
    Ok(StationPage {
        page: Page::new(&viewer, title, "stations", format!("/stations/{code}")),
        code: row.code.clone(),
        area,
        state: status.unwrap_or_default(),
        heard,
        windows,
        windows_source,
        languages: row
            .languages
            .iter()
            .map(|l| language_label(l, lang))
            .collect(),
        credentials,
        nn,
        cal,
        log,
    })
}

/// The state a heartbeat reports, as labelled values.
fn heartbeat_facts(
    row: &StationRow,
    at_ms: i64,
    body: &str,
    tz: Tz,
    now: DateTime<Utc>,
    lang: Lang,
) -> Vec<Fact> {
    let at = DateTime::from_timestamp_millis(at_ms).unwrap_or_default();
    let seen = format!("{} · {}", freshness(at, now, lang), date_time_in(at, tz));
    let mut facts =
        vec![Fact::new(lang, "state-last-seen", seen).warn_if((now - at).num_minutes() >= 5)];
    let Ok(hb) = serde_json::from_str::<HeartbeatJson>(body) else {
        facts.push(
            Fact::new(lang, "state-unreadable", lang.t("state-unreadable-value")).warn_if(true),
        );
        return facts;
    };
    let behind = hb.playlist_version.is_some() && hb.playlist_version != row.playlist_etag;
    let short = |v: &str| v.chars().take(12).collect::<String>();
    facts.push(Fact::new(lang, "state-version", hb.version.clone()));
    facts.push(
        Fact::new(
            lang,
            "state-playlist",
            match (&hb.playlist_version, behind) {
                (None, _) => lang.t("state-playlist-none"),
                (Some(v), false) => lang.ta("state-playlist-current", &[("v", short(v))]),
                (Some(v), true) => lang.ta("state-playlist-behind", &[("v", short(v))]),
            },
        )
        .warn_if(behind || hb.playlist_version.is_none()),
    );
    facts.push(
        Fact::new(
            lang,
            "state-media",
            lang.ta(
                "state-media-value",
                &[
                    ("ready", number(i64::from(hb.media_ready), lang)),
                    ("missing", number(i64::from(hb.media_missing), lang)),
                ],
            ),
        )
        .warn_if(hb.media_missing > 0),
    );
    facts.push(Fact::new(
        lang,
        "state-disk",
        bytes(hb.disk_free_bytes, lang),
    ));
    let offset = hb.clock_offset_ms;
    facts.push(
        Fact::new(
            lang,
            "state-clock",
            lang.ta(
                "state-clock-value",
                &[(
                    "ms",
                    format!(
                        "{}{}",
                        if offset > 0 { "+" } else { "" },
                        number(offset, lang)
                    ),
                )],
            ),
        )
        .warn_if(offset.abs() > CLOCK_WARN_MS),
    );
    facts.push(
        Fact::new(
            lang,
            "state-backlog",
            number(i64::from(hb.outbox_backlog), lang),
        )
        .warn_if(hb.outbox_backlog > 0),
    );
    // Uptime was read when the heartbeat was sent, not now.
    let uptime = at - chrono::Duration::seconds(i64::try_from(hb.uptime_s).unwrap_or(0));
    facts.push(Fact::new(
        lang,
        "state-uptime",
        lang.ta("state-uptime-value", &[("since", date_time_in(uptime, tz))]),
    ));
    facts.push(
        Fact::new(
            lang,
            "state-last-error",
            hb.last_error
                .clone()
                .unwrap_or_else(|| lang.t("state-no-error")),
        )
        .warn_if(hb.last_error.is_some()),
    );
    facts
}

/// Airing records the server refused (a broken chain, a bad signature) lately: how
/// many, and the newest with its reason.
fn refusal_fact(refused: &[Refusal], tz: Tz, lang: Lang) -> Fact {
    let value = match refused.last() {
        None => lang.t("state-refused-none"),
        Some(r) => lang.ta(
            "state-refused-value",
            &[
                ("n", number(refused.len() as i64, lang)),
                (
                    "at",
                    DateTime::from_timestamp_millis(r.received_at)
                        .map(|t| date_time_in(t, tz))
                        .unwrap_or_default(),
                ),
                ("reason", r.reason.chars().take(200).collect()),
            ],
        ),
    };
    Fact::new(lang, "state-refused", value).warn_if(!refused.is_empty())
}

/// The windows the station airs in and where they come from: its own, or those of
/// the nearest area above it that sets some.
fn windows_of(
    loaded: &crate::store::Loaded,
    scope: &Scope,
    row: &StationRow,
    lang: Lang,
) -> ConsoleResult<(Vec<WindowLine>, String)> {
    let api = |e: ApiError| ConsoleError::Api(e, lang);
    let inputs = &loaded.inputs;
    let Some(idx) = inputs.station_by_code(&row.code) else {
        return Err(api(ApiError::NotFound(format!(
            "không có trạm `{}`",
            row.code
        ))));
    };
    let station = inputs.station(idx);
    let tree = inputs.tree();
    let written: HashMap<_, _> = inputs.area_windows().collect();
    let from_area = tree
        .ancestors(station.area)
        .find(|a| written.contains_key(a))
        .map(|a| {
            let area = tree.area(a);
            let visible = scope.contains(area.code.as_str()) || scope.is_above(area.code.as_str());
            if visible {
                format!("{} ({})", area.name, area.code)
            } else {
                area.code.to_string()
            }
        });
    let source = match (&station.windows, from_area) {
        (Some(_), Some(area)) => lang.ta("windows-own-within", &[("area", area)]),
        (Some(_), None) => lang.t("windows-own"),
        (None, Some(area)) => lang.ta("windows-inherited", &[("area", area)]),
        (None, None) => lang.t("windows-none"),
    };
    Ok((window_lines(inputs.station_windows(idx), lang), source))
}

fn window_lines(windows: &Windows, lang: Lang) -> Vec<WindowLine> {
    windows
        .list()
        .iter()
        .map(|w| WindowLine {
            days: days_label(w.days(), lang),
            times: format!("{}–{}", w.start(), w.end()),
        })
        .collect()
}

/// "Hằng ngày", "Thứ Hai – Thứ Sáu", "Thứ Bảy, Chủ Nhật".
fn days_label(days: WeekdaySet, lang: Lang) -> String {
    use Weekday::*;
    let week = [Mon, Tue, Wed, Thu, Fri, Sat, Sun];
    let on: Vec<usize> = (0..7).filter(|&i| days.contains(week[i])).collect();
    let name = |i: usize| lang.t(super::conventions::weekday_key(week[i]));
    match on.as_slice() {
        [] => String::new(),
        all if all.len() == 7 => lang.t("days-every"),
        run if run.len() >= 3 && run.windows(2).all(|p| p[1] == p[0] + 1) => {
            format!("{} – {}", name(run[0]), name(run[run.len() - 1]))
        }
        list => list.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", "),
    }
}
