#!/usr/bin/env bash
# Install everything (system packages, the package with its test extras), start a PulseAudio
# daemon with a virtual microphone and speaker, then lint and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh test
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/runtime-$(id -u)}"
bash scripts/virtual-audio.sh
export LITELLM_LOCAL_MODEL_COST_MAP=True
.venv/bin/ruff check voiceinterviewer tests bench scripts
.venv/bin/ruff format --check voiceinterviewer tests bench scripts
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
