"""A scripted candidate: answers from audio files (or synthesised text) instead of a microphone.

Each answer is fed block by block through the same end-of-turn detection and
transcription as live audio, followed by silence until the turn ends. When
the script runs out, :meth:`read` returns None and the interview closes.
Time here is audio time, not wall-clock time, so a scripted interview runs as
fast as the models allow.
"""

from __future__ import annotations

import time

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.ports import BLOCK


class ScriptedSource:
    def __init__(self, answers: list[Clip], lead_in: float = 0.3, speed: float = 0.0):
        """``speed`` > 0 paces reading at that multiple of real time (1.0 = like a microphone)."""
        self.answers = [a.resampled(STT_RATE) for a in answers]
        self.lead_in = lead_in
        self.speed = speed
        self._t0 = 0.0
        self._current: np.ndarray | None = None
        self._pos = 0
        self._next = 0
        self.finished = False

    def begin_answer(self) -> None:
        """Move to the next scripted answer (called when the interviewer starts listening)."""
        if self._next >= len(self.answers):
            self._current = None
            self.finished = True
            return
        lead = np.zeros(int(self.lead_in * STT_RATE), dtype=np.float32)
        self._current = np.concatenate([lead, self.answers[self._next].samples])
        self._next += 1
        self._pos = 0
        self._t0 = time.monotonic()

    def read(self) -> np.ndarray | None:
        if self._current is None:
            return None
        block = self._current[self._pos : self._pos + BLOCK]
        self._pos += BLOCK
        if self.speed > 0:
            due = self._t0 + self._pos / STT_RATE / self.speed
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        if len(block) < BLOCK:
            block = np.concatenate([block, np.zeros(BLOCK - len(block), dtype=np.float32)])
        return block
