//! The three sinks: nothing (`null`), a WAV file, the sound card. Each takes a decoded
//! file or a live feed, starts it when told and stops it when told; none keeps time.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::num::NonZero;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::TryRecvError;
use std::time::Duration;

use super::live::LiveFeed;
use crate::audio::{OUTPUT_RATE, SampleStream, ToStereo48k};

/// What a sink plays.
pub(crate) enum Source {
    /// A cached file, decoded as it plays.
    File(SampleStream),
    /// A relay's live stream, decoded ahead on its own thread.
    Live(LiveFeed),
}

pub(crate) trait Sink {
    /// Holds `source` ready to start.
    fn prepare(&mut self, source: Source) -> Result<(), String>;
    /// Starts what is ready.
    fn start(&mut self);
    /// Stops; `played_ms` is how long it ran by the player's clock.
    fn stop(&mut self, played_ms: u64);
    /// Called every few tens of milliseconds, to move a live feed along.
    fn tick(&mut self) {}
}

/// Plays nothing; a live feed is still read (and so its failure noticed).
#[derive(Default)]
pub(crate) struct NullSink {
    ready: Option<Source>,
    playing: Option<Source>,
}

impl Sink for NullSink {
    fn prepare(&mut self, source: Source) -> Result<(), String> {
        self.ready = Some(source);
        Ok(())
    }
    fn start(&mut self) {
        self.playing = self.ready.take();
    }
    fn stop(&mut self, _played_ms: u64) {
        self.playing = None;
    }
    fn tick(&mut self) {
        if let Some(Source::Live(feed)) = &self.playing {
            while feed.chunks.try_recv().is_ok() {}
        }
    }
}

/// A growing IEEE-float WAV file whose header is rewritten after every item, so a
/// killed agent leaves a readable file.
pub(crate) struct WavSink {
    file: BufWriter<File>,
    frames: u64,
    ready: Option<Source>,
    playing: Option<Source>,
    /// Frames of the live item written so far.
    live_frames: u64,
}

const WAV_HEADER: u64 = 44;

impl WavSink {
    pub(crate) fn create(path: &Path) -> std::io::Result<Self> {
        let mut sink = Self {
            file: BufWriter::new(File::create(path)?),
            frames: 0,
            ready: None,
            playing: None,
            live_frames: 0,
        };
        sink.write_header()?;
        Ok(sink)
    }

    fn write_header(&mut self) -> std::io::Result<()> {
        let data = self.frames * 8;
        let f = &mut self.file;
        f.seek(SeekFrom::Start(0))?;
        f.write_all(b"RIFF")?;
        f.write_all(&u32::try_from(36 + data).unwrap_or(u32::MAX).to_le_bytes())?;
        f.write_all(b"WAVEfmt ")?;
        f.write_all(&16u32.to_le_bytes())?;
        f.write_all(&3u16.to_le_bytes())?; // IEEE float
        f.write_all(&2u16.to_le_bytes())?;
        f.write_all(&OUTPUT_RATE.to_le_bytes())?;
        f.write_all(&(OUTPUT_RATE * 8).to_le_bytes())?;
        f.write_all(&8u16.to_le_bytes())?;
        f.write_all(&32u16.to_le_bytes())?;
        f.write_all(b"data")?;
        f.write_all(&u32::try_from(data).unwrap_or(u32::MAX).to_le_bytes())?;
        f.seek(SeekFrom::Start(WAV_HEADER + data))?;
        f.flush()
    }

    fn write_samples(&mut self, samples: impl Iterator<Item = f32>) -> std::io::Result<u64> {
        let mut written = 0u64;
        for s in samples {
            self.file.write_all(&s.to_le_bytes())?;
            written += 1;
        }
        self.frames += written / 2;
        Ok(written / 2)
    }

