#!/usr/bin/env bash
# Installs the Debian packages `cargo bench --bench serve_load` drives: wrk (the HTTP
# load generator) and nginx-light (the static-file baseline). Safe to run again.
#
#   scripts/install-bench-tools.sh
set -euo pipefail

packages=(wrk nginx-light curl)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    echo "benchmark tools: all present (${packages[*]})"
    exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
# The package may also start the system nginx on port 80; the benchmark does not use it
# (it runs its own, with its own configuration, on a free loopback port).
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
