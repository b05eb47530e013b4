"""The LLM interviewer: the offline planner decides the turn, an LLM phrases it.

Each turn starts with the plan (greeting, question, follow-up or closing, and
what to probe) from the offline engine's planner, so the interview's structure,
question choice and follow-up limits are the same with or without a model. The
model only turns that plan into words, from the prompt built by
:mod:`voiceinterviewer.interviewer.llm_prompt` (persona, level, the plan, and
the conversation with the candidate's answers wrapped as data).

The reply streams: :attr:`Reply.sentences` yields each sentence as soon as it is
complete, cleaned of markdown, with sentences that would tell the candidate a
score, a hire verdict or a level dropped (the words are ``prompts/verdicts.toml``),
and stops after the first question or when the spoken-length budget is used. :meth:`LLMInterviewer.next_reply` waits for the first sentence (at
most ``timeout`` seconds, so the person never hears a longer silence); if the
model fails before that, the turn is phrased by the offline engine, the error
is reported through ``on_error`` and :attr:`Reply.engine` is
``"offline-fallback"``. If the stream breaks later, the reply ends cleanly, and
when nothing said so far asks the candidate anything, the offline phrasing of
the question is added.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from voiceinterviewer.errors import UserError
from voiceinterviewer.interviewer.base import ErrorSink, InterviewContext, Interviewer, Plan, Reply
from voiceinterviewer.interviewer.llm_prompt import (
    LLMInterviewerOptions,
    build_messages,
    load_persona,
)
from voiceinterviewer.interviewer.text import count_words, iter_sentences, strip_markdown
from voiceinterviewer.interviewer.verdicts import load_verdict_words, tells_verdict
from voiceinterviewer.llm.client import ChatStream, LLMConfig, LLMError, stream_chat
from voiceinterviewer.redaction import redact

FALLBACK_ENGINE = "offline-fallback"
ERROR_WHERE = "llm_interviewer"

PlanFn = Callable[[InterviewContext], Plan]
PhraseFn = Callable[[InterviewContext, Plan], list[str]]

_ACTIONS = r"(?:smiles|nods|pauses|laughs|chuckles|leans|sighs|clears)"
_STAGE = re.compile(rf"\[[^\]]*\](?!\()|\*{_ACTIONS}[^*]*\*|\({_ACTIONS}[^)]*\)", re.I)

_ASKING_START = re.compile(
    r"^(?:so|and|now|okay|ok|alright|next|then)?[,\s]*(?:how|what|why|which|when|where|who|"
    r"could you|can you|would you|do you|did you|have you)\b",
    re.I,
)
_PROMPTING = re.compile(
    r"\b(?:tell me|walk me|talk me|take me|describe|give me|say more|go deeper|"
    r"explain (?:how|what|why|your)|share (?:how|what|an?|one))\b",
    re.I,
)


def speakable(raw: str) -> str:
    """A model's sentence as plain words: no markdown, links or stage directions."""
    return strip_markdown(_STAGE.sub(" ", raw)).strip(" \"'\u201c\u201d")


def leaks_assessment(sentence: str) -> bool:
    """True when ``sentence`` tells the candidate a score, a hire verdict or a level.

    The words are ``prompts/verdicts.toml`` (see :mod:`voiceinterviewer.interviewer.verdicts`);
    if they cannot be read mid-interview, nothing is let through unchecked.
    """
    try:
        words = load_verdict_words()
    except UserError:
        return True
    return tells_verdict(sentence, words)


def asks_something(sentence: str) -> bool:
    """True when the sentence asks the candidate a question or gives them a prompt."""
    if sentence.rstrip(" \"'\u201d").endswith("?"):
        return True
    return bool(_ASKING_START.match(sentence) or _PROMPTING.search(sentence))


class PlannedFallback:
    """Plan and offline phrasing from one call to an offline :class:`Interviewer`.

    ``plan(context)`` asks the engine for its reply and keeps it; ``phrase``
    returns that reply's sentences when asked about the same plan, so the
    engine runs once per turn.
    """

    def __init__(self, engine: Interviewer):
        self.engine = engine
        self._last: tuple[Plan, list[str]] | None = None

    def plan(self, context: InterviewContext) -> Plan:
        reply = self.engine.next_reply(context)
        self._last = (reply.plan, list(reply.sentences))
        return reply.plan

    def phrase(self, context: InterviewContext, plan: Plan) -> list[str]:
        if self._last is not None and self._last[0] is plan:
            return list(self._last[1])
        return list(self.engine.next_reply(context).sentences)


