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


class LaptopEcho:
    """A laptop's echo path: the speaker heard by the microphone, quieter and late, in a noisy room.

    A PulseAudio loopback from the virtual speaker's monitor into the virtual
    microphone at ``gain_db`` and ``latency_ms``, and low room noise played
    into the microphone for as long as the block lasts.
    """

    def __init__(self, tmp: Path, gain_db: float = -15.0, latency_ms: int = 40, noise_db=-60.0):
        self.tmp, self.gain_db, self.latency_ms, self.noise_db = tmp, gain_db, latency_ms, noise_db
        self.module = ""
        self._noise: subprocess.Popen | None = None

    def __enter__(self) -> LaptopEcho:
        out = subprocess.run(
            ["pactl", "load-module", "module-loopback", "source=virtspk.monitor",
             "sink=virtmic_src", f"latency_msec={self.latency_ms}", "source_dont_move=true",
             "sink_dont_move=true"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        self.module = out.stdout.strip()
        try:
            self._set_volume()
        except BaseException:
            self.__exit__()
            raise
        noise = self.tmp / "room-noise.wav"
        rng = np.random.default_rng(11)
        amplitude = 10 ** (self.noise_db / 20)
        samples = (rng.standard_normal(16000 * 600) * amplitude).astype(np.float32)
        from voiceinterviewer.audio.clip import Clip
        from voiceinterviewer.audio.wavfile import write_wav

        write_wav(noise, Clip(samples, 16000))
        self._noise = subprocess.Popen(["paplay", "--device=virtmic_src", str(noise)])
        return self

    def _set_volume(self) -> None:
        for _ in range(50):
            listing = subprocess.run(
                ["pactl", "list", "sink-inputs"], capture_output=True, text=True
            ).stdout
            for block in listing.split("Sink Input #")[1:]:
                index = block.split()[0]
                if f"Owner Module: {self.module}" in block:
                    subprocess.run(
                        ["pactl", "set-sink-input-volume", index, f"{self.gain_db}dB"], check=True
                    )
                    return
            time.sleep(0.1)
        raise RuntimeError("the loopback did not start")

    def __exit__(self, *exc) -> None:
        if self._noise is not None:
            self._noise.terminate()
            self._noise.wait(timeout=5)
        if self.module:
            subprocess.run(["pactl", "unload-module", self.module], check=False)
