//! A sound card that stops taking samples mid-item, through the real paced PulseAudio
//! null sink: the sink is suspended (`pactl suspend-sink`) once the second of three
//! back-to-back items is handed over, and resumed just before its stop. The output must answer the
//! second item's stop with `output_stalled` (or `device_error`), which the player
//! records as `failed` and notes for the heartbeat, close the card, open it anew for the
//! third item, and that item must be heard and answer no fault. Opening the card takes
//! longer than the lead a start is handed with (the sound server holds a new stream up
//! to 1.4 s), so the third item may be heard late: the output must then say how late,
//! within the ±20 ms it promises, for the record to carry its real start.
//!
//! As in `sound_card`, the playing side is this test binary again in a child process
//! (cpal reads its own process's environment), driven with `LOA_STALL_CHILD`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use loa::agent::output::{Output, OutputKind};

use crate::support::pulse::{self, Capture, Pulse, RATE, wall_us};

const TEST: &str =
    "agent::stalled_card::a_card_that_stops_taking_samples_fails_the_item_and_is_reopened";
const ITEMS: usize = 3;
const ITEM_MS: u64 = 3_000;

#[test]
fn a_card_that_stops_taking_samples_fails_the_item_and_is_reopened() {
    if let Some(dir) = std::env::var_os("LOA_STALL_CHILD") {
        play_child(Path::new(&dir));
        return;
    }
    if !pulse::tool_present("pulseaudio")
        || !pulse::tool_present("parec")
        || !pulse::tool_present("pactl")
    {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    super::sound_card::write_beep(&dir.path().join("beep.wav"));
    let pulse = Pulse::start(&dir.path().join("pulse"));
    // The first card opening may find the sound server starved on a machine loaded far
    // past its cores (the card then fails that item, as it should); the stall under test
    // is the second item's, so such a run is tried again, three times at most.
    let (mut lines, mut capture, mut status) = (Vec::new(), None, None);
    for _attempt in 0..3 {
        let mut cmd = pulse.command(
            std::env::current_exe()
                .expect("test binary")
                .to_str()
                .expect("utf-8 path"),
        );
        cmd.args([TEST, "--exact", "--nocapture", "--test-threads=1"])
            .env("LOA_STALL_CHILD", dir.path())
            .env("LOA_LOG", "warn")
            .env_remove("PULSE_LATENCY_MSEC")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("child runs");
        let stdout = child.stdout.take().expect("child's stdout");
        (lines, capture) = (Vec::new(), None);
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("child's output");
            // The monitor records nothing while the sink is suspended: record from the
            // moment it is back, so the recording's clock is unbroken.
            if line.contains("resumed") {
                capture = Some(Capture::start(&pulse));
            }
            lines.push(line);
        }
        status = Some(child.wait().expect("child ends"));
        if !lines.iter().any(|l| l.contains("first item refused")) {
            break;
        }
        println!("the card did not open for the first item: run again");
    }
    let status = status.expect("a run");
    let text = lines.join("\n");
    assert!(status.success(), "child played: {text}");
    let capture = capture.unwrap_or_else(|| panic!("the child resumed the sink: {text}"));
    let rec = capture.stop();
    let value = |key: &str| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| l.split_once(key).map(|(_, v)| v.trim().to_owned()))
            .collect()
    };
    let stops = stops(&text);
    let faults: Vec<String> = stops.iter().map(|(f, _)| f.clone()).collect();
    let planned: Vec<i64> = value("planned ")
        .iter()
        .map(|v| v.parse().expect("µs"))
        .collect();
    assert_eq!(faults.len(), ITEMS, "every stop answered: {text}");
    // The first item is not asserted: on a machine loaded far past its cores the
    // sound server itself may not drain the first seconds after the card opens, and
    // `sound_card` is the test of items that play; it is printed for the record.
    println!("first item: fault {}", faults[0]);
    assert!(
        faults[1] == "Some(OutputStalled)" || faults[1] == "Some(DeviceError)",
        "the item the suspended sink did not take is a stall: {faults:?}"
    );
    assert_eq!(
        faults[2], "None",
        "the card reopened and took the next item: {faults:?}"
    );
    // The third item is heard: its tone's onset at or after its planned instant (the
    // recording starts at the resume, which first plays what the sink held of the
    // second item, well before), within 1.5 s.
    let onsets = rec.onsets_us(3_000, 1_000);
    let third = planned[2];
    let heard = onsets
        .iter()
        .map(|o| o - third)
        .find(|e| (-50_000..1_500_000).contains(e));
    assert!(
        heard.is_some(),
        "the item after the stall is heard in the recording (onsets {onsets:?}, planned {third}, {} frames)",
        rec.left.len()
    );
    let relative: Vec<i64> = onsets.iter().map(|o| (o - third) / 1000).collect();
    let heard = heard.unwrap_or_default();
    let reported = stops[2].1;
    println!(
        "item after the stall heard {} ms after its plan (capture latency included; the card is reopened at its start), reported {} ms late; every onset vs its plan, ms: {relative:?}",
        heard / 1000,
        reported / 1000
    );
    // The capture's own latency is a steady −10 to −15 ms (`sound_card`): 20 ms more
    // either way is the agent's promise.
    assert!(
        (heard - reported).abs() <= 40_000,
        "the output says how late the item after the stall was heard: heard {} ms after plan, reported {} ms",
        heard / 1000,
        reported / 1000
    );
}

/// Each stop the child printed (`fault F late_us N`): the fault as printed, and how
/// late the item was heard, µs.
pub(super) fn stops(text: &str) -> Vec<(String, i64)> {
    text.lines()
        .filter_map(|l| l.split_once("fault ").map(|(_, v)| v))
        .map(|v| {
            let (fault, late) = v.split_once(" late_us ").unwrap_or((v, "0"));
            (
                fault.trim().to_owned(),
                late.trim().parse().expect("late_us is a number"),
            )
        })
        .collect()
}

fn pactl(args: &[&str]) {
    let status = std::process::Command::new("pactl")
        .args(args)
        .status()
        .expect("pactl runs");
    assert!(status.success(), "pactl {args:?}");
}

/// The playing side: three items back to back, handed over as the player does; the
/// sink suspended 300 ms after the second item was handed over (before it is heard)
/// and resumed just before its stop.
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
        let first = Instant::now() + Duration::from_secs(3);
        for i in 0..ITEMS {
            let at = first + item * i as u32;
            match output.prepare(&path, 0.0).await {
                Ok(()) => {}
                // The first item may find a sound server starved by a loaded machine
                // (it then fails on its own, as `sound_card` checks); the stall is the
                // second item's, the reopening the third's.
                Err(why) if i == 0 => {
                    println!("first item refused: {why:?}");
                    return;
                }
                Err(why) => panic!("item {i} prepared: {why:?}"),
            }
            if i == 2 {
                tokio::time::sleep_until((at - ahead - Duration::from_millis(150)).into()).await;
                pactl(&["suspend-sink", "loa", "0"]);
                println!("resumed");
            }
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
            if i == 1 {
                tokio::time::sleep_until((at - ahead + Duration::from_millis(300)).into()).await;
                pactl(&["suspend-sink", "loa", "1"]);
                println!("suspended");
            }
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
    let _ = RATE;
}
