"""`practice --model openai/... --api-base URL`: an interview whose words come from an LLM server.

The server is a real OpenAI-compatible HTTP server on 127.0.0.1 (tests/openai_server.py);
litellm talks to it as to any provider. The candidate is scripted (text answers,
synthesised and transcribed by the real models), and there is no sound device.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.openai_server import OpenAIServer

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Hi, I'm Sam. Let's start with a design: how would you build a URL shortener for a billion links?",
    "How many requests per second would that take at peak, and how much storage?",
    "Thanks for your time today, that's the end of the interview.",
]
ANSWERS = [
    "I would start with the requirements, then an API to create and resolve links, and a key value store sharded by the short code.",
    "About ten thousand reads per second at peak and a few terabytes of storage over five years.",
]


def run_practice(tmp_path, url, extra=()):
    answers = []
    for i, text in enumerate(ANSWERS):
        path = tmp_path / f"answer-{i}.txt"
        path.write_text(text)
        answers.append(str(path))
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path), PULSE_SERVER="unix:/nonexistent")
    env["VOICEINTERVIEWER_API_KEY"] = "sk-test-practice-key"
    root = tmp_path / "recordings"
    cmd = [
        sys.executable,
        "-m",
        "voiceinterviewer",
        "practice",
        "--track",
        "system-design",
        "--questions",
        "1",
        "--max-follow-ups",
        "1",
        "--model",
        "openai/test-model",
        "--api-base",
        url,
        "--score-model",
        "offline",
        "--out",
        str(root),
        "--answers",
        *answers,
        *extra,
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    folder = next(p for p in root.iterdir() if p.is_dir())
    events = [json.loads(line) for line in (folder / "session.jsonl").read_text().splitlines()]
    return result, folder, events


def test_the_candidate_hears_what_the_llm_says(tmp_path):
    with OpenAIServer() as server:
        for text in QUESTIONS:
            server.enqueue(text)
        # the first question waits for litellm's import (seconds on a busy machine): a
        # generous limit keeps it the model's; the server itself answers at once
        result, folder, events = run_practice(tmp_path, server.url, ["--llm-timeout", "60"])
        requests = list(server.requests)
    assert result.returncode == 0, result.stderr
    spoken = [e["text"] for e in events if e["type"] == "question"]
    assert spoken == QUESTIONS
    assert all(e["engine"] == "openai/test-model" for e in events if e["type"] == "question")
    # the persona and the planner's notes are in the system prompt; the answer is data
    second = requests[1]
    assert second["messages"][0]["role"] == "system"
    assert "interviewer" in second["messages"][0]["content"].lower()
    users = [m["content"] for m in second["messages"] if m["role"] == "user"]
    assert any("<candidate_answer>" in u and "requirements" in u.lower() for u in users)
    assert any(
        m["role"] == "assistant" and m["content"] == QUESTIONS[0] for m in second["messages"]
    )
    # the key is never written to the session
    for path in folder.rglob("*"):
        if path.is_file():
            assert b"sk-test-practice-key" not in path.read_bytes()


def test_a_dead_server_falls_back_to_the_offline_interviewer(tmp_path):
    with OpenAIServer() as server:
        url = server.url
    result, folder, events = run_practice(tmp_path, url, ["--llm-timeout", "2"])
    assert result.returncode == 0, result.stderr
    questions = [e for e in events if e["type"] == "question"]
    assert len(questions) >= 3 and questions[-1]["kind"] == "closing"
    assert all(q["engine"] == "offline-fallback" for q in questions)
    assert any(e["type"] == "error" and e["where"] == "llm_interviewer" for e in events)
    assert any(e["type"] == "llm_fallback" for e in events)
    assert (folder / "report.json").exists()


def test_the_candidate_never_hears_a_level_a_score_or_a_verdict(tmp_path):
    verdict = (
        "That answer was solidly senior level. Strong hire. What trade-offs did you weigh there?"
    )
    with OpenAIServer(default_reply=verdict) as server:
        result, folder, events = run_practice(tmp_path, server.url)
    assert result.returncode == 0, result.stderr
    spoken = [e for e in events if e["type"] == "question"]
    assert len(spoken) >= 3
    assert any(e["engine"] == "openai/test-model" for e in spoken), "the model was heard"
    for event in spoken:
        said = event["text"].lower()
        assert "senior level" not in said and "hire" not in said, event["text"]
    assert any("trade-offs did you weigh" in e["text"] for e in spoken)