class LLMInterviewer:
    """An :class:`Interviewer` whose words come from an LLM, with offline fallback."""

    def __init__(
        self,
        config: LLMConfig,
        fallback: Interviewer | None = None,
        *,
        plan_fn: PlanFn | None = None,
        phrase_fallback: PhraseFn | None = None,
        persona_prompt: str | None = None,
        on_error: ErrorSink | None = None,
        options: LLMInterviewerOptions | None = None,
        persona_path: Path | None = None,
    ):
        if plan_fn is None or phrase_fallback is None:
            if fallback is None:
                raise ValueError(
                    "LLMInterviewer needs an offline fallback or plan_fn+phrase_fallback"
                )
            planned = PlannedFallback(fallback)
            plan_fn = plan_fn or planned.plan
            phrase_fallback = phrase_fallback or planned.phrase
        self.config = config
        self.plan_fn = plan_fn
        self.phrase_fallback = phrase_fallback
        self.on_error = on_error
        self.options = options or LLMInterviewerOptions()
        self._persona = persona_prompt
        self._persona_path = persona_path
        self.last_messages: list[dict] = []

    # -- the prompt ------------------------------------------------------

    @property
    def persona(self) -> str:
        if self._persona is None:
            self._persona = load_persona(self._persona_path)
        return self._persona

    def build_messages(self, context: InterviewContext, plan: Plan) -> list[dict]:
        return build_messages(context, plan, self.persona, self.options)

    # -- the turn --------------------------------------------------------

    def next_reply(self, context: InterviewContext) -> Reply:
        started = time.monotonic()
        plan = self.plan_fn(context)
        stream = None
        try:
            messages = self.build_messages(context, plan)
            self.last_messages = messages
            stream = stream_chat(self.config, messages)
            turn = _SpokenTurn(stream, plan.kind, self.options)
            first = turn.next_sentence(started + self.config.timeout)
            if first is None:
                raise LLMError("the model said nothing speakable", "bad_response")
        except Exception as exc:  # any failure before the first sentence: offline words
            if stream is not None:
                stream.close()
            self._report(exc, "before the first sentence, so the offline phrasing was used")
            return Reply(plan, self.phrase_fallback(context, plan), engine=FALLBACK_ENGINE)
        return Reply(plan, self._sentences(context, plan, turn, first), engine=self.config.model)

    def _sentences(
        self, context: InterviewContext, plan: Plan, turn: _SpokenTurn, first: str
    ) -> Iterator[str]:
        said = [first]
        try:
            yield first
            while True:
                sentence = turn.next_sentence(time.monotonic() + self.config.timeout)
                if sentence is None:
                    break
                said.append(sentence)
                yield sentence
        except LLMError as exc:
            self._report(exc, "mid-reply, so the reply was ended there")
        finally:
            turn.close()
        if plan.kind != "closing" and not any(asks_something(s) for s in said):
            yield from self._fallback_question(context, plan)

    def _fallback_question(self, context: InterviewContext, plan: Plan) -> list[str]:
        sentences = [s for s in self.phrase_fallback(context, plan) if s.strip()]
        asking = [s for s in sentences if asks_something(s)]
        return asking[-1:] if asking else []

    def _report(self, exc: BaseException, what: str) -> None:
        if isinstance(exc, LLMError):
            detail = f"{redact(str(exc), self.config.api_key)} ({exc.kind})"
        else:
            detail = f"unexpected {type(exc).__name__}"
        message = redact(f"{self.config.model} failed {what}: {detail}", self.config.api_key)
        if self.on_error is not None:
            try:
                self.on_error(ERROR_WHERE, message)
            except Exception:
                pass


class _Pieces:
    """The stream's text pieces, each waited for until a deadline the turn moves."""

    def __init__(self, stream: ChatStream):
        self.stream = stream
        self.until = time.monotonic()

    def __iter__(self) -> _Pieces:
        return self

    def __next__(self) -> str:
        return self.stream.next_within(self.until - time.monotonic())


class _SpokenTurn:
    """Hands out the stream's sentences, cleaned, within the spoken-length budget."""

    def __init__(self, stream: ChatStream, kind: str, options: LLMInterviewerOptions):
        self.stream = stream
        self.kind = kind
        self.options = options
        self.pieces = _Pieces(stream)
        self.raw = iter_sentences(self.pieces)
        self.stopped = False
        self.words = 0
        self.count = 0

    def _next_clean(self) -> str | None:
        for raw in self.raw:
            sentence = speakable(raw)
            if any(ch.isalnum() for ch in sentence) and not leaks_assessment(sentence):
                if not sentence.rstrip(" \"')]\u201d").endswith((".", "!", "?")):
                    sentence += "."
                return sentence
        return None

    def next_sentence(self, until: float) -> str | None:
        """The next sentence to say, None when the reply is complete; raises LLMError."""
        if self.stopped:
            return None
        self.pieces.until = until
        sentence = self._next_clean()
        if sentence is None:
            self.close()
            return None
        words = count_words(sentence)
        if words > self.options.max_words and self.count == 0:
            raise LLMError("the reply was too long to speak", "bad_response")
        if self.words + words > self.options.max_words:
            self.close()
            return None
        self.words += words
        self.count += 1
        asked = self.kind != "closing" and sentence.rstrip(" \"')]\u201d").endswith("?")
        if asked or self.count >= self.options.max_sentences:
            self.close()
        return sentence

    def close(self) -> None:
        self.stopped = True
        self.stream.close()


__all__ = [
    "FALLBACK_ENGINE",
    "LLMInterviewer",
    "LLMInterviewerOptions",
    "PlannedFallback",
    "asks_something",
    "leaks_assessment",
    "load_persona",
    "speakable",
]
