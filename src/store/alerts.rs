//! Alerts as rows: subscriptions (who is told about which area subtree), the problems
//! alerted on while they last, and the notices each subscription still has to be sent;
//! plus the lead that lets one replica at a time send.
//!
//! Deciding what opens and closes is `domain::alert`'s; this module records it and
//! queues one notice per subscription and channel that covers the station, in the same
//! transaction, so a restart neither repeats nor loses one.

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use super::inputs::load_tree;
use super::{Store, StoreError};
use crate::domain::{AlertKind, AreaCode, Change};

mod lead;
mod notices;

pub use lead::{Lead, lead};
pub use notices::{PendingNotice, mark_failed, mark_sent, pending_notices, prune};

/// A channel a subscription is told through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// E-mail.
    Email,
    /// A JSON POST.
    Webhook,
}

impl Channel {
    /// The stored keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "webhook" => Some(Self::Webhook),
            _ => None,
        }
    }
}

/// A stored subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Id.
    pub id: i64,
    /// Root of the area subtree it covers.
    pub area_code: String,
    /// Address to e-mail.
    pub email: Option<String>,
    /// URL to POST to.
    pub webhook: Option<String>,
    /// `api` or `config`.
    pub origin: String,
    /// Who made it.
    pub created_by: String,
    /// When, ms since the epoch.
    pub created_at_ms: i64,
}

impl Subscription {
    /// The channels it is told through.
    pub fn channels(&self) -> Vec<Channel> {
        let mut out = Vec::new();
        if self.email.is_some() {
            out.push(Channel::Email);
        }
        if self.webhook.is_some() {
            out.push(Channel::Webhook);
        }
        out
    }
}

const SELECT: &str =
    "SELECT id, area_code, email, webhook, origin, created_by, created_at FROM alert_subscriptions";

fn subscription(r: &sqlx::any::AnyRow) -> Result<Subscription, StoreError> {
    Ok(Subscription {
        id: r.try_get(0)?,
        area_code: r.try_get(1)?,
        email: r.try_get(2)?,
        webhook: r.try_get(3)?,
        origin: r.try_get(4)?,
        created_by: r.try_get(5)?,
        created_at_ms: r.try_get(6)?,
    })
}

/// Every subscription, by id.
pub async fn list_subscriptions(store: &Store) -> Result<Vec<Subscription>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY id")))
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(subscription)
        .collect()
}

/// One subscription.
pub async fn get_subscription(store: &Store, id: i64) -> Result<Option<Subscription>, StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(store.pool())
        .await?
        .as_ref()
        .map(subscription)
        .transpose()
}

