//! The notices still to send, what became of a delivery, and pruning what is old.

use sqlx::Row;

use super::Channel;
use crate::domain::AlertKind;
use crate::store::{Store, StoreError};

/// One notice waiting for its subscription's next digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotice {
    /// Subscription.
    pub subscription_id: i64,
    /// Channel.
    pub channel: Channel,
    /// The alert.
    pub alert_id: i64,
    /// Whether it tells that the problem opened (else that it cleared).
    pub opened: bool,
    /// Station code.
    pub station: String,
    /// Station name (the code when the station is gone).
    pub station_name: String,
    /// The station's area code (empty when the station is gone).
    pub area_code: String,
    /// The area's name.
    pub area_name: String,
    /// The station's time zone.
    pub timezone: String,
    /// Which problem.
    pub kind: AlertKind,
    /// What was said when it opened.
    pub detail: String,
    /// When it opened or cleared, ms since the epoch.
    pub at_ms: i64,
    /// Failed deliveries so far.
    pub attempts: i64,
}

/// Every notice not yet sent and tried fewer than `max_attempts` times, by
/// subscription, channel and station.
pub async fn pending_notices(
    store: &Store,
    max_attempts: i64,
) -> Result<Vec<PendingNotice>, StoreError> {
    let rows = sqlx::query(
        "SELECT n.subscription_id, n.channel, n.alert_id, n.event, a.station_code,
                COALESCE(s.name, a.station_code), COALESCE(s.area_code, ''), COALESCE(r.name, ''),
                COALESCE(s.timezone, 'Asia/Ho_Chi_Minh'), a.kind, a.detail, a.opened_at,
                a.closed_at, n.attempts
         FROM alert_notices n JOIN alerts a ON a.id = n.alert_id
         LEFT JOIN stations s ON s.code = a.station_code
         LEFT JOIN areas r ON r.code = s.area_code
         WHERE n.sent_at IS NULL AND n.attempts < $1
         ORDER BY n.subscription_id, n.channel, a.station_code, n.alert_id, n.event DESC",
    )
    .bind(max_attempts)
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let channel: String = r.try_get(1)?;
        let kind: String = r.try_get(9)?;
        let event: String = r.try_get(3)?;
        let (Some(channel), Some(kind)) = (Channel::parse(&channel), AlertKind::parse(&kind))
        else {
            continue;
        };
        let opened = event == "opened";
        let closed_at: Option<i64> = r.try_get(12)?;
        out.push(PendingNotice {
            subscription_id: r.try_get(0)?,
            channel,
            alert_id: r.try_get(2)?,
            opened,
            station: r.try_get(4)?,
            station_name: r.try_get(5)?,
            area_code: r.try_get(6)?,
            area_name: r.try_get(7)?,
            timezone: r.try_get(8)?,
            kind,
            detail: r.try_get(10)?,
            at_ms: if opened {
                r.try_get(11)?
            } else {
                closed_at.unwrap_or(r.try_get(11)?)
            },
            attempts: r.try_get(13)?,
        });
    }
    Ok(out)
}

/// Marks the unsent notices of `subscription` on `channel` queued by `queued_until_ms`
/// as sent at `now_ms`.
pub async fn mark_sent(
    store: &Store,
    subscription: i64,
    channel: Channel,
    queued_until_ms: i64,
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE alert_notices SET sent_at = $1, last_error = NULL
         WHERE subscription_id = $2 AND channel = $3 AND sent_at IS NULL AND queued_at <= $4",
    )
    .bind(now_ms)
    .bind(subscription)
    .bind(channel.as_str())
    .bind(queued_until_ms)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Counts a failed delivery of those notices, keeping why.
pub async fn mark_failed(
    store: &Store,
    subscription: i64,
    channel: Channel,
    queued_until_ms: i64,
    error: &str,
) -> Result<(), StoreError> {
    let error: String = error.chars().take(500).collect();
    sqlx::query(
        "UPDATE alert_notices SET attempts = attempts + 1, last_error = $1
         WHERE subscription_id = $2 AND channel = $3 AND sent_at IS NULL AND queued_at <= $4",
    )
    .bind(error)
    .bind(subscription)
    .bind(channel.as_str())
    .bind(queued_until_ms)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Days notices are kept after they were sent (or given up), and closed alerts after
/// they closed.
const KEEP_DAYS: i64 = 90;

/// Deletes notices and closed alerts older than [`KEEP_DAYS`] before `now_ms`.
pub async fn prune(store: &Store, now_ms: i64) -> Result<(), StoreError> {
    let before = now_ms - KEEP_DAYS * 86_400_000;
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM alert_notices WHERE queued_at < $1")
        .bind(before)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM alerts WHERE closed_at IS NOT NULL AND closed_at < $1
           AND NOT EXISTS (SELECT 1 FROM alert_notices n WHERE n.alert_id = alerts.id)",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
