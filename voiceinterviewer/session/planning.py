"""What the interviewer says next, planned in the background, or prepared before the answer ended.

While the candidate is silent but the words already sound finished, the next
reply is prepared (planned and its first sentence synthesised) on a copy of
the context; if the final words match, it is spoken at once when the turn
ends. Otherwise the reply is planned when the answer is over. Either way the
session goes on listening meanwhile: a plan is a ``Future``. A request to
repeat the question is answered with the question again, whatever the engine.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.interviewer.base import InterviewContext, Interviewer, Plan, Reply
from voiceinterviewer.voice.base import Voice


@dataclass
class Prepared:
    text: str  # the answer text this reply was prepared for
    reply: Reply
    sentences: list[str]
    first: tuple[str, Clip] | None


def done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


class Planner:
    def __init__(
        self,
        interviewer: Interviewer,
        voice: Voice,
        context: InterviewContext,
        now: Callable[[], float],
        run: Callable[[Callable], Future],
        speculate: bool = True,
    ):
        self.interviewer = interviewer
        self.voice = voice
        self.context = context
        self.now = now
        self.run = run  # runs a function in the background, counted as pending work
        self.speculate = speculate
        self._spec: tuple[str, Future] | None = None  # the words a reply is being prepared for
        self.last_question: tuple[Plan, str] | None = None  # plan and full text of the last one

    def _prepare(self, text: str) -> Prepared:
        ctx = copy.deepcopy(self.context)
        ctx.history[-1].answer = text
        ctx.elapsed_s = self.now()
        reply = self.interviewer.next_reply(ctx)
        sentences = [s for s in reply.sentences if s.strip()]
        first = (sentences[0], self.voice.synthesize(sentences[0])) if sentences else None
        return Prepared(text, replace(reply, sentences=sentences), sentences, first)

    def words_sound_finished(self, text: str) -> None:
        """The answer so far sounds finished: prepare the reply to exactly these words."""
        if self.speculate and self.context.history:
            self._spec = (text, self.run(lambda: self._prepare(text)))

    def forget(self) -> None:
        self._spec = None

    def next(self, answer_text: str | None, repeat: bool = False) -> Future:
        """The plan of the next reply: prepared for ``answer_text`` if one was, else planned now."""
        spec, self._spec = self._spec, None
        if answer_text is not None and spec is not None and spec[0] == answer_text:
            spec[1].speculative = True  # type: ignore[attr-defined]
            return spec[1]
        if repeat and self.last_question is not None:
            plan, text = self.last_question
            return done(Reply(plan, ["Sure.", text], engine="repeat"))
        self.context.elapsed_s = self.now()
        ctx = self.context
        return self.run(lambda: self.interviewer.next_reply(ctx))

    def result(self, plan: Future) -> tuple[Reply, Prepared | None]:
        """The reply a finished plan holds; a prepared one that failed is planned again now."""
        try:
            value = plan.result()
        except Exception:
            if not getattr(plan, "speculative", False):
                raise
            self.context.elapsed_s = self.now()
            value = self.interviewer.next_reply(self.context)
        if isinstance(value, Prepared):
            return value.reply, value
        return value, None
