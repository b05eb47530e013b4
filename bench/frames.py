"""The bench's recordings as 10 ms frames, and the session's journal as it reads it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RATE = 16000
FRAME = 160  # 10 ms


def voiced_frames(samples: np.ndarray, threshold: float = 0.005) -> np.ndarray:
    n = len(samples) // FRAME
    rms = np.sqrt(np.mean(samples[: n * FRAME].reshape(n, FRAME) ** 2, axis=1))
    return rms > threshold


def marker(samples: np.ndarray) -> int:
    """Sample where the 880 Hz marker tone starts (the first loud 100 ms of it)."""
    loud = np.flatnonzero(np.abs(samples) > 0.2)
    return int(loud[0]) if len(loud) else 0


def locate(recording: np.ndarray, clip: np.ndarray, expected: int, slack: int) -> int:
    """Sample offset of ``clip`` in ``recording`` near ``expected`` (cross-correlation by FFT)."""
    lo = max(0, expected - slack)
    hi = min(len(recording), expected + len(clip) + slack)
    segment = recording[lo:hi]
    if len(segment) < len(clip):
        return expected
    n = 1 << int(np.ceil(np.log2(len(segment) + len(clip))))
    corr = np.fft.irfft(np.fft.rfft(segment, n) * np.conj(np.fft.rfft(clip, n)), n)
    return lo + int(np.argmax(corr[: len(segment) - len(clip) + 1]))


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    arr = np.array(values, dtype=float)
    return {"p50": round(float(np.percentile(arr, 50)), 1),
            "p95": round(float(np.percentile(arr, 95)), 1), "n": len(values)}  # fmt: skip


def runs(indices: list[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    for i in indices:
        if groups and i == groups[-1][-1] + 1:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def quiet_after(interviewer: np.ndarray, onset: int, gap: int = 30) -> int:
    """Frames from ``onset`` until the interviewer is quiet for ``gap`` frames (300 ms)."""
    quiet = 0
    for f in range(onset, len(interviewer)):
        quiet = 0 if interviewer[f] else quiet + 1
        if quiet >= gap:
            return f - gap + 1 - onset
    return len(interviewer) - onset


def events(folder: Path | None) -> list[dict]:
    out = []
    path = folder / "session.jsonl" if folder else None
    if path and path.exists():
        for line in path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out
