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

use super::feed::{self, Feed};
use super::placement::{self, Event, Placement};
use super::sinks::{Sink, Source};
use crate::audio::OUTPUT_RATE;

/// Frames per period asked of the card (200 ms; the buffer holds two). A start does
/// not wait for a period boundary, so a long period costs no timing, only fewer
/// wake-ups: against 100 ms it halved the CPU of the card's thread and cut the sound
/// server plugin's by a third (README, Benchmarks). Starts and stops must then reach
/// the output a buffer and a period ahead: [`super::AHEAD_MS`].
const PERIOD_FRAMES: u32 = OUTPUT_RATE / 5;

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
}

/// An open output stream.
struct Card {
    _stream: cpal::Stream,
    events: mpsc::Sender<Event>,
    stats: Arc<Stats>,
    noted: bool,
}

impl Card {
    /// Opens the default sound card at 48 kHz. `fallback` is how far ahead the card
    /// plays when its callback gives no usable timestamp (`--output-latency-ms`).
    fn open(fallback: Duration) -> Result<Self, String> {
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
        if let cpal::SupportedBufferSize::Range { min, max } = supported.buffer_size()
            && (*min..=*max).contains(&PERIOD_FRAMES)
        {
            config.buffer_size = cpal::BufferSize::Fixed(PERIOD_FRAMES);
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
    let mut placement = Placement::default();
    let mut stereo: Vec<f32> = Vec::new();
    let callback = move |out: &mut [T], info: &cpal::OutputCallbackInfo| {
        let now = Instant::now();
        while let Ok(event) = events.try_recv() {
            placement.apply(event);
        }
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
        let late = placement.take_late();
        if !late.is_zero() {
            let us = u64::try_from(late.as_micros()).unwrap_or(u64::MAX);
            stats.late_us.fetch_max(us, Ordering::Relaxed);
        }
    };
    let on_error = |e: cpal::Error| tracing::warn!(error = %e, "card âm thanh báo lỗi");
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
        let (Some(card), Some(feed)) = (&self.card, self.ready.take()) else {
            return;
        };
        self.last_id += 1;
        let event = Event::Start {
            id: self.last_id,
            at,
            feed: feed.chunks,
        };
        if card.events.send(event).is_ok() {
            self.playing = Some(self.last_id);
            self.silent_from = None;
        }
    }

    fn stop(&mut self, _played_ms: u64, at: Instant) {
        if let (Some(card), Some(id)) = (&self.card, self.playing.take()) {
            let _ = card.events.send(Event::Stop { id, at });
        }
        self.silent_from = Some(at);
    }

    fn tick_every(&self) -> Option<Duration> {
        self.card.is_some().then_some(TICK)
    }

    fn tick(&mut self) {
        if let Some(card) = &mut self.card {
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
