//! Benchmark: `loa agent` on a real (paced) audio path, three runs with the card
//! opened anew in each (a fresh agent process), the first five items apart.
//!
//! 1. Onset error: a private PulseAudio daemon with a null sink (paced by the system
//!    clock, unlike ALSA's file or null devices), cpal reaching it through ALSA's pulse
//!    plugin, `parec` recording the sink's monitor. A one-station schedule set with a
//!    1 s tone + 2 s silence MP3 filling ~5 minutes back to back; `loa serve` seeded from
//!    it, `loa agent --output default` enrolled against it; every onset in the recording
//!    compared with the planned start the agent reported to the server.
//! 2. CPU and peak RSS of the agent idle (20+ s before the first item, and 20 s after
//!    the last) and playing, from `/proc`; `mpg123` looping the same MP3 into the same
//!    sink as the baseline.
//! 3. The size of the agent-only release binary (`--no-default-features --features
//!    agent`, its own target dir).
//!
//! Run with `cargo bench --bench agent_timing` (release profile, no criterion); add
//! `-- agent`, `-- mpg123` or `-- binary` to run only those parts. Needs pulseaudio,
//! parec/pactl, ALSA's pulse plugin, mpg123, sox, lame, sqlite3 and curl
//! (`scripts/install-agent-bench-tools.sh`). Everything stays on loopback and in a temp
//! dir; every wait is bounded and every process started is stopped by its pid.

mod binary;
mod fixture;
#[path = "../machine/mod.rs"]
mod machine;
mod mpg123;
mod onset;
mod procs;
mod procstat;
// The same PulseAudio helper as the test binary's sound card tests.
#[path = "../../tests/support/pulse.rs"]
mod pulse;
mod timing;

use std::path::PathBuf;

fn main() {
    // `cargo bench --bench agent_timing -- binary` runs only the parts named; cargo
    // itself passes `--bench`.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    println!("== machine ==");
    println!("{}", machine::machine());
    println!("load average at start: {}", machine::load_average());
    let loa = PathBuf::from(env!("CARGO_BIN_EXE_loa"));
    let tmp = tempfile::Builder::new()
        .prefix("loa-agent-bench-")
        .tempdir()
        .expect("a temp dir");
    println!("temp dir: {}", tmp.path().display());
    // LOA_BENCH_KEEP=1 keeps the logs, databases, recording analysis for a look after.
    let keep = std::env::var_os("LOA_BENCH_KEEP").is_some_and(|v| v == "1");

    let mut summary = Summary::default();
    if wanted("agent") || wanted("mpg123") {
        println!();
        println!("== PulseAudio null sink and the test segment ==");
        let pulse = pulse::Pulse::start(&tmp.path().join("pulse"));
        println!(
            "$ {}  > {} 2>&1 &  (polled with pactl info until it answers, 10 s at most)",
            pulse.shown,
            pulse.log.display()
        );
        let sinks = procs::run(pulse.command("pactl").args(["list", "short", "sinks"]));
        print!("  {}", String::from_utf8_lossy(&sinks.stdout));
        let segment = fixture::make_segment(tmp.path(), &loa);
        println!(
            "segment: {} ms, sha256 {}, tone starts {:.2} ms into the decoded audio",
            segment.duration_ms, segment.sha256, segment.onset_ms
        );
        if wanted("agent") {
            // Each run starts a fresh server and agent process: the card is closed
            // between runs and opened anew, as at the start of every broadcast window.
            for n in 1..=timing::RUNS {
                println!();
                println!(
                    "== loa agent, run {n} of {}: {} items, then idle ==",
                    timing::RUNS,
                    timing::ITEMS
                );
                let dir = tmp.path().join(format!("run{n}"));
                std::fs::create_dir_all(&dir).expect("create the run dir");
                summary
                    .agent
                    .push(timing::run(&loa, &pulse, &segment, &dir));
            }
        }
        if wanted("mpg123") {
            println!();
            println!("== mpg123 playing the same MP3 to the same sink ==");
            for output in ["alsa", "pulse"] {
                summary
                    .mpg123
                    .push(mpg123::run(&pulse, &segment.path, output, tmp.path()));
            }
        }
        pulse.stop();
    }
    if wanted("binary") {
        println!();
        println!("== agent-only release binary ==");
        summary.binary = Some(binary::run());
    }
    println!();
    summary.print();
    println!();
    println!("load average at end: {}", machine::load_average());
    if keep {
        println!("kept: {}", tmp.keep().display());
    }
}

