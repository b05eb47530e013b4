"""The follow-up policy: after an answer, probe a gap, move to the next question, or close.

A real senior interviewer does not move on after a vague story; they dig into
what is missing. This module decides what is missing from the signals of the
answers so far in the current question's thread (see
:mod:`voiceinterviewer.signals`) and the question's track:

- stories (behavioural, leadership): no number or business outcome -> ``impact``;
  "we" everywhere -> ``ownership``; no options weighed -> ``alternatives``;
  single-team reach for a senior or staff target -> ``scope``; for leadership
  no one beyond the team -> ``influence``, no pushback -> ``conflict``; a strong
  senior story with nothing missing -> ``staff`` (once per interview);
- system design: no numbers -> ``capacity``; no failure handling ->
  ``failure_modes``; then sharding, caching, replication (and consensus),
  scaling, data model, API, monitoring, in that order;
- intro and career: a probe for ``scope`` (and ``influence`` for career).

Each gap is probed at most once per question, at most ``max_follow_ups``
times per question, and only while the time box leaves room for the
remaining main questions and the closing. A request to end closes at once.
The policy is a pure function of :class:`ThreadState`, so it is easy to test
and the same for the offline and LLM engines.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceinterviewer.signals import AnswerSignals, analyze_answer

GAP_ORDER: dict[str, tuple[str, ...]] = {
    "behavioral": ("impact", "ownership", "alternatives", "scope", "staff"),
    "leadership": (
        "impact",
        "ownership",
        "influence",
        "conflict",
        "alternatives",
        "scope",
        "staff",
    ),
    "system-design": (
        "capacity",
        "failure_modes",
        "sharding",
        "caching",
        "replication",
        "scaling",
        "data_model",
        "api",
        "monitoring",
    ),
    "intro": ("scope",),
    "career": ("scope", "influence"),
}


@dataclass
class PolicyOptions:
    # Seconds kept at the end of the time box for the closing.
    wrap_reserve_s: float = 45.0
    # Seconds a follow-up exchange takes, roughly; one is asked only if this fits.
    follow_up_s: float = 90.0
    # "We" at least this many times with "I" under a third of pronouns counts as "we everywhere".
    we_everywhere: int = 3


@dataclass
class ThreadState:
    """Everything the policy needs about the current main question and the interview."""

    track: str  # the current main question's track
    answer_text: str  # the answers in this question's thread, joined
    level: str = "senior"  # target level
    probed: tuple[str, ...] = ()  # gaps already probed for this question
    follow_ups: int = 0  # follow-ups already asked for this question
    max_follow_ups: int = 2  # limit for this question
    time_left_s: float = 3600.0
    next_question_s: float = 0.0  # least time the next main question needs (0: none left)
    later_questions_s: float = 0.0  # least time all remaining main questions need
    questions_left: int = 0  # main questions not yet asked
    staff_asked: bool = False  # the staff question (follow-up or main) was asked already
    end_requested: bool = False
    gap_order: tuple[str, ...] = ()  # the question's own gaps to probe; empty: the track's


@dataclass
class Gap:
    name: str
    reason: str  # what the answer lacked, for notes and the journal


@dataclass
class Move:
    action: str  # follow_up, next, close
    gap: str = ""
    reason: str = ""  # why: the gap's reason, or end_requested / time / plan_done


def _ownership_weak(s: AnswerSignals, options: PolicyOptions) -> bool:
    return s.we_count >= options.we_everywhere and s.i_count * 2 < s.we_count


def find_gaps(
    signals: AnswerSignals,
    track: str,
    level: str = "senior",
    staff_asked: bool = False,
    options: PolicyOptions | None = None,
    order: tuple[str, ...] = (),
) -> list[Gap]:
    """Every gap in the answer worth probing, most important first.

    ``order`` is the question's own list of gaps worth probing; without it the
    track's :data:`GAP_ORDER` is used.
    """
    options = options or PolicyOptions()
    s = signals
    gaps: list[Gap] = []
    senior = level in ("senior", "staff")
    for name in order or GAP_ORDER.get(track, GAP_ORDER["behavioral"]):
        reason = ""
        if name == "impact":
            missing = [
                what
                for what, ok in (("number", s.metrics), ("business outcome", s.business_outcomes))
                if not ok
            ]
            reason = f"no {' or '.join(missing)}" if missing else ""
        elif name == "ownership":
            if _ownership_weak(s, options):
                reason = f'"we" {s.we_count} times, "I" {s.i_count} times'
        elif name == "alternatives":
            reason = "" if s.alternatives else "no alternatives or trade-offs named"
        elif name == "scope":
            applies = senior or track in ("intro", "career")
            reason = (
                f"scope level {s.scope_level}: reach beyond one team unclear"
                if applies and s.scope_level < 2
                else ""
            )
        elif name == "influence":
            reason = "" if s.cross_team else "no one beyond the team mentioned"
        elif name == "conflict":
            reason = "" if s.conflict else "no pushback or disagreement described"
        elif name == "staff":
            strong = (
                s.scope_level >= 2
                and s.metrics
                and s.business_outcomes
                and not _ownership_weak(s, options)
            )
            reason = (
                "strong senior story: test for the next level"
                if senior and strong and not staff_asked
                else ""
            )
        elif name == "capacity":
            reason = "" if (s.scale or s.metrics) else "no numbers: no load or storage estimate"
        else:  # the other system design topics
            reason = "" if s.sd_topics.get(name) else f"{name.replace('_', ' ')} not discussed"
        if reason:
            gaps.append(Gap(name, reason))
    return gaps


def choose_move(
    state: ThreadState, signals: AnswerSignals | None = None, options: PolicyOptions | None = None
) -> Move:
    """Probe a gap, move on, or close; see the module docstring for the rules."""
    options = options or PolicyOptions()
    if state.end_requested:
        return Move("close", reason="end_requested")
    spare = state.time_left_s - options.wrap_reserve_s
    if spare <= 0:
        return Move("close", reason="time")
    room_for_follow_up = spare - state.later_questions_s >= options.follow_up_s
    if state.follow_ups < state.max_follow_ups and room_for_follow_up:
        signals = signals or analyze_answer(state.answer_text)
        gaps = find_gaps(
            signals, state.track, state.level, state.staff_asked, options, state.gap_order
        )
        for gap in gaps:
            if gap.name not in state.probed:
                return Move("follow_up", gap=gap.name, reason=gap.reason)
    if state.questions_left <= 0:
        return Move("close", reason="plan_done")
    if spare < state.next_question_s:
        return Move("close", reason="time")
    return Move("next")


__all__ = ["GAP_ORDER", "Gap", "Move", "PolicyOptions", "ThreadState", "choose_move", "find_gaps"]
