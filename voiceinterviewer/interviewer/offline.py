"""The built-in interviewer: the planner's decision, phrased from the editable prompts.

No model and no network: each reply is a short acknowledgement, a transition
when the kind of question changes, and the question or follow-up from the
bank, with ladder placeholders filled ("Why are you going for L5 and not L6?").
Variants are picked with a random generator seeded by the session seed and the
history, so a given seed and history always give the same words, while
different turns and sessions sound different. Lines spoken in the last few
turns are avoided, and a follow-up phrasing is not reused in one interview
while another is left.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from datetime import date

from voiceinterviewer.interviewer.bank import Bank, fill
from voiceinterviewer.interviewer.bank_files import load_bank
from voiceinterviewer.interviewer.base import InterviewContext, Reply
from voiceinterviewer.interviewer.planner import Decision, Planner
from voiceinterviewer.interviewer.policy import PolicyOptions
from voiceinterviewer.interviewer.tailoring import JobProfile
from voiceinterviewer.interviewer.text import split_sentences

_RECENT_TURNS = 3


def _history_key(context: InterviewContext) -> int:
    crc = 0
    for ex in context.history:
        crc = zlib.crc32(
            f"{ex.kind}|{ex.question_id}|{ex.gap}|{ex.text}|{ex.answer or ''}".encode(), crc
        )
    return crc


class OfflineInterviewer:
    """An :class:`~voiceinterviewer.interviewer.base.Interviewer` that needs nothing but the prompts."""

    engine = "offline"

    def __init__(
        self,
        bank: Bank | None = None,
        planner: Planner | None = None,
        options: PolicyOptions | None = None,
        today: date | None = None,
    ):
        self.bank = bank or (planner.bank if planner else load_bank())
        self.planner = planner or Planner(self.bank, options=options, today=today)

    def stock_sentences(self) -> list[str]:
        """The sentences replies open with most (acknowledgements), worth keeping synthesised."""
        phrases = self.bank.phrases
        return [
            sentence
            for line in (*phrases.follow_up_acks, *phrases.acknowledgements)
            for sentence in split_sentences(line)
        ]

    def next_reply(self, context: InterviewContext) -> Reply:
        decision = self.planner.decide(context)
        return Reply(
            plan=decision.plan, sentences=self.render(decision, context), engine=self.engine
        )

    def render(self, decision: Decision, context: InterviewContext) -> list[str]:
        """The sentences for a decision; deterministic for a given seed and history."""
        rng = random.Random(f"{decision.seed}|{len(context.history)}|{_history_key(context)}")
        recent = [ex.text for ex in context.history[-_RECENT_TURNS:]]
        everything = [ex.text for ex in context.history]
        phrases = self.bank.phrases
        values = decision.values
        plan = decision.plan
        parts: list[str] = []

        def pick(options: Sequence[str], avoid: list[str] = recent) -> str:
            fresh = [o for o in options if not any(fill(o, values) in text for text in avoid)]
            return rng.choice(fresh or list(options))

        if plan.kind == "greeting":
            parts.append(pick(phrases.greetings))
            parts.append(pick(phrases.frames))
            if decision.story is None and decision.job is None and rng.random() < 0.5:
                parts.append(pick(phrases.openers))
        elif plan.kind == "question":
            parts.append(pick(phrases.acknowledgements))
            key = "same" if plan.track == decision.previous_track else plan.track
            parts.append(pick(phrases.transitions.get(key) or phrases.transitions["same"]))
        elif plan.kind == "follow_up":
            if rng.random() < 0.6:
                parts.append(pick(phrases.follow_up_acks))
            own = decision.question.follow_ups.get(plan.gap, ()) if decision.question else ()
            defaults = phrases.follow_ups.get(plan.gap, ())
            unused = [
                p for p in (*own, *defaults) if not any(fill(p, values) in t for t in everything)
            ]
            preferred = [p for p in own if p in unused] or unused or list(own or defaults)
            follow_up = pick(preferred, [])
            if decision.story is not None and phrases.story_follow_ups:
                follow_up = fill(
                    pick(phrases.story_follow_ups, []),
                    {
                        "story": decision.story.said,
                        "follow_up": _continued(fill(follow_up, values)),
                    },
                )
            parts.append(follow_up)
        else:
            closings = {
                "end_requested": phrases.end_requested_closings,
                "time": phrases.time_up_closings,
            }.get(decision.reason, phrases.closings)
            parts.append(pick(closings))
        if plan.kind in ("greeting", "question"):
            if decision.job is not None:
                frame = _job_frame(decision.job, phrases.job_frames, pick)
                if frame:
                    parts.append(frame)
            if decision.story is not None:
                parts.append(fill(pick(phrases.story_questions), {"story": decision.story.said}))
            else:
                parts.append(plan.question_text)
        sentences: list[str] = []
        for part in parts:
            sentences.extend(split_sentences(fill(part, values)))
        return sentences


def _continued(text: str) -> str:
    """A phrasing that now follows a clause: its first letter lower case ("What..." -> "what...")."""
    first = text.split(" ", 1)[0]
    if first in ("I", "I'm", "I'd") or first.isupper() or not first[:1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _systems(names: list[str]) -> str:
    names = names[:3]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _job_frame(job: JobProfile, frames: Sequence[str], pick) -> str:
    """A line naming the role, from the frames whose placeholders the job description fills."""
    values = {
        "duty": job.responsibilities[0] if job.responsibilities else "",
        "systems": _systems(job.systems) if job.systems else "",
        "role": job.role,
    }
    usable = [
        f for f in frames if all(values[n] for n in ("duty", "systems", "role") if f"{{{n}}}" in f)
    ]
    return fill(pick(usable), values) if usable else ""


__all__ = ["OfflineInterviewer"]
