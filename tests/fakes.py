"""Scripted fakes for unit seams, in the style of llm's MockModel: enqueue() what they return, read history."""

from __future__ import annotations

import time

import numpy as np

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.interviewer.base import InterviewContext, Plan, Reply
from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.whisper import Transcript


class ScriptedInterviewer:
    """Says the enqueued lines in order; a line enqueued with done=True closes the interview.

    Like a real engine, its reply depends only on the context (the n-th line for
    the n-th turn), so a reply prepared ahead of time is the same as a late one.
    """

    def __init__(self):
        self._lines: list[tuple[str, Plan]] = []
        self.history: list[InterviewContext] = []

    def enqueue(self, text: str, kind: str = "question", done: bool = False, **plan) -> None:
        self._lines.append((text, Plan(kind="closing" if done else kind, **plan)))

    def next_reply(self, context: InterviewContext) -> Reply:
        self.history.append(context)
        turn = len(context.history)
        if turn >= len(self._lines) or context.end_requested:
            return Reply(Plan(kind="closing"), ["Thanks, that's all."], engine="scripted")
        text, plan = self._lines[turn]
        return Reply(plan, [text], engine="scripted")


class RecordingSink:
    """A sink that keeps every clip it is asked to play."""

    def __init__(self):
        self.played: list[Clip] = []

    def play(self, clip: Clip) -> float:
        self.played.append(clip)
        return time.monotonic()

    def stop(self) -> None:
        pass


class ToneVoice:
    """A voice that renders text as a short tone (one 50 ms beep per word)."""

    rate = 16000

    def synthesize(self, text: str) -> Clip:
        n = max(1, len(text.split()))
        t = np.arange(int(0.05 * self.rate * n)) / self.rate
        return Clip((0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), self.rate)


class ScriptedTranscriber:
    """Returns enqueued transcripts in order (empty when none are left)."""

    def __init__(self):
        self._queue: list[str | Transcript] = []
        self.history: list[Clip] = []
        self.prompts: list[str] = []

    def enqueue(self, text: str | Transcript) -> None:
        self._queue.append(text)

    def transcribe(self, clip: Clip, prompt: str = "") -> Transcript:
        self.history.append(clip)
        self.prompts.append(prompt)
        item = self._queue.pop(0) if self._queue else ""
        return item if isinstance(item, Transcript) else Transcript(item)


def transcript_of(rows) -> Transcript:
    """A transcript of (word, start, end, probability) rows, as Whisper would return it."""
    words = [Word(*row) for row in rows]
    return Transcript(" ".join(w.word for w in words), words)
