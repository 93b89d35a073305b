//! The systemd units README installs (`packaging/systemd/*.service`) pass
//! `systemd-analyze verify` as written, with only the binary's path pointed at the one
//! this build made (`/usr/local/bin/loa` is not installed on a build machine).

use std::process::Command;

use super::super::cli_server::repo;
use super::nginx::have_tool;

#[test]
fn systemd_units_verify() {
    if !have_tool("systemd-analyze") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut units = Vec::new();
    for name in ["loa-serve.service", "loa-agent.service"] {
        let text =
            std::fs::read_to_string(repo().join("packaging/systemd").join(name)).expect("the unit");
        assert!(text.contains("ExecStart=/usr/local/bin/loa "), "{name}");
        let file = dir.path().join(name);
        std::fs::write(
            &file,
            text.replace("/usr/local/bin/loa", env!("CARGO_BIN_EXE_loa")),
        )
        .expect("write");
        units.push(file);
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(&units)
        .output()
        .expect("systemd-analyze");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.trim().is_empty(), "no warnings: {err}");
}
