"""The PulseAudio virtual microphone and speaker that CI starts (scripts/virtual-audio.sh).

``speak_into_mic`` plays a WAV into ``virtmic_src``, which the default source
``virtmic`` hears; ``SpeakerRecorder`` records the default sink's monitor, i.e.
everything the interviewer says.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest


def pulse_running() -> bool:
    if not shutil.which("pactl"):
        return False
    result = subprocess.run(["pactl", "info"], capture_output=True, text=True)
    return result.returncode == 0 and "virtmic" in result.stdout


requires_pulse = pytest.mark.skipif(
    not pulse_running(), reason="PulseAudio virtual devices not running (scripts/virtual-audio.sh)"
)


def speak_into_mic(wav: Path) -> None:
    subprocess.run(["paplay", "--device=virtmic_src", str(wav)], check=True, timeout=120)


class SpeakerRecorder:
    """Records the virtual speaker (16 kHz mono s16) while in a ``with`` block."""

    rate = 16000

    def __init__(self, path: Path):
        self.path = path
        self.samples = np.zeros(0, dtype=np.float32)

    def __enter__(self) -> SpeakerRecorder:
        self._file = open(self.path, "wb")
        self._proc = subprocess.Popen(
            [
                "parec",
                "-d",
                "virtspk.monitor",
                "--format=s16le",
                f"--rate={self.rate}",
                "--channels=1",
                "--latency-msec=20",
            ],
            stdout=self._file,
        )
        time.sleep(0.2)
        return self

    def __exit__(self, *exc) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=5)
        self._file.close()
        raw = self.path.read_bytes()
        self.samples = (
            np.frombuffer(raw[: len(raw) - len(raw) % 2], dtype="<i2").astype(np.float32) / 32768.0
        )

    def voiced_seconds(self, threshold: float = 0.01) -> float:
        block = 320
        n = len(self.samples) // block
        if n == 0:
            return 0.0
        rms = np.sqrt(np.mean(self.samples[: n * block].reshape(n, block) ** 2, axis=1))
        return float(np.sum(rms > threshold) * block / self.rate)
