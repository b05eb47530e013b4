"""A scripted candidate: answers from audio files (or synthesised text) instead of a microphone.

The script runs on the same timeline as the interviewer, like a person at a
microphone: the source is read block by block for the whole session, silence
between answers, and the interviewer's speech takes up time on it too. Each
answer starts when the interviewer finishes a question (:meth:`cue` with
``"question_ended"``) plus a short lead-in, and then plays to its end whatever
the interviewer does, so an answer with long thinking pauses talks over an
interviewer who replied too early, exactly as a person would. An answer may
instead start a moment after a question *starts* (``after="question_started"``),
to talk over it on purpose.

When the script has run out and the interviewer finishes one more question,
:meth:`read` returns None and the interview closes.

Time here is audio time. With ``speed`` 0 the script is read as fast as the
session consumes it; ``idle`` (optional) is waited on before each block, so a
session that waits for its background work (transcription, planning, speech)
to finish before time moves on behaves the same on a fast or a slow machine.
With ``speed`` 1.0 the script is paced like a microphone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.ports import BLOCK

QUESTION_STARTED = "question_started"
QUESTION_ENDED = "question_ended"


@dataclass
class ScriptedAnswer:
    clip: Clip
    # What the answer waits for: the interviewer finishing a question, or starting one.
    after: str = QUESTION_ENDED
    # Seconds after that moment when the candidate starts speaking.
    delay: float = 0.3


class Idle(Protocol):
    def wait(self) -> None:
        """Return once no background work is pending."""
        ...


class ScriptedSource:
    def __init__(
        self,
        answers: list[Clip | ScriptedAnswer],
        lead_in: float = 0.3,
        speed: float = 0.0,
        idle: Idle | None = None,
    ):
        self.answers = [
            a if isinstance(a, ScriptedAnswer) else ScriptedAnswer(a, delay=lead_in)
            for a in answers
        ]
        for a in self.answers:
            a.clip = a.clip.resampled(STT_RATE)
        self.speed = speed
        self.idle = idle
        self._pos = 0  # samples read so far
        self._next = 0  # index of the next answer to schedule
        self._playing: list[tuple[int, np.ndarray]] = []  # (start sample, samples)
        self._ended = False
        self._t0: float | None = None
        self.started_at: list[float] = []  # timeline seconds at which each answer began

    @property
    def position(self) -> float:
        """Seconds of the timeline read so far."""
        return self._pos / STT_RATE

    @property
    def finished(self) -> bool:
        return self._ended

    def cue(self, event: str) -> None:
        """The interviewer started or finished a question: start the answer waiting for it."""
        busy_until = max((s + len(a) for s, a in self._playing), default=self._pos)
        if self._next >= len(self.answers):
            if event == QUESTION_ENDED and busy_until <= self._pos:
                self._ended = True
            return
        answer = self.answers[self._next]
        if answer.after != event:
            return
        start = max(self._pos + int(answer.delay * STT_RATE), busy_until)
        self._playing.append((start, answer.clip.samples))
        self.started_at.append(start / STT_RATE)
        self._next += 1

    def begin_answer(self) -> None:
        """Start the next answer now (for a listener used on its own, without a session)."""
        self.cue(QUESTION_ENDED)

    def read(self) -> np.ndarray | None:
        if self._ended:
            return None
        if self.idle is not None and self.speed <= 0:
            self.idle.wait()
        a, b = self._pos, self._pos + BLOCK
        block = np.zeros(BLOCK, dtype=np.float32)
        for start, samples in self._playing:
            lo, hi = max(a, start), min(b, start + len(samples))
            if lo < hi:
                block[lo - a : hi - a] += samples[lo - start : hi - start]
        self._playing = [(s, x) for s, x in self._playing if s + len(x) > b]
        self._pos = b
        if self.speed > 0:
            if self._t0 is None:
                self._t0 = time.monotonic()
            delay = self._t0 + self._pos / STT_RATE / self.speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        return block
