//! The baseline: `mpg123` looping the same MP3 into the same PulseAudio sink, through
//! ALSA's pulse plugin as the agent does (`-o alsa`) and straight to PulseAudio
//! (`-o pulse`), its CPU and memory read from `/proc` like the agent's.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::procs;
use crate::procstat::{Sampler, Usage};
use crate::pulse::Pulse;

/// How long each mpg123 run is measured (after a second to settle): two minutes, so
/// the clock ticks' resolution (10 ms of CPU) is under 1 % of the baseline.
const MEASURE_MS: i64 = 120_000;

/// One mpg123 run.
pub struct Figures {
    /// `alsa` or `pulse`.
    pub output: &'static str,
    /// CPU while playing.
    pub usage: Option<Usage>,
    /// The same per thread name: % of a core, threads.
    pub threads: Vec<(String, f64, usize)>,
    /// Peak resident set (VmHWM), kB.
    pub peak_kb: u64,
}

/// Plays `mp3` in a loop through `output` for [`MEASURE_MS`] and measures it.
pub fn run(pulse: &Pulse, mp3: &Path, output: &'static str, dir: &Path) -> Figures {
    let log = dir.join(format!("mpg123-{output}.log"));
    let mut cmd: Command = pulse.command("mpg123");
    cmd.args(["-q", "-o", output, "--loop", "-1"]).arg(mp3);
    let mut process = procs::spawn_logged(&mut cmd, &log);
    let sampler = Sampler::start(process.pid());
    let start = procs::wall_ms();
    while procs::wall_ms() < start + 1_000 + MEASURE_MS + 300 {
        process.assert_alive(&log);
        std::thread::sleep(Duration::from_millis(100));
    }
    let series = sampler.stop();
    process.stop(Duration::from_secs(3));
    Figures {
        output,
        usage: series.usage(start + 1_000, start + 1_000 + MEASURE_MS),
        threads: series.by_thread(start + 1_000, start + 1_000 + MEASURE_MS),
        peak_kb: series.peak_kb(),
    }
}
