//! The sample audio against the library manifests: every `duration_ms` in the example
//! sets is what decoding the whole file gives, and a damaged or fake file is caught.

mod phone;

use std::path::{Path, PathBuf};

use loa::audio::{ProbeError, measure};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One `[[segment]]` of a manifest, read with the toml crate, not with loa.
struct Entry {
    id: String,
    file: PathBuf,
    duration_ms: u32,
    sha256: String,
}

fn manifest(set: &str) -> Vec<Entry> {
    let path = repo().join("schedules").join(set).join("library.toml");
    let text = std::fs::read_to_string(&path).expect("library.toml readable");
    let value: toml::Table = toml::from_str(&text).expect("library.toml is TOML");
    value["segment"]
        .as_array()
        .expect("[[segment]] entries")
        .iter()
        .map(|s| Entry {
            id: s["id"].as_str().expect("id").to_owned(),
            file: repo().join("audio").join(s["file"].as_str().expect("file")),
            duration_ms: u32::try_from(s["duration_ms"].as_integer().expect("duration_ms"))
                .expect("duration fits"),
            sha256: s["sha256"].as_str().expect("sha256").to_owned(),
        })
        .collect()
}

#[test]
fn manifest_durations_are_measured_by_decoding_the_whole_file() {
    let mut checked = 0;
    for set in ["bac-kan-2024", "thai-nguyen-2025"] {
        let entries = manifest(set);
        assert_eq!(entries.len(), 8, "{set}");
        for e in entries {
            let m = measure(&e.file).unwrap_or_else(|err| panic!("{set}/{}: {err}", e.id));
            assert_eq!(m.duration_ms, e.duration_ms, "{set}/{}", e.id);
            assert_eq!(m.sha256.to_string(), e.sha256, "{set}/{}", e.id);
            let from_frames =
                (m.frames * 1000 + u64::from(m.sample_rate) / 2) / u64::from(m.sample_rate);
            assert_eq!(u64::from(m.duration_ms), from_frames, "{set}/{}", e.id);
            assert_eq!(m.channels, 1, "{set}/{}: the samples are mono", e.id);
            checked += 1;
        }
    }
    assert_eq!(checked, 16);
}

#[test]
fn sample_audio_stays_small() {
    let total: u64 = std::fs::read_dir(repo().join("audio"))
        .expect("audio/ readable")
        .map(|e| e.expect("entry").metadata().expect("metadata").len())
        .sum();
    assert!(total < 2 * 1024 * 1024, "audio/ holds {total} bytes");
}

/// A truncated MP3 decodes without an error; only counting frames against the length
/// its Xing/Info header declares notices it is short, and then it is refused.
#[test]
fn a_truncated_mp3_is_refused_as_cut_short() {
    let entry = manifest("bac-kan-2024")
        .into_iter()
        .find(|e| e.id == "tuan-le-hoc-tap-suot-doi")
        .expect("segment in the manifest");
    let bytes = std::fs::read(&entry.file).expect("mp3 readable");
    let dir = tempfile::tempdir().expect("temporary directory");
    let cut = dir.path().join("tuan-le-hoc-tap-suot-doi.mp3");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("truncated copy written");

    match measure(&cut) {
        Err(ProbeError::Truncated {
            declared_ms,
            decoded_ms,
        }) => {
            // The header still declares the whole file.
            assert!(
                declared_ms.abs_diff(u64::from(entry.duration_ms)) <= 1,
                "declared {declared_ms} ms, manifest {}",
                entry.duration_ms
            );
            // Half the bytes of a near-constant bitrate file: roughly half the time.
            let half = u64::from(entry.duration_ms / 2);
            assert!(decoded_ms.abs_diff(half) < 3000, "decoded {decoded_ms} ms");
        }
        other => panic!("expected Truncated, got {other:?}"),
    }
}

#[test]
fn a_text_file_named_mp3_is_not_audio() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let fake = dir.path().join("ban-tin.mp3");
    std::fs::copy(repo().join("audio/README.md"), &fake).expect("copy written");
    match measure(&fake) {
        Err(ProbeError::NotAudio { reason }) => assert!(!reason.is_empty()),
        other => panic!("expected NotAudio, got {other:?}"),
    }
}

#[test]
fn a_missing_file_is_a_read_error() {
    let missing = repo().join("audio/khong-co.mp3");
    match measure(&missing) {
        Err(ProbeError::Read { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected Read, got {other:?}"),
    }
}