    fn append_file(&mut self, stream: SampleStream, played_ms: u64) -> std::io::Result<()> {
        let (channels, rate) = (stream.channels(), stream.sample_rate());
        let want = played_ms * u64::from(OUTPUT_RATE) / 1000 * 2;
        let samples = ToStereo48k::new(stream, channels, rate).take(want as usize);
        self.write_samples(samples)?;
        self.write_header()
    }

    /// Writes the live chunks received so far, up to `limit_frames` for this item.
    fn drain_live(&mut self, limit_frames: u64) -> std::io::Result<()> {
        loop {
            let chunk = match &self.playing {
                Some(Source::Live(feed)) => match feed.chunks.try_recv() {
                    Ok(chunk) => chunk,
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => return Ok(()),
                },
                _ => return Ok(()),
            };
            let room = usize::try_from(limit_frames.saturating_sub(self.live_frames))
                .unwrap_or(usize::MAX)
                .saturating_mul(2);
            let n = self.write_samples(chunk.into_iter().take(room))?;
            self.live_frames += n;
        }
    }
}

impl Sink for WavSink {
    fn prepare(&mut self, source: Source) -> Result<(), String> {
        self.ready = Some(source);
        Ok(())
    }
    fn start(&mut self) {
        self.playing = self.ready.take();
        self.live_frames = 0;
    }
    fn stop(&mut self, played_ms: u64) {
        let result = match self.playing.take() {
            Some(Source::File(stream)) => self.append_file(stream, played_ms),
            Some(live @ Source::Live(_)) => {
                self.playing = Some(live);
                let limit = played_ms * u64::from(OUTPUT_RATE) / 1000;
                let r = self.drain_live(limit).and_then(|()| self.write_header());
                self.playing = None;
                r
            }
            None => Ok(()),
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "không ghi được tệp WAV đầu ra");
        }
    }
    fn tick(&mut self) {
        if matches!(self.playing, Some(Source::Live(_)))
            && let Err(e) = self.drain_live(u64::MAX)
        {
            tracing::error!(error = %e, "không ghi được tệp WAV đầu ra");
        }
    }
}

/// The sound card. The device is opened when an item is readied (seconds ahead of its
/// start) and closed again after [`IDLE_CLOSE`] with nothing to play: an open device
/// costs CPU for ever, feeding silence. Reopening also picks up a USB sound card
/// plugged in late.
#[derive(Default)]
pub(crate) struct DeviceSink {
    device: Option<rodio::MixerDeviceSink>,
    ready: Option<Source>,
    /// Set to stop what plays: the source ends at its next sample.
    playing: Option<Arc<AtomicBool>>,
    idle_since: Option<std::time::Instant>,
}

/// Opens the default sound card with its own buffer size: a larger one (4096 frames
/// was measured) saves little CPU and doubles the onset jitter.
fn open_device() -> Result<rodio::MixerDeviceSink, String> {
    rodio::DeviceSinkBuilder::open_default_sink()
        .map_err(|e| format!("không mở được card âm thanh: {e}"))
}

/// How long the sound card stays open with nothing playing or readied.
const IDLE_CLOSE: Duration = Duration::from_secs(5);

impl Sink for DeviceSink {
    fn prepare(&mut self, source: Source) -> Result<(), String> {
        if self.device.is_none() {
            let mut device = open_device()?;
            device.log_on_drop(false);
            self.device = Some(device);
        }
        self.ready = Some(source);
        self.idle_since = None;
        Ok(())
    }

    fn start(&mut self) {
        let (Some(device), Some(source)) = (&self.device, self.ready.take()) else {
            return;
        };
        // Straight into the mixer, not through a rodio `Player`: its chain of adapters
        // (speed, position, pause, volume, skip, a 5 ms callback) costs CPU per sample
        // and the agent needs none of it; the gain is already in the samples.
        let stopped = Arc::new(AtomicBool::new(false));
        match source {
            Source::File(stream) => device.mixer().add(Stoppable {
                inner: Streamed(stream),
                stopped: stopped.clone(),
            }),
            Source::Live(feed) => device.mixer().add(Stoppable {
                inner: LiveSource {
                    feed,
                    chunk: Vec::new(),
                    pos: 0,
                },
                stopped: stopped.clone(),
            }),
        }
        self.playing = Some(stopped);
    }

