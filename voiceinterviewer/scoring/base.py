"""The scorer seam: a recorded session in, a :class:`~voiceinterviewer.scoring.report.Report` out.

A :class:`Scorer` has one method, :meth:`Scorer.score`. The offline scorer
(rubric signals, deterministic) and the LLM scorer (a model reads the
transcript, its claims are checked against the offline baseline) both
implement it; :mod:`voiceinterviewer.scoring.run` picks one and writes the
files. :class:`ScoreOptions` carries what the scoring depends on besides the
transcript: the level the person is aiming for and the ladder to name it on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from voiceinterviewer.scoring.report import Report
from voiceinterviewer.session.record import SessionRecord

TARGET_LEVELS = ("mid", "senior", "staff")


@dataclass
class ScoreOptions:
    # Target level the session is judged against (hire/lean-hire/no-hire): mid, senior, staff.
    level: str = "senior"
    # Ladder for the level label: generic (no label), google (L4-L6), meta (E4-E6), amazon, microsoft.
    ladder: str = "generic"
    # Whole interview time box in minutes (the session's setting).
    time_box: float = 45.0
    # An answer longer than this many seconds of speech is flagged as over its time box.
    answer_time_box: float = 180.0
    # A silence between two words longer than this many seconds is a long pause.
    long_pause: float = 2.0
    # Seconds an LLM scorer may take for the whole transcript before falling back to offline.
    llm_timeout: float = 60.0
    # Retries of a failed LLM scoring call before falling back.
    llm_retries: int = 1

    @classmethod
    def from_session_settings(cls, settings: dict[str, Any], **overrides: Any) -> ScoreOptions:
        """Options from a session's recorded settings; ``overrides`` that are not None win."""
        options = cls()
        level = settings.get("level")
        if isinstance(level, str) and level in TARGET_LEVELS:
            options.level = level
        ladder = settings.get("ladder")
        if isinstance(ladder, str) and ladder:
            options.ladder = ladder
        time_box = settings.get("time_box")
        if isinstance(time_box, (int, float)) and not isinstance(time_box, bool) and time_box > 0:
            options.time_box = float(time_box)
        for key, value in overrides.items():
            if value is not None and hasattr(options, key):
                setattr(options, key, value)
        if options.level not in TARGET_LEVELS:
            options.level = "senior"
        return options


class Scorer(Protocol):
    def score(self, record: SessionRecord, options: ScoreOptions) -> Report: ...
