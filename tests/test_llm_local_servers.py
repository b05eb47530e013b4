"""Local LLM servers through litellm, end to end: Ollama's own API and an OpenAI-compatible one.

``practice --model ollama/NAME --api-base URL`` (Ollama's /api/generate) and
``ollama_chat/NAME`` (/api/chat) run against a server on 127.0.0.1 that speaks
Ollama's API with its NDJSON streaming (tests/ollama_server.py). The candidate is
scripted (text answers, synthesised and transcribed by the real models), with no
sound device. ``--score-model`` is run on Ollama and on an OpenAI-compatible
server (tests/openai_server.py, as llama.cpp's llama-server or LM Studio serve).
"""

from __future__ import annotations

import json

import pytest
from ollama_server import OllamaServer
from openai_server import OpenAIServer, closed_port_url
from reliability_helpers import NO_SPEAKER, cli_env, journal_events, run_cli, session_folders
from scoring_helpers import SENIOR, Exchange, write_session

from voiceinterviewer.interviewer.llm_prompt import load_persona
from voiceinterviewer.scoring.report import DIMENSIONS

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
# Long enough for litellm's import (seconds, in the background) on a busy machine, so the
# first question is the model's too; the servers answer at once. A hang guard, not a bound.
LLM_TIMEOUT = "60"
# What the scorer is told to say: every dimension 2 of 5 (at or below the offline baseline,
# so the model's scores stand) with a tip only this reply has.
TIP = "In your URL shortener answer (turn 1), name the cache eviction policy and why."


def scoring_reply(score: int = 2) -> str:
    dimension = {"score": score, "justification": "From the answers.", "evidence": [], "tip": TIP}
    return json.dumps(
        {
            "dimensions": {name: dimension for name in DIMENSIONS},
            "questions": [
                {"turn": 1, "summary": "A shortener.", "stronger_answer": "Add numbers."}
            ],
            "tips": [TIP],
        }
    )


def practice(tmp_path, model: str, url: str, *extra: str):
    answers = []
    for i, text in enumerate(ANSWERS):
        path = tmp_path / f"answer-{i}.txt"
        path.write_text(text)
        answers.append(path)
    root = tmp_path / "recordings"
    proc = run_cli(
        ["practice", "--track", "system-design", "--questions", "1", "--max-follow-ups", "1",
         "--model", model, "--api-base", url, "--llm-timeout", LLM_TIMEOUT, "--out", root,
         "--answers", *answers, *extra],
        cli_env(NO_SPEAKER),
        timeout=300,
    )  # fmt: skip
    (folder,) = session_folders(root)
    return proc, folder, journal_events(folder)


def spoken(events: list[dict]) -> list[dict]:
    return [e for e in events if e["type"] == "question"]


def test_ollama_generate_interviews_and_scores(tmp_path):
    with OllamaServer(models=("llama3.1",)) as server:
        for text in QUESTIONS:
            server.enqueue(text)
        server.enqueue(scoring_reply(), structured=True)
        proc, folder, events = practice(
            tmp_path, "ollama/llama3.1", server.url, "--score-model", "ollama/llama3.1"
        )
        generate = server.bodies("/api/generate")
    assert proc.returncode == 0, proc.stderr
    assert [q["text"] for q in spoken(events)] == QUESTIONS, "the candidate heard the stream"
    assert {q["engine"] for q in spoken(events)} == {"ollama/llama3.1"}
    assert "Note:" not in proc.stdout
    # the interviewer's turns streamed; the persona and the history are in the prompt
    turns = [b for b in generate if not b.get("format")]
    assert len(turns) == len(QUESTIONS) and all(b["stream"] is True for b in turns)
    assert all(b["model"] == "llama3.1" for b in generate)
    heard = [e["text"] for e in events if e["type"] == "answer"]  # as transcribed
    second = turns[1]["prompt"]
    assert load_persona()[:120] in second
    assert (
        QUESTIONS[0] in second and f"<candidate_answer>\n{heard[0]}\n</candidate_answer>" in second
    )
    # the scorer asked for the schema and its reply made the report
    (scoring,) = [b for b in generate if b.get("format")]
    assert scoring["format"]["required"] == ["dimensions", "questions", "tips"]
    assert json.dumps(heard[1])[1:-1] in scoring["prompt"]
    report = json.loads((folder / "report.json").read_text())
    assert report["scorer"] == {
        "engine": "llm",
        "model": "ollama/llama3.1",
        "fallback_reason": None,
    }
    assessed = [d for d in report["dimensions"].values() if d["assessed"]]
    assert len(assessed) >= 3 and {d["score"] for d in assessed} == {2}
    assert TIP in proc.stdout


