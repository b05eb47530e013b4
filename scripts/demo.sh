#!/usr/bin/env bash
# Install, then run a full simulated interview on the offline default (no microphone needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh runtime
exec .venv/bin/voiceinterviewer demo "$@"