    fn stop(&mut self, _played_ms: u64) {
        if let Some(stopped) = self.playing.take() {
            stopped.store(true, Ordering::Relaxed);
        }
        self.idle_since = Some(std::time::Instant::now());
    }

    fn tick(&mut self) {
        let idle = self.playing.is_none()
            && self.ready.is_none()
            && self.idle_since.is_some_and(|t| t.elapsed() >= IDLE_CLOSE);
        if idle && self.device.take().is_some() {
            self.idle_since = None;
        }
    }
}

impl Drop for DeviceSink {
    fn drop(&mut self) {
        // Let the device drain its buffer, or the last tenth of a second is cut.
        if self.device.is_some() {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A source that ends as soon as its flag is set.
struct Stoppable<S> {
    inner: S,
    stopped: Arc<AtomicBool>,
}

impl<S: Iterator<Item = f32>> Iterator for Stoppable<S> {
    type Item = f32;
    fn next(&mut self) -> Option<f32> {
        if self.stopped.load(Ordering::Relaxed) {
            return None;
        }
        self.inner.next()
    }
}

impl<S: rodio::Source> rodio::Source for Stoppable<S> {
    fn current_span_len(&self) -> Option<usize> {
        self.inner.current_span_len()
    }
    fn channels(&self) -> rodio::ChannelCount {
        self.inner.channels()
    }
    fn sample_rate(&self) -> rodio::SampleRate {
        self.inner.sample_rate()
    }
    fn total_duration(&self) -> Option<Duration> {
        None
    }
}

/// A [`SampleStream`] as a rodio source.
struct Streamed(SampleStream);

impl Iterator for Streamed {
    type Item = f32;
    fn next(&mut self) -> Option<f32> {
        self.0.next()
    }
}

impl rodio::Source for Streamed {
    fn current_span_len(&self) -> Option<usize> {
        None
    }
    fn channels(&self) -> rodio::ChannelCount {
        NonZero::new(self.0.channels()).unwrap_or(NonZero::<u16>::MIN)
    }
    fn sample_rate(&self) -> rodio::SampleRate {
        NonZero::new(self.0.sample_rate()).unwrap_or(NonZero::<u32>::MIN)
    }
    fn total_duration(&self) -> Option<Duration> {
        None
    }
}

/// A live feed as a rodio source: silence while the network catches up (the audio
/// callback must never wait), the end when the feed ends.
struct LiveSource {
    feed: LiveFeed,
    chunk: Vec<f32>,
    pos: usize,
}

impl Iterator for LiveSource {
    type Item = f32;
    fn next(&mut self) -> Option<f32> {
        if self.pos >= self.chunk.len() {
            match self.feed.chunks.try_recv() {
                Ok(chunk) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                // A millisecond of silence, whole frames so left and right stay paired.
                Err(TryRecvError::Empty) => {
                    self.chunk = vec![0.0; OUTPUT_RATE as usize / 1000 * 2];
                    self.pos = 0;
                }
                Err(TryRecvError::Disconnected) => return None,
            }
        }
        let s = self.chunk.get(self.pos).copied();
        self.pos += 1;
        s
    }
}

impl rodio::Source for LiveSource {
    fn current_span_len(&self) -> Option<usize> {
        None
    }
    fn channels(&self) -> rodio::ChannelCount {
        NonZero::<u16>::MIN.saturating_add(1)
    }
    fn sample_rate(&self) -> rodio::SampleRate {
        NonZero::new(OUTPUT_RATE).unwrap_or(NonZero::<u32>::MIN)
    }
    fn total_duration(&self) -> Option<Duration> {
        None
    }
}
