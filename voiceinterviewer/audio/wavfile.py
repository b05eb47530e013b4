"""Reading audio files safely and writing WAVs that survive a crash.

Reading goes through libsndfile (any rate, mono or stereo, 8/16/24-bit,
float, FLAC) and always returns a float32 mono :class:`Clip`. Every failure
(empty, truncated, not audio, an unusable sample rate, too long or too large
to hold in memory) becomes a one-line :class:`UserError`; the file is never
changed.

Writing uses :class:`StreamingWav`: 16-bit PCM appended as it arrives, the
header's sizes rewritten after every write, so a killed process leaves a WAV
that is complete up to the last write. A kill between the data write and the
header write leaves sizes that lag behind the data; :func:`read_audio` reads
such a file in full and :func:`repair_wav` fixes its header. A failed write
(a full disk, a file size limit) is a one-line :class:`UserError` (exit 1)
and everything written before it stays readable.
"""

from __future__ import annotations

import errno
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE, Clip, to_mono_float
from voiceinterviewer.errors import UserError

MAX_AUDIO_SECONDS = 3 * 3600  # refuse files longer than this
MAX_SAMPLES = MAX_AUDIO_SECONDS * STT_RATE  # frames x channels held in memory at most
MIN_RATE, MAX_RATE = 4000, 384_000  # sample rates that can hold speech and be resampled
HEADER_BYTES = 44
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def read_audio(path: str | os.PathLike, max_seconds: float = MAX_AUDIO_SECONDS) -> Clip:
    import soundfile as sf

    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise UserError(f"audio file not found: {p}") from None
    except OSError as exc:
        raise UserError(f"cannot read audio file {p}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise UserError(f"expected an audio file, got a folder: {p}")
    if not stat.S_ISREG(st.st_mode):
        raise UserError(f"not a regular file: {p}")
    if st.st_size == 0:
        raise UserError(f"audio file is empty: {p}")
    layout = _stale_layout(p, st.st_size)
    if layout is not None:
        return _read_pcm(p, layout, max_seconds)
    try:
        with open(p, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise UserError(f"cannot read audio file {p}: {exc.strerror or exc}") from None
    if not _looks_like_audio(head):
        raise UserError(f"not an audio file (WAV, FLAC, Ogg, MP3, AIFF...): {p}")
    try:
        info = sf.info(str(p))
        _check_size(p, info.samplerate, info.frames, info.channels, max_seconds)
        data, rate = sf.read(str(p), dtype="float32", always_2d=False)
    except UserError:
        raise
    except MemoryError:
        raise UserError(f"audio file is too large to read: {p}") from None
    except Exception as exc:  # libsndfile raises several types for bad files
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"cannot read audio file {p}: {detail}") from None
    samples = to_mono_float(data)
    if len(samples) == 0:
        raise UserError(f"audio file has no samples: {p}")
    return Clip(samples, int(rate))


_MAGIC = (b"RIFF", b"RIFX", b"RF64", b"BW64", b"riff", b"FORM", b"fLaC", b"OggS", b"ID3",
          b".snd", b"caff", b"wvpk", b"NIST")  # fmt: skip


def _looks_like_audio(head: bytes) -> bool:
    """A container libsndfile knows, or an MPEG audio frame; anything else is refused unread.

    (libsndfile's format probing prints warnings over the terminal for some
    random data, and the person learns nothing more from them.)
    """
    if head.startswith(_MAGIC):
        return True
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


def _check_size(p: Path, rate: int, frames: int, channels: int, max_seconds: float) -> None:
    if not MIN_RATE <= rate <= MAX_RATE or channels <= 0 or frames < 0:
        raise UserError(
            f"not a usable audio file (sample rate {rate} Hz, {channels} channels): {p}"
        )
    if frames / rate > max_seconds:
        raise UserError(
            f"audio file is too long ({frames / rate:.0f} s > {max_seconds:.0f} s): {p}"
        )
    if frames * channels > MAX_SAMPLES:
        raise UserError(f"audio file is too large ({frames * channels} samples): {p}")


@dataclass
class _PcmLayout:
    """A canonical 44-byte-header WAV: PCM (format 1) or float (format 3)."""

    fmt: int
    channels: int
    rate: int
    bits: int
    declared: int  # data bytes the header claims
    actual: int  # data bytes in the file


def _parse_header(head: bytes, size: int) -> _PcmLayout | None:
    if (
        len(head) < HEADER_BYTES
        or head[:4] != b"RIFF"
        or head[8:16] != b"WAVEfmt "
        or head[36:40] != b"data"
        or struct.unpack("<I", head[16:20])[0] != 16
    ):
        return None
    fmt, channels, rate, _byte_rate, _align, bits = struct.unpack("<HHIIHH", head[20:36])
    declared = struct.unpack("<I", head[40:44])[0]
    return _PcmLayout(fmt, channels, rate, bits, declared, size - HEADER_BYTES)


def _stale_layout(p: Path, size: int) -> _PcmLayout | None:
    """The layout of a WAV whose header sizes lag behind its data (a writer stopped mid-way).

    That is: a canonical header whose data size is smaller than the data in
    the file, while the RIFF size counts nothing after the data chunk (a
    finished file with trailing chunks counts them and is read normally).
    """
    if p.suffix.lower() != ".wav" or size <= HEADER_BYTES:
        return None
    try:
        with open(p, "rb") as f:
            head = f.read(HEADER_BYTES)
    except OSError:
        return None
    layout = _parse_header(head, size)
    if layout is None:
        return None
    frame = max(1, layout.bits // 8) * max(1, layout.channels)
    if layout.declared >= layout.actual - layout.actual % frame:
        return None
    riff = struct.unpack("<I", head[4:8])[0]
    if riff > 36 + layout.declared:
        return None
    return layout


_DTYPES = {(1, 8): "u1", (1, 16): "<i2", (1, 32): "<i4", (3, 32): "<f4", (3, 64): "<f8"}


def _read_pcm(p: Path, layout: _PcmLayout, max_seconds: float) -> Clip:
    """Read every whole frame after the header of a WAV with stale sizes."""
    width = layout.bits // 8
    if layout.bits % 8 or not 1 <= layout.channels <= 32:
        raise UserError(f"not a usable audio file: {p}")
    if (layout.fmt, layout.bits) not in _DTYPES and (layout.fmt, layout.bits) != (1, 24):
        raise UserError(f"unsupported WAV encoding (format {layout.fmt}, {layout.bits}-bit): {p}")
    frame = width * layout.channels
    frames = layout.actual // frame
    _check_size(p, layout.rate, frames, layout.channels, max_seconds)
    try:
        with open(p, "rb") as f:
            f.seek(HEADER_BYTES)
            raw = f.read(frames * frame)
    except OSError as exc:
        raise UserError(f"cannot read audio file {p}: {exc.strerror or exc}") from None
    frames = len(raw) // frame
    raw = raw[: frames * frame]
    if layout.bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        data = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8
        samples = data.astype(np.float32) / float(1 << 23)
    else:
        samples = np.frombuffer(raw, dtype=_DTYPES[(layout.fmt, layout.bits)])
    samples = to_mono_float(samples.reshape(-1, layout.channels))
    if len(samples) == 0:
        raise UserError(f"audio file has no samples: {p}")
    return Clip(samples, int(layout.rate))


def _header(rate: int, data_bytes: int) -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def _pcm16(samples: np.ndarray) -> np.ndarray:
    """16-bit samples at the scale readers use (x 32768), rounded: writing what was read changes nothing."""
    scaled = np.round(np.asarray(samples, dtype=np.float64) * 32768.0)
    return np.clip(scaled, -32768, 32767).astype("<i2")


def to_pcm16(samples: np.ndarray) -> bytes:
    return _pcm16(samples).tobytes()


def as_recorded(samples: np.ndarray) -> np.ndarray:
    """``samples`` exactly as they read back from a 16-bit WAV written by :class:`StreamingWav`."""
    return (_pcm16(samples).astype(np.float32) / 32768.0).astype(np.float32)


def write_error(path: Path, exc: OSError) -> UserError:
    """A one-line error for a failed audio write; a full disk says so and that the rest is kept."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return UserError(
            f"the disk is full: stopped writing {path}; the audio recorded so far is kept", 1
        )
    return UserError(f"cannot write {path}: {exc.strerror or exc}", 1)


class StreamingWav:
    """A mono 16-bit WAV that is valid on disk after every :meth:`write`."""

    def __init__(self, path: str | os.PathLike, rate: int):
        self.path = Path(path)
        self.rate = rate
        self.data_bytes = 0
        self._f = None
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW, 0o600)
            self._f = os.fdopen(fd, "wb")
            self._f.write(_header(rate, 0))
            self._f.flush()
        except OSError as exc:
            self._abandon()
            raise write_error(self.path, exc) from None

    @property
    def duration(self) -> float:
        return self.data_bytes / 2 / self.rate

    def write(self, samples: np.ndarray) -> None:
        if self._f is None or len(samples) == 0:
            return
        data = to_pcm16(samples)
        try:
            self._f.seek(0, os.SEEK_END)
            self._f.write(data)
            self._f.flush()
            self.data_bytes += len(data)
            self._write_sizes()
        except OSError as exc:
            self._abandon()
            raise write_error(self.path, exc) from None

    def _write_sizes(self) -> None:
        self._f.seek(4)
        self._f.write(struct.pack("<I", 36 + self.data_bytes))
        self._f.seek(40)
        self._f.write(struct.pack("<I", self.data_bytes))
        self._f.flush()

    def truncate(self, seconds: float) -> None:
        """Keep only the first ``seconds`` (what was actually played of a cut question)."""
        if self._f is None:
            return
        keep = min(self.data_bytes, max(0, int(seconds * self.rate)) * 2)
        if keep == self.data_bytes:
            return
        try:
            self._f.flush()
            self._f.truncate(HEADER_BYTES + keep)
            self.data_bytes = keep
            self._write_sizes()
        except OSError as exc:
            self._abandon()
            raise write_error(self.path, exc) from None

    def _abandon(self) -> None:
        """Stop writing after a failure; what reached the disk stays as it is."""
        f, self._f = self._f, None
        if f is not None:
            try:
                f.close()
            except OSError:
                pass  # the unwritten tail is dropped; the header still matches what was written

    def close(self) -> None:
        if self._f is not None:
            try:
                self._f.flush()
                os.fsync(self._f.fileno())
            except OSError:
                pass
            self._abandon()

    def __enter__(self) -> StreamingWav:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_wav(path: str | os.PathLike, clip: Clip) -> None:
    """Write a whole clip as 16-bit mono WAV, atomically (temp file + rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        with StreamingWav(tmp, clip.rate) as w:
            w.write(clip.samples)
        os.replace(tmp, path)
    except UserError:
        tmp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_error(path, exc) from None


def repair_wav(path: str | os.PathLike, in_place: bool = True) -> bool:
    """Fix the RIFF/data sizes of a WAV whose header lags behind its data (see :func:`read_audio`).

    Returns True when the header was stale. With ``in_place=False`` nothing is
    changed (the reader copes); the data itself is never touched.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        return False
    layout = _stale_layout(p, size)
    if layout is None:
        return False
    if in_place:
        frame = max(1, layout.bits // 8 * max(1, layout.channels))
        data_bytes = layout.actual - layout.actual % frame
        with open(p, "r+b") as f:
            f.seek(4)
            f.write(struct.pack("<I", 36 + data_bytes))
            f.seek(40)
            f.write(struct.pack("<I", data_bytes))
    return True