/// Stores a checked subscription made through the API and its audit entry.
pub async fn create_subscription(
    store: &Store,
    area: &str,
    email: Option<&str>,
    webhook: Option<&str>,
    actor: &str,
    now_ms: i64,
) -> Result<i64, StoreError> {
    let mut tx = store.begin_write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO alert_subscriptions (area_code, email, webhook, origin, created_by, created_at)
         VALUES ($1, $2, $3, 'api', $4, $5) RETURNING id",
    )
    .bind(area.to_owned())
    .bind(email.map(str::to_owned))
    .bind(webhook.map(str::to_owned))
    .bind(actor.to_owned())
    .bind(now_ms)
    .fetch_one(&mut *tx)
    .await?
    .try_get(0)?;
    let detail = format!(
        "area={area} email={} webhook={}",
        email.unwrap_or("-"),
        webhook.unwrap_or("-")
    );
    super::audit::record(
        &mut tx,
        actor,
        "alert_subscription.create",
        &id.to_string(),
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Deletes subscription `id` (and what it still had to be told) with an audit entry;
/// false when there was none.
pub async fn delete_subscription(store: &Store, id: i64, actor: &str) -> Result<bool, StoreError> {
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM alert_notices WHERE subscription_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query("DELETE FROM alert_subscriptions WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    super::audit::record(
        &mut tx,
        actor,
        "alert_subscription.delete",
        &id.to_string(),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Makes the `config` subscriptions those of `wanted` (area, e-mail, webhook): keeps
/// those still listed, so what they have queued survives a restart, and replaces the
/// rest. Returns how many are kept or added.
pub async fn sync_config_subscriptions(
    store: &Store,
    wanted: &[(String, Option<String>, Option<String>)],
    now_ms: i64,
) -> Result<usize, StoreError> {
    let mut tx = store.begin_write().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE origin = 'config'"
    )))
    .fetch_all(&mut *tx)
    .await?;
    let mut kept = HashSet::new();
    for r in &rows {
        let s = subscription(r)?;
        let key = (s.area_code.clone(), s.email.clone(), s.webhook.clone());
        if wanted.contains(&key) && kept.insert(key) {
            continue;
        }
        sqlx::query("DELETE FROM alert_notices WHERE subscription_id = $1")
            .bind(s.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM alert_subscriptions WHERE id = $1")
            .bind(s.id)
            .execute(&mut *tx)
            .await?;
    }
    for w in wanted {
        if !kept.insert(w.clone()) {
            continue;
        }
        sqlx::query(
            "INSERT INTO alert_subscriptions (area_code, email, webhook, origin, created_by, created_at)
             VALUES ($1, $2, $3, 'config', 'config', $4)",
        )
        .bind(w.0.clone())
        .bind(w.1.clone())
        .bind(w.2.clone())
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(kept.len())
}

/// The alerts open now: (id, station, kind).
pub async fn open_alerts(store: &Store) -> Result<Vec<(i64, String, AlertKind)>, StoreError> {
    let rows = sqlx::query("SELECT id, station_code, kind FROM alerts WHERE closed_at IS NULL")
        .fetch_all(store.pool())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = r.try_get(2)?;
        // A kind a newer version wrote is left to that version.
        if let Some(kind) = AlertKind::parse(&kind) {
            out.push((r.try_get(0)?, r.try_get(1)?, kind));
        }
    }
    Ok(out)
}

/// For each subscription, its channels and whether it covers a station in area `code`.
pub struct Reach {
    subscriptions: Vec<(i64, Vec<Channel>, crate::domain::AreaId)>,
    tree: crate::domain::AreaTree,
}

impl Reach {
    /// The (subscription, channel) pairs covering a station in `area`.
    pub fn recipients(&self, area: &str) -> Vec<(i64, Channel)> {
        let Some(id) = AreaCode::parse(area).ok().and_then(|c| self.tree.get(&c)) else {
            return Vec::new();
        };
        self.subscriptions
            .iter()
            .filter(|(_, _, root)| self.tree.is_within(id, *root))
            .flat_map(|(sub, channels, _)| channels.iter().map(move |c| (*sub, *c)))
            .collect()
    }

    /// The name of area `code` (the code itself when unknown).
    pub fn area_name(&self, code: &str) -> String {
        AreaCode::parse(code)
            .ok()
            .and_then(|c| self.tree.get(&c))
            .map_or_else(|| code.to_owned(), |id| self.tree.area(id).name.clone())
    }
}

/// Whether area `code` is stored.
pub async fn area_exists(store: &Store, code: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query("SELECT 1 FROM areas WHERE code = $1")
        .bind(code.to_owned())
        .fetch_optional(store.pool())
        .await?
        .is_some())
}

/// Which subscriptions cover which areas.
pub async fn reach(store: &Store) -> Result<Reach, StoreError> {
    let tree = load_tree(store).await?;
    let subscriptions = list_subscriptions(store)
        .await?
        .into_iter()
        .filter_map(|s| {
            let root = AreaCode::parse(&s.area_code)
                .ok()
                .and_then(|c| tree.get(&c))?;
            Some((s.id, s.channels(), root))
        })
        .collect();
    Ok(Reach {
        subscriptions,
        tree,
    })
}

/// Records `changes` at `now_ms` and queues a notice of each for the subscriptions
/// `recipients` gives (by station code), in one transaction.
pub async fn record_changes(
    store: &Store,
    changes: &[Change],
    recipients: &HashMap<String, Vec<(i64, Channel)>>,
    now_ms: i64,
) -> Result<(), StoreError> {
    let mut tx = store.begin_write().await?;
    for change in changes {
        let (station, alert, event) = match change {
            Change::Opened {
                station,
                kind,
                detail,
            } => {
                let id: i64 = sqlx::query(
                    "INSERT INTO alerts (station_code, kind, detail, opened_at) VALUES ($1, $2, $3, $4)
                     RETURNING id",
                )
                .bind(station.clone())
                .bind(kind.as_str())
                .bind(detail.clone())
                .bind(now_ms)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
                (station, id, "opened")
            }
            Change::Closed { station, kind } => {
                let row = sqlx::query(
                    "UPDATE alerts SET closed_at = $1
                     WHERE station_code = $2 AND kind = $3 AND closed_at IS NULL RETURNING id",
                )
                .bind(now_ms)
                .bind(station.clone())
                .bind(kind.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { continue };
                (station, row.try_get(0)?, "closed")
            }
        };
        for (sub, channel) in recipients.get(station).map_or(&[][..], Vec::as_slice) {
            sqlx::query(
                "INSERT INTO alert_notices (subscription_id, channel, alert_id, event, queued_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(*sub)
            .bind(channel.as_str())
            .bind(alert)
            .bind(event)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
