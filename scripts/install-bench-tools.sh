#!/usr/bin/env bash
# What `cargo bench --bench serve_load` drives: wrk, nginx-light, curl. Safe to run again.
exec "$(dirname "$0")/install-system-deps.sh" --bench-tools
