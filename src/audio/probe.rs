//! Measure an audio file by decoding every packet: duration, format and SHA-256.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::domain::Sha256Digest;

/// What decoding a whole file found.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// Duration in milliseconds, counted from decoded frames (rounded to nearest).
    pub duration_ms: u32,
    /// Decoded audio frames (samples per channel).
    pub frames: u64,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: u16,
    /// SHA-256 of the file's bytes.
    pub sha256: Sha256Digest,
    /// EBU R128 integrated loudness in LUFS; `None` for digital silence.
    pub loudness_lufs: Option<f64>,
}

/// Why a file could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The file could not be read.
    #[error("không đọc được tệp {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The bytes are not an audio format loa can decode (MP3, OGG Vorbis, FLAC, WAV).
    #[error("không phải tệp âm thanh hỗ trợ (MP3, OGG Vorbis, FLAC, WAV): {reason}")]
    NotAudio {
        /// What the decoder said.
        reason: String,
    },
    /// The file starts as audio but is damaged part-way.
    #[error("tệp âm thanh bị hỏng sau {decoded_ms} ms: {reason}")]
    Damaged {
        /// How much decoded cleanly before the damage.
        decoded_ms: u64,
        /// What the decoder said.
        reason: String,
    },
    /// The file decodes to nothing.
    #[error("tệp âm thanh không có mẫu nào (độ dài 0)")]
    Empty,
}

/// Reads `path` and measures it; see [`measure_bytes`].
pub fn measure(path: &Path) -> Result<Measured, ProbeError> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| ProbeError::Read {
            path: path.to_owned(),
            source,
        })?;
    let hint = path.extension().and_then(|e| e.to_str());
    measure_bytes(bytes, hint)
}

/// Decodes `bytes` completely and counts its frames. `extension` (without the dot) helps
/// the format probe but is not trusted.
pub fn measure_bytes(bytes: Vec<u8>, extension: Option<&str>) -> Result<Measured, ProbeError> {
    let sha256 = Sha256Digest::from_bytes(Sha256::digest(&bytes).into());
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = extension {
        hint.with_extension(ext);
    }
    let not_audio = |e: SymphoniaError| ProbeError::NotAudio {
        reason: e.to_string(),
    };
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(not_audio)?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| ProbeError::NotAudio {
            reason: "không có luồng âm thanh".to_owned(),
        })?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| ProbeError::NotAudio {
            reason: "luồng không phải âm thanh".to_owned(),
        })?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(not_audio)?;
    let track_id = track.id;

    let mut frames: u64 = 0;
    let mut meter: Option<ebur128::EbuR128> = None;
    let mut samples: Vec<f32> = Vec::new();
    let mut sample_rate = 0u32;
    let mut channels = 0u16;
    let damaged = |frames: u64, rate: u32, e: SymphoniaError| ProbeError::Damaged {
        decoded_ms: if rate == 0 {
            0
        } else {
            frames * 1000 / u64::from(rate)
        },
        reason: e.to_string(),
    };
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(e) => return Err(damaged(frames, sample_rate, e)),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = decoder
            .decode(&packet)
            .map_err(|e| damaged(frames, sample_rate, e))?;
        sample_rate = buf.spec().rate();
        channels = u16::try_from(buf.spec().channels().count()).unwrap_or(u16::MAX);
        frames += buf.frames() as u64;
        samples.resize(buf.samples_interleaved(), 0.0);
        buf.copy_to_slice_interleaved(&mut samples);
        if meter.is_none() {
            meter =
                ebur128::EbuR128::new(u32::from(channels.max(1)), sample_rate, ebur128::Mode::I)
                    .ok();
        }
        if let Some(m) = meter.as_mut() {
            // A format change mid-stream would break the meter; loudness is then unknown.
            if m.add_frames_f32(&samples).is_err() {
                meter = None;
            }
        }
    }
    if frames == 0 || sample_rate == 0 {
        return Err(ProbeError::Empty);
    }
    let duration_ms = (frames * 1000 + u64::from(sample_rate) / 2) / u64::from(sample_rate);
    let loudness_lufs = meter
        .and_then(|m| m.loudness_global().ok())
        .filter(|l| l.is_finite());
    Ok(Measured {
        duration_ms: u32::try_from(duration_ms).unwrap_or(u32::MAX),
        frames,
        sample_rate,
        channels,
        sha256,
        loudness_lufs,
    })
}
