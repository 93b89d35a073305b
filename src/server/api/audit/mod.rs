//! The audit log as `GET /api/v1/audit` and the console's Nhật ký read it: who may
//! read which entries, and (in [`filter`]) the filters checked once for both.
//!
//! Who reads which entries, kept simple: an administrator sees an entry when the
//! account that made it lies in their subtree, or when its target (looked up by the
//! action's kind: a station, campaign, segment, account, emergency or area) lies there
//! now. Entries made by the system (`seed`, `cli`) or whose target is gone (a deleted
//! campaign, an import path) are seen by administrators of a province only.

use std::collections::HashMap;

mod filter;

use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::scope::Scope;
use crate::server::AppState;
use crate::server::accounts::list_accounts;
use crate::server::auth::{Role, StaffAuth};
use crate::server::error::ApiResult;
use crate::store::Store;
use crate::store::audit::{AuditEntry, AuditFilter, Cursor};

pub(crate) use filter::{AuditAsk, AuditAsked, AuditProblem, audit_filter};

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
