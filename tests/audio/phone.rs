//! Files as phones and encoders make them, generated at test time with sox, lame and
//! ffmpeg (scripts/install-system-deps.sh installs them): each is measured by decoding
//! to the end, and plays (through the agent's `SampleStream`) for exactly that long.

use std::path::{Path, PathBuf};
use std::process::Command;

use loa::audio::{SampleStream, measure};

/// Whether `tool` runs here. Missing: a failure under `LOA_REQUIRE_TOOLS=1` (CI), else
/// a printed note and a skip.
fn tool(name: &str) -> bool {
    let found = Command::new(name)
        .arg(if name == "lame" { "--version" } else { "-h" })
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var("LOA_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{name} is required (LOA_REQUIRE_TOOLS=1): run scripts/install-system-deps.sh"
        );
        eprintln!("note: {name} not installed, test skipped");
    }
    found
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("tool runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// 15 s of noise then 15 s of a tone, 44.1 kHz mono: a VBR encoder's first frames are
/// then far above its average bitrate.
fn noise_then_tone(dir: &Path) -> PathBuf {
    let noise = dir.join("noise.wav");
    let tone = dir.join("tone.wav");
    let both = dir.join("source.wav");
    run(Command::new("sox")
        .args(["-n", "-r", "44100", "-c", "1"])
        .arg(&noise)
        .args(["synth", "15", "whitenoise", "vol", "0.5"]));
    run(Command::new("sox")
        .args(["-n", "-r", "44100", "-c", "1"])
        .arg(&tone)
        .args(["synth", "15", "sine", "440"]));
    run(Command::new("sox").arg(&noise).arg(&tone).arg(&both));
    both
}

/// Seconds of audio the agent's stream yields for `path`.
fn played_ms(path: &Path) -> u64 {
    let mut stream = SampleStream::open(path, 0.0).expect("opens for playback");
    let (channels, rate) = (
        u64::from(stream.channels()),
        u64::from(stream.sample_rate()),
    );
    let mut samples = 0u64;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        stream.read_into(&mut buf, 65_536);
        if buf.is_empty() {
            break;
        }
        samples += buf.len() as u64;
    }
    samples / channels * 1000 / rate
}

#[test]
fn a_vbr_mp3_without_a_xing_header_is_measured_and_played_to_its_end() {
    if !(tool("sox") && tool("lame")) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let source = noise_then_tone(dir.path());
    let mp3 = dir.path().join("vbr-khong-xing.mp3");
    // -t: no Xing/Info frame, so nothing in the file states its length.
    run(Command::new("lame")
        .args(["--quiet", "-V", "4", "-t"])
        .arg(&source)
        .arg(&mp3));
    let m = measure(&mp3).expect("measures");
    assert_eq!(m.format, "mp3");
    // An MP3 frame is 26 ms; the decoder's delay adds one more at most.
    assert!(
        m.duration_ms.abs_diff(30_000) <= 60,
        "measured {} ms",
        m.duration_ms
    );
    let played = played_ms(&mp3);
    assert!(
        played.abs_diff(u64::from(m.duration_ms)) <= 1,
        "played {played} ms"
    );
}

#[test]
fn aac_in_m4a_from_a_phone_is_measured_and_played() {
    if !(tool("sox") && tool("ffmpeg")) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let source = noise_then_tone(dir.path());
    let m4a = dir.path().join("ghi-am.m4a");
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&source)
        .args(["-c:a", "aac", "-b:a", "64k"])
        .arg(&m4a));
    let m = measure(&m4a).expect("an AAC .m4a measures");
    assert!(
        m.duration_ms.abs_diff(30_000) <= 50,
        "measured {} ms",
        m.duration_ms
    );
    assert!(m.loudness_lufs.is_some());
    let played = played_ms(&m4a);
    assert!(
        played.abs_diff(u64::from(m.duration_ms)) <= 30,
        "played {played} ms"
    );
}

