"""The question being answered, passed on to the speech model so it expects its terms.

The transcriber is built in the background while the first question is
spoken, so :class:`QuestionHook` keeps the latest question and hands it to the
transcriber once it is attached (and every question after that at once).
The session loop calls the hook as each answer opens, with the question as it
was heard (not when a reply is planned: a reply prepared while the candidate
still speaks must not change what the current answer is heard against), its
bank id and the gap a follow-up probes: what ``transcribe`` reads back from
the journal later, so both prime the speech model alike.
Everything here is thread-safe; the hook is a few dictionary look-ups.
"""

from __future__ import annotations

import threading
from typing import Protocol


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


__all__ = ["QuestionAware", "QuestionHook"]
