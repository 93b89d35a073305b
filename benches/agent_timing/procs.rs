//! Running the external programs of the benchmark: every command is printed as it is
//! run (with the environment it was given), every child is stopped by its own pid with
//! SIGTERM (then SIGKILL if it lingers), and every wait is bounded.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A command as a person would type it: `VAR=value … program args…`.
pub fn show(cmd: &Command) -> String {
    let quote = |s: &str| {
        if s.is_empty() || s.contains([' ', '"', '\'', '*', '{', '}', '!']) {
            format!("'{s}'")
        } else {
            s.to_owned()
        }
    };
    let mut words: Vec<String> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={}", k.to_str()?, quote(v?.to_str()?))))
        .collect();
    words.push(quote(&cmd.get_program().to_string_lossy()));
    words.extend(cmd.get_args().map(|a| quote(&a.to_string_lossy())));
    words.join(" ")
}

/// Prints `cmd` and runs it to the end, stdout and stderr captured; panics on failure.
pub fn run(cmd: &mut Command) -> Output {
    println!("$ {}", show(cmd));
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run {}: {e}", show(cmd)));
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}{}",
        show(cmd),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Prints `cmd` and starts it with stdout and stderr going to `log`.
pub fn spawn_logged(cmd: &mut Command, log: &Path) -> Running {
    println!("$ {}  > {} 2>&1 &", show(cmd), log.display());
    let file = std::fs::File::create(log).expect("create a log file in the temp dir");
    let err = file.try_clone().expect("clone the log file handle");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", show(cmd)));
    Running::new(child, &show(cmd))
}

/// A child process that is stopped when dropped.
pub struct Running {
    child: Option<Child>,
    name: String,
}

impl Running {
    /// Wraps `child`; `name` is for messages.
    pub fn new(child: Child, name: &str) -> Self {
        let name = name
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            child: Some(child),
            name,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Whether it has exited (and with what).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// Panics with the log's tail when the process has exited.
    pub fn assert_alive(&mut self, log: &Path) {
        if let Some(status) = self.exited() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            panic!(
                "{} exited early ({status}):\n{}",
                self.name,
                tail.join("\n")
            );
        }
    }

    /// SIGTERM, up to `grace` to exit, then SIGKILL.
    pub fn stop(mut self, grace: Duration) -> Option<std::process::ExitStatus> {
        self.shutdown(grace)
    }

    fn shutdown(&mut self, grace: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < grace {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!(
            "{} did not stop on SIGTERM within {grace:?}: SIGKILL",
            self.name
        );
        let _ = child.kill();
        child.wait().ok()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown(Duration::from_secs(3));
    }
}

/// Polls `ready` every 50 ms until it is true; panics with `what` after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The wall clock, ms since the epoch.
pub fn wall_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
