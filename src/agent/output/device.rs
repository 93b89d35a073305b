//! The sound card, through cpal: one output stream at 48 kHz whose callback places
//! every item at its planned instant (see `placement`) and only copies samples that a
//! decoder thread made ahead (see `feed`).
//!
//! The card is opened when an item is readied (seconds ahead of its start) and closed
//! again [`IDLE_CLOSE`] after the last item fell silent: an open card costs CPU for
//! ever, feeding silence. Reopening also picks up a USB sound card plugged in late. It
//! keeps no time of its own beyond the instants it is given.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::Stopped;
use super::feed::{self, Feed};
use super::placement::{self, Event, Placement};
use super::sinks::{Sink, Source};
use crate::audio::OUTPUT_RATE;
use crate::domain::Reason;

/// Frames per period asked of the card (200 ms; the buffer holds two). A start does
/// not wait for a period boundary, so a long period costs no timing, only fewer
/// wake-ups: against 100 ms it halved the CPU of the card's thread and cut the sound
/// server plugin's by a third (README, Benchmarks). Starts and stops must then reach
/// the output a buffer and a period ahead: [`super::AHEAD_MS`].
const PERIOD_FRAMES: u32 = OUTPUT_RATE / 5;

/// The periods tried in turn, frames, until the card runs its callback steadily: 200
/// ms, then shorter ones for a sound server set to a low latency, then the card's own
/// choice (0).
const PERIODS: [u32; 5] = [
    PERIOD_FRAMES,
    OUTPUT_RATE / 25,
    OUTPUT_RATE / 100,
    OUTPUT_RATE / 200,
    0,
];

/// How long an opened card may take to run its callback with a steady lead.
const SETTLE_WAIT: Duration = Duration::from_millis(1_500);

/// Callbacks in a row whose lead agrees with the one before for the card to count as
/// settled.
const SETTLE_CALLBACKS: u32 = 3;

/// How close two leads must be to agree.
const SETTLED_WITHIN: Duration = Duration::from_millis(2);

/// How long the sound card stays open with nothing playing or readied.
const IDLE_CLOSE: Duration = Duration::from_secs(5);

/// How often the open card is looked at: to close it when idle, to log what its
/// callback noticed.
const TICK: Duration = Duration::from_secs(1);

/// A late start worth a warning in the log.
const LATE_WARN: Duration = Duration::from_millis(5);

/// What the callback tells the output thread.
#[derive(Default)]
struct Stats {
    /// How far ahead of its callback the card last said it plays, µs.
    ahead_us: AtomicU64,
    /// The latest an item started after its instant since last read, µs.
    late_us: AtomicU64,
    /// Callbacks run so far.
    callbacks: AtomicU64,
    /// Frames the callback has rendered so far.
    frames: AtomicU64,
    /// Errors the stream reported so far, underruns apart.
    errors: AtomicU64,
    /// Underruns the stream reported since last read.
    xruns: AtomicU64,
    /// The last item the callback started (its id; 0 before any).
    started_id: AtomicU64,
    /// How long after its instant that item is heard, µs (written before the id).
    started_late_us: AtomicU64,
}

/// An open output stream.
struct Card {
    _stream: cpal::Stream,
    events: mpsc::Sender<Event>,
    stats: Arc<Stats>,
    noted: bool,
}

impl Card {
    /// Opens the default sound card at 48 kHz, with 200 ms periods where it takes them
    /// and its own buffer size where it does not: a sound server asked for less
    /// latency than a period (`PULSE_LATENCY_MSEC=20`) accepts the period and then
    /// never runs the callback. Returns once the callback runs and its timestamps have
    /// settled, so the first item is placed by a figure that holds. `fallback` is how
    /// far ahead the card plays when its callback gives no usable timestamp
    /// (`--output-latency-ms`).
    fn open(fallback: Duration) -> Result<Self, String> {
        let mut last = String::new();
        for period in PERIODS {
            match Self::open_with(fallback, period).and_then(|card| card.settled(period)) {
                Ok(card) => return Ok(card),
                Err(why) => {
                    tracing::warn!(
                        why,
                        frames = period,
                        "card âm thanh không chạy với chu kỳ này: mở lại với chu kỳ khác"
                    );
                    last = why;
                }
            }
        }
        Err(last)
    }

