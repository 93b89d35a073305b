//! Where the audio goes: the sound card (rodio), nowhere (`null`), or a WAV file of
//! exactly the samples that would have played (`wav:PATH`).
//!
//! Every output runs on its own thread and is told when to start and stop; none keeps
//! time. The player decides how long an item plays by its clock, so a device that does
//! not block (the ALSA file device) or a simulated week cannot make an item run long.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::audio::{OUTPUT_RATE, SampleStream, ToStereo48k};

/// Which output to use, from `--output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputKind {
    /// The default sound card, through rodio.
    Default,
    /// Plays nothing; the player still keeps real time.
    Null,
    /// Appends what would have played to a 48 kHz stereo float WAV file.
    Wav(PathBuf),
}

impl std::str::FromStr for OutputKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "default" => Ok(Self::Default),
            "null" => Ok(Self::Null),
            _ => match s.strip_prefix("wav:") {
                Some(p) if !p.is_empty() => Ok(Self::Wav(PathBuf::from(p))),
                _ => Err(format!(
                    "đầu ra `{s}` không hợp lệ: dùng default (card âm thanh), null hoặc wav:ĐƯỜNG_DẪN"
                )),
            },
        }
    }
}

enum Cmd {
    Prepare(PathBuf, f64, oneshot::Sender<Result<(), String>>),
    Start(oneshot::Sender<()>),
    Stop(u64, oneshot::Sender<()>),
}

/// A handle to the output thread.
#[derive(Clone)]
pub struct Output {
    tx: mpsc::Sender<Cmd>,
}

impl Output {
    /// Starts the output thread. For `wav:PATH`, the file is created (emptied) now.
    pub fn spawn(kind: OutputKind) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let (made_tx, made_rx) = mpsc::channel();
        // The sound card's stream cannot move between threads: make every sink on the
        // thread that drives it.
        std::thread::Builder::new()
            .name("loa-audio".to_owned())
            .spawn(move || {
                let made: std::io::Result<Box<dyn Sink>> = match kind {
                    OutputKind::Null => Ok(Box::new(NullSink::default())),
                    OutputKind::Wav(path) => {
                        WavSink::create(&path).map(|s| Box::new(s) as Box<dyn Sink>)
                    }
                    OutputKind::Default => Ok(Box::new(DeviceSink::default())),
                };
                let mut sink = match made {
                    Ok(sink) => {
                        let _ = made_tx.send(Ok(()));
                        sink
                    }
                    Err(e) => {
                        let _ = made_tx.send(Err(e));
                        return;
                    }
                };
                while let Ok(cmd) = rx.recv() {
                    match cmd {
                        Cmd::Prepare(path, gain, reply) => {
                            let _ = reply.send(sink.prepare(&path, gain));
                        }
                        Cmd::Start(reply) => {
                            sink.start();
                            let _ = reply.send(());
                        }
                        Cmd::Stop(played_ms, reply) => {
                            sink.stop(played_ms);
                            let _ = reply.send(());
                        }
                    }
                }
                sink.stop(0);
            })?;
        made_rx
            .recv()
            .map_err(|_| std::io::Error::other("luồng âm thanh dừng khi khởi động"))??;
        Ok(Self { tx })
    }

    /// Opens `path` and readies it to start at once with `gain_db` applied; the error
    /// says why it cannot be played.
    pub async fn prepare(&self, path: &Path, gain_db: f64) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Cmd::Prepare(path.to_owned(), gain_db, reply))
            .map_err(|_| "luồng âm thanh đã dừng".to_owned())?;
        answer
            .await
            .map_err(|_| "luồng âm thanh đã dừng".to_owned())?
    }

    /// Starts what was prepared.
    pub async fn start(&self) {
        let (reply, answer) = oneshot::channel();
        if self.tx.send(Cmd::Start(reply)).is_ok() {
            let _ = answer.await;
        }
    }

    /// Stops; `played_ms` is how long the item ran by the player's clock.
    pub async fn stop(&self, played_ms: u64) {
        let (reply, answer) = oneshot::channel();
        if self.tx.send(Cmd::Stop(played_ms, reply)).is_ok() {
            let _ = answer.await;
        }
    }
}

trait Sink {
    fn prepare(&mut self, path: &Path, gain_db: f64) -> Result<(), String>;
    fn start(&mut self);
    fn stop(&mut self, played_ms: u64);
}

#[derive(Default)]
struct NullSink {
    ready: Option<SampleStream>,
}

impl Sink for NullSink {
    fn prepare(&mut self, path: &Path, gain_db: f64) -> Result<(), String> {
        self.ready = Some(SampleStream::open(path, gain_db).map_err(|e| e.to_string())?);
        Ok(())
    }
    fn start(&mut self) {
        self.ready = None;
    }
    fn stop(&mut self, _played_ms: u64) {}
}

/// A growing IEEE-float WAV file whose header is rewritten after every item, so a
/// killed agent leaves a readable file.
struct WavSink {
    file: BufWriter<File>,
    frames: u64,
    ready: Option<SampleStream>,
    playing: Option<SampleStream>,
}

const WAV_HEADER: u64 = 44;

impl WavSink {
    fn create(path: &Path) -> std::io::Result<Self> {
        let mut sink = Self {
            file: BufWriter::new(File::create(path)?),
            frames: 0,
            ready: None,
            playing: None,
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

    fn append(&mut self, stream: SampleStream, played_ms: u64) -> std::io::Result<()> {
        let (channels, rate) = (stream.channels(), stream.sample_rate());
        let want = played_ms * u64::from(OUTPUT_RATE) / 1000 * 2;
        let mut written = 0u64;
        for s in ToStereo48k::new(stream, channels, rate).take(want as usize) {
            self.file.write_all(&s.to_le_bytes())?;
            written += 1;
        }
        self.frames += written / 2;
        self.write_header()
    }
}

impl Sink for WavSink {
    fn prepare(&mut self, path: &Path, gain_db: f64) -> Result<(), String> {
        self.ready = Some(SampleStream::open(path, gain_db).map_err(|e| e.to_string())?);
        Ok(())
    }
    fn start(&mut self) {
        self.playing = self.ready.take();
    }
    fn stop(&mut self, played_ms: u64) {
        if let Some(stream) = self.playing.take()
            && let Err(e) = self.append(stream, played_ms)
        {
            tracing::error!(error = %e, "không ghi được tệp WAV đầu ra");
        }
    }
}

/// The sound card. The device is opened on first use and again after a failure, so a
/// USB sound card plugged in late is picked up.
#[derive(Default)]
struct DeviceSink {
    device: Option<rodio::MixerDeviceSink>,
    ready: Option<SampleStream>,
    player: Option<rodio::Player>,
}

impl Sink for DeviceSink {
    fn prepare(&mut self, path: &Path, gain_db: f64) -> Result<(), String> {
        if self.device.is_none() {
            let mut device = rodio::DeviceSinkBuilder::open_default_sink()
                .map_err(|e| format!("không mở được card âm thanh: {e}"))?;
            device.log_on_drop(false);
            self.device = Some(device);
        }
        self.ready = Some(SampleStream::open(path, gain_db).map_err(|e| e.to_string())?);
        Ok(())
    }

    fn start(&mut self) {
        let (Some(device), Some(stream)) = (&self.device, self.ready.take()) else {
            return;
        };
        let player = rodio::Player::connect_new(device.mixer());
        player.append(Streamed(stream));
        self.player = Some(player);
    }

    fn stop(&mut self, _played_ms: u64) {
        if let Some(player) = self.player.take() {
            player.stop();
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
