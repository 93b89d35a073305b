//! The player loop: one [`Player::step`] at a time, it records a missed item, plays an
//! item (or an emergency bulletin), or waits for the next start.
//!
//! Invariants: an airing is committed to the outbox before its audio starts; an item
//! plays only from a file whose SHA-256 was checked just before; items never overlap
//! (a late item starts when the one before ends, within the grace window, or is
//! missed); an emergency stops whatever plays at once, and the schedule resumes at the
//! current point.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::Shared;
use super::backoff::Backoff;
use super::output::{AHEAD_MS as OUTPUT_AHEAD_MS, Output, Refused};
use super::timeline::{self, Next, PlanItem};
use crate::domain::{Outcome, Reason};
use crate::wire::EmergencyEventJson;

/// Verify and open an item's file this long before it starts.
const LEAD_MS: i64 = 3_000;
/// Commit the airing's record this long before its audio is handed to the output, so
/// the disk write is not in the way of the start.
const OPEN_AHEAD_MS: i64 = 30;
/// Connect to a relay's stream this long before its start is handed to the output.
const RELAY_CONNECT_MS: i64 = 400;
/// While an item plays, note the time this often, so a power cut costs at most this
/// much of the `partial` record's length. Not more often: each note is a disk commit,
/// and a run of short items would otherwise write one at every phase of every item.
const ALIVE_EVERY_MS: i64 = 5_000;
/// How much of [`OUTPUT_AHEAD_MS`] a start may eat into and still be placed on its
/// planned instant (the output needs the card's lead and a period, well under the
/// rest): a player that wakes a little late still starts the item on time.
const PLACE_SLACK_MS: i64 = 200;

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Recorded an item as missed, with the reason.
    Missed(String, Reason),
    /// Played an item to its end or until preempted.
    Played(String, Outcome),
    /// Played an emergency bulletin.
    Emergency(String),
    /// Waited.
    Waited,
}

pub(super) struct Player {
    shared: Arc<Shared>,
    output: Output,
    done: HashSet<String>,
    since_ms: i64,
    /// When this run became able to play: items due before it (less the grace) were
    /// missed because the agent was down (or still starting).
    ready_ms: i64,
    /// The sha256 verified last, and when, so a file is hashed once per play.
    verified: Option<(String, i64)>,
    /// The item whose file the output holds open, ready to start.
    prepared: Option<String>,
    /// The next item's record, committed ahead while the current one plays.
    pre_opened: Option<PreOpened>,
    /// The record of the item that just ended, completed once the next has started.
    pending_close: Option<PendingClose>,
    /// When the time was last noted for a power cut (`alive_ms`).
    alive_noted_ms: i64,
}

struct PreOpened {
    item_id: String,
    uuid: String,
    start_ms: i64,
}

struct PendingClose {
    uuid: String,
    item_id: String,
    at: i64,
    outcome: Outcome,
    reason: Option<Reason>,
}

impl Player {
    /// Closes what a crash or power cut left open (as `partial`, reason
    /// `agent_restart`), loads what is done, and returns the player.
    pub(super) async fn recover(shared: Arc<Shared>, output: Output) -> anyhow::Result<Self> {
        let local = &shared.local;
        let alive: i64 = local
            .get("alive_ms")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        for open in local.open_airings().await? {
            let end = alive.max(open.actual_start_ms);
            tracing::warn!(
                item = open.item_id,
                "mục đang phát khi máy tắt đột ngột: ghi là phát dở"
            );
            local
                .close_airing(
                    &open.uuid,
                    end,
                    Outcome::Partial,
                    Some(Reason::AgentRestart),
                )
                .await?;
        }
        let since_ms = match local.get("first_run_ms").await? {
            Some(v) => v.parse().unwrap_or(shared.started_ms),
            None => {
                local
                    .set("first_run_ms", &shared.started_ms.to_string())
                    .await?;
                shared.started_ms
            }
        };
        // Done-markers older than any playlist or fallback day are of no more use.
        local.prune_done(shared.now() - 60 * 86_400_000).await?;
        let done = local.done_since(since_ms).await?.into_iter().collect();
        let ready_ms = shared.now();
        Ok(Self {
            shared,
            output,
            done,
            since_ms,
            ready_ms,
            verified: None,
            prepared: None,
            pre_opened: None,
            pending_close: None,
            alive_noted_ms: i64::MIN,
        })
    }

