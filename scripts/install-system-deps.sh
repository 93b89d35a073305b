#!/usr/bin/env bash
# Installs the Debian packages loa needs beyond a Rust toolchain. Safe to run again.
#
#   scripts/install-system-deps.sh                      what building and testing need (tests
#                                                       make phone-like files with sox, lame, ffmpeg;
#                                                       PulseAudio for the sound card test;
#                                                       nginx-light for the reverse-proxy test;
#                                                       python3-venv for the SMTP server of the alert tests;
#                                                       chromium, chromium-driver and fonts-noto-core
#                                                       for the web console's browser tests)
#   scripts/install-system-deps.sh --audio-tools        also the tools that regenerate audio/
#                                                       (espeak-ng, sox, lame, vorbis-tools, flac)
#   scripts/install-system-deps.sh --bench-tools        also what `cargo bench --bench serve_load`
#                                                       drives (wrk, nginx-light, curl)
#   scripts/install-system-deps.sh --agent-bench-tools  also what `cargo bench --bench agent_timing`
#                                                       drives (PulseAudio, its ALSA plugin, mpg123, …)
set -euo pipefail

# sox, lame and ffmpeg: tests make phone-like files at test time (tests/audio/phone.rs).
# PulseAudio, parec and ALSA's pulse plugin: the sound card test plays through a
# private paced null sink and records it (tests/agent/sound_card.rs).
packages=(pkg-config libasound2-dev sox lame ffmpeg pulseaudio pulseaudio-utils libasound2-plugins)
# The suite runs README's nginx configuration (packaging/nginx/loa.conf) in front of loa.
packages+=(nginx-light)
# The suite checks the systemd units in packaging/systemd with `systemd-analyze verify`.
packages+=(systemd)
# The alert tests run a real SMTP server (aiosmtpd, installed by .ci/run into .ci/venv).
packages+=(python3 python3-venv)
# The web console's browser tests drive headless Chromium through chromedriver
# (tests/console/); Noto fonts so Vietnamese renders in its screenshots.
packages+=(chromium chromium-driver fonts-noto-core)
label="system packages"
for arg in "$@"; do
    case "$arg" in
        --audio-tools) packages+=(espeak-ng sox libsox-fmt-all lame vorbis-tools flac) ;;
        # The package may also start the system nginx on port 80; the benchmark does not
        # use it (it runs its own, with its own configuration, on a free loopback port).
        --bench-tools) packages+=(wrk nginx-light curl); label="benchmark tools" ;;
        # A PulseAudio null sink and its recorder, ALSA's pulse plugin so rodio reaches
        # PulseAudio through ALSA, mpg123 (the playback baseline), sox and lame (the test
        # segment), sqlite3 and curl (reading the server).
        --agent-bench-tools)
            packages+=(pulseaudio pulseaudio-utils libasound2-plugins alsa-utils mpg123 sox lame sqlite3 curl)
            label="agent benchmark tools" ;;
        *) echo "unknown option $arg (see the comment at the top of $0)" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    echo "$label: all present (${packages[*]})"
    exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
# --no-install-recommends: no desktop session helpers come with PulseAudio; the agent
# benchmark starts its own daemon with its own configuration and stops it afterwards.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
