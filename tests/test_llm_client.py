"""The LLM client through real litellm against a real local OpenAI-compatible server.

No assertion here depends on the machine's speed. A server that hangs holds the
request for HANG seconds, far longer than the client's TIMEOUT, and then drops
the connection: an error of kind ``timeout`` shows that the client's own
deadline ended the wait, since the drop would be a ``connection`` error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.openai_server import OpenAIServer, closed_port_url
from voiceinterviewer.llm import LLMConfig, LLMError, chat, import_ready, stream_chat
from voiceinterviewer.llm.client import redact

KEY = "sk-test-SECRET-4242424242"
TIMEOUT = 2.0
HANG = 30.0  # a hung server's hold: a guard, never reached when the client works
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello?"}]


@pytest.fixture(scope="module", autouse=True)
def litellm_loaded():
    assert import_ready(120), "litellm failed to import"


@pytest.fixture
def srv():
    with OpenAIServer(hang_seconds=HANG) as server:
        yield server


def config(url: str, timeout: float = TIMEOUT, retries: int = 1) -> LLMConfig:
    return LLMConfig(
        "openai/test-model", api_base=url, api_key=KEY, timeout=timeout, retries=retries
    )


def test_background_import_is_quick_quiet_and_completes():
    code = """
import json, os, sys, time
import voiceinterviewer.interviewer.llm, voiceinterviewer.llm
before = "litellm" in sys.modules
voiceinterviewer.llm.start_background_import()
# it returned while the import (seconds of work) is still going on in its thread
at_return = voiceinterviewer.llm.import_ready(0)
ready = voiceinterviewer.llm.import_ready(120)
print(json.dumps({"before": before, "at_return": at_return, "ready": ready,
                  "loaded": "litellm" in sys.modules,
                  "cost_map": os.environ.get("LITELLM_LOCAL_MODEL_COST_MAP")}))
