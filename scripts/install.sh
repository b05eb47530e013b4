#!/usr/bin/env bash
# Install voiceinterviewer on Debian/Ubuntu: system audio and speech packages, then the
# Python package in ./.venv. Usage: bash scripts/install.sh [runtime|test]
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-runtime}"

apt_packages=(libportaudio2 libsndfile1 espeak-ng libasound2-plugins alsa-utils)
if [ "$what" = "test" ]; then
  apt_packages+=(pulseaudio pulseaudio-utils chromium)
fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then
  apt_packages+=(python3 python3-venv python3-pip)
fi
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$what" = "test" ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
