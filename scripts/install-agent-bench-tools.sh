#!/usr/bin/env bash
# What `cargo bench --bench agent_timing` drives: PulseAudio, ALSA's pulse plugin, mpg123,
# sox, lame, sqlite3, curl. Safe to run again.
exec "$(dirname "$0")/install-system-deps.sh" --agent-bench-tools
