//! The sound card output through a real, paced PulseAudio null sink (ALSA's pulse
//! plugin, as on a station PC with a sound server), its monitor recorded with `parec`:
//! every item's onset, the first ones after the card opens included, falls within
//! ±20 ms of its planned instant (after the constant capture latency), or of the
//! lateness the output reports for it (a machine loaded far past its cores can hold a
//! start back past its buffer; the record must then say so), with the server's default
//! latency and with `PULSE_LATENCY_MSEC=20`.
//!
//! cpal reads the environment of its own process, so the playing side runs in a child
//! process: this test binary again, with `LOA_SOUND_CARD_CHILD` set, which plays items
//! back to back through `Output` and prints their planned instants (wall clock, µs).

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use loa::agent::output::{Output, OutputKind};

use crate::support::pulse::{self, Capture, Pulse, RATE, wall_us};

const TEST: &str = "agent::sound_card::items_sound_on_their_planned_instants_from_the_first";
/// Items per run, 3 s each, back to back.
const ITEMS: usize = 10;
const ITEM_MS: u64 = 3_000;
/// The allowed onset error after the constant capture latency.
const TOLERANCE_US: i64 = 20_000;

#[test]
fn items_sound_on_their_planned_instants_from_the_first() {
    if let Some(dir) = std::env::var_os("LOA_SOUND_CARD_CHILD") {
        play_child(Path::new(&dir));
        return;
    }
    if !pulse::tool_present("pulseaudio") || !pulse::tool_present("parec") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    write_beep(&dir.path().join("beep.wav"));
    let pulse = Pulse::start(&dir.path().join("pulse"));
    let mut report = Vec::new();
    for latency in [Some("20"), None] {
        for run in 0..2 {
            let capture = Capture::start(&pulse);
            std::thread::sleep(Duration::from_millis(300));
            let (planned, stops) = run_child(&pulse, dir.path(), latency);
            std::thread::sleep(Duration::from_millis(500));
            let rec = capture.stop();
            let onsets = rec.onsets_us(3_000, 1_000);
            let errors = match_onsets(&planned, &onsets);
            let label = format!("PULSE_LATENCY_MSEC={latency:?} run {run}");
            // On time, or said to be late (a machine loaded far past its cores can hold
            // a start back past its buffer) or failed: never late without a word.
            let on_time: Vec<i64> = errors
                .iter()
                .zip(&stops)
                .filter(|(_, (fault, late))| fault == "None" && *late <= TOLERANCE_US)
                .filter_map(|(e, _)| *e)
                .collect();
            assert!(
                on_time.len() > ITEMS / 2,
                "{label}: most items placed on time (errors µs {errors:?}, stops {stops:?})"
            );
            let mut sorted = on_time.clone();
            sorted.sort_unstable();
            let constant = sorted[sorted.len() / 2];
            let off: Vec<String> = errors
                .iter()
                .zip(&stops)
                .map(|(e, (fault, late))| match (e, fault.as_str()) {
                    (Some(e), "None") if *late > TOLERANCE_US => {
                        format!("{} (said {} late)", (e - constant) / 1000, late / 1000)
                    }
                    (Some(e), "None") => ((e - constant) / 1000).to_string(),
                    (_, fault) => fault.to_owned(),
                })
                .collect();
            report.push(format!(
                "{label}: capture latency {} ms, onsets vs plan ms {off:?}",
                constant / 1000
            ));
            for (i, (e, (fault, late))) in errors.iter().zip(&stops).enumerate() {
                if fault != "None" {
                    continue;
                }
                let e = e.unwrap_or_else(|| panic!("{label}: item {i} heard: {off:?}"));
                assert!(
                    (e - constant - late).abs() <= TOLERANCE_US,
                    "{label}: item {i} within ±20 ms of plan after the constant {} ms and the lateness the output reported: {off:?}",
                    constant / 1000
                );
            }
        }
    }
    println!("{}", report.join("\n"));
}

