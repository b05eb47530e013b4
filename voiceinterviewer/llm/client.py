"""Chat with any LLM through litellm, with hard time limits and one error type.

litellm takes seconds to import, so it is imported lazily: the CLI calls
:func:`start_background_import` at startup and the import runs in a daemon
thread while the person settles in; :func:`chat` and :func:`stream_chat` wait
for it. ``LITELLM_LOCAL_MODEL_COST_MAP`` is set first so the import never
reaches for the network, and litellm's logging and banners are silenced.

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

Every failure surfaces as :class:`LLMError` with a short message and a
``kind``; API keys are redacted from messages and never logged. Model strings
are litellm's: ``ollama/llama3.1``, ``gpt-4o-mini``, ``openai/NAME`` with an
``api_base`` for any OpenAI-compatible server.
"""

from __future__ import annotations

import email.utils
import importlib.util
import logging
import os
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any


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


class LLMError(Exception):
    """Any LLM failure, as one short line without secrets.

    ``kind`` is one of: timeout, rate_limit, server, connection, bad_response,
    auth, not_found, bad_request, unavailable, unexpected.
    """

    def __init__(self, message: str, kind: str = "unexpected", retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in ("rate_limit", "server", "connection", "bad_response")


# -- the lazy import ----------------------------------------------------------

_import_lock = threading.Lock()
_import_done = threading.Event()
_import_thread: threading.Thread | None = None
_litellm: Any = None
_import_error: str = ""

QUIET_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm", "httpx", "openai")


def litellm_available() -> bool:
    """True when litellm is installed (checked without importing it)."""
    return importlib.util.find_spec("litellm") is not None


def _import_litellm() -> None:
    global _litellm, _import_error
    try:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        os.environ.setdefault("LITELLM_LOG", "CRITICAL")
        import litellm

        litellm.suppress_debug_info = True
        litellm.set_verbose = False
        litellm.turn_off_message_logging = True
        litellm.drop_params = True
        litellm.telemetry = False
        litellm.num_retries = 0
        for name in QUIET_LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(logging.CRITICAL)
            logger.propagate = False
        _litellm = litellm
    except ImportError:
        _import_error = 'litellm is not installed: pip install "voiceinterviewer[llm]"'
    except Exception as exc:  # a broken install must not crash the session
        _import_error = f"litellm failed to import: {type(exc).__name__}"
    finally:
        _import_done.set()


def start_background_import() -> None:
    """Start importing litellm in a daemon thread (once); returns at once."""
    global _import_thread
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    with _import_lock:
        if _import_thread is None:
            _import_thread = threading.Thread(
                target=_import_litellm, name="litellm-import", daemon=True
            )
            _import_thread.start()


def _wait_for_litellm(deadline: float) -> Any:
    start_background_import()
    if not _import_done.wait(max(0.0, deadline - time.monotonic())):
        raise LLMError("litellm is still loading", "timeout")
    if _litellm is None:
        raise LLMError(_import_error or "litellm is not available", "unavailable")
    return _litellm


# -- errors -------------------------------------------------------------------

_SECRET_PATTERNS = (
    re.compile(r"\b(sk|pk|rk|gsk|xai)-[A-Za-z0-9_\-]{6,}"),
    re.compile(r"(?i)(bearer\s+)\S+"),
    re.compile(r"(?i)(api[_\- ]?key[\"'\s:=]+)[^\s\"',}]+"),
)
_LITELLM_PREFIX = re.compile(
    r"^(?:litellm\.\w+:\s*)*(?:\w+Error:\s*)*(?:\w+Exception\s*-\s*)*(?:litellm\.\w+:\s*)*"
)


def redact(text: str, api_key: str = "") -> str:
    """``text`` with the API key and anything shaped like a secret replaced by ``***``."""
    if api_key and len(api_key) >= 4:
        text = text.replace(api_key, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + "***", text)
    return text


def _detail(exc: BaseException, config: LLMConfig) -> str:
    text = " ".join(str(exc).split())
    text = _LITELLM_PREFIX.sub("", text)
    text = redact(text, config.api_key)
    return text[:100].rstrip(" .,:;-") if text else ""


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
    if not headers:
        return None
    try:
        value = headers.get("retry-after-ms")
        if value:
            return max(0.0, float(value) / 1000.0)
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, AttributeError):
        return None


def to_llm_error(exc: BaseException, config: LLMConfig, mid_stream: bool = False) -> LLMError:
    """Map any exception from litellm/httpx/openai to a short :class:`LLMError`."""
    if isinstance(exc, LLMError):
        return exc
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    detail = _detail(exc, config)
    lowered = detail.lower()
    where = config.api_base or config.model
    if "Timeout" in name or "timed out" in lowered:
        return LLMError(f"no reply within {config.timeout:g} s", "timeout")
    if mid_stream or "MidStream" in name or "peer closed" in lowered:
        return LLMError("the reply stream broke off", "connection")
    if status == 429 or "RateLimit" in name:
        return LLMError("rate limited by the server (HTTP 429)", "rate_limit", _retry_after(exc))
    if status in (401, 403) or name in ("AuthenticationError", "PermissionDeniedError"):
        return LLMError(f"the server rejected the credentials (HTTP {status or 401})", "auth")
    if status == 404 or name == "NotFoundError":
        return LLMError(f"model {config.model!r} not found at {where}", "not_found")
    if "connection error" in lowered or "Connection" in name or "connect" in lowered:
        return LLMError(f"connection to {where} failed", "connection")
    if (
        "expecting value" in lowered
        or "json" in lowered
        or "choices" in lowered
        or "validation" in lowered
        or "ResponseValidation" in name
    ):
        return LLMError("the server's reply was not a chat completion", "bad_response")
    if isinstance(status, int) and status >= 500:
        suffix = f": {detail}" if detail else ""
        return LLMError(f"server error (HTTP {status}){suffix}", "server")
    if isinstance(status, int) and 400 <= status < 500:
        suffix = f": {detail}" if detail else ""
        return LLMError(f"the server refused the request (HTTP {status}){suffix}", "bad_request")
    if "LLM Provider NOT provided" in str(exc) or "BadRequest" in name:
        return LLMError(f"litellm cannot use model {config.model!r}", "bad_request")
    return LLMError(f"{name}: {detail}" if detail else name, "unexpected")


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
            litellm = _wait_for_litellm(self.deadline)
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
