"""What the interviewer is saying right now, as audio an output pulls a few milliseconds at a time.

A reply is an *utterance*: its sentences are appended as they are synthesised
(:meth:`Playout.say`) and an output device (or, in a scripted run, the
session's own clock) pulls samples from it (:meth:`Playout.pull`). Because the
session never blocks on playback, it keeps listening while the interviewer
talks, and it can:

- :meth:`pause` with a short fade (the candidate started speaking), then
  :meth:`resume` where it paused (it was a cough) or :meth:`stop` (it was a
  real interruption), never with a click;
- tell exactly how much was played (:attr:`played_s`) and which sentences, so
  a cut question is journalled with what the candidate heard.

Every pull also returns the same span at 16 kHz, gain and fades included:
the echo canceller's far-end reference is exactly the audio that was played.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE, Clip


@dataclass
class PlayoutOptions:
    # Fade when pausing or stopping, in milliseconds (a cut without a fade clicks).
    fade_out_ms: float = 30.0
    # Fade when resuming after a pause, in milliseconds.
    fade_in_ms: float = 10.0


@dataclass
class PlayedPart:
    """How much of an utterance was heard: whole sentences, and the one cut part-way."""

    seconds: float
    sentences: list[str]
    cut_sentence: str = ""  # the sentence playing when it stopped ("" if it stopped between)
    cut_fraction: float = 0.0  # how much of that sentence was played (0-1)

    @property
    def text(self) -> str:
        """The words heard, the cut sentence shortened to the share of it that played."""
        parts = list(self.sentences)
        if self.cut_sentence and self.cut_fraction > 0:
            words = self.cut_sentence.split()
            n = int(round(len(words) * self.cut_fraction))
            if n >= len(words):
                parts.append(self.cut_sentence)
            elif n > 0:
                parts.append(" ".join(words[:n]).rstrip(",.;:!?") + "…")
        return " ".join(parts)


class Playout:
    """A thread-safe queue of one utterance's audio at the output rate, with its 16 kHz twin."""

    def __init__(self, rate: int, options: PlayoutOptions | None = None):
        self.rate = int(rate)
        self.options = options or PlayoutOptions()
        self._lock = threading.Lock()
        self._out = np.zeros(0, dtype=np.float32)  # the utterance at the output rate
        self._far = np.zeros(0, dtype=np.float32)  # the same at 16 kHz
        self._bounds: list[tuple[int, str]] = []  # (end sample at the output rate, sentence)
        self._pos = 0  # output samples of the utterance pulled so far
        self._gain = 1.0
        self._target = 1.0  # 0 while paused or stopping
        self._stopping = False
        self._total_out = 0  # output samples pulled since start (for the 16 kHz count)
        self._total_far = 0
        self.first_audio_at: float | None = (
            None  # monotonic time the utterance's first sample went out
        )

    # -- the session's side -------------------------------------------------
    def begin(self) -> None:
        """Start a new utterance (anything left of the previous one is dropped)."""
        with self._lock:
            self._out = np.zeros(0, dtype=np.float32)
            self._far = np.zeros(0, dtype=np.float32)
            self._bounds = []
            self._pos = 0
            self._gain = self._target = 1.0
            self._stopping = False
            self.first_audio_at = None

    def say(self, clip: Clip, sentence: str = "") -> None:
        """Append a sentence of the current utterance."""
        out = clip.resampled(self.rate).samples.astype(np.float32, copy=False)
        far = clip.resampled(STT_RATE).samples.astype(np.float32, copy=False)
        with self._lock:
            if self._stopping:
                return
            self._out = np.concatenate([self._out, out])
            # keep the twin's length exactly proportional, so positions map one to one
            need = len(self._out) * STT_RATE // self.rate - len(self._far)
            if len(far) < need:
                far = np.concatenate([far, np.zeros(need - len(far), dtype=np.float32)])
            self._far = np.concatenate([self._far, far[: max(0, need)]])
            self._bounds.append((len(self._out), sentence))

    def pause(self) -> None:
        """Fade out and hold the position (the candidate may have started speaking)."""
        with self._lock:
            self._target = 0.0

    def resume(self) -> None:
        """Fade back in where it paused."""
        with self._lock:
            if not self._stopping:
                self._target = 1.0

    def stop(self) -> None:
        """Fade out and drop the rest of the utterance."""
        with self._lock:
            self._target = 0.0
            self._stopping = True

    @property
    def played_s(self) -> float:
        return self._pos / self.rate

    @property
    def queued_s(self) -> float:
        """Audio appended and not yet played."""
        return max(0, len(self._out) - self._pos) / self.rate

    @property
    def paused(self) -> bool:
        return self._target == 0.0 and not self._stopping

    @property
    def sounding(self) -> bool:
        """Audio is going out now (not paused, stopped or run dry)."""
        with self._lock:
            return self._gain > 0.0 and self._pos < len(self._out)

    def played(self) -> PlayedPart:
        with self._lock:
            pos, bounds = self._pos, list(self._bounds)
        done, start = [], 0
        for end, sentence in bounds:
            if pos >= end:
                done.append(sentence)
            elif pos > start:
                return PlayedPart(pos / self.rate, done, sentence, (pos - start) / (end - start))
            else:
                break
            start = end
        return PlayedPart(pos / self.rate, done)

    # -- the output's side --------------------------------------------------
    def pull(self, frames: int) -> tuple[np.ndarray, np.ndarray]:
        """The next ``frames`` output samples and the same span at 16 kHz (zeros when silent)."""
        with self._lock:
            self._total_out += frames
            far_n = self._total_out * STT_RATE // self.rate - self._total_far
            self._total_far += far_n
            out = np.zeros(frames, dtype=np.float32)
            far = np.zeros(far_n, dtype=np.float32)
            avail = len(self._out) - self._pos
            if avail <= 0 or (self._gain == 0.0 and self._target == 0.0):
                return out, far
            n = min(frames, avail)
            gains = self._ramp(n)
            a = self._pos
            out[:n] = self._out[a : a + n] * gains
            fa, fb = a * STT_RATE // self.rate, (a + n) * STT_RATE // self.rate
            k = min(fb - fa, far_n)
            if k > 0:
                idx = np.minimum((np.arange(k) * self.rate) // STT_RATE, n - 1)
                far[:k] = self._far[fa : fa + k] * gains[idx]
            if self.first_audio_at is None and np.any(out[:n]):
                self.first_audio_at = time.monotonic()
            self._pos += int(np.count_nonzero(gains)) if self._target == 0.0 else n
            if self._stopping and self._gain == 0.0:
                self._out = self._out[: self._pos]  # the rest is dropped: it was never heard
                self._far = self._far[: self._pos * STT_RATE // self.rate]
            return out, far

    def _ramp(self, n: int) -> np.ndarray:
        """Per-sample gains moving towards the target at the fade rate (lock held)."""
        if self._gain == self._target:
            return np.full(n, self._gain, dtype=np.float32)
        ms = self.options.fade_out_ms if self._target < self._gain else self.options.fade_in_ms
        step = 1.0 / max(1.0, ms * self.rate / 1000.0)
        direction = 1.0 if self._target > self._gain else -1.0
        gains = self._gain + direction * step * np.arange(1, n + 1, dtype=np.float32)
        gains = np.clip(gains, 0.0, 1.0) if direction > 0 else np.clip(gains, self._target, 1.0)
        if direction > 0:
            gains = np.minimum(gains, self._target)
        self._gain = float(gains[-1])
        return gains.astype(np.float32)

    @property
    def finished(self) -> bool:
        """Everything appended has been played (or the rest was stopped)."""
        with self._lock:
            if self._stopping:
                return self._gain == 0.0
            return self._pos >= len(self._out)
