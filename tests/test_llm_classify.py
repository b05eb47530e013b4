"""The kind of an LLM failure comes from exception types, never from their messages.

The chains here are the ones litellm raises (seen with the locked version and
older ones) built from the real classes of litellm, the OpenAI SDK and httpx,
each with a message that would mislead a reading of the text. The same faults
through a real server are in test_llm_client.py.
"""

from __future__ import annotations

import builtins
import json

import httpx
import litellm.exceptions as lx
import openai
import pytest

from voiceinterviewer.llm.classify import EVIDENCE, LITELLM, Failure, chain, classify
from voiceinterviewer.llm.client import LLMConfig
from voiceinterviewer.llm.errors import to_llm_error

REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
MISLEADING = "Timeout: connection error, JSON not found, rate limit, peer closed"


def response(status: int) -> httpx.Response:
    return httpx.Response(status, request=REQUEST, json={"error": "x"})


def wrapped(*links: BaseException) -> BaseException:
    """``links[0]`` wrapping ``links[1]`` wrapping ...: as ``__cause__``, innermost last."""
    for outer, inner in zip(links, links[1:], strict=False):
        outer.__cause__ = inner
    return links[0]


def litellm_500(inner: BaseException | None = None) -> BaseException:
    outer = lx.InternalServerError(MISLEADING, llm_provider="openai", model="m")
    return wrapped(outer, inner) if inner is not None else outer


def status_error(status: int) -> httpx.HTTPStatusError:
    return httpx.HTTPStatusError(MISLEADING, request=REQUEST, response=response(status))


CASES = {
    # litellm calls a refused connection a 500; below it is what happened
    "refused as a 500": (
        litellm_500(wrapped(openai.APIConnectionError(request=REQUEST), ConnectionRefusedError())),
        Failure("connection", "transport"),
    ),
    "read timeout": (
        wrapped(
            lx.Timeout(MISLEADING, model="m", llm_provider="openai"),
            openai.APITimeoutError(request=REQUEST),
            httpx.ReadTimeout(MISLEADING),
        ),
        Failure("timeout", "timeout"),
    ),
    "a real 500": (litellm_500(status_error(500)), Failure("server", "http", 500)),
    "429": (litellm_500(status_error(429)), Failure("rate_limit", "http", 429)),
    "401": (litellm_500(status_error(401)), Failure("auth", "http", 401)),
    "ollama's missing model": (
        wrapped(lx.NotFoundError(MISLEADING, model="m", llm_provider="ollama"), status_error(404)),
        Failure("not_found", "http", 404),
    ),
    "a 400 under a litellm 500": (
        litellm_500(status_error(400)),
        Failure("bad_request", "http", 400),
    ),
    "garbage body": (
        litellm_500(
            wrapped(Exception(MISLEADING), json.JSONDecodeError("Expecting value", "<", 0))
        ),
        Failure("bad_response", "reply"),
    ),
    "litellm's shape check": (
        litellm_500(wrapped(Exception(MISLEADING), AssertionError("Invalid response object"))),
        Failure("bad_response", "reply"),
    ),
    "no choices (litellm's own APIError)": (
        litellm_500(lx.APIError(500, MISLEADING, llm_provider="openai", model="m")),
        Failure("bad_response", "reply"),
    ),
    "a stream that ended before any piece": (
        wrapped(
            lx.MidStreamFallbackError(MISLEADING, model="m", llm_provider="openai"),
            lx.APIConnectionError(MISLEADING, llm_provider="openai", model="m"),
            StopIteration(),
        ),
        Failure("bad_response", "reply"),
    ),
    "a broken stream": (
        wrapped(
            lx.MidStreamFallbackError(MISLEADING, model="m", llm_provider="openai"),
            lx.APIConnectionError(MISLEADING, llm_provider="openai", model="m"),
            openai.APIConnectionError(request=REQUEST),
            httpx.RemoteProtocolError(MISLEADING),
        ),
        Failure("connection", "transport"),
    ),
    "no API key": (litellm_500(openai.OpenAIError(MISLEADING)), Failure("auth", "client_setup")),
    "unknown provider": (
        lx.BadRequestError(MISLEADING, model="m", llm_provider=""),
        Failure("bad_request", "unknown_model"),
    ),
    "unsupported parameter": (
        lx.BadRequestError(MISLEADING, model="m", llm_provider="openai"),
        Failure("bad_request", "litellm"),
    ),
    "litellm's own timeout": (
        lx.Timeout(MISLEADING, model="m", llm_provider="openai"),
        Failure("timeout", "timeout"),
    ),
    "litellm's own connection error": (
        lx.APIConnectionError(MISLEADING, llm_provider="ollama", model="m"),
        Failure("connection", "transport"),
    ),
    "litellm's own 503": (
        lx.ServiceUnavailableError(MISLEADING, llm_provider="openai", model="m"),
        Failure("server", "litellm", 503),
    ),
    "something else": (RuntimeError(MISLEADING), Failure("unexpected", "unknown")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_kind_comes_from_the_types(case):
    exc, expected = CASES[case]
    assert classify(exc) == expected


@pytest.mark.parametrize(
    "case", ["a real 500", "garbage body", "a stream that ended before any piece"]
)
def test_a_failure_after_text_arrived_is_a_broken_stream(case):
    exc, _ = CASES[case]
    assert classify(exc, mid_stream=True) == Failure(
        "connection", "stream_broke", classify(exc).status
    )
    timeout = CASES["read timeout"][0]
    assert classify(timeout, mid_stream=True).kind == "timeout"


def test_the_original_exception_is_followed_too():
    outer = lx.APIConnectionError(MISLEADING, llm_provider="openai", model="m")
    outer.original_exception = status_error(502)
    assert classify(outer) == Failure("server", "http", 502)


def test_chains_that_loop_end():
    a, b = ValueError("a"), KeyError("b")
    a.__context__, b.__context__ = b, a
    assert chain(a) == [a, b]


def test_every_class_the_tables_name_exists_in_the_installed_versions():
    """A class a new litellm, openai or httpx renamed or removed fails here, not silently."""
    modules = {"litellm": lx, "openai": openai, "httpx": httpx, "builtins": builtins}
    for names, _kind, _reason in EVIDENCE + LITELLM:
        for module, name in names:
            found = getattr(modules[module], name, None)
            assert isinstance(found, type) and issubclass(found, BaseException), (module, name)


def test_messages_are_one_short_line_without_the_exception_text():
    config = LLMConfig("ollama/llama3.1", api_base="http://127.0.0.1:9")
    for case, (exc, expected) in CASES.items():
        error = to_llm_error(exc, config)
        assert error.kind == expected.kind, case
        assert "\n" not in str(error) and len(str(error)) < 200, case
    assert str(to_llm_error(CASES["ollama's missing model"][0], config)) == (
        "model 'ollama/llama3.1' not found at http://127.0.0.1:9"
    )
    assert str(to_llm_error(CASES["refused as a 500"][0], config)) == (
        "could not connect to http://127.0.0.1:9"
    )
