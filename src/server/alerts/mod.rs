//! The alert task of `loa serve`: every `alert_interval_s` it classifies every station
//! (the same `classified` the dashboard shows), opens and closes alerts by
//! `domain::alert`'s rules, and sends each subscription one digest of what it has not
//! been told yet, by e-mail and/or webhook, with the problems that cleared.
//!
//! [`Alerter::run_once`] is one round at a given instant (tests drive it directly); the
//! loop in [`run`] only waits and calls it. Open alerts and unsent notices live in the
//! database, so a restart neither repeats a message nor loses one, and a round takes
//! the store's lead first, so of several replicas one at a time checks and sends.

pub(crate) mod check;
mod mail;
mod webhook;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::domain::{AlertLimits, Notice, changes, digest, signals};
use crate::server::AppState;
use crate::store::alerts::{
    self as alert_store, Channel, PendingNotice, Subscription, lead, mark_failed, mark_sent,
    pending_notices,
};

/// Deliveries tried before a notice is given up (one try per round).
const MAX_ATTEMPTS: i64 = 10;

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertRun {
    /// Whether this replica held the lead (else it did nothing).
    pub led: bool,
    /// Alerts opened.
    pub opened: usize,
    /// Alerts closed.
    pub closed: usize,
    /// Messages delivered (one per subscription and channel).
    pub sent: usize,
    /// Deliveries that failed (tried again next round).
    pub failed: usize,
}

/// Checks and sends alerts.
pub struct Alerter {
    state: AppState,
    watching_since: DateTime<Utc>,
    mailer: Option<mail::Mailer>,
    http: reqwest::Client,
}

impl Alerter {
    /// Prepares the SMTP sender and the HTTP client from the configuration, and makes
    /// the configuration's subscriptions the stored `config` ones. Silence is counted
    /// from now on (see [`Alerter::watching_since`]).
    pub async fn new(state: AppState) -> anyhow::Result<Self> {
        let mailer = mail::Mailer::from_config(&state.config)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .context("không dựng được máy khách HTTP cho webhook")?;
        sync_config(&state).await?;
        Ok(Self {
            watching_since: state.clock.now(),
            state,
            mailer,
            http,
        })
    }

    /// Counts silence from no earlier than `since`: a server that was down did not
    /// hear heartbeats, which is not the stations' silence.
    pub fn watching_since(mut self, since: DateTime<Utc>) -> Self {
        self.watching_since = since;
        self
    }

    /// One round at `now`: takes the lead (or does nothing), records what opened and
    /// closed, and sends every subscription its digest.
    pub async fn run_once(&self, now: DateTime<Utc>) -> anyhow::Result<AlertRun> {
        let Some(held) = lead(&self.state.store).await? else {
            return Ok(AlertRun::default());
        };
        let result = self.round(now).await;
        held.release().await?;
        result
    }

    async fn round(&self, now: DateTime<Utc>) -> anyhow::Result<AlertRun> {
        let store = &self.state.store;
        let now_ms = now.timestamp_millis();
        let rows = crate::server::api::fleet::classified(&self.state, |_| true, now).await?;
        let open: HashSet<_> = alert_store::open_alerts(store)
            .await?
            .into_iter()
            .map(|(_, station, kind)| (station, kind))
            .collect();
        let limits = AlertLimits {
            silent_ms: i64::from(self.state.config.alert_silent_minutes) * 60_000,
            watching_since_ms: self.watching_since.timestamp_millis(),
        };
        let observed: Vec<_> = rows
            .iter()
            .flat_map(|(row, status)| {
                let heard = row.heard();
                let obs = row.observation(heard.as_ref());
                signals(&obs, status, now_ms, &limits)
                    .into_iter()
                    .map(|(kind, signal)| (row.code.as_str(), kind, signal))
                    .collect::<Vec<_>>()
            })
            .collect();
        let found = changes(&open, observed);
        let reach = alert_store::reach(store).await?;
        let mut run = AlertRun {
            led: true,
            ..AlertRun::default()
        };
        if !found.is_empty() {
            let areas: HashMap<&str, &str> = rows
                .iter()
                .map(|(r, _)| (r.code.as_str(), r.area.as_str()))
                .collect();
            let mut recipients = HashMap::new();
            for change in &found {
                let station = match change {
                    crate::domain::Change::Opened { station, .. } => {
                        run.opened += 1;
                        station
                    }
                    crate::domain::Change::Closed { station, .. } => {
                        run.closed += 1;
                        station
                    }
                };
                if let Some(area) = areas.get(station.as_str()) {
                    recipients
                        .entry(station.clone())
                        .or_insert_with(|| reach.recipients(area));
                }
            }
            alert_store::record_changes(store, &found, &recipients, now_ms).await?;
        }
        self.deliver(now_ms, &reach, &mut run).await?;
        alert_store::prune(store, now_ms).await?;
        Ok(run)
    }

