"""The interviewer seam: given the interview so far, what does the interviewer say next?

An :class:`Interviewer` has one method, :meth:`Interviewer.next_reply`. The
returned :class:`Reply` carries the plan (what kind of turn, which question,
which gap a follow-up probes) and the words as an iterator of sentences, so an
engine that streams (an LLM) lets the session speak the first sentence while
the rest is still being produced. Offline and LLM engines share the plan; they
differ only in how the words are made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Exchange:
    """One interviewer utterance and the candidate's answer to it (None until answered)."""

    text: str
    kind: str  # greeting, question, follow_up, closing
    question_id: str = ""
    gap: str = ""
    track: str = ""
    answer: str | None = None


@dataclass
class InterviewContext:
    track: str = "senior-loop"
    level: str = "senior"
    ladder: str = "generic"
    max_follow_ups: int = 2
    questions: int = 0  # main questions to ask; 0 = the track's plan
    elapsed_s: float = 0.0
    time_box_s: float = 45 * 60.0
    history: list[Exchange] = field(default_factory=list)
    job_text: str = ""
    stories_text: str = ""
    avoid_ids: list[str] = field(default_factory=list)  # asked in recent sessions
    seed: str = ""  # empty: one per day
    first_question: str = ""  # a question id to ask first
    end_requested: bool = False  # the candidate said "end interview" or pressed Ctrl-C

    @property
    def time_left_s(self) -> float:
        return self.time_box_s - self.elapsed_s


@dataclass
class Plan:
    """What the next turn is, decided before any words are made."""

    kind: str  # greeting, question, follow_up, closing
    question_id: str = ""
    track: str = ""
    gap: str = ""  # for follow-ups: impact, ownership, alternatives, capacity, ...
    notes: list[str] = field(default_factory=list)  # what to probe, for an LLM phraser
    question_text: str = ""  # the bank's wording of the main question, if any

    @property
    def done(self) -> bool:
        return self.kind == "closing"


@dataclass
class Reply:
    plan: Plan
    sentences: Iterable[str]  # consumed once, sentence by sentence
    engine: str = "offline"

    def __iter__(self) -> Iterator[str]:
        return iter(self.sentences)


class Interviewer(Protocol):
    def next_reply(self, context: InterviewContext) -> Reply:
        """The next turn, as a function of ``context`` alone.

        Engines keep no hidden per-turn state: the session may call this ahead
        of time on a copy of the context (to prepare a reply while the candidate
        is silent) and throw the result away.
        """
        ...


ErrorSink = Callable[[str, str], None]  # (where, message) -> None; journals an error
