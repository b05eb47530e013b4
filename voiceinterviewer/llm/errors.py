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
    if "missing credentials" in lowered or "api_key client option" in lowered:
        return LLMError(
            f"no API key for {config.model!r}: set api_key or the provider's key", "auth"
        )
    if "llm provider not provided" in lowered:
        return LLMError(
            f"litellm does not know model {config.model!r} (try e.g. ollama/llama3.1)",
            "bad_request",
        )
    if status in (401, 403) or name in ("AuthenticationError", "PermissionDeniedError"):
        return LLMError(f"the server rejected the credentials (HTTP {status or 401})", "auth")
    if status == 404 or name == "NotFoundError":
        return LLMError(f"model {config.model!r} not found at {where}", "not_found")
    if "connection error" in lowered or "Connection" in name or "connect" in lowered:
        target = config.api_base or f"the server for {config.model}"
        return LLMError(f"could not connect to {target}", "connection")
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
    if "BadRequest" in name:
        return LLMError(f"the request for {config.model!r} was refused", "bad_request")
    return LLMError(f"{name}: {detail}" if detail else name, "unexpected")
