#!/usr/bin/env bash
# Start a PulseAudio daemon with a virtual microphone and speaker, as CI and the bench use:
#   virtspk            the speaker (default sink); record it with: parec -d virtspk.monitor
#   virtmic            the microphone (default source); speak into it with: paplay --device=virtmic_src FILE
# Idempotent: does nothing if a daemon already answers.
set -euo pipefail
if pactl info >/dev/null 2>&1; then
  exit 0
fi
# As root, PulseAudio wants a runtime dir it owns.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/runtime-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
pulseaudio --daemonize=yes --exit-idle-time=-1 -n \
  -L "module-null-sink sink_name=virtspk" \
  -L "module-null-sink sink_name=virtmic_src" \
  -L "module-remap-source master=virtmic_src.monitor source_name=virtmic" \
  -L module-native-protocol-unix
for _ in $(seq 1 50); do
  pactl info >/dev/null 2>&1 && break
  sleep 0.1
done
pactl set-default-source virtmic
pactl set-default-sink virtspk