#[derive(Default)]
struct Summary {
    agent: Vec<timing::Figures>,
    mpg123: Vec<mpg123::Figures>,
    binary: Option<binary::Figures>,
}

fn mb(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

fn usage_line(u: Option<procstat::Usage>) -> String {
    u.map_or_else(
        || "not measured".to_owned(),
        |u| {
            format!(
                "{:.2} % of a core ({:.2} s CPU in {:.1} s)",
                u.percent, u.cpu_s, u.wall_s
            )
        },
    )
}

/// `name 0.123 %` per thread name (`×N` when N threads of it ran), highest first.
fn threads_line(rows: &[(String, f64, usize)]) -> String {
    let cells: Vec<String> = rows
        .iter()
        .filter(|(_, percent, _)| *percent >= 0.0005)
        .map(|(name, percent, n)| {
            let count = if *n > 1 {
                format!(" ×{n}")
            } else {
                String::new()
            };
            format!("{name}{count} {percent:.3} %")
        })
        .collect();
    if cells.is_empty() {
        "not measured".to_owned()
    } else {
        cells.join(", ")
    }
}

impl Summary {
    /// One line per run: the first items after the card opened apart from the rest.
    fn print_runs(&self) {
        println!(
            "per run, heard − planned; jitter = |heard − agent's start − its median| (target: every onset within ±20 ms of plan after the constant latency, steady jitter p99 ≤ 5 ms):"
        );
        println!(
            "run | first {} items (ms) | first {} max |error| | steady median | first {} max |error − steady median| | steady jitter p50 / p99 | mean offset | late starts recorded | verdict",
            timing::FIRST,
            timing::FIRST,
            timing::FIRST
        );
        for (n, a) in self.agent.iter().enumerate() {
            let firsts: Vec<String> = a.first_errors.iter().map(|e| format!("{e:+.1}")).collect();
            let max_abs = a.first_errors.iter().fold(0.0_f64, |m, e| m.max(e.abs()));
            let steady_median = a.steady.map_or(f64::NAN, |s| s.median);
            let max_rel = a
                .first_errors
                .iter()
                .fold(0.0_f64, |m, e| m.max((e - steady_median).abs()));
            let (j50, j99) = a
                .steady_jitter
                .map_or((f64::NAN, f64::NAN), |j| (j.median, j.p99));
            let within = |s: Option<onset::Spread>| {
                s.is_some_and(|s| s.max - steady_median <= 20.0 && s.min - steady_median >= -20.0)
            };
            let ok = max_rel <= 20.0 && within(a.steady) && j99 <= 5.0 && a.not_aired.is_empty();
            println!(
                "{} | {} | {max_abs:.1} | {steady_median:+.1} | {max_rel:.1} | {j50:.1} / {j99:.1} | {:+.1} | {} | {}",
                n + 1,
                firsts.join(" "),
                a.mean_offset,
                a.late_starts,
                verdict(ok)
            );
        }
    }

    fn print(&self) {
        println!("== figures ==");
        let mpg123_alsa = self
            .mpg123
            .iter()
            .find(|m| m.output == "alsa")
            .and_then(|m| m.usage);
        for (run, a) in self.agent.iter().enumerate() {
            println!(
                "-- run {} of {} (card opened anew) --",
                run + 1,
                self.agent.len()
            );
            println!(
                "items: {} planned in the measured minutes, {} onsets measured (first {}); recorded late_start: {}, aired after one (onset hidden, not measured): {}; not aired: {}",
                a.planned,
                a.measured,
                timing::ITEMS,
                a.late_starts,
                a.masked,
                if a.not_aired.is_empty() {
                    "none".to_owned()
                } else {
                    a.not_aired.join("; ")
                }
            );
            println!(
                "onset error, heard − planned (wall clock):   {}   target p99 < 20 ms: {}",
                a.onset.line(),
                verdict(a.onset.p99 < 20.0 && a.onset.min > -20.0)
            );
            if let Some(r) = &a.lateness {
                println!("  = player lateness, agent's start − planned: {}", r.line());
            }
            if let Some(g) = &a.gaps {
                println!(
                    "    each back-to-back item adds (start − previous end): {}",
                    g.line()
                );
            }
            println!(
                "  + audio path, heard − agent's start:        {}",
                a.output.line()
            );
            println!(
                "    constant latency (its median):            {:.1} ms (cpal → ALSA pulse plugin → PulseAudio null sink; capture origin)",
                a.output.median
            );
            println!(
                "    jitter, |latency − median|:               {}",
                a.output_jitter.line()
            );
            let worst: Vec<String> = a
                .worst
                .iter()
                .map(|(i, e)| format!("#{i} {e:+.1} ms"))
                .collect();
            println!(
                "  latest onsets:                              {}",
                worst.join(", ")
            );
            if let Some(f) = &a.onset_first_read {
                println!("  origin from parec's first bytes only:       {}", f.line());
            }
            println!(
                "  capture origin drift, first → last minute:  {:.2} ms",
                a.origin_drift_ms
            );
            let idle_ok = |u: Option<procstat::Usage>| u.is_some_and(|u| u.percent < 0.5);
            println!(
                "agent CPU idle, before the first item:       {}   target ≈ 0 (< 0.5 %): {}",
                usage_line(a.idle_before),
                verdict(idle_ok(a.idle_before))
            );
            println!(
                "agent CPU idle, after the last (device open): {}   target ≈ 0 (< 0.5 %): {}",
                usage_line(a.idle_after),
                verdict(idle_ok(a.idle_after))
            );
            let ratio = match (a.playing, mpg123_alsa) {
                (Some(p), Some(m)) if m.percent > 0.0 => Some(p.percent / m.percent),
                _ => None,
            };
            println!(
                "agent CPU playing:                           {}{}",
                usage_line(a.playing),
                ratio.map_or_else(String::new, |r| format!(
                    "   = {r:.2}× mpg123 -o alsa; target ≤ 1.5×: {}",
                    verdict(r <= 1.5)
                ))
            );
            println!("  by thread: {}", threads_line(&a.playing_threads));
            println!(
                "agent peak RSS (VmHWM):                      {} (VmRSS while playing ≤ {})   target < 30 MB: {}",
                mb(a.peak_kb),
                mb(a.playing_rss_kb),
                verdict(a.peak_kb < 30 * 1024)
            );
        }
        if !self.agent.is_empty() {
            self.print_runs();
        }
        for m in &self.mpg123 {
            println!(
                "mpg123 -o {:<5} CPU playing:                 {}, peak RSS {}",
                m.output,
                usage_line(m.usage),
                mb(m.peak_kb)
            );
            println!("  by thread: {}", threads_line(&m.threads));
        }
        if let Some(b) = &self.binary {
            let size = |n: u64| {
                format!(
                    "{:.1} MiB ({:.1} MB, {n} bytes)",
                    n as f64 / 1024.0 / 1024.0,
                    n as f64 / 1e6
                )
            };
            println!(
                "agent-only binary `loa`, as built:           {}   target < 15 MB: {}",
                size(b.built),
                verdict(b.built < 15_000_000)
            );
            if let Some(s) = b.stripped {
                println!(
                    "agent-only binary `loa`, stripped:           {}   target < 15 MB: {}",
                    size(s),
                    verdict(s < 15_000_000)
                );
            }
        }
    }
}
