//! The audit log as `GET /api/v1/audit` and the console's Nhật ký read it: who may
//! read which entries, and the filters (actor, action, text, a range of local days)
//! checked once for both, each refusal naming its field.
//!
//! Who reads which entries, kept simple: an administrator sees an entry when the
//! account that made it lies in their subtree, or when its target (looked up by the
//! action's kind: a station, campaign, segment, account, emergency or area) lies there
//! now. Entries made by the system (`seed`, `cli`) or whose target is gone (a deleted
//! campaign, an import path) are seen by administrators of a province only.

use std::collections::HashMap;

use axum::extract::State;
use chrono::{NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

use super::scope::Scope;
use crate::server::AppState;
use crate::server::accounts::list_accounts;
use crate::server::auth::{Role, StaffAuth};
use crate::server::error::{ApiError, ApiResult};
use crate::store::Store;
use crate::store::audit::{ACTIONS, AuditEntry, AuditFilter, Cursor};

/// The zone the days of a date filter are read in (the stations' zone).
pub(crate) const AUDIT_ZONE: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;
/// Longest actor or text filter, characters.
pub(crate) const MAX_FILTER_CHARS: usize = 100;
/// The least role that reads the audit log.
const AUDIT_ROLE: Role = Role::Admin;
/// Entries read from the store at a time while filtering by scope.
const CHUNK: i64 = 500;

/// The audit part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(audit), components(schemas(AuditJson)))]
pub(super) struct Doc;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/audit", axum::routing::get(audit))
}

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

/// Whether `auth` may read the audit log at all ([`AuditReader::load`] refuses the rest).
pub(crate) fn may_read(auth: &StaffAuth) -> bool {
    auth.role >= AUDIT_ROLE
}

/// The log as one administrator may read it: their scope and where audited objects
/// lie, loaded once for several reads.
pub(crate) struct AuditReader {
    scope: Scope,
    objects: HashMap<&'static str, HashMap<String, String>>,
}

impl AuditReader {
    /// The reader for `auth`: 403 unless an administrator, as the API answers.
    pub(crate) async fn load(store: &Store, auth: &StaffAuth) -> ApiResult<Self> {
        auth.require(AUDIT_ROLE)?;
        Ok(Self {
            scope: Scope::load(store, auth).await?,
            objects: crate::store::audit::object_areas(store).await?,
        })
    }

    /// Up to `limit` readable entries matching `filter` next to `cursor` (the newest
    /// below a `Before`, the oldest above an `After`), newest first either way.
    pub(crate) async fn read(
        &self,
        store: &Store,
        filter: &AuditFilter,
        cursor: Cursor,
        limit: usize,
    ) -> ApiResult<Vec<AuditEntry>> {
        let mut out = Vec::new();
        let mut at = cursor;
        // Filter chunk by chunk until enough entries are visible or the log ends.
        loop {
            let chunk = crate::store::audit::page(store, filter, at, CHUNK).await?;
            let Some(last) = chunk.last() else { break };
            at = match cursor {
                Cursor::Before(_) => Cursor::Before(last.id),
                Cursor::After(_) => Cursor::After(last.id),
            };
            let done = chunk.len() < CHUNK as usize;
            out.extend(chunk.into_iter().filter(|e| self.readable(e)));
            if out.len() >= limit || done {
                break;
            }
        }
        out.truncate(limit);
        if matches!(cursor, Cursor::After(_)) {
            out.reverse();
        }
        Ok(out)
    }

    /// The usernames of the accounts in the caller's subtree (those `GET
    /// /api/v1/accounts` lists), sorted.
    pub(crate) async fn actors(&self, store: &Store) -> ApiResult<Vec<String>> {
        let mut names: Vec<String> = list_accounts(store)
            .await?
            .into_iter()
            .filter(|a| self.scope.reaches_account(&a.area_code, a.whole_tree))
            .map(|a| a.username)
            .collect();
        names.sort();
        Ok(names)
    }

    /// Whether the caller may read `e`.
    fn readable(&self, e: &AuditEntry) -> bool {
        let (scope, objects) = (&self.scope, &self.objects);
        if scope.is_whole_tree() {
            return true;
        }
        let actor_area = objects["account"].get(&e.actor);
        if actor_area.is_some_and(|a| scope.contains(a)) {
            return true;
        }
        let kind = e.action.split('.').next().unwrap_or_default();
        let target_area = objects
            .get(kind)
            .and_then(|m| m.get(&e.target))
            .or_else(|| {
                [
                    "station",
                    "campaign",
                    "segment",
                    "account",
                    "emergency",
                    "area",
                ]
                .iter()
                .find_map(|k| objects[k].get(&e.target))
            });
        // An entry naming no area (an areas import, say) is for whoever reaches the
        // whole tree: one province of several does not.
        match target_area {
            Some(area) => scope.contains(area),
            None => scope.reaches_whole_tree(),
        }
    }
}

/// Paging and filters of `GET /api/v1/audit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Most entries to return (1–500, default 100).
    #[serde(default)]
    limit: Option<u32>,
    /// Only entries older than this id (the last id of the previous page).
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    before: Option<String>,
    /// Only entries newer than this id (the first id of the next page); not with
    /// `before`.
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    after: Option<String>,
    /// Only entries made by this actor (a username, `seed`, `cli`, `station:CODE`).
    #[serde(default)]
    actor: Option<String>,
    /// Only this action (`account.create`, `station.update`, …).
    #[serde(default)]
    action: Option<String>,
    /// Only entries whose target or detail contains this text (ASCII case ignored).
    #[serde(default)]
    q: Option<String>,
    /// From this day on (`dd/mm/yyyy` or `yyyy-mm-dd`, Asia/Ho_Chi_Minh).
    #[serde(default)]
    from: Option<String>,
    /// Up to and including this day (`dd/mm/yyyy` or `yyyy-mm-dd`, Asia/Ho_Chi_Minh).
    #[serde(default)]
    until: Option<String>,
}

/// One audit entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AuditJson {
    id: i64,
    /// RFC 3339 UTC.
    at: String,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

/// The audit log, newest first, limited to the caller's subtree (see the module docs)
/// and to the filters given.
#[utoipa::path(get, path = "/api/v1/audit", tag = "console", security(("session_token" = [])),
    params(AuditQuery),
    responses((status = 200, body = [AuditJson]), (status = 400), (status = 403)))]
async fn audit(
    State(state): State<AppState>,
    auth: StaffAuth,
    super::json::ApiQuery(q): super::json::ApiQuery<AuditQuery>,
) -> ApiResult<axum::Json<Vec<AuditJson>>> {
    let reader = AuditReader::load(&state.store, &auth).await?;
    let asked = audit_filter(AuditAsk {
        actor: q.actor.as_deref(),
        action: q.action.as_deref(),
        q: q.q.as_deref(),
        from: q.from.as_deref(),
        until: q.until.as_deref(),
        before: q.before.as_deref(),
        after: q.after.as_deref(),
    })
    .map_err(|p| p.to_api())?;
    let limit = q.limit.unwrap_or(100).clamp(1, 500) as usize;
    let entries = reader
        .read(&state.store, &asked.filter, asked.cursor, limit)
        .await?;
    Ok(axum::Json(
        entries
            .into_iter()
            .map(|e| AuditJson {
                id: e.id,
                at: chrono::DateTime::from_timestamp_millis(e.at_ms)
                    .unwrap_or_default()
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                actor: e.actor,
                action: e.action,
                target: e.target,
                detail: e.detail,
            })
            .collect(),
    ))
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
