//! The agent run: `loa serve` and `loa agent --output default` into the PulseAudio null
//! sink, recorded by parec; per run 20 back-to-back items after 20+ s of idling, then 20 s of
//! idling again; onsets from the recording, CPU and memory from `/proc`.

use std::path::Path;
use std::time::Duration;

use crate::fixture::{self, Segment};
use crate::onset::{self, Spread};
use crate::procs;
use crate::procstat::{Sampler, Usage};
use crate::pulse::{Capture, Pulse};

/// Items to measure in each run.
pub const ITEMS: u32 = 20;
/// Runs, each with a fresh server and agent process, so the card is opened anew.
pub const RUNS: u32 = 3;
/// The first items after the card opens, reported apart from the rest.
pub const FIRST: usize = 5;
/// Idle stretch measured after the last item.
const IDLE_AFTER_MS: i64 = 20_000;

/// What the agent run measured.
pub struct Figures {
    /// Items planned in the measured minutes.
    pub planned: usize,
    /// Items the agent recorded `partial`, `late_start` (heard after their instant).
    pub late_starts: usize,
    /// Aired items right after a late start, whose onset the late tone hides.
    pub masked: usize,
    /// Items whose onset was found in the recording (first [`ITEMS`]).
    pub measured: usize,
    /// Items the agent did not air, with outcome and reason.
    pub not_aired: Vec<String>,
    /// Heard − planned, ms, on the wall clock (capture origin from the reads).
    pub onset: Spread,
    /// The same with the capture origin from parec's first bytes only.
    pub onset_first_read: Option<Spread>,
    /// Heard − the agent's recorded start, ms: the audio path's latency.
    pub output: Spread,
    /// |output latency − its median|, ms: the audio path's jitter.
    pub output_jitter: Spread,
    /// Heard − planned, ms, of the first [`FIRST`] items after the card opened, in order.
    pub first_errors: Vec<f64>,
    /// Heard − planned, ms, of the items after the first [`FIRST`].
    pub steady: Option<Spread>,
    /// |output latency − its median|, ms, of the items after the first [`FIRST`].
    pub steady_jitter: Option<Spread>,
    /// Mean heard − planned, ms, over every item measured.
    pub mean_offset: f64,
    /// The five latest onsets: (item number from 1, error ms).
    pub worst: Vec<(usize, f64)>,
    /// The agent's own record, actual_start − planned_start, ms: how late the player
    /// started each item.
    pub lateness: Option<Spread>,
    /// How far the capture origin moved between the first and the last minute, ms.
    pub origin_drift_ms: f64,
    /// Between back-to-back items, the next one's start − the previous one's end as
    /// the agent recorded them, ms: what each item adds to the lateness of the chain.
    pub gaps: Option<Spread>,
    /// Idle before the first item (the sound card not yet opened).
    pub idle_before: Option<Usage>,
    /// Idle after the last item (the sound card open).
    pub idle_after: Option<Usage>,
    /// Over the playing minutes.
    pub playing: Option<Usage>,
    /// Over the playing minutes, per thread name: % of a core, threads.
    pub playing_threads: Vec<(String, f64, usize)>,
    /// Peak resident set (VmHWM), kB.
    pub peak_kb: u64,
    /// Highest VmRSS while playing, kB.
    pub playing_rss_kb: u64,
}

