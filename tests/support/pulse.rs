//! A private PulseAudio daemon with one paced null sink (`loa`), reached by ALSA
//! programs through ALSA's pulse plugin (`pcm.!default { type pulse }` in a private
//! HOME's `.asoundrc`), and a `parec` recording of the sink's monitor whose every read
//! is stamped with the wall clock. Nothing outside the given temp dir is touched; the
//! daemon and parec are stopped by their pid.
//!
//! One helper for the test binary (`tests/agent/sound_card.rs`, `stalled_card.rs`) and
//! the benchmark (`benches/agent_timing`, which includes this file by path); each uses
//! part of it. Running as root works in user mode: `-n` skips the system's default.pa,
//! the native protocol listens on a socket in the temp dir with anonymous auth, and
//! every client finds it through `PULSE_SERVER`.

// Shared by two crates, each using part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Frames per second of the sink and the recording.
pub const RATE: u32 = 48_000;

/// What `parec` is run with: the sink's monitor, 48 kHz stereo, 10 ms reads.
pub const PAREC_ARGS: [&str; 6] = [
    "--format=s16le",
    "--rate=48000",
    "--channels=2",
    "--latency-msec=10",
    "-d",
    "loa.monitor",
];

/// Whether `program` can be run; when it cannot and `LOA_REQUIRE_TOOLS=1` (CI), the
/// test fails here instead of skipping.
pub fn tool_present(program: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var("LOA_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "{program} is not installed and LOA_REQUIRE_TOOLS=1 (scripts/install-system-deps.sh installs it)"
        );
        eprintln!("{program} not installed: test skipped (LOA_REQUIRE_TOOLS=1 makes it fail)");
    }
    found
}

/// Wall-clock µs since the epoch.
pub fn wall_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// A running daemon and the environment its clients need.
pub struct Pulse {
    daemon: Child,
    /// Variables a client process needs (HOME, XDG_RUNTIME_DIR, PULSE_SERVER).
    pub env: Vec<(String, String)>,
    /// The daemon's stderr.
    pub log: PathBuf,
    /// The daemon's command line, environment first, as a shell would take it.
    pub shown: String,
}

impl Pulse {
    /// Starts the daemon under `dir` and waits (10 s at most) until it answers.
    pub fn start(dir: &Path) -> Self {
        let home = dir.join("home");
        let runtime = dir.join("run");
        for d in [&home, &runtime] {
            std::fs::create_dir_all(d).expect("create PulseAudio dirs");
        }
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                .expect("chmod the runtime dir");
        }
        // ALSA reads ~/.asoundrc: its default device becomes PulseAudio's default sink.
        std::fs::write(
            home.join(".asoundrc"),
            "pcm.!default { type pulse }\nctl.!default { type pulse }\n",
        )
        .expect("write .asoundrc");
        let socket = runtime.join("native");
        let env = vec![
            ("HOME".to_owned(), home.display().to_string()),
            ("XDG_RUNTIME_DIR".to_owned(), runtime.display().to_string()),
            (
                "PULSE_SERVER".to_owned(),
                format!("unix:{}", socket.display()),
            ),
        ];
        let args = [
            "-n".to_owned(),
            "--daemonize=no".to_owned(),
            "--exit-idle-time=-1".to_owned(),
            "--use-pid-file=no".to_owned(),
            "--log-target=stderr".to_owned(),
            "-L".to_owned(),
            format!(
                "module-native-protocol-unix socket={} auth-anonymous=1",
                socket.display()
            ),
            "-L".to_owned(),
            "module-null-sink sink_name=loa rate=48000 channels=2 format=s16le".to_owned(),
        ];
        let log = dir.join("pulseaudio.log");
        let shown = format!("{} pulseaudio {}", show_env(&env), show_args(&args));
        let daemon = Command::new("pulseaudio")
            .args(&args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start pulseaudio (scripts/install-system-deps.sh installs it)");
        let mut pulse = Self {
            daemon,
            env,
            log,
            shown,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ok = pulse
                .command("pactl")
                .arg("info")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                break;
            }
            if let Ok(Some(status)) = pulse.daemon.try_wait() {
                panic!(
                    "pulseaudio exited ({status}): {}",
                    std::fs::read_to_string(&pulse.log).unwrap_or_default()
                );
            }
            assert!(Instant::now() < deadline, "pulseaudio answered within 10 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        pulse
    }

    /// `program` with the client environment.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Stops the daemon (dropping it does the same).
    pub fn stop(self) {}
}

impl Drop for Pulse {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

fn show_env(env: &[(String, String)]) -> String {
    let parts: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(" ")
}

fn show_args(args: &[String]) -> String {
    let parts: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect();
    parts.join(" ")
}

/// What a recording holds: the left channel and when each read arrived.
pub struct Recorded {
    /// Left-channel samples, from the first byte parec delivered.
    pub left: Vec<i16>,
    /// `(wall µs just after a read returned, frames received by then)`.
    pub reads: Vec<(i64, u64)>,
}

impl Recorded {
    /// Wall µs of frame 0: each read's arrival minus the audio it completes; data
    /// never arrives before it was rendered, so the earliest is the tightest bound.
    pub fn origin_us(&self) -> Option<i64> {
        self.origin_between_us(i64::MIN, i64::MAX)
    }

