"""LLM faults end to end: a whole `practice` run against a local server that misbehaves.

The interviewer and the scorer use ``openai/test-model`` on a local
OpenAI-compatible server (tests/openai_server.py) that answers, in turn, with
a hang, HTTP 500, 429 with Retry-After, a body that is not JSON, an empty
body, a stream that breaks off, a stream that stalls, and JSON of the wrong
shape; another run points at a port where nothing listens. Each run must go
on to the end with the offline engine filling in, journal every failure as an
``error`` event for its turn (a hung or stalled reply as a timeout: the
interview's own deadline ended the wait, not the server), and exit 0 with a
report. The API key comes from VOICEINTERVIEWER_API_KEY and must not appear
in any message.
"""

from __future__ import annotations

import json
import re

import pytest
from openai_server import OpenAIServer, closed_port_url
from reliability_helpers import (
    NO_SPEAKER,
    cli_env,
    journal_events,
    run_cli,
    session_folders,
    write_answers,
)

from voiceinterviewer.session.record import load_session

TIMEOUT = 2.0  # --llm-timeout
# A hung server holds a request this long; a gap after an answer as long as that would mean
# the interview waited for the server instead of its own deadline (a guard, not a speed bound:
# the latency itself is the bench's to measure).
HANG = 30.0
KEY = "sk-faults-0123456789abcdef"
ANSWERS = [
    f"Answer {n}. I led the migration of our billing service to a sharded database across two "
    "teams, and we cut costs by twenty percent."
    for n in range(1, 13)
]
# Each fault with how it is journalled. Retryable faults are queued twice: one call
# makes one retry (--llm-retries defaults to 1), so both attempts fail.
FAULTS = [
    (["timeout"], "no reply within"),
    (["500", "500"], "HTTP 500"),
    (["429", "429"], "rate limited"),
    (["garbage", "garbage"], "empty reply|not a chat completion"),
    (["empty", "empty"], "empty reply|not a chat completion"),
    (["broken_stream"], "broke off"),
    (["wrong_schema", "wrong_schema"], "empty reply|not a chat completion"),
]


def practice(srv_url: str, root, answers, extra_env=None):
    env = cli_env({**NO_SPEAKER, "VOICEINTERVIEWER_API_KEY": KEY, **(extra_env or {})})
    return run_cli(
        ["practice", "--answers", *answers, "--model", "openai/test-model",
         "--api-base", srv_url, "--llm-timeout", str(TIMEOUT), "--out", root,
         "--track", "senior-loop", "--questions", "6", "--max-follow-ups", "1",
         "--seed", "faults"],
        env,
        timeout=240,
    )  # fmt: skip


def gaps_ms(events: list[dict]) -> list[float]:
    """Answer end to next question's first sound, for every question after an answer."""
    return [
        e["latency_ms"]
        for e in events
        if e["type"] == "question" and e.get("latency_ms") is not None
    ]


def assert_session_survived(proc, folder, answers: int) -> list[dict]:
    """Exit 0, a closing question and a report, at least ``answers`` answers heard, no long gap."""
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and KEY not in proc.stdout + proc.stderr
    events = journal_events(folder)
    kinds = [e["type"] for e in events]
    assert kinds[-2:] == ["session_ended", "report_written"]
    assert events[-2]["reason"] in ("completed", "ended_by_candidate")
    record = load_session(folder)
    assert len([t for t in record.turns if t.answer and t.answer.text]) >= answers
    assert record.turns[-1].question.kind == "closing"
    assert all(t.question.text for t in record.turns), "every turn was asked in words"
    for gap in gaps_ms(events):
        assert gap < HANG * 1000, f"{gap} ms of silence after an answer"
    assert KEY not in (folder / "session.jsonl").read_text()
    return events


def test_every_fault_falls_back_and_is_journalled_with_its_turn(tmp_path):
    root = tmp_path / "recordings"
    answers = write_answers(tmp_path / "answers", ANSWERS)
    with OpenAIServer(hang_seconds=HANG) as srv:
        for kinds, _ in FAULTS:
            for kind in kinds:
                srv.enqueue_fault(kind)
        # a reply that stalls after its first sentence: the rest is abandoned in time
        srv.enqueue("Thanks for that. What did you measure before and after?", stall_at=1)
        proc = practice(srv.url, root, answers)
        assert srv.pending == 0, "the interview ended before every fault was served"
    (folder,) = session_folders(root)
    events = assert_session_survived(proc, folder, len(ANSWERS) - 4)
    errors = [e for e in events if e["type"] == "error" and e.get("where") == "llm_interviewer"]
    messages = [e["message"] for e in errors]
    for kinds, pattern in FAULTS:
        assert any(re.search(pattern, m) for m in messages), f"{kinds}: {messages}"
    assert any("mid-reply" in m and "no reply within" in m for m in messages), messages
    questions = {e["turn"]: e for e in events if e["type"] == "question"}
    for error in errors:
        turn = questions[error["turn"]]  # the error names the turn it happened in
        before_sentence = "before the first sentence" in error["message"]
        assert (turn["engine"] == "offline-fallback") == before_sentence, (error, turn)
    assert sum(q["engine"] == "offline-fallback" for q in questions.values()) >= len(FAULTS) - 1
    assert all(len(m) < 300 and "\n" not in m for m in messages)


def test_a_refused_connection_falls_back_on_every_turn(tmp_path):
    root = tmp_path / "recordings"
    answers = write_answers(tmp_path / "answers", ANSWERS[:2])
    proc = practice(closed_port_url(), root, answers)
    (folder,) = session_folders(root)
    events = assert_session_survived(proc, folder, 2)
    questions = [e for e in events if e["type"] == "question"]
    assert {q["engine"] for q in questions} == {"offline-fallback"}
    errors = [e for e in events if e["type"] == "error" and e.get("where") == "llm_interviewer"]
    assert len(errors) == len(questions)
    assert any("could not connect" in e["message"] for e in errors), errors
    scorer = load_report_scorer(folder)
    assert scorer["engine"] == "offline" and scorer["fallback_reason"]


def load_report_scorer(folder) -> dict:
    return json.loads((folder / "report.json").read_text())["scorer"]


@pytest.mark.parametrize("fault", ["500", "garbage"])
def test_the_score_command_falls_back_offline_when_the_server_fails(tmp_path, fault, monkeypatch):
    from scoring_helpers import SENIOR, Exchange, write_session

    from voiceinterviewer.cli import main

    monkeypatch.setenv("VOICEINTERVIEWER_API_KEY", KEY)
    folder = write_session(tmp_path / "s", [Exchange("Tell me about a system.", SENIOR)]).folder
    with OpenAIServer() as srv:
        for _ in range(3):
            srv.enqueue_fault(fault)
        code = main(
            ["score", str(folder), "--score-model", "openai/test-model", "--api-base", srv.url]
        )
    assert code == 0
    scorer = load_report_scorer(folder)
    assert scorer["engine"] == "offline" and scorer["fallback_reason"]
    assert KEY not in (folder / "report.json").read_text()
