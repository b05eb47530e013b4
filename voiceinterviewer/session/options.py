"""What the interview loop (:mod:`voiceinterviewer.session.loop`) takes and gives back.

:class:`SessionOptions` are its settings, :class:`SessionResult` what a whole
session came to, and :class:`Outcome` how one reply ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from voiceinterviewer.interviewer.base import Reply
from voiceinterviewer.listen.answer import Answer, ListenOptions
from voiceinterviewer.listen.bargein import BargeInOptions
from voiceinterviewer.session.speaking import Spoken


@dataclass
class SessionOptions:
    listen: ListenOptions = field(default_factory=ListenOptions)
    barge_in: BargeInOptions = field(default_factory=BargeInOptions)
    # Audio before the noticed start of an interruption that belongs to it (seconds).
    preroll: float = 0.3
    # While paused, the speech so far is transcribed this often (seconds) to find its words.
    probe_every: float = 0.3


@dataclass
class SessionResult:
    folder: Path
    turns: int
    end_reason: str
    latencies_ms: list[float] = field(default_factory=list)
    first_question_at: float | None = None


@dataclass
class Outcome:
    kind: str  # completed, resumed (the previous answer went on), interjection
    spoken: Spoken
    reply: Reply
    answer: Answer | None = None  # the new answer an interjection began
    onset: int = -1  # ear index of speech that had paused the reply when it ended
    prepared: bool = False  # the reply was prepared while the candidate was silent
