"""Which main questions an interview asks, in order, and which of the person's stories each is about.

The question-choice half of :class:`~voiceinterviewer.interviewer.planner.Planner`
(the rules are in that module's docstring): the track plan's questions suited
to the level, those that fit the job description and story notes best, a seed
that changes by the day, the story note each story question asks about, and the
question the role frames. Only caches are kept, so one instance serves a
session.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from datetime import date

from voiceinterviewer.interviewer.bank import Bank, Question
from voiceinterviewer.interviewer.bank_files import load_bank
from voiceinterviewer.interviewer.base import InterviewContext
from voiceinterviewer.interviewer.keywords import KeywordIndex, keyword_score
from voiceinterviewer.interviewer.tailoring import JobProfile, StoryNote, read_job, read_stories

STORY_TRACKS = ("behavioral", "leadership")


def effective_seed(context: InterviewContext, today: date | None = None) -> str:
    """The seed used for question choice: the given one, else one per calendar day."""
    if context.seed:
        return context.seed
    return f"day-{(today or date.today()).isoformat()}"


class QuestionChoice:
    """The interview's main questions and the stories they ask about, from the context."""

    def __init__(self, bank: Bank | None = None, today: date | None = None):
        self.bank = bank or load_bank()
        self.today = today or date.today()
        self._sequence_cache: dict[tuple, list[Question]] = {}
        self._index = KeywordIndex(self.bank.questions.values())
        self._keys_cache: dict[str, frozenset[tuple[str, ...]]] = {}
        self._notes: tuple[str, list[StoryNote]] = ("", [])
        self._job: tuple[str, JobProfile] = ("", JobProfile())

    def _keys(self, text: str) -> frozenset[tuple[str, ...]]:
        """The bank keywords found in a text; cached for the session's job and notes."""
        keys = self._keys_cache.get(text)
        if keys is None:
            if len(self._keys_cache) > 8:
                self._keys_cache.clear()
            keys = self._keys_cache[text] = self._index.scan(text)
        return keys

    def _candidates(self, track: str, level: str) -> list[Question]:
        pool = self.bank.by_track(track)
        suited = [q for q in pool if level in q.levels]
        return suited or pool

    def _pick(
        self,
        rng: random.Random,
        track: str,
        level: str,
        exclude: set[str],
        avoid: set[str],
        found: AbstractSet[tuple[str, ...]],
        reject: Callable[[Question], bool] | None = None,
    ) -> Question | None:
        pool = [q for q in self._candidates(track, level) if q.id not in exclude]
        if reject is not None:
            pool = [q for q in pool if not reject(q)] or pool
        fresh = [q for q in pool if q.id not in avoid]
        pool = fresh or pool
        if not pool:
            return None
        scores = [keyword_score(q, found) for q in pool] if found else [0] * len(pool)
        if any(scores):  # the questions that fit the job description and notes best
            best = max(scores)
            return rng.choice([q for q, s in zip(pool, scores, strict=True) if s == best])
        return rng.choice(pool)

    def sequence(self, context: InterviewContext) -> list[Question]:
        """The main questions of the whole interview, in order, for this context."""
        seed = effective_seed(context, self.today)
        avoid = () if context.seed else tuple(context.avoid_ids)
        key = (
            seed,
            context.track,
            context.level,
            context.questions,
            context.first_question,
            avoid,
            context.job_text,
            context.stories_text,
        )
        cached = self._sequence_cache.get(key)
        if cached is not None:
            return cached
        steps = self.bank.track_plan(context.track).step_tracks(context.questions)
        first = self.bank.question(context.first_question) if context.first_question else None
        if first is not None:
            count = len(steps)
            if first.track in steps:
                steps.remove(first.track)
            elif steps:
                steps.pop()
            if first.track != "intro":
                steps = [s for s in steps if s != "intro"]
            fill_track = self.bank.track_plan(context.track).fill
            steps += [fill_track] * (count - 1 - len(steps))
        rng = random.Random(f"{seed}|{context.track}|{context.level}")
        found = (
            self._keys(f"{context.job_text}\n{context.stories_text}")
            if (context.job_text or context.stories_text)
            else frozenset()
        )
        chosen: list[Question] = [first] if first else []
        for track in steps:
            picked = self._pick(
                rng, track, context.level, {q.id for q in chosen}, set(avoid), found
            )
            if picked is None:  # more questions asked than the bank holds: allow repeats
                picked = self._pick(rng, track, context.level, set(), set(), found)
            if picked is not None:
                chosen.append(picked)
        if len(self._sequence_cache) > 16:
            self._sequence_cache.clear()
        self._sequence_cache[key] = chosen
        return chosen

    def notes(self, stories_text: str) -> list[StoryNote]:
        """The story notes, read once per text."""
        if self._notes[0] != stories_text:
            self._notes = (stories_text, read_stories(stories_text) if stories_text else [])
        return self._notes[1]

    def job(self, job_text: str) -> JobProfile:
        """The job description's role, systems and responsibilities, read once per text."""
        if self._job[0] != job_text:
            self._job = (job_text, read_job(job_text) if job_text else JobProfile())
        return self._job[1]

    def stories_for(self, context: InterviewContext) -> dict[str, StoryNote]:
        """Which note each story question of the interview asks about (question id -> note)."""
        notes = self.notes(context.stories_text)
        if not notes:
            return {}
        out: dict[str, StoryNote] = {}
        used: set[int] = set()
        for question in self.sequence(context):
            if question.track not in STORY_TRACKS or len(used) == len(notes):
                continue
            scores = [
                (keyword_score(question, self._keys(note.text)), -i)
                for i, note in enumerate(notes)
                if i not in used
            ]
            _, best = max(scores)
            used.add(-best)
            out[question.id] = notes[-best]
        return out

    def framed_by_job(self, context: InterviewContext) -> str:
        """The main question the role frames: the first story or design question of the plan."""
        if not context.job_text or self.job(context.job_text).empty:
            return ""
        for question in self.sequence(context):
            if question.track in (*STORY_TRACKS, "system-design"):
                return question.id
        return ""

    def _next_main(
        self, context: InterviewContext, seed: str, asked: list[str], staff_asked: bool
    ) -> list[Question]:
        """The main questions still to ask, the next one first, never repeating one asked."""
        sequence = self.sequence(context)
        remaining = list(sequence[len(asked) :])
        if not remaining:
            return []
        nxt = remaining[0]
        if nxt.id in asked or (staff_asked and "staff" in nxt.tags):
            rng = random.Random(f"{seed}|repick|{len(asked)}")
            avoid = set() if context.seed else set(context.avoid_ids)
            exclude = set(asked) | {q.id for q in remaining[1:]}
            replacement = self._pick(
                rng,
                nxt.track,
                context.level,
                exclude,
                avoid,
                set(),
                reject=lambda q: staff_asked and "staff" in q.tags,
            )
            if replacement is not None and replacement.id not in asked:
                remaining[0] = replacement
        return remaining