    /// As [`Recorded::origin_us`], from the reads arriving in `[from_us, to_us)` only,
    /// so a slow drift between the sink's clock and the wall clock does not bias items
    /// far from where the origin was measured.
    pub fn origin_between_us(&self, from_us: i64, to_us: i64) -> Option<i64> {
        self.reads
            .iter()
            .filter(|(t, _)| (from_us..to_us).contains(t))
            .map(|(t, frames)| t - (*frames as i64) * 1_000_000 / i64::from(RATE))
            .min()
    }

    /// Wall µs of the first bytes parec delivered, minus their length: the plain estimate.
    pub fn first_read_origin_us(&self) -> Option<i64> {
        self.reads
            .first()
            .map(|(t, frames)| t - (*frames as i64) * 1_000_000 / i64::from(RATE))
    }

    /// Wall µs of every onset: a sample above `threshold` after at least `quiet_ms`
    /// below it.
    pub fn onsets_us(&self, threshold: i16, quiet_ms: u32) -> Vec<i64> {
        let Some(origin) = self.origin_us() else {
            return Vec::new();
        };
        let quiet = (RATE / 1000 * quiet_ms) as usize;
        let mut last_loud: Option<usize> = None;
        let mut out = Vec::new();
        for (i, s) in self.left.iter().enumerate() {
            if s.unsigned_abs() > threshold.unsigned_abs() {
                if last_loud.is_none_or(|l| i - l > quiet) {
                    out.push(origin + (i as i64) * 1_000_000 / i64::from(RATE));
                }
                last_loud = Some(i);
            }
        }
        out
    }
}

/// A `parec` of `loa.monitor` read on a thread of its own.
pub struct Capture {
    parec: Child,
    reader: std::thread::JoinHandle<Recorded>,
    /// Its command line, environment first.
    pub shown: String,
}

impl Capture {
    /// Starts recording.
    pub fn start(pulse: &Pulse) -> Self {
        let mut child = pulse
            .command("parec")
            .args(PAREC_ARGS)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start parec (scripts/install-system-deps.sh installs it)");
        let mut out = child.stdout.take().expect("parec's stdout");
        let reader = std::thread::spawn(move || {
            let mut rec = Recorded {
                left: Vec::with_capacity(RATE as usize * 60),
                reads: Vec::new(),
            };
            let mut buf = vec![0u8; 16 * 1024];
            let mut carry: Vec<u8> = Vec::new();
            loop {
                let n = match out.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let at = wall_us();
                carry.extend_from_slice(&buf[..n]);
                let whole = carry.len() / 4 * 4;
                for frame in carry[..whole].chunks_exact(4) {
                    rec.left.push(i16::from_le_bytes([frame[0], frame[1]]));
                }
                carry.drain(..whole);
                rec.reads.push((at, rec.left.len() as u64));
            }
            rec
        });
        let args: Vec<String> = PAREC_ARGS.iter().map(|a| (*a).to_owned()).collect();
        Self {
            parec: child,
            reader,
            shown: format!("{} parec {}", show_env(&pulse.env), show_args(&args)),
        }
    }

    /// Stops parec and returns what it recorded.
    pub fn stop(mut self) -> Recorded {
        let _ = self.parec.kill();
        let _ = self.parec.wait();
        self.reader.join().expect("the capture thread")
    }
}
