//! The agent-only binary, as a station PC builds it:
//! `cargo build --profile station --no-default-features --features agent` in a target dir of
//! its own (so the server's features do not leak in through a shared build), and the
//! size of `loa` as built and stripped.

use std::path::PathBuf;
use std::process::Command;

use crate::procs;

/// Sizes in bytes.
pub struct Figures {
    /// `loa` as cargo built it.
    pub built: u64,
    /// After `strip`.
    pub stripped: Option<u64>,
}

/// Builds (incrementally after the first time) and measures.
pub fn run() -> Figures {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let base =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| manifest.join("target"), PathBuf::from);
    let target = base.join("agent-only");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&manifest)
        .env_remove("CARGO_TARGET_DIR")
        .args([
            "build",
            "--profile",
            "station",
            "--no-default-features",
            "--features",
            "agent",
            "--bin",
            "loa",
            "--target-dir",
        ])
        .arg(&target);
    procs::run(&mut cmd);
    let bin = target.join("station").join("loa");
    let built = std::fs::metadata(&bin)
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()))
        .len();
    let stripped_path = target.join("loa.stripped");
    let stripped = Command::new("strip")
        .arg("-o")
        .arg(&stripped_path)
        .arg(&bin)
        .status()
        .ok()
        .filter(|s| s.success())
        .and_then(|_| std::fs::metadata(&stripped_path).ok())
        .map(|m| m.len());
    println!("$ strip -o {} {}", stripped_path.display(), bin.display());
    Figures { built, stripped }
}