/// For each planned instant, the onset error (onset − plan, µs) of the onset nearest
/// it within half an item; `None` when none was heard.
fn match_onsets(planned: &[i64], onsets: &[i64]) -> Vec<Option<i64>> {
    planned
        .iter()
        .map(|p| {
            onsets
                .iter()
                .map(|o| o - p)
                .filter(|e| e.abs() < (ITEM_MS as i64) * 500)
                .min_by_key(|e| e.abs())
        })
        .collect()
}

/// Runs the playing side; the planned instants (wall µs) and each stop's answer.
fn run_child(pulse: &Pulse, dir: &Path, latency: Option<&str>) -> (Vec<i64>, Vec<(String, i64)>) {
    let mut cmd = pulse.command(
        std::env::current_exe()
            .expect("test binary")
            .to_str()
            .expect("utf-8 path"),
    );
    cmd.args([TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env("LOA_SOUND_CARD_CHILD", dir)
        .env("LOA_LOG", "warn")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    match latency {
        Some(ms) => cmd.env("PULSE_LATENCY_MSEC", ms),
        None => cmd.env_remove("PULSE_LATENCY_MSEC"),
    };
    let out = cmd.output().expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child played: {text}");
    let stops = super::stalled_card::stops(&text);
    assert_eq!(stops.len(), ITEMS, "every stop answered: {text}");
    let planned = text
        .lines()
        // libtest's "test NAME ... " may precede the first line.
        .filter_map(|l| l.split_once("planned ").map(|(_, v)| v))
        .map(|v| v.trim().parse().expect("µs"))
        .collect();
    (planned, stops)
}

/// The playing side: the items back to back as the player hands them over (readied
/// ahead, started and stopped `AHEAD_MS` before their instants), the card opened by
/// the first one's readying.
fn play_child(dir: &Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (inst0, wall0) = (Instant::now(), wall_us());
        let wall = |t: Instant| wall0 + i64::try_from((t - inst0).as_micros()).expect("µs");
        let output = Output::spawn(OutputKind::Default, Duration::ZERO).expect("output");
        let path = dir.join("beep.wav");
        let ahead = Duration::from_millis(loa::agent::output::AHEAD_MS as u64);
        let item = Duration::from_millis(ITEM_MS);
        // As the player does: the file readied 3 s ahead (which opens the card).
        let first = Instant::now() + Duration::from_secs(3);
        for i in 0..ITEMS {
            let at = first + item * i as u32;
            output.prepare(&path, 0.0).await.expect("prepared");
            tokio::time::sleep_until((at - ahead).into()).await;
            if i > 0 {
                let stopped = output.stop(ITEM_MS, at).await;
                println!(
                    "fault {:?} late_us {}",
                    stopped.fault,
                    stopped.late.as_micros()
                );
            }
            output.start(at).await;
            println!("planned {}", wall(at));
        }
        let end = first + item * ITEMS as u32;
        tokio::time::sleep_until((end - ahead).into()).await;
        let stopped = output.stop(ITEM_MS, end).await;
        println!(
            "fault {:?} late_us {}",
            stopped.fault,
            stopped.late.as_micros()
        );
        tokio::time::sleep(Duration::from_millis(1_500)).await;
    });
}

/// 3 s of 48 kHz stereo 16-bit: a 0.3 s 1 kHz tone at half scale, then silence.
pub(super) fn write_beep(path: &Path) {
    let frames = RATE as usize * ITEM_MS as usize / 1000;
    let mut data = Vec::with_capacity(frames * 4);
    for i in 0..frames {
        let s = if i < RATE as usize * 3 / 10 {
            let t = i as f64 / f64::from(RATE);
            (16_000.0 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()) as i16
        } else {
            0
        };
        data.extend_from_slice(&s.to_le_bytes());
        data.extend_from_slice(&s.to_le_bytes());
    }
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&(RATE * 4).to_le_bytes());
    wav.extend_from_slice(&4u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    std::fs::write(path, wav).expect("write the beep");
}