    /// The card once its callback has run [`SETTLE_CALLBACKS`] times with a steady
    /// lead (within [`SETTLED_WITHIN`] of the call before), or an error if it has not
    /// within [`SETTLE_WAIT`].
    fn settled(self, period: u32) -> Result<Self, String> {
        let start = Instant::now();
        let deadline = start + SETTLE_WAIT;
        // A callback is due every period (the card's own: assume 20 ms); one that has
        // not come in two and 400 ms more is a stream that has stopped.
        let period = Duration::from_secs_f64(f64::from(period.max(960)) / f64::from(OUTPUT_RATE));
        let stuck = 2 * period + Duration::from_millis(400);
        let (mut seen, mut steady, mut last) = (0u64, 0, None::<u64>);
        let mut changed = start;
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
            let n = self.stats.callbacks.load(Ordering::Relaxed);
            if n == seen {
                if changed.elapsed() > stuck {
                    break;
                }
                continue;
            }
            seen = n;
            changed = Instant::now();
            let ahead = self.stats.ahead_us.load(Ordering::Relaxed);
            let close =
                last.is_some_and(|l| l.abs_diff(ahead) <= SETTLED_WITHIN.as_micros() as u64);
            steady = if close { steady + 1 } else { 0 };
            last = Some(ahead);
            if steady >= SETTLE_CALLBACKS {
                return Ok(self);
            }
        }
        if changed.elapsed() > stuck || seen < u64::from(SETTLE_CALLBACKS) {
            Err(format!(
                "card âm thanh lấy mẫu {seen} lần sau khi mở rồi dừng ({} ms)",
                start.elapsed().as_millis()
            ))
        } else {
            // Running, with a lead that keeps moving: play by it as it goes.
            Ok(self)
        }
    }

    fn open_with(fallback: Duration, period: u32) -> Result<Self, String> {
        let device = cpal::default_host()
            .default_output_device()
            .ok_or_else(|| "không tìm thấy card âm thanh".to_owned())?;
        let supported = device
            .supported_output_configs()
            .map_err(|e| format!("không đọc được cấu hình card âm thanh: {e}"))?
            .filter_map(|r| r.try_with_sample_rate(OUTPUT_RATE))
            .min_by_key(|c| (c.channels() != 2, format_rank(c.sample_format())))
            .ok_or_else(|| "card âm thanh không phát được 48 kHz".to_owned())?;
        let mut config = supported.config();
        if period > 0
            && let cpal::SupportedBufferSize::Range { min, max } = supported.buffer_size()
            && (*min..=*max).contains(&period)
        {
            config.buffer_size = cpal::BufferSize::Fixed(period);
        }
        let (events, rx) = mpsc::channel();
        let stats = Arc::new(Stats::default());
        let stream = match supported.sample_format() {
            SampleFormat::F32 => build::<f32>(&device, config, rx, stats.clone(), fallback),
            SampleFormat::I16 => build::<i16>(&device, config, rx, stats.clone(), fallback),
            SampleFormat::I32 => build::<i32>(&device, config, rx, stats.clone(), fallback),
            SampleFormat::U16 => build::<u16>(&device, config, rx, stats.clone(), fallback),
            other => Err(format!(
                "card âm thanh dùng định dạng mẫu {other} chưa hỗ trợ"
            )),
        }?;
        stream
            .play()
            .map_err(|e| format!("không chạy được card âm thanh: {e}"))?;
        Ok(Self {
            _stream: stream,
            events,
            stats,
            noted: false,
        })
    }

    /// How far ahead of its callback the card plays, as it last said.
    fn ahead(&self) -> Duration {
        Duration::from_micros(self.stats.ahead_us.load(Ordering::Relaxed))
    }
}

/// Formats in order of preference: no conversion, then the common integer ones.
fn format_rank(format: SampleFormat) -> u8 {
    match format {
        SampleFormat::F32 => 0,
        SampleFormat::I16 => 1,
        SampleFormat::I32 => 2,
        SampleFormat::U16 => 3,
        _ => 4,
    }
}

