//! Decoding a file packet by packet into interleaved `f32` samples, with a gain, so a
//! long segment plays in a few hundred kilobytes of memory rather than whole.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// How much of a file's start is read to find an MPEG length header (past an ID3 tag).
const HEAD_BYTES: usize = 256 * 1024;

/// Largest gain, up or down, applied to a file: the server never plans more, and the
/// agent caps what a playlist asks for (a gain that is not a number plays at 0 dB).
pub const MAX_GAIN_DB: f64 = 20.0;

/// A playlist's gain made safe: finite and within ±[`MAX_GAIN_DB`].
fn capped_gain(gain_db: f64) -> f32 {
    let db = if gain_db.is_finite() {
        gain_db.clamp(-MAX_GAIN_DB, MAX_GAIN_DB)
    } else {
        0.0
    };
    10f32.powf(db as f32 / 20.0)
}

/// Why a file cannot be streamed.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The file could not be opened.
    #[error(
        "không mở được tệp âm thanh {path}: {}",
        super::probe::io_reason_vi(source)
    )]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not decodable audio.
    #[error("không giải mã được {path}: {reason}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
}

/// A file being decoded: an iterator of interleaved samples at a fixed rate and
/// channel count (those of its first packet; packets of another shape are skipped).
pub struct SampleStream {
    format: Box<dyn FormatReader>,
    /// The length is a bitrate guess (header-less MPEG): never trim to it.
    length_guessed: bool,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    channels: u16,
    sample_rate: u32,
    gain: f32,
    buf: Vec<f32>,
    pos: usize,
}

impl SampleStream {
    /// Opens `path` and decodes its first packet (so rate and channels are known),
    /// applying `gain_db` to every sample.
    pub fn open(path: &Path, gain_db: f64) -> Result<Self, StreamError> {
        let open_err = |source| StreamError::Open {
            path: path.to_owned(),
            source,
        };
        let mut file = File::open(path).map_err(open_err)?;
        // The head, to see whether an MPEG file states its length (see `probe`).
        let mut head = Vec::with_capacity(HEAD_BYTES);
        (&mut file)
            .take(HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .and_then(|_| file.seek(SeekFrom::Start(0)))
            .map_err(open_err)?;
        let mpeg_header = super::probe::mp3_declares_frame_count(&head);
        let ext = path.extension().and_then(|e| e.to_str());
        Self::decode(Box::new(file), path, ext, gain_db, mpeg_header)
    }

    /// Decodes what `reader` yields (a live stream: read once, never seeked); `name`
    /// names it in errors.
    pub fn from_reader<R>(reader: R, name: &str, gain_db: f64) -> Result<Self, StreamError>
    where
        R: std::io::Read + Send + Sync + 'static,
    {
        // Not seekable: symphonia guesses no length, so nothing is trimmed to one.
        let source = symphonia::core::io::ReadOnlySource::new(reader);
        Self::decode(Box::new(source), Path::new(name), None, gain_db, true)
    }

    fn decode(
        source: Box<dyn symphonia::core::io::MediaSource>,
        path: &Path,
        ext: Option<&str>,
        gain_db: f64,
        mpeg_header: bool,
    ) -> Result<Self, StreamError> {
        let decode = |reason: String| StreamError::Decode {
            path: path.to_owned(),
            reason,
        };
        let mss = MediaSourceStream::new(source, Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = ext {
            hint.with_extension(ext);
        }
        let format = symphonia::default::get_probe()
            .probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| decode(super::probe::reason_vi(&e)))?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| decode("không có luồng âm thanh".to_owned()))?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| decode("luồng không phải âm thanh".to_owned()))?;
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(params, &AudioDecoderOptions::default())
            .map_err(|e| decode(super::probe::reason_vi(&e)))?;
        let track_id = track.id;
        let length_guessed =
            super::probe::length_is_a_guess(format.format_info().format, mpeg_header);
        let mut stream = Self {
            format,
            length_guessed,
            decoder,
            track_id,
            channels: 0,
            sample_rate: 0,
            gain: capped_gain(gain_db),
            buf: Vec::new(),
            pos: 0,
        };
        if !stream.refill() {
            return Err(decode("tệp không có mẫu nào".to_owned()));
        }
        Ok(stream)
    }

    /// Channels per frame.
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Frames per second.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Appends up to `samples` samples to `out`, a packet's worth at a time; fewer only
    /// at the end of the stream.
    pub fn read_into(&mut self, out: &mut Vec<f32>, samples: usize) {
        let mut left = samples;
        while left > 0 {
            if self.pos >= self.buf.len() && !self.refill() {
                return;
            }
            let n = left.min(self.buf.len() - self.pos);
            out.extend_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            left -= n;
        }
    }

    /// Decodes the next packet of the track into `buf`; false at the end (a damaged
    /// packet ends the stream: what played, played).
    fn refill(&mut self) -> bool {
        loop {
            let mut packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) | Err(_) => return false,
            };
            if packet.track_id != self.track_id {
                continue;
            }
            if self.length_guessed {
                super::probe::untrim_guessed_end(&mut packet);
            }
            let Ok(decoded) = self.decoder.decode(&packet) else {
                return false;
            };
            let rate = decoded.spec().rate();
            let channels = u16::try_from(decoded.spec().channels().count()).unwrap_or(0);
            if self.sample_rate == 0 {
                self.sample_rate = rate;
                self.channels = channels;
            }
            if rate != self.sample_rate || channels != self.channels || decoded.frames() == 0 {
                continue;
            }
            self.buf.resize(decoded.samples_interleaved(), 0.0);
            decoded.copy_to_slice_interleaved(&mut self.buf);
            if self.gain != 1.0 {
                let g = self.gain;
                self.buf
                    .iter_mut()
                    .for_each(|s| *s = (*s * g).clamp(-1.0, 1.0));
            }
            self.pos = 0;
            return true;
        }
    }
}

