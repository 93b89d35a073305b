//! `loa audio probe`: measuring files and printing manifest entries.

use std::path::Path;

use super::{loa, status, stderr, stdout};

#[test]
fn audio_probe_prints_a_manifest_entry() {
    let out = loa(&["audio", "probe", "audio/gia-dinh-hoc-tap.flac"]);
    assert_eq!(status(&out), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "[[segment]]",
        "id = \"gia-dinh-hoc-tap\"",
        "file = \"gia-dinh-hoc-tap.flac\"",
        "duration_ms = 15810",
        "sha256 = \"328b336cc18d021c21bff1e8170ed5d8babb1179bdee15c9f4cbb216f4bf2695\"",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line `{line}` in:\n{text}"
        );
    }
}

#[test]
fn audio_probe_of_a_text_file_fails() {
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("audio/README.md")
            .is_file()
    );
    let out = loa(&["audio", "probe", "audio/README.md"]);
    assert_eq!(status(&out), Some(1));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let text = stderr(&out);
    assert!(
        text.starts_with("audio/README.md: lỗi: không phải tệp âm thanh hỗ trợ"),
        "{text}"
    );

    // A good file next to a bad one is still printed; the exit status says one failed.
    let out = loa(&[
        "audio",
        "probe",
        "audio/README.md",
        "audio/dong-ho-hoc-tap.wav",
    ]);
    assert_eq!(status(&out), Some(1));
    assert!(
        stdout(&out).contains("duration_ms = 17445"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn audio_probe_of_an_nfd_vietnamese_name_prints_an_ascii_id_and_warns_on_silence() {
    let dir = tempfile::tempdir().expect("temp dir");
    // "Đọc sách im lặng.wav" in NFD (as macOS and some phones write names): 10 s of
    // digital silence, written by hand as a WAV (16-bit mono, 8 kHz).
    let name = "\u{110}o\u{323}c sa\u{301}ch im l\u{103}\u{323}ng.wav";
    let frames: u32 = 80_000;
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + frames * 2).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&16000u32.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(frames * 2).to_le_bytes());
    wav.resize(wav.len() + frames as usize * 2, 0);
    let path = dir.path().join(name);
    std::fs::write(&path, wav).expect("write wav");
    let out = loa(&["audio", "probe", path.to_str().expect("utf-8 path")]);
    assert_eq!(status(&out), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l == "id = \"doc-sach-im-lang\""),
        "{text}"
    );
    assert!(
        stderr(&out).contains("cảnh báo: tệp chỉ có im lặng"),
        "{}",
        stderr(&out)
    );
}