    /// Sends each subscription and channel one digest of its unsent notices.
    async fn deliver(
        &self,
        now_ms: i64,
        reach: &alert_store::Reach,
        run: &mut AlertRun,
    ) -> anyhow::Result<()> {
        let store = &self.state.store;
        let pending = pending_notices(store, MAX_ATTEMPTS).await?;
        if pending.is_empty() {
            return Ok(());
        }
        let subscriptions: HashMap<i64, Subscription> = alert_store::list_subscriptions(store)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut groups: BTreeMap<(i64, Channel), Vec<PendingNotice>> = BTreeMap::new();
        for n in pending {
            groups
                .entry((n.subscription_id, n.channel))
                .or_default()
                .push(n);
        }
        let max = self.state.config.alert_max_stations as usize;
        for ((id, channel), notices) in groups {
            let Some(sub) = subscriptions.get(&id) else {
                continue;
            };
            let scope_name = reach.area_name(&sub.area_code);
            let domain_notices: Vec<Notice> = notices.iter().map(to_notice).collect();
            let d = digest(&scope_name, &domain_notices, max);
            let sent = match channel {
                Channel::Email => self.email(sub, &d).await,
                Channel::Webhook => {
                    let body = webhook::body(sub, &scope_name, now_ms, &d, &domain_notices);
                    match &sub.webhook {
                        Some(url) => webhook::post(&self.http, url, &body).await,
                        None => Err(anyhow::anyhow!("đăng ký không có webhook")),
                    }
                }
            };
            match sent {
                Ok(()) => {
                    mark_sent(store, id, channel, now_ms, now_ms).await?;
                    run.sent += 1;
                }
                Err(e) => {
                    let why = format!("{e:#}");
                    tracing::warn!(subscription = id, channel = channel.as_str(), error = %why,
                        "không gửi được cảnh báo; sẽ thử lại ở lượt sau");
                    mark_failed(store, id, channel, now_ms, &why).await?;
                    run.failed += 1;
                }
            }
        }
        Ok(())
    }

    async fn email(&self, sub: &Subscription, d: &crate::domain::Digest) -> anyhow::Result<()> {
        let (Some(mailer), Some(to)) = (&self.mailer, &sub.email) else {
            anyhow::bail!("chưa cấu hình smtp_host và smtp_from nên không gửi được e-mail");
        };
        mailer.send(to, &d.subject, &d.text).await
    }
}

fn to_notice(n: &PendingNotice) -> Notice {
    Notice {
        station: n.station.clone(),
        station_name: n.station_name.clone(),
        area_name: n.area_name.clone(),
        timezone: n.timezone.parse().unwrap_or(chrono_tz::Asia::Ho_Chi_Minh),
        kind: n.kind,
        detail: n.detail.clone(),
        opened: n.opened,
        at_ms: n.at_ms,
    }
}

/// Checks the configuration's subscriptions and stores them as the `config` ones.
async fn sync_config(state: &AppState) -> anyhow::Result<()> {
    let mut wanted = Vec::new();
    for (i, s) in state.config.alert_subscriptions.iter().enumerate() {
        let (email, webhook) = check::check_channels(s.email.as_deref(), s.webhook.as_deref())
            .map_err(|p| anyhow::anyhow!("alert_subscriptions[{i}]: {}", p.join("; ")))?;
        if !alert_store::area_exists(&state.store, &s.area).await? {
            anyhow::bail!(
                "alert_subscriptions[{i}]: area `{}` không có trong cây đơn vị; viết mã một đơn vị đã nạp",
                s.area
            );
        }
        wanted.push((s.area.clone(), email, webhook));
    }
    alert_store::sync_config_subscriptions(
        &state.store,
        &wanted,
        state.clock.now().timestamp_millis(),
    )
    .await?;
    Ok(())
}

/// Runs a round every `alert_interval_s` seconds until `stop`; 0 turns it off.
pub(super) async fn run(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let every = state.config.alert_interval_s;
    if every == 0 {
        return;
    }
    let alerter = match Alerter::new(state.clone()).await {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "không bật được cảnh báo; sửa cấu hình rồi khởi động lại");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(Duration::from_secs(u64::from(every))) => {}
        }
        match alerter.run_once(state.clock.now()).await {
            Ok(r) if r.opened + r.closed + r.sent + r.failed > 0 => tracing::info!(
                opened = r.opened,
                closed = r.closed,
                sent = r.sent,
                failed = r.failed,
                "lượt kiểm tra cảnh báo"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %format!("{e:#}"), "lượt kiểm tra cảnh báo thất bại"),
        }
    }
}