#[test]
fn opus_and_amr_voice_notes_are_refused_naming_the_format_in_vietnamese() {
    if !(tool("sox") && tool("ffmpeg")) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let source = noise_then_tone(dir.path());
    for (name, codec, needle) in [
        ("thoai.ogg", "libopus", "Opus"),
        ("thoai.amr", "libopencore_amrnb", "AMR"),
    ] {
        let out = dir.path().join(name);
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&source)
            .args(["-ar", "8000", "-ac", "1", "-c:a", codec])
            .arg(&out)
            .status()
            .expect("ffmpeg runs");
        if !status.success() {
            eprintln!("note: this ffmpeg has no {codec}; {name} not checked");
            continue;
        }
        let message = measure(&out).expect_err(name).to_string();
        assert!(message.contains(needle), "{name}: {message}");
        assert!(message.contains("MP3 hoặc M4A"), "{name}: {message}");
        for english in ["unsupported", "format reader", "core (probe)"] {
            assert!(!message.contains(english), "{name}: {message}");
        }
    }
}

#[test]
fn a_cbr_mp3_whose_size_promises_more_than_decodes_is_warned_about() {
    if !(tool("sox") && tool("lame")) {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let source = noise_then_tone(dir.path());
    let mp3 = dir.path().join("cbr.mp3");
    // 128 kbit/s CBR with no Info header: nothing but the size says how long it is.
    run(Command::new("lame")
        .args(["--quiet", "-b", "128", "-t"])
        .arg(&source)
        .arg(&mp3));
    let whole = measure(&mp3).expect("measures");
    assert!(whole.warnings.is_empty(), "{:?}", whole.warnings);
    // 200 kB that decode to nothing (a copy that filled a gap with zeros): at 128
    // kbit/s the size now promises 12.5 s more than plays.
    let mut bytes = std::fs::read(&mp3).expect("mp3");
    bytes.extend(std::iter::repeat_n(0u8, 200_000));
    let padded = dir.path().join("cbr-them-rac.mp3");
    std::fs::write(&padded, &bytes).expect("write");
    let m = measure(&padded).expect("still measures");
    assert_eq!(m.duration_ms, whole.duration_ms, "the length is what plays");
    let [warning] = m.warnings.as_slice() else {
        panic!("one warning: {:?}", m.warnings);
    };
    assert!(warning.contains("128 kbit/s"), "{warning}");
    assert!(warning.contains(&m.duration_ms.to_string()), "{warning}");
    let by_size: u64 = warning
        .split("khoảng ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the length the size promises");
    assert!(by_size.abs_diff(42_500) <= 300, "{warning}");
}

#[test]
fn digital_silence_measures_with_a_warning_and_no_loudness() {
    if !tool("sox") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let wav = dir.path().join("im-lang.wav");
    run(Command::new("sox")
        .args(["-n", "-r", "44100", "-c", "1"])
        .arg(&wav)
        .args(["trim", "0", "10"]));
    let m = measure(&wav).expect("measures");
    assert_eq!(m.duration_ms, 10_000);
    assert_eq!(m.loudness_lufs, None);
    assert_eq!(m.warnings, vec![loa::audio::SILENCE_WARNING.to_owned()]);
}

#[test]
fn files_the_agent_cannot_play_are_refused_in_vietnamese() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = dir.path().join("khong-phai-am-thanh.mp3");
    std::fs::write(&text, "đây là văn bản, không phải âm thanh\n".repeat(200)).expect("write");
    let empty = dir.path().join("rong.wav");
    std::fs::write(&empty, b"").expect("write");
    let missing = dir.path().join("khong-co.mp3");
    for (path, needle) in [
        (&text, "không giải mã được"),
        (&empty, "không giải mã được"),
        (&missing, "không có tệp này"),
    ] {
        let message = SampleStream::open(path, 0.0)
            .err()
            .unwrap_or_else(|| panic!("{} plays", path.display()))
            .to_string();
        assert!(message.contains(needle), "{message}");
        for english in [
            "unsupported",
            "format reader",
            "core (probe)",
            "No such file",
            "os error",
            "end of stream",
        ] {
            assert!(!message.contains(english), "{message}");
        }
    }
}
