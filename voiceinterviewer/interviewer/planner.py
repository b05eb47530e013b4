"""The planner: which question comes next, or which gap to probe, or whether to close.

Both engines share it; it decides *what* the next turn is (a :class:`Plan`)
and the engine decides the words. It is stateless between calls: everything
is derived from the :class:`InterviewContext` and its history, so a replayed
or resumed history gives the same plan.

Question choice (:class:`~voiceinterviewer.interviewer.choice.QuestionChoice`, which
the planner extends):

- the track plan (``prompts/tracks.toml``) gives the question track of each
  main question; ``context.questions`` shortens or extends it;
- candidates are the bank's questions of that track suited to the target
  level; questions in ``context.avoid_ids`` (asked in recent sessions) are
  skipped while others remain;
- of the questions whose keywords appear in the job description or story
  notes, one of those that match the most is chosen;
- with story notes, each story question is asked about one of the person's
  own stories by name ("You mentioned you led the rewrite of the ingestion
  service..."): the note that shares most keywords with it, else the next
  one not yet asked about; its follow-ups probe first what that note leaves
  out (no number: impact; no option weighed: alternatives), and name it;
- with a job description, the first story or design question is framed by
  the role's systems and responsibilities, so it is heard early
  (:mod:`voiceinterviewer.interviewer.tailoring`);
- the choice is random with a seed: ``context.seed`` if given (then fully
  reproducible, and ``avoid_ids`` is ignored), else the date, so the questions
  differ from day to day but stay the same within a day;
- ``context.first_question`` is asked first, replacing the plan's question of
  the same track (and the intro, which only makes sense as an opener).

After each answer the policy (:mod:`voiceinterviewer.interviewer.policy`)
picks a follow-up gap, the next question, or the closing. The whole decision
takes well under a millisecond once the bank is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from voiceinterviewer.interviewer.bank import Bank, Question, fill
from voiceinterviewer.interviewer.base import InterviewContext, Plan
from voiceinterviewer.interviewer.choice import QuestionChoice, effective_seed
from voiceinterviewer.interviewer.policy import (
    GAP_ORDER,
    Move,
    PolicyOptions,
    ThreadState,
    choose_move,
)
from voiceinterviewer.interviewer.tailoring import JobProfile, StoryNote
from voiceinterviewer.signals import AnswerSignals, analyze_answer, merge_signals

MAIN_KINDS = ("greeting", "question")


@dataclass
class Decision:
    """A plan with what an engine needs to phrase it."""

    plan: Plan
    question: Question | None = None  # the main question asked or probed
    story: StoryNote | None = None  # the person's story this question asks about
    job: JobProfile | None = None  # the role that frames this main question
    reason: str = ""  # the gap's reason, or why the interview closes
    values: dict[str, str] = field(default_factory=dict)  # placeholder values
    previous_track: str = ""  # the track of the previous main question ("" for the first)
    seed: str = ""


@dataclass
class _Thread:
    question: Question | None
    question_id: str
    track: str
    follow_ups: int
    probed: tuple[str, ...]
    answers: list[str]
    story: StoryNote | None = None  # the person's story the main question asked about


class Planner(QuestionChoice):
    """Decides each turn from the context; holds only caches, so one planner can serve a session."""

    def __init__(
        self,
        bank: Bank | None = None,
        options: PolicyOptions | None = None,
        today: date | None = None,
    ):
        super().__init__(bank, today)
        self.options = options or PolicyOptions()
        self._signals_cache: dict[str, AnswerSignals] = {}

    # --- the turn -----------------------------------------------------------------------

    def _signals(self, answers: list[str]) -> AnswerSignals:
        """Signals of a thread's answers; each answer is analysed once per planner."""
        parts = []
        for answer in answers:
            found = self._signals_cache.get(answer)
            if found is None:
                if len(self._signals_cache) > 64:
                    self._signals_cache.clear()
                found = self._signals_cache[answer] = analyze_answer(answer)
            parts.append(found)
        return merge_signals(parts)

    def _thread(self, context: InterviewContext) -> _Thread | None:
        history = context.history
        start = None
        for i in range(len(history) - 1, -1, -1):
            if history[i].kind in MAIN_KINDS and history[i].question_id:
                start = i
                break
        if start is None:
            return None
        main = history[start]
        question = self.bank.questions.get(main.question_id)
        thread = history[start:]
        return _Thread(
            question=question,
            question_id=main.question_id,
            track=question.track if question else (main.track or "behavioral"),
            follow_ups=sum(1 for ex in thread if ex.kind == "follow_up"),
            probed=tuple(ex.gap for ex in thread if ex.kind == "follow_up" and ex.gap),
            answers=[ex.answer for ex in thread if ex.answer],
            story=self.stories_for(context).get(main.question_id),
        )

    def _minutes(self, track: str) -> float:
        return self.bank.minutes.get(track, 3.0) * 60.0

    def decide(self, context: InterviewContext, signals: AnswerSignals | None = None) -> Decision:
        """The next turn for this context, with what the engines need to phrase it."""
        seed = effective_seed(context, self.today)
        values = self.bank.values(context.ladder, context.level)
        history = context.history
        asked = [ex.question_id for ex in history if ex.kind in MAIN_KINDS and ex.question_id]
        previous_track = ""
        for ex in reversed(history):
            if ex.kind in MAIN_KINDS and ex.question_id:
                previous_track = ex.track or getattr(
                    self.bank.questions.get(ex.question_id), "track", ""
                )
                break
        if history and history[-1].kind == "closing":
            return self._closing(context, "closed", values, seed, previous_track)
        if not history:
            if context.end_requested:
                return self._closing(context, "end_requested", values, seed, previous_track)
            remaining = self._next_main(context, seed, asked, False)
            if not remaining:
                return self._closing(context, "plan_done", values, seed, previous_track)
            return self._main(context, remaining[0], "greeting", values, seed, previous_track)
        staff_asked = any(ex.gap == "staff" for ex in history) or any(
            "staff" in getattr(self.bank.questions.get(qid), "tags", ()) for qid in asked
        )
        remaining = self._next_main(context, seed, asked, staff_asked)
        thread = self._thread(context)
        cap = context.max_follow_ups
        if thread is not None:
            cap = min(cap, self.bank.follow_up_caps.get(thread.track, cap))
        state = ThreadState(
            track=thread.track if thread else "",
            answer_text=" ".join(thread.answers) if thread else "",
            level=context.level,
            probed=thread.probed if thread else (),
            follow_ups=thread.follow_ups if thread else 0,
            max_follow_ups=cap if thread else 0,
            time_left_s=context.time_left_s,
            next_question_s=self._minutes(remaining[0].track) if remaining else 0.0,
            later_questions_s=sum(self._minutes(q.track) for q in remaining),
            questions_left=len(remaining),
            staff_asked=staff_asked,
            end_requested=context.end_requested,
            gap_order=_gap_order(thread),
        )
        if signals is None and thread is not None:
            signals = self._signals(thread.answers)
        move: Move = choose_move(state, signals, self.options)
        if move.action == "follow_up" and thread is not None:
            return self._follow_up(thread, move, values, seed, previous_track)
        if move.action == "next" and remaining:
            return self._main(context, remaining[0], "question", values, seed, previous_track)
        return self._closing(context, move.reason or "plan_done", values, seed, previous_track)

    def plan(self, context: InterviewContext) -> Plan:
        return self.decide(context).plan

    def _main(
        self, context: InterviewContext, q: Question, kind: str, values, seed, previous_track
    ) -> Decision:
        text = fill(q.text, values)
        story = self.stories_for(context).get(q.id)
        job = self.job(context.job_text) if self.framed_by_job(context) == q.id else None
        notes = [
            f"ask this main question ({q.track}): {text}",
            "a strong answer shows (never say this): " + "; ".join(q.signals),
            f"target level: {values['level']} at {values['company']}",
        ]
        if story is not None:
            notes.append(f"ask about this story from the candidate's notes, by name: {story.text}")
        if job is not None:
            named = ", ".join(job.systems[:3] + job.responsibilities[:1])
            notes.append(
                f"frame it with the role ({job.role or 'from the job description'}): {named}"
            )
        plan = Plan(kind=kind, question_id=q.id, track=q.track, notes=notes, question_text=text)
        return Decision(plan, q, story, job, "", values, previous_track, seed)

    def _follow_up(self, thread: _Thread, move: Move, values, seed, previous_track) -> Decision:
        phrasings = self.bank.follow_up_phrasings(thread.question, move.gap)
        text = fill(thread.question.text, values) if thread.question else ""
        notes = [f"probe the gap: {move.gap}", f"why: {move.reason}"]
        if phrasings:
            notes.append(f"for example: {fill(phrasings[0], values)}")
        if thread.story is not None:
            notes.append(f"about the candidate's story: {thread.story.text}")
        plan = Plan(
            kind="follow_up",
            question_id=thread.question_id,
            track=thread.track,
            gap=move.gap,
            notes=notes,
            question_text=text,
        )
        return Decision(
            plan, thread.question, thread.story, None, move.reason, values, previous_track, seed
        )

    def _closing(
        self, context: InterviewContext, reason: str, values, seed, previous_track
    ) -> Decision:
        plan = Plan(kind="closing", notes=[f"close the interview: {reason}"])
        return Decision(plan, None, None, None, reason, values, previous_track, seed)


def _gap_order(thread: _Thread | None) -> tuple[str, ...]:
    """The gaps worth probing in a thread: what the person's story note leaves out first."""
    if thread is None:
        return ()
    own = thread.question.gaps if thread.question else ()
    if thread.story is None:
        return own
    rest = own or GAP_ORDER.get(thread.track, GAP_ORDER["behavioral"])
    return tuple(dict.fromkeys(thread.story.gaps + tuple(rest)))


def plan_next(
    context: InterviewContext, bank: Bank | None = None, today: date | None = None
) -> Plan:
    """One-off convenience: the next plan for a context."""
    return Planner(bank, today=today).plan(context)


__all__ = ["Decision", "Planner", "plan_next"]