def test_ollama_chat_sends_the_persona_and_history_as_messages(tmp_path):
    with OllamaServer(models=("llama3.1:8b",)) as server:
        for text in QUESTIONS:
            server.enqueue(text)
        proc, folder, events = practice(
            tmp_path, "ollama_chat/llama3.1:8b", server.url, "--score-model", "offline"
        )
        chats = server.bodies("/api/chat")
    assert proc.returncode == 0, proc.stderr
    assert [q["text"] for q in spoken(events)] == QUESTIONS
    assert {q["engine"] for q in spoken(events)} == {"ollama_chat/llama3.1:8b"}
    assert len(chats) == len(QUESTIONS) and all(b["stream"] is True for b in chats)
    messages = chats[1]["messages"]
    assert messages[0]["role"] == "system" and load_persona()[:120] in messages[0]["content"]
    assert {"role": "assistant", "content": QUESTIONS[0]}.items() <= next(
        m for m in messages if m["role"] == "assistant"
    ).items()
    heard = [e["text"] for e in events if e["type"] == "answer"]
    users = [m["content"] for m in messages if m["role"] == "user"]
    assert f"<candidate_answer>\n{heard[0]}\n</candidate_answer>" in users


def assert_fell_back_with_a_note(proc, events, words: str) -> None:
    assert proc.returncode == 0, proc.stderr
    questions = spoken(events)
    assert len(questions) >= 3 and questions[-1]["kind"] == "closing"
    assert {q["engine"] for q in questions} == {"offline-fallback"}
    errors = [e for e in events if e["type"] == "error" and e["where"] == "llm_interviewer"]
    assert errors and all(words in e["message"] for e in errors), errors
    notes = [line for line in proc.stdout.splitlines() if line.startswith("Note: ")]
    assert len(notes) == 1 and words in notes[0], proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("prefix", ["ollama", "ollama_chat"])
def test_a_model_ollama_does_not_have_falls_back_with_a_note(tmp_path, prefix):
    with OllamaServer(models=("llama3.1",)) as server:
        proc, folder, events = practice(
            tmp_path, f"{prefix}/qwen3", server.url, "--score-model", "offline"
        )
        asked = [b["model"] for path, b in server.requests if path.startswith("/api/")]
    assert asked and set(asked) == {"qwen3"}
    assert_fell_back_with_a_note(proc, events, f"model '{prefix}/qwen3' not found at {server.url}")
    assert (folder / "report.json").exists()


def test_a_dead_ollama_falls_back_with_a_note(tmp_path):
    url = closed_port_url().removesuffix("/v1")
    proc, folder, events = practice(tmp_path, "ollama_chat/llama3.1", url)
    assert_fell_back_with_a_note(proc, events, f"could not connect to {url}")
    report = json.loads((folder / "report.json").read_text())
    assert (
        report["scorer"]["engine"] == "offline"
        and "could not connect" in (report["scorer"]["fallback_reason"])
    )


@pytest.mark.parametrize("server_kind", ["ollama", "openai-compatible"])
def test_the_score_command_uses_a_local_server(tmp_path, server_kind):
    folder = write_session(tmp_path / "s", [Exchange("Tell me about a system.", SENIOR)]).folder
    if server_kind == "ollama":
        server, model = OllamaServer(models=("llama3.1",)), "ollama/llama3.1"
    else:
        server, model = OpenAIServer(), "openai/local-model"
    with server:
        server.enqueue(
            scoring_reply(1), **({"structured": True} if server_kind == "ollama" else {})
        )
        proc = run_cli(
            ["score", folder, "--score-model", model, "--api-base", server.url], cli_env()
        )
    assert proc.returncode == 0, proc.stderr
    report = json.loads((folder / "report.json").read_text())
    assert report["scorer"] == {"engine": "llm", "model": model, "fallback_reason": None}
    assessed = [d for d in report["dimensions"].values() if d["assessed"]]
    assert len(assessed) >= 3 and {d["score"] for d in assessed} == {1}
    assert TIP in proc.stdout
