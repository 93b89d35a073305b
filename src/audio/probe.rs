//! Measure an audio file by decoding every packet: duration, format and SHA-256.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatId, FormatOptions, Track, TrackType};
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
    /// The container found in the bytes (`mp3`, `ogg`, `flac`, `wav`, …), whatever
    /// the file's name says.
    pub format: &'static str,
    /// What a user should know although the file is usable (digital silence; a CBR
    /// MP3 whose size promises far more audio than decodes), in Vietnamese.
    pub warnings: Vec<String>,
}

/// The warning for a file that decodes to digital silence (no loudness to measure).
/// Such a file plays at the gain cap's neutral point, 0 dB: nothing is amplified.
pub const SILENCE_WARNING: &str = "tệp chỉ có im lặng (không đo được độ to); kiểm tra lại bản ghi \
     trước khi đưa vào thư viện; nếu vẫn dùng, tệp được phát với mức tăng 0 dB";

/// Least audio a CBR MP3's size may promise beyond what decodes before a warning:
/// more than this many milliseconds and more than [`CBR_TOLERANCE_PERCENT`] of it.
const CBR_TOLERANCE_MS: u64 = 1_000;
/// See [`CBR_TOLERANCE_MS`].
const CBR_TOLERANCE_PERCENT: u64 = 5;

