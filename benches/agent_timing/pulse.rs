//! A private PulseAudio daemon with one null sink (`loa`), paced by the system clock,
//! that ALSA programs reach through ALSA's pulse plugin; and a `parec` recording of the
//! sink's monitor whose every read is stamped with the wall clock.
//!
//! Running as root works in user mode: `-n` skips the system's default.pa, the native
//! protocol listens on a socket in the benchmark's temp dir with anonymous auth, and
//! every client finds it through `PULSE_SERVER`. Nothing outside the temp dir is used.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::procs::{self, Running};

/// Frames per second of the sink and the recording.
pub const RATE: u32 = 48_000;

/// A running daemon and the environment its clients need.
pub struct Pulse {
    daemon: Running,
    env: Vec<(String, String)>,
    log: PathBuf,
}

impl Pulse {
    /// Starts the daemon under `dir` and waits (10 s at most) until it answers.
    pub fn start(dir: &Path) -> Self {
        let home = dir.join("home");
        let runtime = dir.join("run");
        for d in [&home, &runtime] {
            std::fs::create_dir_all(d).expect("create PulseAudio dirs");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))
                .expect("chmod the runtime dir");
        }
        // ALSA reads ~/.asoundrc: its default device becomes PulseAudio's default sink.
        let asoundrc = "pcm.!default { type pulse }\nctl.!default { type pulse }\n";
        std::fs::write(home.join(".asoundrc"), asoundrc).expect("write .asoundrc");
        println!(
            "# {}/.asoundrc: {}",
            home.display(),
            asoundrc.replace('\n', " ")
        );
        let socket = runtime.join("native");
        let env = vec![
            ("HOME".to_owned(), home.display().to_string()),
            ("XDG_RUNTIME_DIR".to_owned(), runtime.display().to_string()),
            (
                "PULSE_SERVER".to_owned(),
                format!("unix:{}", socket.display()),
            ),
        ];
        let log = dir.join("pulseaudio.log");
        let mut cmd = Command::new("pulseaudio");
        cmd.args([
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--log-target=stderr",
            "-L",
        ])
        .arg(format!(
            "module-native-protocol-unix socket={} auth-anonymous=1",
            socket.display()
        ))
        .args([
            "-L",
            "module-null-sink sink_name=loa rate=48000 channels=2 format=s16le",
        ]);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let daemon = procs::spawn_logged(&mut cmd, &log);
        let mut pulse = Self { daemon, env, log };
        let mut info = pulse.command("pactl");
        info.arg("info").stdout(Stdio::null()).stderr(Stdio::null());
        println!(
            "$ {}  (polled until it succeeds, 10 s at most)",
            procs::show(&info)
        );
        procs::wait_for(
            "pulseaudio to answer pactl info",
            Duration::from_secs(10),
            || {
                pulse.daemon.assert_alive(&pulse.log);
                info.status().is_ok_and(|s| s.success())
            },
        );
        let sinks = procs::run(pulse.command("pactl").args(["list", "short", "sinks"]));
        print!("  {}", String::from_utf8_lossy(&sinks.stdout));
        pulse
    }

    /// `program` with the client environment (HOME, XDG_RUNTIME_DIR, PULSE_SERVER).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Stops the daemon.
    pub fn stop(self) {
        self.daemon.stop(Duration::from_secs(5));
    }
}

/// What a recording holds: the left channel and when each read arrived.
pub struct Recorded {
    /// Left-channel samples, from the first byte parec delivered.
    pub left: Vec<i16>,
    /// `(wall µs just after a read returned, frames received by then)`.
    pub reads: Vec<(i64, u64)>,
}

impl Recorded {
    /// Wall µs of frame 0: each read's arrival minus the audio it completes. Data never
    /// arrives before it was rendered, so the earliest of these is the tightest bound;
    /// `window` limits it to the reads arriving in `[from_us, to_us)`.
    pub fn origin_us(&self, from_us: i64, to_us: i64) -> Option<i64> {
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
}

/// A `parec` of `loa.monitor` read on a thread of its own.
pub struct Capture {
    parec: Running,
    reader: std::thread::JoinHandle<Recorded>,
}

impl Capture {
    /// Starts recording.
    pub fn start(pulse: &Pulse) -> Self {
        let mut cmd = pulse.command("parec");
        cmd.args([
            "--format=s16le",
            "--rate=48000",
            "--channels=2",
            "--latency-msec=10",
            "-d",
            "loa.monitor",
        ]);
        println!("$ {}  | (read by the benchmark)", procs::show(&cmd));
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start parec (scripts/install-agent-bench-tools.sh installs it)");
        let mut out = child.stdout.take().expect("parec's stdout");
        let reader = std::thread::spawn(move || {
            let mut rec = Recorded {
                left: Vec::with_capacity(RATE as usize * 600),
                reads: Vec::new(),
            };
            let mut buf = vec![0u8; 16 * 1024];
            let mut carry: Vec<u8> = Vec::new();
            loop {
                let n = match out.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let at = procs::wall_us();
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
        Self {
            parec: Running::new(child, "parec"),
            reader,
        }
    }

    /// Stops parec and returns what it recorded.
    pub fn stop(self) -> Recorded {
        self.parec.stop(Duration::from_secs(3));
        self.reader.join().expect("the capture thread")
    }
}
