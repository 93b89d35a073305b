#!/usr/bin/env bash
# Installs the Debian packages loa needs beyond a Rust toolchain. Safe to run again.
#
#   scripts/install-system-deps.sh              what building and testing need
#   scripts/install-system-deps.sh --audio-tools  also the tools that regenerate audio/
#                                               (espeak-ng, sox, lame, vorbis-tools, flac)
set -euo pipefail

packages=(pkg-config libasound2-dev)
if [[ "${1:-}" == "--audio-tools" ]]; then
    packages+=(espeak-ng sox libsox-fmt-all lame vorbis-tools flac)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    echo "system packages: all present (${packages[*]})"
    exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
