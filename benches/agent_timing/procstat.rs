//! CPU time and memory of one process from `/proc/PID/stat` (utime + stime, all its
//! threads) and `/proc/PID/status` (VmRSS, VmHWM), and each thread's own CPU time from
//! `/proc/PID/task/TID/schedstat` (nanoseconds), sampled on a thread every 250 ms.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::procs;

/// One reading.
#[derive(Debug, Clone)]
pub struct Reading {
    /// Wall clock, ms since the epoch.
    pub wall_ms: i64,
    /// utime + stime, clock ticks.
    pub ticks: u64,
    /// Resident set now, kB.
    pub rss_kb: u64,
    /// Peak resident set so far, kB.
    pub hwm_kb: u64,
    /// Each live thread: id, name, CPU time so far in ns.
    pub threads: Vec<(u32, String, u64)>,
}

/// Reads `pid` now; `None` once it has gone.
pub fn read(pid: u32) -> Option<Reading> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after its `)` are fixed.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) and stime (15) sit at 11 and 12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Some(Reading {
        wall_ms: procs::wall_ms(),
        ticks: utime + stime,
        rss_kb: kb("VmRSS:"),
        hwm_kb: kb("VmHWM:"),
        threads: threads(pid),
    })
}

/// Each thread of `pid` now: id, name, CPU time in ns (threads gone meanwhile skipped).
fn threads(pid: u32) -> Vec<(u32, String, u64)> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let path = e.ok()?.path();
        let tid = path.file_name()?.to_str()?.parse().ok()?;
        let ns = std::fs::read_to_string(path.join("schedstat")).ok()?;
        let ns = ns.split_whitespace().next()?.parse().ok()?;
        let comm = std::fs::read_to_string(path.join("comm")).ok()?;
        Some((tid, comm.trim().to_owned(), ns))
    })
    .collect()
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 if that fails), asked once.
pub fn ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Samples one process until stopped or gone.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<Reading>>,
}

impl Sampler {
    /// Starts sampling `pid`.
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut readings = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                match read(pid) {
                    Some(r) => readings.push(r),
                    None => break,
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            readings
        });
        Self { stop, thread }
    }

    /// Stops and returns the readings.
    pub fn stop(self) -> Series {
        self.stop.store(true, Ordering::Relaxed);
        Series(self.thread.join().expect("the sampler thread"))
    }
}

/// The readings of one process.
pub struct Series(pub Vec<Reading>);

/// CPU use over a stretch of time.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// CPU time / wall time, in % of one core.
    pub percent: f64,
    /// CPU seconds used.
    pub cpu_s: f64,
    /// Wall seconds measured.
    pub wall_s: f64,
}

impl Series {
    /// CPU use between the first reading at or after `from_ms` and the last at or
    /// before `to_ms`.
    pub fn usage(&self, from_ms: i64, to_ms: i64) -> Option<Usage> {
        let first = self.0.iter().find(|r| r.wall_ms >= from_ms)?;
        let last = self.0.iter().rev().find(|r| r.wall_ms <= to_ms)?;
        let wall_s = (last.wall_ms - first.wall_ms) as f64 / 1000.0;
        if wall_s <= 0.0 {
            return None;
        }
        let cpu_s = (last.ticks - first.ticks) as f64 / ticks_per_second();
        Some(Usage {
            percent: 100.0 * cpu_s / wall_s,
            cpu_s,
            wall_s,
        })
    }

    /// CPU time per thread name between the first reading at or after `from_ms` and the
    /// last at or before `to_ms`, in % of one core, highest first, with how many
    /// threads of that name ran. A thread that starts in between counts from zero; one
    /// that ends counts to its last reading, so a short-lived thread's last quarter
    /// second is missed (the process total above has it).
    pub fn by_thread(&self, from_ms: i64, to_ms: i64) -> Vec<(String, f64, usize)> {
        let window: Vec<&Reading> = self
            .0
            .iter()
            .filter(|r| (from_ms..=to_ms).contains(&r.wall_ms))
            .collect();
        let (Some(first), Some(last)) = (window.first(), window.last()) else {
            return Vec::new();
        };
        let wall_ns = (last.wall_ms - first.wall_ms) as f64 * 1e6;
        if wall_ns <= 0.0 {
            return Vec::new();
        }
        // Per thread: its name, the time at the window's start, the latest seen.
        let mut seen: std::collections::BTreeMap<u32, (String, u64, u64)> = Default::default();
        for (i, r) in window.iter().enumerate() {
            for (tid, comm, ns) in &r.threads {
                let start = if i == 0 { *ns } else { 0 };
                seen.entry(*tid)
                    .or_insert_with(|| (comm.clone(), start, *ns))
                    .2 = *ns;
            }
        }
        let mut by_name: std::collections::BTreeMap<String, (u64, usize)> = Default::default();
        for (comm, start, end) in seen.into_values() {
            let e = by_name.entry(comm).or_default();
            e.0 += end.saturating_sub(start);
            e.1 += 1;
        }
        let mut rows: Vec<(String, f64, usize)> = by_name
            .into_iter()
            .map(|(name, (ns, n))| (name, 100.0 * ns as f64 / wall_ns, n))
            .collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        rows
    }

    /// The highest VmHWM seen (the kernel's own peak of the resident set).
    pub fn peak_kb(&self) -> u64 {
        self.0.iter().map(|r| r.hwm_kb).max().unwrap_or(0)
    }

    /// The highest VmRSS among readings in `[from_ms, to_ms]`.
    pub fn max_rss_kb(&self, from_ms: i64, to_ms: i64) -> u64 {
        self.0
            .iter()
            .filter(|r| (from_ms..=to_ms).contains(&r.wall_ms))
            .map(|r| r.rss_kb)
            .max()
            .unwrap_or(0)
    }
}
