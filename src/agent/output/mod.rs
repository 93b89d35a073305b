//! Where the audio goes: the sound card (cpal), nowhere (`null`), or a WAV file of
//! exactly the samples that would have played (`wav:PATH`).
//!
//! Every output runs on its own thread and is told when to start and stop; none keeps
//! time. The player decides how long an item plays by its clock, so a device that does
//! not block (the ALSA file device) or a simulated week cannot make an item run long.
//! Each start and stop carries the instant it is to be heard at, and comes ahead of it:
//! the sound card places it there to the sample (`placement`), whatever its buffer.
//! Audio reaches the card decoded ahead in chunks (`feed`, `live`); the sinks are in
//! `sinks` and `device`.

mod device;
mod feed;
mod live;
mod placement;
mod sinks;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, oneshot};

use crate::audio::SampleStream;
use crate::domain::Reason;
use device::DeviceSink;
use sinks::{NullSink, Sink, Source, WavSink};

/// How long before its instant a start or stop is handed to the output, ms: more
/// than a sound card plays ahead of its callback (its buffer and the sound server's:
/// 266 ms on the benchmark's PulseAudio path with 200 ms periods) plus a period, with
/// room for a busy moment, so that the card places it on the instant to the sample.
/// The player records those instants: when the audio is heard.
pub const AHEAD_MS: i64 = 800;

/// Which output to use, from `--output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputKind {
    /// The default sound card, through cpal.
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

/// What the output knows of an item once it is stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stopped {
    /// Why it did not really play, if the output knows: `output_stalled` (the card took
    /// none of its samples) or `device_error` (the card failed).
    pub fault: Option<Reason>,
    /// How long after its instant its first sample was heard: zero when the card placed
    /// it on its instant, more when the start reached the card too late for that (the
    /// card was being opened again after a stall).
    pub late: Duration,
}

impl Stopped {
    /// The item did not play for `reason`.
    pub fn failed(reason: Reason) -> Self {
        Self {
            fault: Some(reason),
            late: Duration::ZERO,
        }
    }
}

/// Why an item could not be readied: the reason recorded, and the message logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// `decode_error` for a file that cannot be read, `device_error` for a card that
    /// cannot be opened.
    pub reason: Reason,
    /// What went wrong, in Vietnamese, for the log and the heartbeat.
    pub why: String,
}

enum Cmd {
    Prepare(PathBuf, f64, oneshot::Sender<Result<(), Refused>>),
    PrepareLive(
        Box<dyn Read + Send + Sync>,
        String,
        Arc<Notify>,
        oneshot::Sender<Result<(), String>>,
    ),
    Start(Instant, oneshot::Sender<()>),
    Stop(u64, Instant, oneshot::Sender<Stopped>),
}

/// A handle to the output thread.
#[derive(Clone)]
pub struct Output {
    tx: mpsc::Sender<Cmd>,
}

impl Output {
    /// Starts the output thread. For `wav:PATH`, the file is created (emptied) now.
    /// `fallback_latency` is how far ahead of its callback a sound card that reports no
    /// usable timestamp is taken to play (`--output-latency-ms`).
    pub fn spawn(kind: OutputKind, fallback_latency: Duration) -> std::io::Result<Self> {
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
                    OutputKind::Default => Ok(Box::new(DeviceSink::new(fallback_latency))),
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
                // Woken by a command, or when the sink wants a tick (a live stream's
                // chunks to move along, an idle card to close); asleep otherwise.
                let mut next_tick: Option<Instant> = None;
                loop {
                    next_tick = match (next_tick, sink.tick_every()) {
                        (_, None) => None,
                        (Some(t), Some(_)) => Some(t),
                        (None, Some(every)) => Some(Instant::now() + every),
                    };
                    let received = match next_tick {
                        Some(t) => rx.recv_timeout(t.saturating_duration_since(Instant::now())),
                        None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                    };
                    let cmd = match received {
                        Ok(cmd) => cmd,
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            sink.tick();
                            next_tick = None;
                            continue;
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    };
                    match cmd {
                        Cmd::Prepare(path, gain, reply) => {
                            let prepared = SampleStream::open(&path, gain)
                                .map_err(|e| Refused {
                                    reason: Reason::DecodeError,
                                    why: e.to_string(),
                                })
                                .and_then(|s| {
                                    sink.prepare(Source::File(s)).map_err(|why| Refused {
                                        reason: Reason::DeviceError,
                                        why,
                                    })
                                });
                            let _ = reply.send(prepared);
                        }
                        Cmd::PrepareLive(reader, name, ended, reply) => {
                            let prepared = live::spawn(reader, name, 0.0, ended)
                                .map_err(|e| e.to_string())
                                .and_then(|feed| sink.prepare(Source::Live(feed)));
                            let _ = reply.send(prepared);
                        }
                        Cmd::Start(at, reply) => {
                            sink.start(at);
                            let _ = reply.send(());
                        }
                        Cmd::Stop(played_ms, at, reply) => {
                            let _ = reply.send(sink.stop(played_ms, at));
                        }
                    }
                }
                let _ = sink.stop(0, Instant::now());
            })?;
        made_rx
            .recv()
            .map_err(|_| std::io::Error::other("luồng âm thanh dừng khi khởi động"))??;
        Ok(Self { tx })
    }

    /// Opens `path` and readies it to start with `gain_db` applied; the error says why
    /// it cannot be played.
    pub async fn prepare(&self, path: &Path, gain_db: f64) -> Result<(), Refused> {
        let gone = || Refused {
            reason: Reason::DeviceError,
            why: "luồng âm thanh đã dừng".to_owned(),
        };
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Cmd::Prepare(path.to_owned(), gain_db, reply))
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Readies a relay's live stream (`reader`, named `name` in messages) to start;
    /// `ended` is notified when the stream is over before it was stopped.
    pub async fn prepare_live(
        &self,
        reader: Box<dyn Read + Send + Sync>,
        name: &str,
        ended: Arc<Notify>,
    ) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Cmd::PrepareLive(reader, name.to_owned(), ended, reply))
            .map_err(|_| "luồng âm thanh đã dừng".to_owned())?;
        answer
            .await
            .map_err(|_| "luồng âm thanh đã dừng".to_owned())?
    }

    /// Starts what was prepared so that its first sample is heard at `at`; told at
    /// least the sound card's lead ahead (a fraction of a second), it is placed there to
    /// the sample, told later it starts as soon as it can.
    pub async fn start(&self, at: Instant) {
        let (reply, answer) = oneshot::channel();
        if self.tx.send(Cmd::Start(at, reply)).is_ok() {
            let _ = answer.await;
        }
    }

    /// Stops what plays so that it falls silent at `at`; `played_ms` is how long the
    /// item ran by the player's clock. Returns why it did not really play when the
    /// output knows (`output_stalled`: the card took none of its samples;
    /// `device_error`: the card failed; the card is then reopened for the next item),
    /// and how late its first sample was heard.
    pub async fn stop(&self, played_ms: u64, at: Instant) -> Stopped {
        let (reply, answer) = oneshot::channel();
        if self.tx.send(Cmd::Stop(played_ms, at, reply)).is_ok() {
            return answer.await.unwrap_or(Stopped::failed(Reason::DeviceError));
        }
        Stopped::failed(Reason::DeviceError)
    }
}
