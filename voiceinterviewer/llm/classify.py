"""What kind of LLM failure an exception is, decided by its type: two isinstance tables.

litellm wraps every failure in one of its own classes, and the class it picks
is not always what happened: a refused connection arrives as
``InternalServerError`` with a status code of 500 that no server sent, a stream
that ends without a reply as ``MidStreamFallbackError``, and the choice changes
between litellm versions. So an exception is read together with everything it
wraps (``original_exception``, ``__cause__``, ``__context__``), in two passes:

1. :data:`EVIDENCE`, over what lies below litellm, outermost first: the
   transport (httpx, ``OSError``), the HTTP exchange (the status the server
   sent, from the OpenAI SDK or httpx), the reading of the reply (JSON, schema
   validation, a stream that stopped) and the OpenAI client's own set-up. The
   first exception that matches a row decides.
2. When nothing below litellm says what happened, :data:`LITELLM`, over
   litellm's own classes, innermost first: the one raised where the failure
   happened, before litellm re-wrapped it.

A failure after some of the reply had already arrived is ``connection`` (the
stream broke off) unless it is a timeout. Modules that are not installed
(litellm, openai, httpx) leave their rows out.
"""

from __future__ import annotations

import functools
import importlib
import sys
from dataclasses import dataclass

MAX_CHAIN = 16  # exceptions read from one chain at most


@dataclass(frozen=True)
class Failure:
    """The kind of an LLM failure, why it was given, and the HTTP status a server sent."""

    # timeout, rate_limit, server, connection, bad_response, auth, not_found, bad_request, unexpected
    kind: str
    # The row that decided: "timeout", "http", "transport", "reply", "server_event",
    # "client_setup", "stream_ended", "unknown_model", "litellm" or "unknown".
    reason: str
    # The status code of the server's HTTP response, when there was one.
    status: int | None = None


# (module, class name), the kind, the reason; a name a module does not have is skipped.
EVIDENCE: tuple[tuple[tuple[tuple[str, str], ...], str, str], ...] = (
    (
        (
            ("builtins", "TimeoutError"),
            ("httpx", "TimeoutException"),
            ("openai", "APITimeoutError"),
        ),
        "timeout",
        "timeout",
    ),
    ((("openai", "APIStatusError"), ("httpx", "HTTPStatusError")), "status", "http"),
    (
        (("openai", "APIConnectionError"), ("httpx", "TransportError"), ("builtins", "OSError")),
        "connection",
        "transport",
    ),
    (
        (
            ("openai", "APIResponseValidationError"),
            ("builtins", "ValueError"),  # JSON decoding, pydantic validation, bad text
            ("builtins", "LookupError"),  # a field the reply does not have
            ("builtins", "AssertionError"),  # litellm's own shape checks
            ("builtins", "StopIteration"),  # a stream that ended before a usable piece
        ),
        "bad_response",
        "reply",
    ),
    ((("openai", "APIError"),), "server", "server_event"),  # an error event inside a stream
    ((("openai", "OpenAIError"),), "auth", "client_setup"),  # the client could not be made: no key
)

LITELLM: tuple[tuple[tuple[tuple[str, str], ...], str, str], ...] = (
    ((("litellm", "MidStreamFallbackError"),), "bad_response", "stream_ended"),
    ((("litellm", "Timeout"),), "timeout", "timeout"),
    ((("litellm", "APIConnectionError"),), "connection", "transport"),
    ((("litellm", "RateLimitError"),), "rate_limit", "litellm"),
    ((("litellm", "AuthenticationError"), ("litellm", "PermissionDeniedError")), "auth", "litellm"),
    ((("litellm", "NotFoundError"),), "not_found", "litellm"),
    ((("litellm", "LiteLLMUnknownProvider"),), "bad_request", "unknown_model"),
    (
        (
            ("litellm", "BadRequestError"),
            ("litellm", "UnprocessableEntityError"),
            ("litellm", "InvalidRequestError"),
        ),
        "bad_request",
        "litellm",
    ),
    (
        (("litellm", "APIResponseValidationError"), ("litellm", "APIError")),
        "bad_response",
        "reply",
    ),
    (
        (
            ("litellm", "InternalServerError"),
            ("litellm", "ServiceUnavailableError"),
            ("litellm", "BadGatewayError"),
        ),
        "server",
        "litellm",
    ),
)

# The kind an HTTP status means.
STATUS_KINDS = (
    (401, "auth"),
    (403, "auth"),
    (404, "not_found"),
    (408, "timeout"),
    (429, "rate_limit"),
)


def status_kind(status: int) -> str:
    for code, kind in STATUS_KINDS:
        if status == code:
            return kind
    if status >= 500:
        return "server"
    if 400 <= status < 500:
        return "bad_request"
    return "bad_response"  # a 1xx-3xx where a reply was expected


def _module(name: str):
    """An installed module; litellm's exceptions only once litellm is imported (never here)."""
    if name == "litellm":
        return sys.modules.get("litellm.exceptions")
    if name in sys.modules:
        return sys.modules[name]
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _classes(names: tuple[tuple[str, str], ...]) -> tuple[type, ...]:
    found = []
    for module_name, class_name in names:
        cls = getattr(_module(module_name), class_name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            found.append(cls)
    return tuple(found)


@functools.lru_cache(maxsize=2)
def _tables(litellm_loaded: bool):
    evidence = tuple((_classes(names), kind, reason) for names, kind, reason in EVIDENCE)
    own = tuple((_classes(names), kind, reason) for names, kind, reason in LITELLM)
    litellm_classes: tuple[type, ...] = ()
    module = sys.modules.get("litellm.exceptions")
    if litellm_loaded and module is not None:
        litellm_classes = tuple(
            cls
            for cls in vars(module).values()
            if isinstance(cls, type)
            and issubclass(cls, BaseException)
            and cls.__module__.startswith("litellm")
        )
    return evidence, own, litellm_classes


def chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps, outermost first, each once."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < MAX_CHAIN:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        inner = (
            getattr(current, "original_exception", None),
            current.__cause__,
            current.__context__,
        )
        todo[:0] = [e for e in inner if isinstance(e, BaseException)]
    return seen


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def classify(exc: BaseException, mid_stream: bool = False) -> Failure:
    """The :class:`Failure` ``exc`` is; ``mid_stream`` when part of the reply had arrived."""
    failure = _classify(exc)
    if mid_stream and failure.kind != "timeout":
        return Failure("connection", "stream_broke", failure.status)
    return failure


def _classify(exc: BaseException) -> Failure:
    evidence, own, litellm_classes = _tables("litellm.exceptions" in sys.modules)
    links = chain(exc)
    for link in links:
        if litellm_classes and isinstance(link, litellm_classes):
            continue
        for classes, kind, reason in evidence:
            if classes and isinstance(link, classes):
                if kind == "status":
                    status = _status(link)
                    if status is None:
                        continue
                    return Failure(status_kind(status), reason, status)
                return Failure(kind, reason)
    for link in reversed(links):
        for classes, kind, reason in own:
            if classes and isinstance(link, classes):
                if (
                    reason == "litellm"
                    and kind == "bad_request"
                    and not getattr(link, "llm_provider", "x")
                ):
                    reason = "unknown_model"  # raised before any provider was chosen
                return Failure(kind, reason, _status(link) if kind == "server" else None)
    return Failure("unexpected", "unknown")
