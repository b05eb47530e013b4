"""The interviewer's content as frozen dataclasses: questions, phrases, ladders, tracks.

Everything the interviewer says lives as text under ``prompts/``;
:mod:`voiceinterviewer.interviewer.bank_files` reads and checks it into a
:class:`Bank`. Placeholders in spoken text are ``{level}``, ``{next_level}``
and ``{company}`` (from the chosen ladder), plus ``{story}`` in
``story_questions`` and ``story_follow_ups`` (with ``{follow_up}``) and
``{systems}``, ``{duty}`` and ``{role}`` in ``job_frames``
(:data:`EXTRA_PLACEHOLDERS`); :func:`fill` replaces them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from voiceinterviewer.errors import UserError

LEVELS: tuple[str, ...] = ("mid", "senior", "staff")
LADDER_LEVELS: tuple[str, ...] = ("mid", "senior", "staff", "principal")
QUESTION_TRACKS: tuple[str, ...] = ("intro", "behavioral", "leadership", "system-design", "career")
STORY_GAPS: tuple[str, ...] = tuple(
    "impact ownership alternatives scope influence conflict staff".split()
)
SD_GAPS: tuple[str, ...] = tuple(
    "capacity sharding caching replication scaling failure_modes api data_model monitoring".split()
)
GAPS: tuple[str, ...] = STORY_GAPS + SD_GAPS
PLACEHOLDERS: frozenset[str] = frozenset({"level", "next_level", "company"})
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_]\w*)\}")
PHRASE_LISTS = tuple(
    "greetings frames openers acknowledgements follow_up_acks story_questions closings "
    "time_up_closings end_requested_closings".split()
)
# Lists a phrases file may leave out, and the placeholders each list may use beyond the ladder's.
OPTIONAL_PHRASE_LISTS = ("story_follow_ups", "job_frames")
EXTRA_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "story_questions": frozenset({"story"}),
    "story_follow_ups": frozenset({"story", "follow_up"}),
    "job_frames": frozenset({"systems", "duty", "role"}),
}


@dataclass(frozen=True)
class Question:
    id: str
    track: str
    text: str
    levels: tuple[str, ...]
    signals: tuple[str, ...]
    follow_ups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()  # gaps worth probing, in order; empty: the track's order
    source: str = ""  # the file it came from
    # the question's own design topics: name -> cues (the rubric's cue language)
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Ladder:
    name: str
    company: str
    labels: dict[str, str]  # mid, senior, staff, principal -> spoken label

    def label(self, level: str) -> str:
        return self.labels.get(level, level)

    def next_label(self, level: str) -> str:
        order = LADDER_LEVELS
        index = order.index(level) + 1 if level in order else len(order) - 1
        return self.labels[order[min(index, len(order) - 1)]]


@dataclass(frozen=True)
class TrackPlan:
    name: str
    title: str
    steps: tuple[str, ...]  # the question track of each main question
    optional: tuple[str, ...] = ()  # dropped first when fewer questions are asked
    fill: str = "behavioral"  # used when more questions are asked than steps

    def step_tracks(self, count: int = 0) -> list[str]:
        """The question track of each main question for ``count`` questions (0 = the plan)."""
        steps = list(self.steps)
        if count <= 0 or count == len(steps):
            return steps
        if count > len(steps):
            return steps + [self.fill] * (count - len(steps))
        drop = len(steps) - count
        for name in self.optional:
            while drop and name in steps:
                steps.remove(name)
                drop -= 1
        return steps[: len(steps) - drop] if drop else steps


@dataclass(frozen=True)
class Phrases:
    greetings: tuple[str, ...]
    frames: tuple[str, ...]
    openers: tuple[str, ...]
    acknowledgements: tuple[str, ...]
    follow_up_acks: tuple[str, ...]
    story_questions: tuple[str, ...]
    closings: tuple[str, ...]
    time_up_closings: tuple[str, ...]
    end_requested_closings: tuple[str, ...]
    transitions: dict[str, tuple[str, ...]]  # question track or "same" -> lines
    follow_ups: dict[str, tuple[str, ...]]  # gap -> default phrasings
    story_follow_ups: tuple[str, ...] = ()  # a follow-up naming the person's story
    job_frames: tuple[str, ...] = ()  # a line naming the role before a question


@dataclass(frozen=True)
class Bank:
    root: Path
    questions: dict[str, Question]  # in file order
    tracks: dict[str, TrackPlan]
    ladders: dict[str, Ladder]
    phrases: Phrases
    persona: str
    follow_up_caps: dict[str, int]
    minutes: dict[str, float]  # least minutes worth starting a question of a track

    def question(self, question_id: str) -> Question:
        try:
            return self.questions[question_id]
        except KeyError:
            raise UserError(
                f"unknown question id {question_id!r} (ids are in {self.root / 'questions'})"
            ) from None

    def by_track(self, track: str) -> list[Question]:
        return [q for q in self.questions.values() if q.track == track]

    def track_plan(self, name: str) -> TrackPlan:
        try:
            return self.tracks[name]
        except KeyError:
            raise UserError(
                f"unknown track {name!r}; choose one of {', '.join(self.tracks)}"
            ) from None

    def ladder(self, name: str) -> Ladder:
        try:
            return self.ladders[name]
        except KeyError:
            raise UserError(
                f"unknown ladder {name!r}; choose one of {', '.join(self.ladders)}"
            ) from None

    def values(self, ladder: str, level: str) -> dict[str, str]:
        """Placeholder values for a ladder and target level."""
        chosen = self.ladder(ladder)
        return {
            "level": chosen.label(level),
            "next_level": chosen.next_label(level),
            "company": chosen.company,
        }

    def follow_up_phrasings(self, question: Question | None, gap: str) -> tuple[str, ...]:
        """The question's own phrasings for a gap, else the defaults."""
        if question is not None and question.follow_ups.get(gap):
            return question.follow_ups[gap]
        return self.phrases.follow_ups.get(gap, ())


def fill(template: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders present in ``values``; leave anything else as written."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), template)


__all__ = ["GAPS", "LEVELS", "QUESTION_TRACKS", "SD_GAPS", "STORY_GAPS", "Bank", "Ladder"]
__all__ += ["Phrases", "Question", "TrackPlan", "fill"]
