"""One error type for every LLM failure, with short messages free of secrets.

litellm, the OpenAI SDK and httpx raise many exception types; :func:`to_llm_error`
maps each to an :class:`LLMError` whose ``kind`` says what happened (timeout,
rate_limit, server, connection, bad_response, auth, not_found, bad_request,
unavailable, unexpected) and whose message is one short line. :func:`redact`
removes the API key and anything shaped like a secret from any text.
"""

from __future__ import annotations

import email.utils
import re
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiceinterviewer.llm.client import LLMConfig


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
    """Map any exception from litellm/httpx/openai to a short :class:`LLMError`.

    The kind comes from the exception's type and what it wraps
    (:func:`voiceinterviewer.llm.classify.classify`), never from its message.
    """
    if isinstance(exc, LLMError):
        return exc
    from voiceinterviewer.llm.classify import classify

    failure = classify(exc, mid_stream)
    kind, reason, status = failure.kind, failure.reason, failure.status
    detail = _detail(exc, config)
    suffix = f": {detail}" if detail else ""
    where = config.api_base or config.model
    if kind == "timeout":
        return LLMError(f"no reply within {config.timeout:g} s", "timeout")
    if reason == "stream_broke":
        return LLMError("the reply stream broke off", "connection")
    if kind == "connection":
        target = config.api_base or f"the server for {config.model}"
        return LLMError(f"could not connect to {target}", "connection")
    if kind == "rate_limit":
        return LLMError("rate limited by the server (HTTP 429)", "rate_limit", _retry_after(exc))
    if kind == "auth" and reason == "client_setup":
        return LLMError(
            f"no API key for {config.model!r}: set api_key or the provider's key", "auth"
        )
    if kind == "auth":
        return LLMError(f"the server rejected the credentials (HTTP {status or 401})", "auth")
    if kind == "not_found":
        return LLMError(f"model {config.model!r} not found at {where}", "not_found")
    if reason == "unknown_model":
        return LLMError(
            f"litellm does not know model {config.model!r} (try e.g. ollama/llama3.1)",
            "bad_request",
        )
    if kind == "bad_request" and status is not None:
        return LLMError(f"the server refused the request (HTTP {status}){suffix}", "bad_request")
    if kind == "bad_request":
        return LLMError(f"the request for {config.model!r} was refused{suffix}", "bad_request")
    if kind == "bad_response":
        return LLMError("the server's reply was not a chat completion", "bad_response")
    if kind == "server":
        code = f" (HTTP {status})" if status is not None else ""
        return LLMError(f"server error{code}{suffix}", "server")
    name = type(exc).__name__
    return LLMError(f"{name}: {detail}" if detail else name, "unexpected")