impl Iterator for SampleStream {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if self.pos >= self.buf.len() && !self.refill() {
            return None;
        }
        let s = self.buf[self.pos];
        self.pos += 1;
        Some(s)
    }
}

/// Converts interleaved samples of any rate and channel count to 48 kHz stereo, as
/// the sound card (and the ALSA capture device) takes them. Linear interpolation: good
/// enough for speech bulletins, and exact when the rate is already 48 kHz.
pub struct ToStereo48k<I> {
    inner: I,
    channels: usize,
    step: f64,
    /// Position between `prev` and `cur`, in input frames.
    frac: f64,
    prev: [f32; 2],
    cur: [f32; 2],
    started: bool,
    ended: bool,
    pending_right: Option<f32>,
}

/// The output rate of [`ToStereo48k`].
pub const OUTPUT_RATE: u32 = 48_000;

impl<I: Iterator<Item = f32>> ToStereo48k<I> {
    /// Wraps `inner`, which yields `channels`-channel frames at `rate`.
    pub fn new(inner: I, channels: u16, rate: u32) -> Self {
        Self {
            inner,
            channels: usize::from(channels.max(1)),
            step: f64::from(rate.max(1)) / f64::from(OUTPUT_RATE),
            frac: 0.0,
            prev: [0.0; 2],
            cur: [0.0; 2],
            started: false,
            ended: false,
            pending_right: None,
        }
    }

    fn read_frame(&mut self) -> Option<[f32; 2]> {
        let left = self.inner.next()?;
        let right = if self.channels >= 2 {
            self.inner.next().unwrap_or(left)
        } else {
            left
        };
        for _ in 2..self.channels {
            self.inner.next();
        }
        Some([left, right])
    }
}

impl<I: Iterator<Item = f32>> Iterator for ToStereo48k<I> {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if let Some(r) = self.pending_right.take() {
            return Some(r);
        }
        if !self.started {
            self.started = true;
            self.prev = self.read_frame()?;
            self.cur = self.read_frame().unwrap_or(self.prev);
        }
        while self.frac >= 1.0 {
            if self.ended {
                return None;
            }
            self.prev = self.cur;
            match self.read_frame() {
                Some(f) => self.cur = f,
                None => {
                    self.ended = true;
                    return None;
                }
            }
            self.frac -= 1.0;
        }
        let t = self.frac as f32;
        let l = self.prev[0] + (self.cur[0] - self.prev[0]) * t;
        let r = self.prev[1] + (self.cur[1] - self.prev[1]) * t;
        self.frac += self.step;
        self.pending_right = Some(r);
        Some(l)
    }
}
