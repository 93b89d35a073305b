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
