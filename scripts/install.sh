#!/usr/bin/env bash
# Install voiceinterviewer on Debian/Ubuntu: system audio and speech packages, then the
# Python package in ./.venv at the locked versions of requirements/ (scripts/lock.sh), every
# file checked against its hash. Usage: bash scripts/install.sh [runtime|llm|test]
#   runtime  the package (what scripts/demo.sh runs)
#   llm      the package with litellm, for --model/--score-model
#   test     the package with litellm and the test tools (what scripts/test.sh runs)
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-runtime}"
case "$what" in
  runtime | llm | test) ;;
  *)
    echo "usage: bash scripts/install.sh [runtime|llm|test]" >&2
    exit 2
    ;;
esac

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

# The locks cover these versions (pyproject.toml's [tool.uv] environments).
if ! python3 -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] < (3, 15))'; then
  echo "install.sh: the locked versions are for CPython 3.10 to 3.14, not $(python3 -V 2>&1)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
locked=(.venv/bin/python -m pip install -q --require-hashes --only-binary :all:)
"${locked[@]}" -r requirements/build.txt # pip and setuptools first, then everything else
"${locked[@]}" -r "requirements/$what.txt"
# The package itself, editable (its build backend's notes are shown only if it fails).
if ! notes="$(.venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . 2>&1)"; then
  echo "$notes" >&2
  exit 1
fi
if ! problems="$(.venv/bin/python -m pip check)"; then
  echo "$problems" >&2
  exit 1
fi