/// Runs the agent against a fresh server and measures it.
pub fn run(loa: &Path, pulse: &Pulse, segment: &Segment, dir: &Path) -> Figures {
    let per_minute = 60_000 / segment.duration_ms.max(1);
    let minutes = ITEMS.div_ceil(per_minute);
    // Leave time for the server to seed, the agent to enroll and fetch, and 20 s idle.
    let first_ms = (procs::wall_ms() + 30_000 + 59_999) / 60_000 * 60_000;
    let end_ms = first_ms + i64::from(minutes) * 60_000;
    println!(
        "schedule: {per_minute} items a minute ({} ms each), {minutes} minutes from {} (station time {})",
        segment.duration_ms,
        chrono::DateTime::from_timestamp_millis(first_ms)
            .map_or_else(String::new, |t| t.to_rfc3339()),
        fixture::station_tz(),
    );
    let set_dir = dir.join("schedule");
    fixture::write_schedule(&set_dir, segment, first_ms, minutes);
    println!("# schedule set written to {}", set_dir.display());
    let server = fixture::start_server(loa, dir, &set_dir);
    let code = fixture::enroll_code(loa, &server);
    let capture = Capture::start(pulse);
    println!("$ {}  | (read by the benchmark)", capture.shown);
    let mut agent = fixture::start_agent(loa, pulse, &server, &code, dir);
    let sampler = Sampler::start(agent.process.pid());
    procs::wait_for(
        "the agent to fetch the segment",
        Duration::from_secs(30),
        || {
            agent.process.assert_alive(&agent.log);
            agent.has_media(&segment.sha256)
        },
    );
    let ready_ms = procs::wall_ms();
    println!(
        "agent ready (segment cached) {:.1} s before the first item; waiting for the run to end ({:.0} s)",
        (first_ms - ready_ms) as f64 / 1000.0,
        (end_ms + IDLE_AFTER_MS + 2_000 - ready_ms) as f64 / 1000.0
    );
    while procs::wall_ms() < end_ms + IDLE_AFTER_MS + 2_000 {
        agent.process.assert_alive(&agent.log);
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "$ sqlite3 -separator '|' {}/loa.db \"{}\"",
        server.data_dir.display(),
        fixture::airings_query()
    );
    let expected = usize::try_from(minutes * per_minute).unwrap_or(usize::MAX);
    let in_run = |a: &fixture::Airing| (first_ms..end_ms).contains(&a.planned_ms);
    // The agent uploads each airing when it ends; give the last ones 30 s to arrive.
    let mut airings = fixture::airings(&server);
    let asked = procs::wall_ms();
    while airings.iter().filter(|a| in_run(a)).count() < expected
        && procs::wall_ms() - asked < 30_000
    {
        std::thread::sleep(Duration::from_millis(500));
        airings = fixture::airings(&server);
    }
    let series = sampler.stop();
    agent.process.stop(Duration::from_secs(10));
    let recorded = capture.stop();
    server.process.stop(Duration::from_secs(10));

    let run: Vec<&fixture::Airing> = airings.iter().filter(|a| in_run(a)).collect();
    let not_aired = run
        .iter()
        .filter(|a| a.outcome != "aired")
        .map(|a| format!("{} {} {} {}", a.item_id, a.planned_ms, a.outcome, a.reason))
        .collect();
    // An item started late (recorded `partial`, `late_start`, from when it was heard)
    // plays its tone into the next item's: that one's onset cannot be told apart.
    let late_starts: Vec<i64> = run
        .iter()
        .filter(|a| a.reason == "late_start")
        .map(|a| a.planned_ms)
        .collect();
    let masked = |a: &fixture::Airing| {
        late_starts.contains(&(a.planned_ms - i64::from(segment.duration_ms)))
    };
    let aired: Vec<&&fixture::Airing> = run
        .iter()
        .filter(|a| a.outcome == "aired" && !masked(a))
        .take(ITEMS as usize)
        .collect();
    let masked = run
        .iter()
        .filter(|a| a.outcome == "aired" && masked(a))
        .count();
    let items: Vec<(i64, i64)> = aired
        .iter()
        .map(|a| (a.planned_ms, a.actual_ms.unwrap_or(a.planned_ms)))
        .collect();
    let local = onset::LOCAL_ORIGIN_US;
    let origin = |t_us: i64| recorded.origin_between_us(t_us - local, t_us + local);
    let early = recorded.origin_between_us(first_ms * 1000, (first_ms + 60_000) * 1000);
    let late = recorded.origin_between_us((end_ms - 60_000) * 1000, end_ms * 1000);
    let origin_drift_ms = match (early, late) {
        (Some(a), Some(b)) => (b - a) as f64 / 1000.0,
        _ => f64::NAN,
    };
    let heard = onset::find(&recorded, origin, &items, segment.onset_ms);
    assert!(
        heard.iter().any(Option::is_some),
        "no onset found in the recording"
    );
    write_csv(&dir.join("onsets.csv"), &items, &heard);
    let found: Vec<(usize, f64, f64)> = heard
        .iter()
        .zip(&items)
        .enumerate()
        .filter_map(|(n, (h, (planned, actual)))| {
            let h = (*h)? / 1000.0;
            Some((n + 1, h - *planned as f64, h - *actual as f64))
        })
        .collect();
    let errors: Vec<f64> = found.iter().map(|f| f.1).collect();
    let output: Vec<f64> = found.iter().map(|f| f.2).collect();
    let onset = Spread::of(&errors).expect("at least one onset found in the recording");
    let output = Spread::of(&output).expect("at least one onset found in the recording");
    let output_jitter: Vec<f64> = found.iter().map(|f| (f.2 - output.median).abs()).collect();
    let first_errors: Vec<f64> = found.iter().filter(|f| f.0 <= FIRST).map(|f| f.1).collect();
    let later: Vec<&(usize, f64, f64)> = found.iter().filter(|f| f.0 > FIRST).collect();
    let steady = Spread::of(&later.iter().map(|f| f.1).collect::<Vec<_>>());
    let steady_output = Spread::of(&later.iter().map(|f| f.2).collect::<Vec<_>>());
    let steady_jitter = steady_output.and_then(|o| {
        Spread::of(
            &later
                .iter()
                .map(|f| (f.2 - o.median).abs())
                .collect::<Vec<_>>(),
        )
    });
    let mean_offset = errors.iter().sum::<f64>() / errors.len().max(1) as f64;
    let mut worst: Vec<(usize, f64)> = found.iter().map(|f| (f.0, f.1)).collect();
    worst.sort_by(|a, b| b.1.total_cmp(&a.1));
    worst.truncate(5);
    let onset_first_read = recorded.first_read_origin_us().and_then(|o| {
        let e: Vec<f64> = onset::find(&recorded, |_| Some(o), &items, segment.onset_ms)
            .iter()
            .zip(&items)
            .filter_map(|(h, (planned, _))| Some((*h)? / 1000.0 - *planned as f64))
            .collect();
        Spread::of(&e)
    });
    let gaps: Vec<f64> = aired
        .windows(2)
        .filter_map(|w| match (w[0].actual_end_ms, w[1].actual_ms) {
            (Some(end), Some(start))
                if w[1].planned_ms == w[0].planned_ms + i64::from(segment.duration_ms) =>
            {
                Some((start - end) as f64)
            }
            _ => None,
        })
        .collect();
    let lateness: Vec<f64> = aired
        .iter()
        .filter_map(|a| a.actual_ms.map(|t| (t - a.planned_ms) as f64))
        .collect();
    Figures {
        planned: run.len(),
        late_starts: late_starts.len(),
        masked,
        measured: found.len(),
        not_aired,
        onset,
        onset_first_read,
        output,
        output_jitter: Spread::of(&output_jitter).expect("jitter of the onsets"),
        first_errors,
        steady,
        steady_jitter,
        mean_offset,
        worst,
        lateness: Spread::of(&lateness),
        gaps: Spread::of(&gaps),
        origin_drift_ms,
        idle_before: series.usage(ready_ms + 3_000, first_ms - 5_000),
        idle_after: series.usage(end_ms + 2_000, end_ms + 2_000 + IDLE_AFTER_MS),
        playing: series.usage(first_ms, end_ms),
        playing_threads: series.by_thread(first_ms, end_ms),
        peak_kb: series.peak_kb(),
        playing_rss_kb: series.max_rss_kb(first_ms, end_ms),
    }
}

/// One line per item: planned, the agent's start, heard (ms since the epoch).
fn write_csv(path: &Path, items: &[(i64, i64)], heard: &[Option<f64>]) {
    let mut text = String::from("item,planned_ms,agent_start_ms,heard_ms,heard_minus_planned_ms\n");
    for (n, ((planned, actual), h)) in items.iter().zip(heard).enumerate() {
        let (h, e) = h.map_or((String::new(), String::new()), |h| {
            (
                format!("{:.1}", h / 1000.0),
                format!("{:.1}", h / 1000.0 - *planned as f64),
            )
        });
        text.push_str(&format!("{},{planned},{actual},{h},{e}\n", n + 1));
    }
    std::fs::write(path, text).expect("write onsets.csv");
    println!("# per-item onsets: {}", path.display());
}