"""
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    result = json.loads(done.stdout)
    assert result["before"] is False, "importing the package must not import litellm"
    assert result["at_return"] is False, "start_background_import must not wait for the import"
    assert result["ready"] and result["loaded"]
    assert result["cost_map"] == "True"


def test_chat_returns_the_reply_and_sends_the_request(srv):
    srv.enqueue("Walk me through the design.")
    text = chat(config(srv.url), MESSAGES, response_format={"type": "json_object"})
    assert text == "Walk me through the design."
    body = srv.requests[-1]
    assert body["messages"] == MESSAGES
    assert not body.get("stream")
    assert body["model"] == "test-model"
    assert body["response_format"] == {"type": "json_object"}
    assert srv.auth_headers[-1] == f"Bearer {KEY}"


def test_stream_chat_yields_pieces_in_order(srv):
    srv.enqueue("First sentence here. Second one follows, and then a third.")
    pieces = list(stream_chat(config(srv.url), MESSAGES))
    assert len(pieces) > 2
    assert "".join(pieces) == "First sentence here. Second one follows, and then a third."
    assert srv.requests[-1]["stream"] is True


def test_a_failed_attempt_is_retried(srv):
    srv.enqueue_fault("500")
    srv.enqueue("Recovered.")
    assert chat(config(srv.url, retries=1), MESSAGES) == "Recovered."
    assert len(srv.requests) == 2


def test_no_retry_when_retries_is_zero(srv):
    srv.enqueue_fault("500")
    with pytest.raises(LLMError) as info:
        chat(config(srv.url, retries=0), MESSAGES)
    assert info.value.kind == "server"
    assert len(srv.requests) == 1


def test_429_waits_for_retry_after_then_succeeds(srv):
    srv.enqueue_fault("429")
    srv.enqueue("After the wait.")
    started = time.monotonic()
    assert chat(config(srv.url), MESSAGES) == "After the wait."
    assert time.monotonic() - started >= 0.9
    assert len(srv.requests) == 2


def test_429_retry_after_longer_than_the_budget_fails_at_once(srv):
    srv.enqueue_fault("429")
    with pytest.raises(LLMError) as info:
        chat(config(srv.url, timeout=0.9), MESSAGES)
    # waiting out Retry-After (1 s) would have run past the budget into a timeout
    assert info.value.kind == "rate_limit"
    assert info.value.retry_after == pytest.approx(1.0)
    assert len(srv.requests) == 1


# fault -> (error kind, requests made with retries=1 when every attempt fails)
FAULT_CASES = {
    "500": ("server", 2),
    "429": ("rate_limit", 2),
    "timeout": ("timeout", 1),
    "garbage": ("bad_response", 2),
    "empty": ("bad_response", 2),
    "wrong_schema": ("bad_response", 2),
    "401": ("auth", 1),
}


@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
@pytest.mark.parametrize("fault", sorted(FAULT_CASES))
def test_faults_raise_llm_error_within_the_timeout(srv, fault, stream):
    kind, attempts = FAULT_CASES[fault]
    srv.enqueue_fault(fault)
    srv.enqueue_fault(fault)
    with pytest.raises(LLMError) as info:
        if stream:
            list(stream_chat(config(srv.url), MESSAGES))
        else:
            chat(config(srv.url), MESSAGES)
    assert info.value.kind == kind
    assert len(srv.requests) == attempts
    assert KEY not in str(info.value) and "SECRET" not in str(info.value)
    assert len(str(info.value)) < 200


def test_connection_refused_is_an_llm_error():
    with pytest.raises(LLMError) as info:
        chat(config(closed_port_url()), MESSAGES)
    assert info.value.kind == "connection"
    assert "could not connect to http://127.0.0.1:" in str(info.value)


def test_configuration_mistakes_fail_fast_with_a_clear_message(monkeypatch):
    import litellm

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    calls = []
    completion = litellm.completion
    monkeypatch.setattr(litellm, "completion", lambda **kw: calls.append(1) or completion(**kw))
    with pytest.raises(LLMError) as info:
        chat(LLMConfig("not-a-known-model", timeout=TIMEOUT, retries=3), MESSAGES)
    assert info.value.kind == "bad_request" and "not-a-known-model" in str(info.value)
    assert len(calls) == 1, "an unknown model is not retried"
    with pytest.raises(LLMError) as info:
        chat(LLMConfig("gpt-4o-mini", timeout=TIMEOUT, retries=3), MESSAGES)
    assert info.value.kind == "auth" and "API key" in str(info.value)
    assert len(calls) == 2, "a missing key is not retried"


def test_stream_that_breaks_after_text_raises_after_the_text(srv):
    srv.enqueue_fault("broken_stream", text="Thanks for that. Now let me ask")
    pieces: list[str] = []
    with pytest.raises(LLMError) as info:
        for piece in stream_chat(config(srv.url), MESSAGES):
            pieces.append(piece)
    assert "".join(pieces).startswith("Thanks for that.")
    assert info.value.kind == "connection"
    assert len(srv.requests) == 1, "a stream that already produced text is not retried"


def test_a_stalled_stream_times_out_between_pieces(srv):
    srv.enqueue("One two three four five six seven.", stall_at=1)
    stream = stream_chat(config(srv.url, timeout=1.0), MESSAGES)
    assert next(stream)
    with pytest.raises(LLMError) as info:
        list(stream)
    assert info.value.kind == "timeout"


def test_redact_removes_the_key_and_secret_shapes():
    text = redact(f"key {KEY} and Bearer abc.def and api_key=hunter2 and sk-otherkey123456", KEY)
    assert KEY not in text
    assert "abc.def" not in text and "hunter2" not in text and "sk-otherkey123456" not in text
    assert text.startswith("key ***")


def test_config_repr_hides_the_key():
    assert KEY not in repr(config("http://127.0.0.1:1/v1"))
