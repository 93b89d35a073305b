//! What every sink does, and the two that need no sound card: nothing (`null`) and a
//! WAV file. Each takes a decoded file or a live feed, starts it when told and stops it
//! when told; none keeps time. The sound card is in `device`.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::mpsc::TryRecvError;
use std::time::{Duration, Instant};

use super::Stopped;
use super::feed::Feed;
use crate::audio::{OUTPUT_RATE, SampleStream, ToStereo48k};
use crate::domain::Reason;

/// What a sink plays.
pub(crate) enum Source {
    /// A cached file, opened and not yet decoded.
    File(SampleStream),
    /// A relay's live stream, decoded ahead on its own thread.
    Live(Feed),
}

pub(crate) trait Sink {
    /// Holds `source` ready to start.
    fn prepare(&mut self, source: Source) -> Result<(), String>;
    /// Starts what is ready, to be heard from `at`.
    fn start(&mut self, at: Instant);
    /// Stops, to fall silent at `at`; `played_ms` is how long it ran by the player's
    /// clock. Returns why the item did not really play, if the sink knows it did not
    /// (the card took none of its samples, or failed), and how late it was heard.
    fn stop(&mut self, played_ms: u64, at: Instant) -> Stopped;
    /// Called every [`Sink::tick_every`], to move a live feed along.
    fn tick(&mut self) {}
    /// How often [`Sink::tick`] is wanted now; `None` for never (each wake-up of the
    /// output thread costs CPU, on an idle station too).
    fn tick_every(&self) -> Option<Duration> {
        None
    }
}

/// How often a live feed is moved along by a sink that does not play it.
const LIVE_TICK: Duration = Duration::from_millis(50);

fn plays_live(playing: &Option<Source>) -> Option<Duration> {
    matches!(playing, Some(Source::Live(_))).then_some(LIVE_TICK)
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
    fn start(&mut self, _at: Instant) {
        self.playing = self.ready.take();
    }
    fn stop(&mut self, _played_ms: u64, _at: Instant) -> Stopped {
        self.playing = None;
        Stopped::default()
    }
    fn tick_every(&self) -> Option<Duration> {
        plays_live(&self.playing)
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
    // The file holds samples, not time: the instants do not matter here.
    fn start(&mut self, _at: Instant) {
        self.playing = self.ready.take();
        self.live_frames = 0;
    }
    fn stop(&mut self, played_ms: u64, _at: Instant) -> Stopped {
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
        match result {
            Ok(()) => Stopped::default(),
            Err(e) => {
                tracing::error!(error = %e, "không ghi được tệp WAV đầu ra");
                Stopped::failed(Reason::DeviceError)
            }
        }
    }
    fn tick_every(&self) -> Option<Duration> {
        plays_live(&self.playing)
    }
    fn tick(&mut self) {
        if matches!(self.playing, Some(Source::Live(_)))
            && let Err(e) = self.drain_live(u64::MAX)
        {
            tracing::error!(error = %e, "không ghi được tệp WAV đầu ra");
        }
    }
}
