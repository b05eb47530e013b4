"""A mono float32 audio buffer and its sample rate: the unit every stage passes around."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STT_RATE = 16000  # Whisper and Silero both want 16 kHz mono.


@dataclass
class Clip:
    samples: np.ndarray  # float32, mono, in [-1, 1]
    rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.rate) if self.rate else 0.0

    def resampled(self, rate: int) -> Clip:
        if rate == self.rate:
            return self
        return Clip(resample(self.samples, self.rate, rate), rate)

    @classmethod
    def silence(cls, seconds: float, rate: int = STT_RATE) -> Clip:
        return cls(np.zeros(int(round(seconds * rate)), dtype=np.float32), rate)

    @classmethod
    def concat(cls, clips: list[Clip], rate: int) -> Clip:
        parts = [c.resampled(rate).samples for c in clips]
        data = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return cls(data.astype(np.float32, copy=False), rate)


def to_mono_float(data: np.ndarray) -> np.ndarray:
    """Any int/float, mono/multichannel array -> float32 mono in [-1, 1]."""
    arr = np.asarray(data)
    if arr.dtype.kind in "iu":
        info = np.iinfo(arr.dtype)
        if arr.dtype.kind == "u":
            arr = (arr.astype(np.float32) - (info.max + 1) / 2) / ((info.max + 1) / 2)
        else:
            arr = arr.astype(np.float32) / float(-info.min)
    else:
        arr = arr.astype(np.float32, copy=False)
    if arr.ndim == 2:
        arr = arr.mean(axis=1)
    arr = np.nan_to_num(arr, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.clip(arr, -1.0, 1.0).astype(np.float32, copy=False)


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Band-limited enough for speech: linear interpolation after a moving-average low-pass."""
    if src_rate == dst_rate or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    x = samples.astype(np.float32, copy=False)
    if dst_rate < src_rate:
        width = int(round(src_rate / dst_rate))
        if width > 1:
            kernel = np.ones(width, dtype=np.float32) / width
            x = np.convolve(x, kernel, mode="same").astype(np.float32)
    n_out = int(round(len(x) * dst_rate / src_rate))
    src_t = np.arange(len(x), dtype=np.float64) / src_rate
    dst_t = np.arange(n_out, dtype=np.float64) / dst_rate
    return np.interp(dst_t, src_t, x).astype(np.float32)


def rms_db(samples: np.ndarray) -> float:
    if len(samples) == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20.0 * np.log10(max(rms, 1e-6))
