"""How one clip is decoded: when to stop, how many tokens, which result looks wrong, what to encode.

Small rules beside :class:`voiceinterviewer.stt.whisper.WhisperTranscriber`,
which applies them to faster-whisper: decoding stops once a segment ends at the
end of the speech (:func:`reached_end`), new tokens are capped by the clip's
length (:func:`max_new_tokens`), a segment that loops or is a guess
(:func:`looks_wrong`) is decoded again and the likelier result kept
(:func:`decoding_score`), and each clip's window is encoded once
(:class:`EncodedOnce`), only as far as :func:`encoder_frames` says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiceinterviewer.stt.whisper import WhisperOptions

COMPRESSION_LIMIT = 2.4  # a segment compressing better than this repeats itself (a loop)
LOGPROB_LIMIT = -1.0  # below this average log probability the words are a guess


def looks_wrong(seg) -> bool:
    """A segment that loops or is a guess: decoded again with a beam (``retry_beam``)."""
    if seg.no_speech_prob > 0.8:
        return False  # silence: nothing to fix
    return seg.compression_ratio > COMPRESSION_LIMIT or seg.avg_logprob < LOGPROB_LIMIT


def reached_end(segment_end: float, duration: float, stop_at_end: float) -> bool:
    """A segment ending here leaves only the silence after the speech (``stop_at_end`` > 0)."""
    return stop_at_end > 0 and segment_end >= duration - stop_at_end


def max_new_tokens(duration: float, opt: WhisperOptions, hotwords: bool = False) -> int | None:
    """The cap on new tokens per window for ``duration`` seconds of audio (None: no cap).

    Never more than Whisper's 448 tokens leave beside the longest prompt (223 and the
    start tokens); with hotwords the prompt may be longer, and faster-whisper's own
    limit applies.
    """
    if opt.max_tokens_per_s <= 0 or hotwords:
        return None
    return min(200, opt.max_tokens_base + int(opt.max_tokens_per_s * duration))


def decoding_score(segments: list) -> float:
    """Mean log probability of a decoding, with loops counted as unlikely."""
    if not segments:
        return -10.0
    return sum(
        s.avg_logprob - (1.0 if s.compression_ratio > COMPRESSION_LIMIT else 0.0) for s in segments
    ) / len(segments)


FRAMES_PER_S = 100  # Whisper's log-mel frames a second


def encoder_frames(content: int, total: int, opt: WhisperOptions) -> int:
    """Frames of a ``total``-frame window the encoder reads, whose first ``content`` hold audio.

    The window is padded with zeros after the audio; the encoder reads the audio and at least
    ``encode_pad`` seconds of that padding, in all at least ``encode_seconds``, in whole
    seconds (``encode_seconds`` 0: all of it).
    """
    if opt.encode_seconds <= 0:
        return total
    wanted = max(opt.encode_seconds * FRAMES_PER_S, content + opt.encode_pad * FRAMES_PER_S)
    return min(total, -(-int(wanted) // FRAMES_PER_S) * FRAMES_PER_S)


class EncodedOnce:
    """Stands in for the model's ``encode``: the same audio window is encoded once per clip,
    and only as much of it as :func:`encoder_frames` says."""

    def __init__(self, model, options: Callable[[], WhisperOptions]):
        self._encode = model.encode
        self._options = options
        self._last: tuple[bytes, object] | None = None
        model.encode = self

    def __call__(self, features):
        import hashlib

        opt = self._options()
        if opt.encode_seconds > 0:  # off by default: no scan of the window
            import numpy as np

            heard = np.any(features != 0, axis=-2).reshape(-1, features.shape[-1])[0]
            filled = np.flatnonzero(heard)
            content = int(filled[-1]) + 1 if len(filled) else 0
            features = features[..., : encoder_frames(content, features.shape[-1], opt)]
        key = hashlib.blake2b(features.tobytes(), digest_size=16).digest()
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        encoded = self._encode(features)
        self._last = (key, encoded)
        return encoded

    def forget(self) -> None:
        self._last = None
