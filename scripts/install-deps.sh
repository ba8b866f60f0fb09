#!/usr/bin/env bash
# System packages Dozor needs on Debian 12 / Raspberry Pi OS (bookworm). Installs only what is missing;
# uses sudo when not root. DOZOR_SKIP_APT=1 skips it (e.g. on a machine you manage yourself).
set -euo pipefail

packages=(
  python3 python3-venv python3-dev          # the .venv
  python3-gi gir1.2-gst-rtsp-server-1.0     # the RTSP test server (tests, demo)
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  ffmpeg                                    # reference runs in bench/, ffprobe for diagnosis
  chromium                                  # browser tests (driven by Playwright, no download)
  openssl                                   # self-signed certificate for HTTPS
  sqlite3                                   # inspecting the stores by hand
  postgresql                                # the shared plate index of a hub ([index] url); tests start one
)

if [ "${DOZOR_SKIP_APT:-0}" = "1" ]; then
  echo "install-deps: DOZOR_SKIP_APT=1, not touching system packages"
  exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all system packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