/// Why a file could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The file could not be read.
    #[error("không đọc được tệp {path}: {}", io_reason_vi(source))]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The bytes are not an audio format loa can decode (MP3, AAC in M4A, OGG Vorbis,
    /// FLAC, WAV).
    #[error("không phải tệp âm thanh hỗ trợ (MP3, M4A/AAC, OGG Vorbis, FLAC, WAV): {reason}")]
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
    /// The file is shorter than its own header says: it was cut off (an interrupted
    /// download or copy). MP3 decoders play such a file without complaint.
    #[error(
        "tệp âm thanh bị cắt cụt: phần đầu tệp khai báo dài {declared_ms} ms nhưng chỉ giải mã được {decoded_ms} ms; hãy lấy lại tệp đầy đủ"
    )]
    Truncated {
        /// Length the file's header declares.
        declared_ms: u64,
        /// Length actually decoded.
        decoded_ms: u64,
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
/// the format probe but is not trusted. Takes any byte container (`Vec<u8>`, `&[u8]`,
/// `bytes::Bytes`) so a caller can keep its copy without cloning the audio.
pub fn measure_bytes<B>(bytes: B, extension: Option<&str>) -> Result<Measured, ProbeError>
where
    B: AsRef<[u8]> + Send + Sync,
{
    let sha256 = Sha256Digest::from_bytes(Sha256::digest(bytes.as_ref()).into());
    let bytes_len = bytes.as_ref().len() as u64;
    let tags_len = mp3_tag_bytes(bytes.as_ref());
    let header_counts_frames = mp3_declares_frame_count(bytes.as_ref());
    if let Some(reason) = refused_phone_format(bytes.as_ref()) {
        return Err(ProbeError::NotAudio { reason });
    }
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = extension {
        hint.with_extension(ext);
    }
    let not_audio = |e: SymphoniaError| ProbeError::NotAudio {
        reason: reason_vi(&e),
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
    let declared = declared_frames(track, format.format_info().format, header_counts_frames);
    let length_guessed = length_is_a_guess(format.format_info().format, header_counts_frames);
    let container = match format.format_info().short_name {
        "wave" => "wav",
        other => other,
    };

    let is_mpeg = length_is_a_guess(format.format_info().format, false);
    let file_len = bytes_len;
    // MPEG packets: their sizes (one bitrate: sizes differ by the padding byte only).
    let mut packet_bytes: u64 = 0;
    let mut packet_sizes: (usize, usize) = (usize::MAX, 0);
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
        reason: reason_vi(&e),
    };
    loop {
        let mut packet = match format.next_packet() {
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
        if length_guessed {
            untrim_guessed_end(&mut packet);
        }
        if is_mpeg {
            packet_bytes += packet.data.len() as u64;
            packet_sizes.0 = packet_sizes.0.min(packet.data.len());
            packet_sizes.1 = packet_sizes.1.max(packet.data.len());
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
    if let Some(declared) = declared {
        // Gapless decoding yields exactly the declared count; allow 1% for encoders
        // that count delay and padding differently.
        if frames * 100 < declared * 99 {
            let ms = |f: u64| f * 1000 / u64::from(sample_rate);
            return Err(ProbeError::Truncated {
                declared_ms: ms(declared),
                decoded_ms: ms(frames),
            });
        }
    }
    let duration_ms = (frames * 1000 + u64::from(sample_rate) / 2) / u64::from(sample_rate);
    let loudness_lufs = meter
        .and_then(|m| m.loudness_global().ok())
        .filter(|l| l.is_finite());
    let mut warnings = Vec::new();
    if loudness_lufs.is_none() {
        warnings.push(SILENCE_WARNING.to_owned());
    }
    let cbr = is_mpeg && packet_sizes.1 > 0 && packet_sizes.1 - packet_sizes.0 <= 1;
    if cbr {
        // bitrate × duration = the packets' bytes; the file's audio region (less its
        // tags and one frame for a Xing/Info header) should hold no more than that.
        let region = file_len
            .saturating_sub(tags_len)
            .saturating_sub(packet_sizes.1 as u64);
        let bitrate_bps = packet_bytes * 8 * 1000 / duration_ms.max(1);
        let by_size_ms = region * 8 * 1000 / bitrate_bps.max(1);
        let missing = by_size_ms.saturating_sub(duration_ms);
        if missing > CBR_TOLERANCE_MS && missing * 100 > duration_ms * CBR_TOLERANCE_PERCENT {
            warnings.push(format!(
                "MP3 tốc độ bit cố định {} kbit/s: theo kích thước tệp phải dài khoảng {} ms \
                 nhưng chỉ giải mã được {} ms (khoảng {} ms không đọc được, tệp có thể bị hỏng \
                 giữa chừng hoặc có dữ liệu lạ); độ dài lưu là phần phát được, {} ms; nên lấy lại \
                 tệp gốc",
                (bitrate_bps + 500) / 1000,
                by_size_ms,
                duration_ms,
                missing,
                duration_ms
            ));
        }
    }
    Ok(Measured {
        duration_ms: u32::try_from(duration_ms).unwrap_or(u32::MAX),
        frames,
        sample_rate,
        channels,
        sha256,
        loudness_lufs,
        format: container,
        warnings,
    })
}

/// The frame count the container declares, when it is exact rather than a guess: MPEG
/// audio with a Xing/Info/VBRI header (without one symphonia estimates from the bitrate),
/// FLAC from STREAMINFO, WAV from the `data` chunk's length. Ogg declares nothing ahead.
fn declared_frames(track: &Track, format: FormatId, mpeg_header: bool) -> Option<u64> {
    use symphonia::core::formats::well_known::{
        FORMAT_ID_FLAC, FORMAT_ID_MP1, FORMAT_ID_MP2, FORMAT_ID_MP3, FORMAT_ID_WAVE,
    };
    let exact = if [FORMAT_ID_MP1, FORMAT_ID_MP2, FORMAT_ID_MP3].contains(&format) {
        mpeg_header
    } else {
        format == FORMAT_ID_FLAC || format == FORMAT_ID_WAVE
    };
    track.num_frames.filter(|&n| exact && n > 0)
}

/// Formats phones and messaging apps make that loa cannot decode (no maintained
/// pure-Rust decoder the agent could play them with), named with how to convert them.
fn refused_phone_format(bytes: &[u8]) -> Option<String> {
    const CONVERT: &str = "hãy ghi lại dưới dạng MP3 hoặc M4A, hoặc chuyển đổi, ví dụ \
                           `ffmpeg -i TỆP -c:a aac tep.m4a`";
    let head = &bytes[..bytes.len().min(4096)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    let name = if bytes.starts_with(b"OggS") && has(b"OpusHead") {
        "Opus (tin nhắn thoại Zalo, WhatsApp, Telegram)"
    } else if bytes.starts_with(b"#!AMR-WB") {
        "AMR-WB (máy ghi âm điện thoại cũ)"
    } else if bytes.starts_with(b"#!AMR") {
        "AMR (máy ghi âm điện thoại cũ)"
    } else if bytes.get(4..8) == Some(b"ftyp")
        && bytes.windows(4).any(|w| w == b"samr" || w == b"sawb")
    {
        "3GP chứa AMR (máy ghi âm điện thoại cũ)"
    } else if bytes.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]) {
        "WebM/Matroska (thường là Opus)"
    } else {
        return None;
    };
    Some(format!("định dạng {name} chưa được hỗ trợ; {CONVERT}"))
}

/// Why a file could not be read, in Vietnamese (the system's own text is English).
pub(super) fn io_reason_vi(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "không có tệp này; kiểm tra tên và thư mục",
        ErrorKind::PermissionDenied => "không có quyền đọc tệp",
        ErrorKind::IsADirectory => "đây là thư mục, không phải tệp",
        _ => "lỗi đọc đĩa",
    }
}

/// What went wrong, in Vietnamese (symphonia's own text is English).
pub(super) fn reason_vi(e: &SymphoniaError) -> String {
    match e {
        SymphoniaError::IoError(_) => "dữ liệu kết thúc hoặc đọc lỗi giữa chừng".to_owned(),
        SymphoniaError::DecodeError(_) => "dữ liệu âm thanh bị hỏng".to_owned(),
        SymphoniaError::Unsupported(_) => {
            "không nhận ra định dạng hoặc bộ mã hoá; hãy gửi MP3 hoặc M4A".to_owned()
        }
        _ => "không giải mã được".to_owned(),
    }
}

/// Whether the container's length is symphonia's estimate from the first frame's
/// bitrate (MPEG audio with no Xing/Info/VBRI header): on a VBR file the estimate is
/// seconds off, and symphonia trims every packet past it to nothing.
pub(super) fn length_is_a_guess(format: FormatId, mpeg_header: bool) -> bool {
    use symphonia::core::formats::well_known::{FORMAT_ID_MP1, FORMAT_ID_MP2, FORMAT_ID_MP3};
    [FORMAT_ID_MP1, FORMAT_ID_MP2, FORMAT_ID_MP3].contains(&format) && !mpeg_header
}

/// Undoes the end trim a guessed length put on `packet`, so every packet to the end of
/// the file decodes whole (a header-less stream has no encoder padding to trim).
pub(super) fn untrim_guessed_end(packet: &mut symphonia::core::packet::Packet) {
    packet.trim_end = symphonia::core::units::Duration::ZERO;
}

/// Bytes of ID3v2 (at the start), ID3v1 and APEv2 (at the end) tags: not audio.
fn mp3_tag_bytes(bytes: &[u8]) -> u64 {
    let mut n = 0u64;
    if bytes.len() >= 10 && &bytes[..3] == b"ID3" {
        let size = bytes[6..10]
            .iter()
            .fold(0u64, |acc, b| (acc << 7) | u64::from(b & 0x7f));
        n += 10 + size + if bytes[5] & 0x10 != 0 { 10 } else { 0 };
    }
    let mut end = bytes.len();
    if end >= 128 && &bytes[end - 128..end - 125] == b"TAG" {
        n += 128;
        end -= 128;
    }
    if end >= 32 && &bytes[end - 32..end - 24] == b"APETAGEX" {
        let size = u32::from_le_bytes([
            bytes[end - 20],
            bytes[end - 19],
            bytes[end - 18],
            bytes[end - 17],
        ]);
        // The footer's size counts items and footer; a header (32 bytes) may precede.
        n += u64::from(size) + 32;
    }
    n
}

/// Whether the first MPEG audio frame of `bytes` is a Xing, Info or VBRI header (which
/// states the file's frame count). Skips a leading ID3v2 tag.
pub(super) fn mp3_declares_frame_count(bytes: &[u8]) -> bool {
    let mut start = 0usize;
    if bytes.len() >= 10 && &bytes[..3] == b"ID3" {
        let size = bytes[6..10]
            .iter()
            .fold(0usize, |acc, b| (acc << 7) | usize::from(b & 0x7f));
        let footer = if bytes[5] & 0x10 != 0 { 10 } else { 0 };
        start = 10 + size + footer;
    }
    // The first frame sync at or after the tag (some encoders pad with zeros).
    let Some(sync) = bytes.get(start..).and_then(|rest| {
        rest.windows(2)
            .take(4096)
            .position(|w| w[0] == 0xff && w[1] & 0xe0 == 0xe0)
    }) else {
        return false;
    };
    let frame = start + sync;
    // Xing/Info sit after the side information (offset 13 to 36); VBRI at offset 36.
    bytes
        .get(frame + 4..(frame + 44).min(bytes.len()))
        .is_some_and(|head| {
            head.windows(4)
                .any(|w| w == b"Xing" || w == b"Info" || w == b"VBRI")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("audio")
            .join(name);
        std::fs::read(path).expect("sample audio readable")
    }

    fn cut(bytes: &[u8], percent: usize) -> Vec<u8> {
        bytes[..bytes.len() * percent / 100].to_vec()
    }

    #[test]
    fn a_truncated_mp3_is_refused_with_both_lengths() {
        let whole = sample("tuan-le-hoc-tap-suot-doi.mp3");
        assert!(
            mp3_declares_frame_count(&whole),
            "lame writes a Xing/Info header"
        );
        let full = measure_bytes(whole.clone(), Some("mp3")).expect("whole file measures");
        for percent in [60, 90, 98] {
            match measure_bytes(cut(&whole, percent), Some("mp3")) {
                Err(
                    e @ ProbeError::Truncated {
                        declared_ms,
                        decoded_ms,
                    },
                ) => {
                    // The header declares the whole file's length, to the millisecond.
                    assert!(
                        declared_ms.abs_diff(u64::from(full.duration_ms)) <= 1,
                        "{declared_ms} vs {}",
                        full.duration_ms
                    );
                    assert!(decoded_ms < declared_ms * 99 / 100, "{percent}%");
                    let message = e.to_string();
                    assert!(message.contains("bị cắt cụt"), "{message}");
                    assert!(message.contains(&declared_ms.to_string()), "{message}");
                    assert!(message.contains(&decoded_ms.to_string()), "{message}");
                }
                other => panic!("{percent}% of the file: {other:?}"),
            }
        }
    }

    #[test]
    fn truncated_flac_and_wav_are_refused_too() {
        for (name, ext) in [
            ("gia-dinh-hoc-tap.flac", "flac"),
            ("dong-ho-hoc-tap.wav", "wav"),
        ] {
            let whole = sample(name);
            assert!(measure_bytes(whole.clone(), Some(ext)).is_ok(), "{name}");
            let result = measure_bytes(cut(&whole, 90), Some(ext));
            assert!(
                matches!(result, Err(ProbeError::Truncated { .. })),
                "{name}: {result:?}"
            );
        }
    }

    #[test]
    fn an_mp3_without_a_length_header_is_not_judged_by_the_bitrate_estimate() {
        // The first MPEG frame of the sample is its Info header: drop it (and the ID3
        // tag before it) and what remains is a header-less stream, which symphonia sizes
        // by guessing from the bitrate; a short guess must not read as truncation.
        let whole = sample("tuan-le-hoc-tap-suot-doi.mp3");
        let tag = 10
            + whole[6..10]
                .iter()
                .fold(0usize, |acc, b| (acc << 7) | usize::from(b & 0x7f));
        let next_frame = whole[tag + 4..]
            .windows(2)
            .position(|w| w[0] == 0xff && w[1] & 0xe0 == 0xe0)
            .map(|p| tag + 4 + p)
            .expect("a second frame");
        let bare = whole[next_frame..].to_vec();
        assert!(!mp3_declares_frame_count(&bare));
        let m = measure_bytes(bare.clone(), Some("mp3")).expect("header-less MP3 measures");
        assert!(m.duration_ms > 25_000, "{}", m.duration_ms);
        // Cut short, it still decodes (nothing declares what is missing).
        assert!(measure_bytes(cut(&bare, 90), Some("mp3")).is_ok());
    }

    #[test]
    fn only_a_header_in_the_first_frame_counts() {
        assert!(!mp3_declares_frame_count(b""));
        assert!(!mp3_declares_frame_count(b"ID3"));
        assert!(!mp3_declares_frame_count(
            b"this is plain text that mentions Xing"
        ));
        let mut frame = vec![0xff, 0xfb, 0x50, 0xc4];
        frame.extend_from_slice(&[0; 32]);
        frame.extend_from_slice(b"Info");
        assert!(mp3_declares_frame_count(&frame));
    }
}
