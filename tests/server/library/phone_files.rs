//! Files as phones make them, generated at test time (sox, ffmpeg), through the real
//! upload API: an AAC `.m4a` measured right, digital silence accepted with a warning.

use std::path::Path;
use std::process::Command;

use loa::server::auth::Role;
use reqwest::StatusCode;
use serde_json::Value;

use super::{TestApp, upload};
use crate::both_backends;
use crate::support::pulse::tool_present;

both_backends!(
    an_m4a_from_a_phone_uploads_with_its_true_duration_and_loudness,
    a_silent_file_uploads_with_a_vietnamese_warning_and_plays_at_0_db,
);

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("tool runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// ffmpeg's own EBU R128 integrated loudness of `path` (an implementation loa does
/// not share).
fn ffmpeg_loudness(path: &Path) -> f64 {
    let log = run(Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-af", "ebur128", "-f", "null", "-"]));
    let summary = log.rsplit_once("Integrated loudness:").expect("summary").1;
    summary
        .split_once("I:")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("an integrated loudness")
}

async fn an_m4a_from_a_phone_uploads_with_its_true_duration_and_loudness(app: TestApp) {
    if !(tool_present("sox") && tool_present("ffmpeg")) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("nguon.wav");
    let m4a = dir.path().join("ghi-am-dien-thoai.m4a");
    // 30 s of pink noise at a modest level, as a quiet phone recording might be.
    run(Command::new("sox")
        .args(["-n", "-r", "44100", "-c", "1"])
        .arg(&wav)
        .args(["synth", "30", "pinknoise", "vol", "0.3"]));
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&wav)
        .args(["-c:a", "aac", "-b:a", "64k"])
        .arg(&m4a));
    let want_lufs = ffmpeg_loudness(&m4a);
    let editor = app.staff("bien-tap-m4a", Role::Editor, "05443").await;
    let res = upload(
        &app,
        &editor,
        &[("id", "ghi-am-m4a"), ("title", "Ghi âm bằng điện thoại")],
        Some(("Ghi âm điện thoại.m4a", std::fs::read(&m4a).expect("m4a"))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.expect("json");
    let duration = body["duration_ms"].as_i64().expect("duration");
    assert!((duration - 30_000).abs() <= 50, "{body}");
    let lufs = body["loudness_lufs"].as_f64().expect("loudness measured");
    assert!(
        (lufs - want_lufs).abs() <= 0.5,
        "loa {lufs} LUFS, ffmpeg {want_lufs} LUFS"
    );
    assert_eq!(body["warnings"], serde_json::json!([]), "{body}");
    // The stored audio is the uploaded file, served back whole.
    let id = body["id"].as_str().expect("id");
    let audio = app
        .client
        .get(app.url(&format!("/api/v1/segments/{id}/audio")))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("audio request");
    assert_eq!(audio.status(), StatusCode::OK);
    assert_eq!(
        audio.bytes().await.expect("bytes").as_ref(),
        std::fs::read(&m4a).expect("m4a").as_slice()
    );
}

async fn a_silent_file_uploads_with_a_vietnamese_warning_and_plays_at_0_db(app: TestApp) {
    if !tool_present("sox") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("im-lang.wav");
    run(Command::new("sox")
        .args(["-n", "-r", "44100", "-c", "1"])
        .arg(&wav)
        .args(["trim", "0", "10"]));
    let editor = app.staff("bien-tap-lang", Role::Editor, "05443").await;
    let res = upload(
        &app,
        &editor,
        &[("id", "im-lang"), ("title", "Tệp im lặng")],
        Some(("im-lang.wav", std::fs::read(&wav).expect("wav"))),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["duration_ms"], 10_000, "{body}");
    assert!(body["loudness_lufs"].is_null(), "{body}");
    let warnings = body["warnings"].as_array().expect("warnings array");
    assert_eq!(warnings.len(), 1, "{body}");
    let warning = warnings[0].as_str().expect("text");
    assert!(warning.contains("im lặng"), "{warning}");
    assert!(warning.contains("0 dB"), "{warning}");
    // The segment read back later still carries the warning.
    let shown: Value = app
        .client
        .get(app.url("/api/v1/segments/im-lang"))
        .bearer_auth(&editor)
        .send()
        .await
        .expect("show")
        .json()
        .await
        .expect("json");
    assert_eq!(shown["warnings"], body["warnings"], "{shown}");
    // Whatever the station's target, no loudness means 0 dB, finite and capped.
    for target in [-23.0, -16.0, -70.0, f64::NAN, f64::INFINITY] {
        let gain = loa::wire::gain_db(None, target);
        assert_eq!(gain, 0.0, "target {target}");
    }
    for (loudness, target) in [
        (-70.0, -16.0),
        (f64::NEG_INFINITY, -16.0),
        (f64::NAN, -16.0),
    ] {
        let gain = loa::wire::gain_db(Some(loudness), target);
        assert!(
            gain.is_finite() && gain.abs() <= loa::audio::MAX_GAIN_DB,
            "{loudness} → {gain}"
        );
    }
}
