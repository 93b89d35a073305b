#!/usr/bin/env bash
# Installs the Debian packages `cargo bench --bench agent_timing` drives: PulseAudio with
# a null sink and its recorder (pulseaudio, pulseaudio-utils), ALSA's pulse plugin so
# rodio reaches PulseAudio through ALSA (libasound2-plugins), mpg123 (the playback
# baseline), sox and lame (the test segment), sqlite3 and curl (reading the server).
# Safe to run again.
#
#   scripts/install-agent-bench-tools.sh
set -euo pipefail

packages=(pulseaudio pulseaudio-utils libasound2-plugins alsa-utils mpg123 sox lame sqlite3 curl)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    echo "agent benchmark tools: all present (${packages[*]})"
    exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
# --no-install-recommends: no desktop session helpers; the benchmark starts its own
# PulseAudio daemon with its own configuration and stops it afterwards.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