    /// Steps until told to stop.
    pub(super) async fn run(&mut self, stop: &mut tokio::sync::watch::Receiver<bool>) {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        // A dropped sender (the agent handle gone) also means stop.
        while !*stop.borrow() && stop.has_changed().is_ok() {
            match self.step(stop).await {
                Ok(step) => {
                    backoff.succeeded();
                    if step != Step::Waited {
                        tracing::info!(?step, "phát");
                    }
                }
                Err(e) => {
                    // The local database failing is the one thing the player cannot
                    // work around: back off and try again, never spin.
                    self.shared.note_error(&e);
                    let wait = backoff.failed();
                    self.shared
                        .clock
                        .sleep_until(self.shared.clock.now_ms() + wait)
                        .await;
                }
            }
        }
        // Whatever ended last is recorded before the player stops.
        if let Err(e) = self.flush_pending().await {
            self.shared.note_error(&e);
        }
        let pre = self.pre_opened.take();
        if let Err(e) = self.discard(pre).await {
            self.shared.note_error(&e);
        }
    }

    fn grace_ms(&self) -> i64 {
        i64::try_from(self.shared.config.grace.as_millis()).unwrap_or(60_000)
    }

    /// Does one thing: an emergency, a miss, a play, or a wait.
    pub(super) async fn step(
        &mut self,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<Step> {
        if let Some(e) = self.next_emergency() {
            self.flush_pending().await?;
            let pre = self.pre_opened.take();
            self.discard(pre).await?;
            return self.play_emergency(e, stop).await;
        }
        let now = self.shared.now();
        let held = self.shared.held();
        let items = held.timeline(now);
        let grace = self.grace_ms();
        let next = timeline::next(&items, now, grace, self.since_ms, &self.done);
        // Anything but starting the item committed ahead completes the last record
        // first, so the chain keeps the order things aired in.
        let handover = match (&next, &self.pre_opened) {
            (Next::Play(i), Some(p)) => i.id == p.item_id,
            (Next::Wait(Some(t)), Some(p)) => p.start_ms >= *t,
            _ => false,
        };
        if !handover {
            self.flush_pending().await?;
            let pre = self.pre_opened.take();
            self.discard(pre).await?;
        }
        match next {
            Next::Miss(item) => {
                // Missed because the agent was down at its start: beyond the grace
                // when it came back, or inside it but with the next item due too.
                let superseded = now <= item.start_ms + grace;
                let reason = if item.start_ms + grace < self.ready_ms
                    || (superseded && item.start_ms < self.ready_ms)
                {
                    Reason::AgentDown
                } else if !self.shared.cache.has(&item.sha256) {
                    Reason::MediaMissing
                } else {
                    Reason::Late
                };
                self.shared
                    .local
                    .record_unplayed(
                        &item.id,
                        item.start_ms,
                        Outcome::Missed,
                        Some(reason),
                        self.shared.sync.offset_ms(),
                    )
                    .await?;
                self.finished(&item.id);
                Ok(Step::Missed(item.id.clone(), reason))
            }
            Next::Play(item) => {
                let item = item.clone();
                if !self.ready(&item.sha256).await {
                    // Not here (yet): ask for it and look again in a second, until the
                    // grace window closes and the item is missed.
                    self.shared.wake_download.notify_one();
                    self.wait_until((now + 1_000).min(item.start_ms + grace + 1), stop)
                        .await;
                    return Ok(Step::Waited);
                }
                match item.relay.clone() {
                    Some(url) => self.play_relay(&item, &url, stop).await,
                    None => self.play(&item, stop).await,
                }
            }
            Next::Wait(until) => {
                let until = until.unwrap_or(now + 60_000);
                if let Some(next) = items.iter().find(|i| i.start_ms == until)
                    && until - now <= LEAD_MS
                    && let Some(url) = next.relay.clone()
                    && self.ready(&next.sha256).await
                {
                    // Connected and handed over ahead, so the stream is heard from its
                    // planned start.
                    let next = next.clone();
                    let connect_at = until - OUTPUT_AHEAD_MS - RELAY_CONNECT_MS;
                    if self.shared.now() >= connect_at {
                        return self.play_relay(&next, &url, stop).await;
                    }
                    self.wait_until(connect_at, stop).await;
                    return Ok(Step::Waited);
                }
                if let Some(next) = items.iter().find(|i| i.start_ms == until)
                    && until - now <= LEAD_MS
                    && next.relay.is_none()
                {
                    let next = next.clone();
                    // Hash and open the file now, so the start itself costs nothing
                    // but the outbox write, which is done just ahead of it.
                    if self.prepared.as_deref() != Some(next.id.as_str())
                        && self.ready(&next.sha256).await
                    {
                        let path = self.shared.cache.path(&next.sha256);
                        if self.output.prepare(&path, next.gain_db).await.is_ok() {
                            self.prepared = Some(next.id.clone());
                        }
                    }
                    if self.prepared.as_deref() == Some(next.id.as_str()) {
                        let open_at = until - OUTPUT_AHEAD_MS - OPEN_AHEAD_MS;
                        if self.shared.now() >= open_at {
                            return self.play(&next, stop).await;
                        }
                        self.wait_until(open_at, stop).await;
                    } else {
                        self.wait_until(until, stop).await;
                    }
                    return Ok(Step::Waited);
                }
                // Wake at the lead time to get ready; inside it (a relay, or a file not
                // ready), at the start itself.
                let wake = if until - now > LEAD_MS {
                    until - LEAD_MS
                } else {
                    until
                };
                self.wait_until(wake, stop).await;
                Ok(Step::Waited)
            }
        }
    }

    /// Waits until server-time `t` or until something wakes the player.
    async fn wait_until(&self, t: i64, stop: &mut tokio::sync::watch::Receiver<bool>) {
        tokio::select! {
            () = self.shared.sleep_until(t) => {}
            () = self.shared.wake_player.notified() => {}
            () = self.shared.preempt.notified() => {}
            _ = stop.changed() => {}
        }
    }

    /// Whether `sha256` is cached and (re)verified now; a damaged file is removed and
    /// the downloader told.
    async fn ready(&mut self, sha256: &str) -> bool {
        if !self.shared.cache.has(sha256) {
            return false;
        }
        let now = self.shared.clock.now_ms();
        if let Some((sha, at)) = &self.verified
            && sha == sha256
            && now - at < 2 * LEAD_MS
        {
            return true;
        }
        let cache = self.shared.cache.clone();
        let sha = sha256.to_owned();
        let ok = tokio::task::spawn_blocking(move || cache.verify(&sha))
            .await
            .unwrap_or(false);
        if ok {
            self.verified = Some((sha256.to_owned(), now));
        } else {
            self.verified = None;
            self.shared.wake_download.notify_one();
        }
        ok
    }

    fn finished(&mut self, item_id: &str) {
        self.done.insert(item_id.to_owned());
        self.shared.wake_upload.notify_one();
    }

    fn has_emergency(&self) -> bool {
        !self
            .shared
            .emergencies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    fn next_emergency(&self) -> Option<EmergencyEventJson> {
        self.shared
            .emergencies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }

    /// Plays `item` from its planned start (or as soon as the output can place it, if
    /// that is too close or has passed); ends it at its length, at an emergency, or at
    /// shutdown. When the next item follows back to back,
    /// its file is opened and its record committed while this one plays, and this one's
    /// record is completed only once the next has started: no disk write stands between
    /// the two, so a run of items does not drift late.
    async fn play(
        &mut self,
        item: &PlanItem,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<Step> {
        let offset = self.shared.sync.offset_ms();
        let (uuid, start) = match self.pre_opened.take() {
            Some(p) if p.item_id == item.id => (p.uuid, p.start_ms),
            other => {
                self.discard(other).await?;
                if self.prepared.take().as_deref() != Some(item.id.as_str()) {
                    let path = self.shared.cache.path(&item.sha256);
                    if let Err(refused) = self.output.prepare(&path, item.gain_db).await {
                        tracing::warn!(item = item.id, why = refused.why, "không phát được mục");
                        self.shared.note_error(&refused.why);
                        self.flush_pending().await?;
                        self.shared
                            .local
                            .record_unplayed(
                                &item.id,
                                item.start_ms,
                                Outcome::Failed,
                                Some(refused.reason),
                                offset,
                            )
                            .await?;
                        self.finished(&item.id);
                        return Ok(Step::Played(item.id.clone(), Outcome::Failed));
                    }
                }
                // The record is committed first; then the audio starts.
                let start = self.start_for(item.start_ms);
                if self.cut_at(item).is_some_and(|cut| cut <= start) {
                    // Too late to be heard before the next item begins.
                    self.flush_pending().await?;
                    let reason = if item.start_ms < self.ready_ms {
                        Reason::AgentDown
                    } else {
                        Reason::Late
                    };
                    self.shared
                        .local
                        .record_unplayed(
                            &item.id,
                            item.start_ms,
                            Outcome::Missed,
                            Some(reason),
                            offset,
                        )
                        .await?;
                    self.finished(&item.id);
                    return Ok(Step::Missed(item.id.clone(), reason));
                }
                let uuid = self
                    .shared
                    .local
                    .open_airing(&item.id, item.start_ms, start, offset)
                    .await?;
                (uuid, start)
            }
        };
        self.prepared = None;
        if start - OUTPUT_AHEAD_MS > self.shared.now() {
            self.shared.sleep_until(start - OUTPUT_AHEAD_MS).await;
        }
        self.output.start(self.shared.instant_of(start)).await;
        self.flush_pending().await?;
        let cut = self.cut_at(item);
        self.done.insert(item.id.clone());
        // No start moves because this one was late: it ends where the next begins.
        let end = (start + i64::from(item.duration_ms)).min(cut.unwrap_or(i64::MAX));
        let (outcome, reason, held) = self.hold_and_look_ahead(end, stop).await?;
        let (at, fault) = self.stop_output(start, held, end).await;
        let full = outcome == Outcome::Aired && fault.is_none();
        let (outcome, reason) = if let Some(fault) = fault {
            (Outcome::Failed, Some(fault))
        } else if full && start > item.start_ms {
            let late_ms = start - item.start_ms;
            tracing::warn!(
                item = item.id,
                late_ms,
                "mục bắt đầu muộn: phát đến giờ mục sau"
            );
            (Outcome::Partial, Some(Reason::LateStart))
        } else if full && item.fallback {
            (outcome, Some(Reason::FallbackRotation))
        } else {
            (outcome, reason)
        };
        let close = PendingClose {
            uuid,
            item_id: item.id.clone(),
            at,
            outcome,
            reason,
        };
        if full && self.pre_opened.is_some() {
            self.pending_close = Some(close);
        } else {
            let next = self.pre_opened.take();
            self.discard(next).await?;
            self.pending_close = Some(close);
            self.flush_pending().await?;
        }
        // The upload loop is woken by each record made final (`finished`), not here:
        // a record kept pending for the next start has nothing to send yet.
        Ok(Step::Played(item.id.clone(), outcome))
    }

    /// Holds until the stop of an item ending at `end` is due to be handed to the
    /// output, on the way opening the next item's file (three seconds ahead) and
    /// committing its record (30 ms ahead) when it follows back to back. Returns how the
    /// hold ended and when (player time, not yet the instant heard).
    async fn hold_and_look_ahead(
        &mut self,
        end: i64,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<(Outcome, Option<Reason>, i64)> {
        let hand = end - OUTPUT_AHEAD_MS;
        for (phase_end, step) in [(hand - LEAD_MS, 0), (hand - OPEN_AHEAD_MS, 1), (hand, 2)] {
            if phase_end > self.shared.now() {
                let held = self.hold(phase_end, true, None, stop).await?;
                if held.0 != Outcome::Aired || held.2 < phase_end {
                    return Ok(held);
                }
            }
            match step {
                0 => self.prepare_next(end).await,
                1 => self.pre_open_next(end).await?,
                _ => {}
            }
        }
        Ok((Outcome::Aired, None, hand))
    }

    /// When an item planned at `planned` is heard from if it starts now: on its
    /// instant if the output can still place it there, else as soon as it can.
    fn start_for(&self, planned: i64) -> i64 {
        let earliest = self.shared.now() + OUTPUT_AHEAD_MS;
        if earliest - PLACE_SLACK_MS <= planned {
            planned
        } else {
            earliest
        }
    }

    /// Where `item` must end at the latest: the next item's planned start.
    fn cut_at(&self, item: &PlanItem) -> Option<i64> {
        let held = self.shared.held();
        let items = held.timeline(self.shared.now());
        timeline::next_start_after(&items, item.start_ms, &self.done)
    }

    /// Stops what `start`ed, handed at `held` (player time): it falls silent a lead
    /// later, or at `end` if that comes first. Returns that instant, as recorded, and
    /// why the card did not play it if it did not (noted for the heartbeat).
    async fn stop_output(&self, start: i64, held: i64, end: i64) -> (i64, Option<Reason>) {
        let at = (held + OUTPUT_AHEAD_MS).clamp(start, end.max(start));
        let fault = self
            .output
            .stop(
                u64::try_from(at - start).unwrap_or(0),
                self.shared.instant_of(at),
            )
            .await;
        if let Some(reason) = fault {
            self.shared.note_error(&format!(
                "card âm thanh không phát mục ({reason}): đã mở lại card"
            ));
        }
        (at, fault)
    }

    /// The item that will be due the moment the current one ends at `end`, if it is a
    /// file item.
    fn next_after(&self, end: i64) -> Option<PlanItem> {
        let held = self.shared.held();
        let items = held.timeline(end);
        let grace = self.grace_ms();
        let next = match timeline::next(&items, end, grace, self.since_ms, &self.done) {
            Next::Play(i) => i,
            Next::Wait(Some(t)) if t - end <= OPEN_AHEAD_MS => items
                .iter()
                .find(|i| i.start_ms == t && !self.done.contains(&i.id))?,
            _ => return None,
        };
        (next.relay.is_none()).then(|| next.clone())
    }

    async fn prepare_next(&mut self, end: i64) {
        let Some(next) = self.next_after(end) else {
            return;
        };
        if self.ready(&next.sha256).await {
            let path = self.shared.cache.path(&next.sha256);
            if self.output.prepare(&path, next.gain_db).await.is_ok() {
                self.prepared = Some(next.id);
            }
        }
    }

    async fn pre_open_next(&mut self, end: i64) -> anyhow::Result<()> {
        let Some(next) = self.next_after(end) else {
            return Ok(());
        };
        if self.prepared.as_deref() != Some(next.id.as_str()) {
            return Ok(());
        }
        let start = end.max(next.start_ms);
        let uuid = self
            .shared
            .local
            .open_airing(&next.id, next.start_ms, start, self.shared.sync.offset_ms())
            .await?;
        self.pre_opened = Some(PreOpened {
            item_id: next.id,
            uuid,
            start_ms: start,
        });
        Ok(())
    }

    /// Completes the previous item's record, if it waits for the next one's start.
    async fn flush_pending(&mut self) -> anyhow::Result<()> {
        if let Some(p) = self.pending_close.take() {
            self.shared
                .local
                .close_airing(&p.uuid, p.at, p.outcome, p.reason)
                .await?;
            self.finished(&p.item_id);
        }
        Ok(())
    }

    /// Drops a record committed ahead for an item that then did not start (an
    /// emergency came first, or the playlist changed): no audio, no airing.
    async fn discard(&mut self, pre: Option<PreOpened>) -> anyhow::Result<()> {
        if let Some(p) = pre {
            self.shared.local.discard_open(&p.uuid).await?;
            if self.prepared.as_deref() == Some(p.item_id.as_str()) {
                self.prepared = None;
            }
        }
        Ok(())
    }

    /// Relays `url` from its planned start (or as soon as it can be) to its planned
    /// end; if the stream cannot be opened, fails or stalls, plays the fallback segment
    /// for what is left. The airing is `aired`, with reason `relay_fallback` when the
    /// fallback aired.
    async fn play_relay(
        &mut self,
        item: &PlanItem,
        url: &str,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<Step> {
        // Whatever the output held ready is replaced.
        self.prepared = None;
        let ended = std::sync::Arc::new(tokio::sync::Notify::new());
        let live = match super::relay::open(url).await {
            Ok(reader) => {
                self.output
                    .prepare_live(Box::new(reader), url, ended.clone())
                    .await
            }
            Err(why) => Err(why),
        };
        // The record is committed before any audio is handed to the output.
        let offset = self.shared.sync.offset_ms();
        let start = self.start_for(item.start_ms);
        let end = item
            .end_ms()
            .min(self.cut_at(item).unwrap_or(i64::MAX))
            .max(start);
        let uuid = self
            .shared
            .local
            .open_airing(&item.id, item.start_ms, start, offset)
            .await?;
        let mut at = start;
        let why = match live {
            Ok(()) => {
                if start - OUTPUT_AHEAD_MS > self.shared.now() {
                    self.shared.sleep_until(start - OUTPUT_AHEAD_MS).await;
                }
                self.output.start(self.shared.instant_of(start)).await;
                let hand = end - OUTPUT_AHEAD_MS;
                let (outcome, reason, t) = self.hold(hand, true, Some(&ended), stop).await?;
                at = self.stop_output(start, t, end).await.0;
                if outcome != Outcome::Aired || at >= end {
                    return self.close(&uuid, &item.id, at, outcome, reason).await;
                }
                format!("luồng tiếp sóng {url} ngừng sau {} s", (at - start) / 1000)
            }
            Err(why) => why,
        };
        tracing::warn!(item = item.id, why, "chuyển sang bản tin dự phòng");
        // The fallback, from now to the item's end (cut there if longer).
        let path = self.shared.cache.path(&item.sha256);
        let ready = self.ready(&item.sha256).await;
        if ready && self.output.prepare(&path, item.gain_db).await.is_ok() {
            let fallback_start = (self.shared.now() + OUTPUT_AHEAD_MS).max(at).min(end);
            self.output
                .start(self.shared.instant_of(fallback_start))
                .await;
            let hand = end - OUTPUT_AHEAD_MS;
            let (outcome, reason, t) = self.hold(hand, true, None, stop).await?;
            let at = self.stop_output(fallback_start, t, end).await.0;
            let reason = if outcome == Outcome::Aired {
                Some(Reason::RelayFallback)
            } else {
                reason
            };
            return self.close(&uuid, &item.id, at, outcome, reason).await;
        }
        // Neither the stream nor the fallback: what aired, aired.
        let outcome = if at > start {
            Outcome::Partial
        } else {
            Outcome::Failed
        };
        self.close(&uuid, &item.id, at, outcome, Some(Reason::RelayFailed))
            .await
    }

    async fn close(
        &mut self,
        uuid: &str,
        item_id: &str,
        at: i64,
        outcome: Outcome,
        reason: Option<Reason>,
    ) -> anyhow::Result<Step> {
        self.shared
            .local
            .close_airing(uuid, at, outcome, reason)
            .await?;
        self.finished(item_id);
        Ok(Step::Played(item_id.to_owned(), outcome))
    }

    /// Lets the audio run until `end`, noting the time every few seconds; returns how it
    /// ended and when. An emergency (when `preemptible`) or the end of a relay's live
    /// stream (`live_ended`, reported as `aired` so far) ends it early, as does stopping.
    async fn hold(
        &mut self,
        end: i64,
        preemptible: bool,
        live_ended: Option<&tokio::sync::Notify>,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<(Outcome, Option<Reason>, i64)> {
        let never = tokio::sync::Notify::new();
        let live_ended = live_ended.unwrap_or(&never);
        loop {
            let now = self.shared.now();
            if now >= end {
                return Ok((Outcome::Aired, None, end));
            }
            // (A clock corrected backwards notes at once, not an offset later.)
            let since = now.saturating_sub(self.alive_noted_ms);
            if !(0..ALIVE_EVERY_MS).contains(&since) {
                self.shared.local.set("alive_ms", &now.to_string()).await?;
                self.alive_noted_ms = now;
            }
            let next = end.min(self.alive_noted_ms.saturating_add(ALIVE_EVERY_MS));
            tokio::select! {
                () = self.shared.sleep_until(next) => {}
                () = live_ended.notified() => return Ok((Outcome::Aired, None, self.shared.now())),
                // A signal left from an emergency already played is stale.
                () = self.shared.preempt.notified(), if preemptible => {
                    if self.has_emergency() {
                        return Ok((Outcome::Preempted, Some(Reason::Emergency), self.shared.now()));
                    }
                }
                _ = stop.changed() => {
                    return Ok((Outcome::Partial, Some(Reason::AgentStopped), self.shared.now()));
                }
            }
        }
    }

    /// Plays an emergency bulletin now (fetching its audio first if need be), records
    /// it and acknowledges it to the server.
    async fn play_emergency(
        &mut self,
        e: EmergencyEventJson,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<Step> {
        let key = format!("emergency:{}", e.emergency);
        let item_id: String = key.chars().take(64).collect();
        if self.shared.local.get(&key).await?.is_some() {
            // Sent again after a reconnect: already played; acknowledge again.
            let _ = self.shared.client.ack_emergency(&e.emergency).await;
            return Ok(Step::Waited);
        }
        let received = self.shared.now();
        let size = u64::try_from(e.size_bytes).unwrap_or(0);
        let offset = self.shared.sync.offset_ms();
        let mut fetched = Ok(());
        for _ in 0..3 {
            fetched = self
                .shared
                .cache
                .fetch(&self.shared.client, &e.sha256, size)
                .await;
            if fetched.is_ok() {
                break;
            }
        }
        // Whatever the output held ready is replaced.
        self.prepared = None;
        let playable = match fetched {
            Ok(()) if self.ready(&e.sha256).await => {
                let path = self.shared.cache.path(&e.sha256);
                self.output.prepare(&path, e.gain_db).await
            }
            Ok(()) => Err(Refused {
                reason: Reason::MediaMissing,
                why: "tệp tin khẩn cấp không khớp SHA-256".to_owned(),
            }),
            Err(err) => Err(Refused {
                reason: Reason::MediaMissing,
                why: err.to_string(),
            }),
        };
        if let Err(refused) = playable {
            tracing::warn!(why = refused.why, "không phát được tin khẩn");
            self.shared.note_error(&refused.why);
            self.shared
                .local
                .record_unplayed(
                    &item_id,
                    received,
                    Outcome::Failed,
                    Some(refused.reason),
                    offset,
                )
                .await?;
            self.shared.local.set(&key, "failed").await?;
            self.finished(&item_id);
            return Ok(Step::Emergency(e.emergency));
        }
        // Whatever was playing has ended (the preempt signal stopped it); now air.
        let start = self.shared.now() + OUTPUT_AHEAD_MS;
        let uuid = self
            .shared
            .local
            .open_airing(&item_id, received, start, offset)
            .await?;
        self.output.start(self.shared.instant_of(start)).await;
        let end = start + i64::from(e.duration_ms);
        let (outcome, reason, held) = self.hold(end - OUTPUT_AHEAD_MS, false, None, stop).await?;
        let (at, fault) = self.stop_output(start, held, end).await;
        let (outcome, reason) = match fault {
            Some(fault) => (Outcome::Failed, Some(fault)),
            None => (outcome, reason),
        };
        self.shared
            .local
            .close_airing(&uuid, at, outcome, reason)
            .await?;
        self.shared.local.set(&key, "aired").await?;
        self.finished(&item_id);
        if let Err(err) = self.shared.client.ack_emergency(&e.emergency).await {
            self.shared.note_error(&err);
        }
        Ok(Step::Emergency(e.emergency))
    }
}