fn build<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    events: mpsc::Receiver<Event>,
    stats: Arc<Stats>,
    fallback: Duration,
) -> Result<cpal::Stream, String>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = usize::from(config.channels.max(1));
    let errors = stats.clone();
    let mut placement = Placement::default();
    let mut stereo: Vec<f32> = Vec::new();
    let callback = move |out: &mut [T], info: &cpal::OutputCallbackInfo| {
        let now = Instant::now();
        while let Ok(event) = events.try_recv() {
            placement.apply(event);
        }
        stats.callbacks.fetch_add(1, Ordering::Relaxed);
        stats
            .frames
            .fetch_add((out.len() / channels) as u64, Ordering::Relaxed);
        let ts = info.timestamp();
        let ahead = ts.playback.checked_duration_since(ts.callback);
        let ahead_us = ahead.map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        stats.ahead_us.store(ahead_us, Ordering::Relaxed);
        // cpal hands the buffer over filled with silence: with nothing to play, done.
        if placement.is_empty() {
            return;
        }
        let frames = out.len() / channels;
        stereo.resize(2 * frames, 0.0);
        placement.render(&mut stereo, placement::heard_at(now, ahead, fallback));
        for (frame, s) in out.chunks_exact_mut(channels).zip(stereo.chunks_exact(2)) {
            if channels == 1 {
                frame[0] = T::from_sample((s[0] + s[1]) * 0.5);
            } else {
                frame[0] = T::from_sample(s[0]);
                frame[1] = T::from_sample(s[1]);
            }
        }
        if let Some((id, late)) = placement.take_started() {
            let us = u64::try_from(late.as_micros()).unwrap_or(u64::MAX);
            stats.started_late_us.store(us, Ordering::Release);
            stats.started_id.store(id, Ordering::Release);
        }
        let late = placement.take_late();
        if !late.is_zero() {
            let us = u64::try_from(late.as_micros()).unwrap_or(u64::MAX);
            stats.late_us.fetch_max(us, Ordering::Relaxed);
        }
    };
    let on_error = move |e: cpal::Error| {
        // An underrun is a gap the card recovers from by itself (and placement by
        // instant, not by frame count, keeps later items on time); anything else is
        // a card that failed.
        if e.kind() == cpal::ErrorKind::Xrun {
            errors.xruns.fetch_add(1, Ordering::Relaxed);
        } else {
            errors.errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, "card âm thanh báo lỗi");
        }
    };
    device
        .build_output_stream(config, callback, on_error, None)
        .map_err(|e| format!("không mở được card âm thanh: {e}"))
}

/// The sound card as a [`Sink`].
pub(crate) struct DeviceSink {
    fallback: Duration,
    card: Option<Card>,
    ready: Option<Feed>,
    playing: Option<u64>,
    last_id: u64,
    /// When the last item stopped, as heard.
    silent_from: Option<Instant>,
    /// What the card had done when the playing item was handed to it: (when, frames
    /// taken, errors), to tell at its stop whether it took the item's samples.
    watch: Option<(Instant, u64, u64)>,
    /// The last start found no card to hand its item to.
    start_failed: bool,
}

impl DeviceSink {
    /// A sink that opens the card when first needed; `fallback` as in [`Card::open`].
    pub(crate) fn new(fallback: Duration) -> Self {
        Self {
            fallback,
            card: None,
            ready: None,
            playing: None,
            last_id: 0,
            silent_from: None,
            watch: None,
            start_failed: false,
        }
    }
}

impl Sink for DeviceSink {
    fn prepare(&mut self, source: Source) -> Result<(), String> {
        let feed = match source {
            Source::File(stream) => feed::spawn_file(stream)
                .map_err(|e| format!("không tạo được luồng giải mã: {e}"))?,
            Source::Live(feed) => feed,
        };
        if self.card.is_none() {
            self.card = Some(Card::open(self.fallback)?);
        }
        self.ready = Some(feed);
        Ok(())
    }

    fn start(&mut self, at: Instant) {
        self.watch = None;
        self.start_failed = self.ready.is_some();
        if self.card.is_none() && self.ready.is_some() {
            // Closed after a stall: reopened for this item.
            match Card::open(self.fallback) {
                Ok(card) => self.card = Some(card),
                Err(why) => tracing::warn!(why, "không mở lại được card âm thanh"),
            }
        }
        let (Some(card), Some(feed)) = (&self.card, self.ready.take()) else {
            return;
        };
        self.watch = Some((
            Instant::now(),
            card.stats.frames.load(Ordering::Relaxed),
            card.stats.errors.load(Ordering::Relaxed),
        ));
        self.last_id += 1;
        let event = Event::Start {
            id: self.last_id,
            at,
            feed: feed.chunks,
        };
        if card.events.send(event).is_ok() {
            self.start_failed = false;
            self.playing = Some(self.last_id);
            self.silent_from = None;
        }
    }

