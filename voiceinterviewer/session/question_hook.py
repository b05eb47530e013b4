"""The question being answered, passed on to the speech model so it expects its terms.

The transcriber is built in the background while the first question is
spoken, so :class:`QuestionHook` keeps the latest question and hands it to the
transcriber once it is attached (and every question after that at once).
:class:`AskingInterviewer` calls the hook with every reply the interviewer
plans: its main question's text and bank id, and the gap a follow-up probes.
Everything here is thread-safe; the hook is a few dictionary look-ups.
"""

from __future__ import annotations

import threading
from typing import Protocol

from voiceinterviewer.interviewer.base import InterviewContext, Interviewer, Reply


class QuestionAware(Protocol):
    def set_question(self, text: str, question_id: str = "", topic: str = "") -> None: ...


class QuestionHook:
    """The latest question, for a transcriber that may not exist yet."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[str, str, str] = ("", "", "")
        self._target: QuestionAware | None = None

    def __call__(self, text: str, question_id: str = "", topic: str = "") -> None:
        with self._lock:
            self._last = (text, question_id, topic)
            if self._target is not None:
                self._target.set_question(text, question_id, topic)

    def attach(self, target: QuestionAware) -> None:
        with self._lock:
            self._target = target
            target.set_question(*self._last)


class AskingInterviewer:
    """An interviewer that tells ``hook`` about each question it plans."""

    def __init__(self, inner: Interviewer, hook: QuestionHook):
        self.inner = inner
        self.hook = hook
        self.engine = getattr(inner, "engine", "")

    def next_reply(self, context: InterviewContext) -> Reply:
        reply = self.inner.next_reply(context)
        plan = reply.plan
        if not plan.done:
            self.hook(plan.question_text, plan.question_id, plan.gap)
        return reply

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


__all__ = ["AskingInterviewer", "QuestionAware", "QuestionHook"]
