"""Reading audio files safely and writing WAVs that survive a crash.

Reading goes through libsndfile (any rate, mono or stereo, 8/16/24-bit,
float, FLAC) and always returns a float32 mono :class:`Clip`. Every failure
(empty, truncated, not audio, too large) becomes a one-line :class:`UserError`.

Writing uses :class:`StreamingWav`: 16-bit PCM appended as it arrives, the
header's sizes rewritten after every write, so a killed process leaves a WAV
that is complete up to the last write. :func:`repair_wav` fixes a header whose
sizes were never updated (a kill between the data write and the header write).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from voiceinterviewer.audio.clip import Clip, to_mono_float
from voiceinterviewer.errors import UserError

MAX_AUDIO_SECONDS = 3 * 3600  # refuse files longer than this
HEADER_BYTES = 44


def read_audio(path: str | os.PathLike, max_seconds: float = MAX_AUDIO_SECONDS) -> Clip:
    import soundfile as sf

    p = Path(path)
    if not p.exists():
        raise UserError(f"audio file not found: {p}")
    if p.is_dir():
        raise UserError(f"expected an audio file, got a folder: {p}")
    if p.stat().st_size == 0:
        raise UserError(f"audio file is empty: {p}")
    if p.suffix.lower() == ".wav" and repair_wav(p, in_place=False):
        return _read_unfinished_wav(p)
    try:
        info = sf.info(str(p))
        if info.samplerate <= 0 or info.frames < 0:
            raise UserError(f"not a usable audio file: {p}")
        if info.frames / info.samplerate > max_seconds:
            raise UserError(
                f"audio file is too long ({info.frames / info.samplerate:.0f} s > {max_seconds:.0f} s): {p}"
            )
        data, rate = sf.read(str(p), dtype="float32", always_2d=False)
    except UserError:
        raise
    except Exception as exc:  # libsndfile raises several types for bad files
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"cannot read audio file {p}: {detail}") from None
    samples = to_mono_float(data)
    if len(samples) == 0:
        raise UserError(f"audio file has no samples: {p}")
    return Clip(samples, int(rate))


def _read_unfinished_wav(p: Path) -> Clip:
    """Read a StreamingWav whose header sizes were not updated before a crash."""
    with open(p, "rb") as f:
        head = f.read(HEADER_BYTES)
        rate = struct.unpack("<I", head[24:28])[0]
        raw = f.read()
    raw = raw[: len(raw) - len(raw) % 2]
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if rate <= 0 or len(samples) == 0:
        raise UserError(f"audio file has no samples: {p}")
    return Clip(samples, int(rate))


def _header(rate: int, data_bytes: int) -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def to_pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


class StreamingWav:
    """A mono 16-bit WAV that is valid on disk after every :meth:`write`."""

    def __init__(self, path: str | os.PathLike, rate: int):
        self.path = Path(path)
        self.rate = rate
        self.data_bytes = 0
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._f = os.fdopen(fd, "wb")
        self._f.write(_header(rate, 0))
        self._f.flush()

    @property
    def duration(self) -> float:
        return self.data_bytes / 2 / self.rate

    def write(self, samples: np.ndarray) -> None:
        if self._f is None or len(samples) == 0:
            return
        data = to_pcm16(samples)
        self._f.seek(0, os.SEEK_END)
        self._f.write(data)
        self.data_bytes += len(data)
        self._f.seek(4)
        self._f.write(struct.pack("<I", 36 + self.data_bytes))
        self._f.seek(40)
        self._f.write(struct.pack("<I", self.data_bytes))
        self._f.flush()

    def close(self) -> None:
        if self._f is not None:
            try:
                self._f.flush()
                os.fsync(self._f.fileno())
            except OSError:
                pass
            self._f.close()
            self._f = None

    def __enter__(self) -> StreamingWav:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_wav(path: str | os.PathLike, clip: Clip) -> None:
    """Write a whole clip as 16-bit mono WAV, atomically (temp file + rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with StreamingWav(tmp, clip.rate) as w:
        w.write(clip.samples)
    os.replace(tmp, path)


def repair_wav(path: str | os.PathLike, in_place: bool = True) -> bool:
    """Fix RIFF/data sizes of a 16-bit PCM WAV written by :class:`StreamingWav`.

    Returns True when the header was wrong. With ``in_place=False`` nothing is
    changed (the reader copes); the original is never truncated.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        with open(p, "rb") as f:
            head = f.read(HEADER_BYTES)
    except OSError:
        return False
    if (
        len(head) < HEADER_BYTES
        or head[:4] != b"RIFF"
        or head[8:16] != b"WAVEfmt "
        or head[36:40] != b"data"
    ):
        return False
    data_bytes = size - HEADER_BYTES
    data_bytes -= data_bytes % 2
    riff, data = struct.unpack("<I", head[4:8])[0], struct.unpack("<I", head[40:44])[0]
    if riff == 36 + data_bytes and data == data_bytes:
        return False
    if in_place:
        with open(p, "r+b") as f:
            f.seek(4)
            f.write(struct.pack("<I", 36 + data_bytes))
            f.seek(40)
            f.write(struct.pack("<I", data_bytes))
    return True
