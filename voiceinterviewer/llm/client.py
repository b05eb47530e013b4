"""Chat with any LLM through litellm, with hard time limits and one error type.

litellm is imported lazily (see :mod:`voiceinterviewer.llm.loader`): the CLI
calls :func:`start_background_import` at startup, and :func:`chat` and
:func:`stream_chat` wait for it.

Every call runs in a worker thread that feeds a queue, and the caller waits on
that queue with a deadline, so a hung server cannot hold the person in silence:

* ``timeout`` bounds the whole call up to the first text (the import wait,
  every attempt and every retry wait included); after that, each gap between
  streamed pieces is bounded by ``timeout`` again.
* ``retries`` extra attempts are made for failures that may pass (HTTP 5xx,
  429, a refused connection, a garbled body) as long as no text has arrived
  yet; a 429's ``Retry-After`` is honoured when it fits in the time left,
  otherwise the call fails at once. litellm's and the OpenAI SDK's own retries
  are turned off so the count is exact.

Every failure surfaces as :class:`LLMError` (see :mod:`voiceinterviewer.llm.errors`)
with a short message and a ``kind``; API keys are redacted from messages and
never logged. Model strings are litellm's: ``ollama/llama3.1``,
``gpt-4o-mini``, ``openai/NAME`` with an ``api_base`` for any
OpenAI-compatible server.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from voiceinterviewer.llm.errors import LLMError, redact, to_llm_error
from voiceinterviewer.llm.loader import (
    import_ready,
    litellm_available,
    start_background_import,
    wait_for_litellm,
)


@dataclass
class LLMConfig:
    # litellm model string: "ollama/llama3.1", "gpt-4o-mini", "openai/NAME" (with api_base).
    model: str
    # Base URL of the server; empty means the provider's default.
    api_base: str = ""
    # API key; empty means the provider's environment variable. Never shown in repr or logs.
    api_key: str = field(default="", repr=False)
    # Seconds until the first text must arrive (and the longest gap between streamed pieces).
    timeout: float = 8.0
    # Extra attempts after a failure that may pass (5xx, 429, refused connection).
    retries: int = 1


# Re-exported: the client's public API is LLMConfig, LLMError, start_background_import,
# stream_chat and chat.
__all__ = [
    "ChatStream",
    "LLMConfig",
    "LLMError",
    "chat",
    "import_ready",
    "litellm_available",
    "redact",
    "start_background_import",
    "stream_chat",
]


# -- calls --------------------------------------------------------------------

_DELTA, _END, _ERROR = "delta", "end", "error"
RETRY_PAUSE_S = 0.25  # pause before retrying a failure without Retry-After


def _kwargs(config: LLMConfig, messages: list[dict], stream: bool) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": config.model,
        "messages": messages,
        "stream": stream,
        "timeout": config.timeout,
        "max_retries": 0,
        "num_retries": 0,
    }
    if config.api_base:
        kwargs["api_base"] = config.api_base
    if config.api_key:
        kwargs["api_key"] = config.api_key
    elif (
        config.api_base
        and config.model.startswith("openai/")
        and not os.environ.get("OPENAI_API_KEY")
    ):
        kwargs["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore it
    return kwargs


def _chunk_text(chunk: Any) -> str:
    choices = getattr(chunk, "choices", None) or []
    if not choices:
        return ""
    delta = getattr(choices[0], "delta", None)
    content = getattr(delta, "content", None)
    return content if isinstance(content, str) else ""


def _message_text(response: Any) -> str:
    choices = getattr(response, "choices", None) or []
    if not choices:
        return ""
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None)
    return content if isinstance(content, str) else ""


class ChatStream:
    """Text pieces of one chat reply, produced by a worker thread.

    Iterate it like any ``Iterator[str]``; :meth:`next_within` lets a caller
    wait less than ``timeout`` for the next piece; :meth:`close` abandons the
    call (the worker stops at its next chunk).
    """

    def __init__(
        self,
        config: LLMConfig,
        messages: list[dict],
        stream: bool = True,
        extra: dict[str, Any] | None = None,
    ):
        self.config = config
        self.started = time.monotonic()
        self.deadline = self.started + config.timeout
        self.got_text = False
        self.finished = False
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._cancel = threading.Event()
        self._kwargs = _kwargs(config, messages, stream)
        self._kwargs.update(extra or {})
        self._stream = stream
        self._thread = threading.Thread(target=self._work, name="llm-call", daemon=True)
        self._thread.start()

    # -- worker side -----------------------------------------------------

    def _work(self) -> None:
        try:
            litellm = wait_for_litellm(self.deadline)
            if self._cancel.is_set():
                return
            attempt = 0
            while not self._cancel.is_set():
                sent = False
                try:
                    response = litellm.completion(**self._kwargs)
                    if not self._stream:
                        text = _message_text(response)
                        if not text.strip():
                            raise LLMError("the server sent an empty reply", "bad_response")
                        self._queue.put((_DELTA, text))
                        self._queue.put((_END, None))
                        return
                    try:
                        for chunk in response:
                            if self._cancel.is_set():
                                return
                            text = _chunk_text(chunk)
                            if text:
                                sent = True
                                self._queue.put((_DELTA, text))
                    finally:
                        _close_quietly(response)
                    if not sent:
                        raise LLMError("the server sent an empty reply", "bad_response")
                    self._queue.put((_END, None))
                    return
                except Exception as exc:
                    if self._cancel.is_set():
                        return
                    error = to_llm_error(exc, self.config, mid_stream=sent)
                    pause = self._retry_pause(error, attempt, sent)
                    if pause is None:
                        self._queue.put((_ERROR, error))
                        return
                    if self._cancel.wait(pause):
                        return
                    attempt += 1
        except LLMError as error:
            self._queue.put((_ERROR, error))
        except BaseException as exc:  # noqa: BLE001 - the worker must always report
            self._queue.put((_ERROR, to_llm_error(exc, self.config)))

    def _retry_pause(self, error: LLMError, attempt: int, sent: bool) -> float | None:
        """Seconds to wait before another attempt, or None to give up."""
        if sent or not error.retryable or attempt >= self.config.retries:
            return None
        pause = error.retry_after if error.retry_after is not None else RETRY_PAUSE_S
        if time.monotonic() + pause >= self.deadline:
            return None
        return pause

    # -- caller side -----------------------------------------------------

    def next_within(self, seconds: float) -> str:
        """The next non-empty piece within ``seconds``; StopIteration at the end."""
        if self.finished:
            raise StopIteration
        until = time.monotonic() + max(0.0, seconds)
        while True:
            try:
                kind, value = self._queue.get(timeout=max(0.0, until - time.monotonic()))
            except queue.Empty:
                self.close()
                raise LLMError(f"no reply within {self.config.timeout:g} s", "timeout") from None
            if kind == _DELTA:
                if value:
                    self.got_text = True
                    return value
                continue
            self.finished = True
            self._cancel.set()
            if kind == _ERROR:
                raise value
            if not self.got_text:
                raise LLMError("the server sent an empty reply", "bad_response")
            raise StopIteration

    def __iter__(self) -> ChatStream:
        return self

    def __next__(self) -> str:
        if self.got_text:
            wait = self.config.timeout
        else:
            wait = self.deadline - time.monotonic()
        return self.next_within(wait)

    def close(self) -> None:
        self.finished = True
        self._cancel.set()

    def __del__(self) -> None:
        self._cancel.set()


def _close_quietly(response: Any) -> None:
    for target in (response, getattr(response, "completion_stream", None)):
        close = getattr(target, "close", None)
        if callable(close):
            try:
                close()
            except Exception:
                pass


def stream_chat(config: LLMConfig, messages: list[dict]) -> ChatStream:
    """Stream the reply as text pieces (an ``Iterator[str]``); raises :class:`LLMError`."""
    return ChatStream(config, messages, stream=True)


def chat(config: LLMConfig, messages: list[dict], response_format: dict | None = None) -> str:
    """The whole reply text; ``response_format`` e.g. ``{"type": "json_object"}``."""
    extra = {"response_format": response_format} if response_format else None
    call = ChatStream(config, messages, stream=False, extra=extra)
    text = "".join(call)
    if not text.strip():
        raise LLMError("the server sent an empty reply", "bad_response")
    return text