    fn stop(&mut self, _played_ms: u64, at: Instant) -> Stopped {
        let playing = self.playing.take();
        let mut late = Duration::ZERO;
        if let (Some(card), Some(id)) = (&self.card, playing) {
            let _ = card.events.send(Event::Stop { id, at });
            if card.stats.started_id.load(Ordering::Acquire) == id {
                late = Duration::from_micros(card.stats.started_late_us.load(Ordering::Acquire));
            }
        }
        self.silent_from = Some(at);
        let fault = match (&self.card, self.watch.take(), playing) {
            (Some(card), Some(watch), Some(_)) => card_fault(card, watch),
            // Handed over, but no card took it.
            _ if std::mem::take(&mut self.start_failed) => Some(Reason::DeviceError),
            _ => None,
        };
        if let Some(reason) = fault {
            tracing::warn!(%reason, "card âm thanh không phát mục vừa rồi: sẽ mở lại card");
            self.card = None;
        }
        Stopped { fault, late }
    }

    fn tick_every(&self) -> Option<Duration> {
        self.card.is_some().then_some(TICK)
    }

    fn tick(&mut self) {
        if let Some(card) = &mut self.card {
            let xruns = card.stats.xruns.swap(0, Ordering::Relaxed);
            if xruns > 0 {
                tracing::warn!(xruns, "card âm thanh thiếu mẫu (underrun): máy bận");
            }
            let late = card.stats.late_us.swap(0, Ordering::Relaxed);
            if Duration::from_micros(late) > LATE_WARN {
                tracing::warn!(
                    late_ms = late / 1000,
                    "một mục bắt đầu muộn so với giờ định: lệnh đến card âm thanh quá sát giờ"
                );
            }
            if !card.noted && !card.ahead().is_zero() {
                card.noted = true;
                tracing::info!(
                    ahead_ms = card.ahead().as_millis() as u64,
                    "card âm thanh phát trễ so với lúc nhận mẫu; các mục được đặt bù đúng giờ"
                );
            }
        }
        let idle = self.playing.is_none()
            && self.ready.is_none()
            && self
                .silent_from
                .is_some_and(|t| Instant::now() >= t + IDLE_CLOSE);
        if idle && self.card.take().is_some() {
            self.silent_from = None;
        }
    }
}

/// Whether the card, given an item at `watch` (when, frames taken, errors), failed
/// it: it took fewer than half the frames that time asked for (a callback not
/// running, a stream that stopped draining), `device_error` if it also reported an
/// error since. An error alone is not a failure: ALSA's pulse plugin reports
/// `snd_pcm_avail_delay` I/O errors while the sound server has no timing yet, and the
/// stream plays on.
fn card_fault(card: &Card, (since, frames0, errors0): (Instant, u64, u64)) -> Option<Reason> {
    let elapsed = since.elapsed();
    if elapsed < STALL_AFTER {
        // Too short to tell.
        return None;
    }
    let taken = card
        .stats
        .frames
        .load(Ordering::Relaxed)
        .saturating_sub(frames0);
    let due = (elapsed - STALL_AFTER / 2).as_secs_f64() * f64::from(OUTPUT_RATE);
    if (taken as f64) >= due / 2.0 {
        return None;
    }
    Some(if card.stats.errors.load(Ordering::Relaxed) > errors0 {
        Reason::DeviceError
    } else {
        Reason::OutputStalled
    })
}

/// How long an item must have been with the card before a shortfall of the samples it
/// took counts as a stall.
const STALL_AFTER: Duration = Duration::from_millis(600);

impl Drop for DeviceSink {
    fn drop(&mut self) {
        // Keep the card open until what it holds has been heard, or the end is cut:
        // up to the last stop's instant, or a buffer's lead if that came late.
        let Some(card) = &self.card else {
            return;
        };
        let (now, margin) = (Instant::now(), Duration::from_millis(100));
        let last = self.silent_from.unwrap_or(now);
        if last + card.ahead() + margin <= now {
            return;
        }
        let until = last.max(now + card.ahead()) + margin;
        std::thread::sleep(
            until
                .saturating_duration_since(now)
                .min(Duration::from_secs(3)),
        );
    }
}
