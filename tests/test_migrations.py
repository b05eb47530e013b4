"""A format-1 journal (old keys, no format field) loads through m001 and works with every reader."""

from __future__ import annotations

import json

import pytest
import soundfile as sf
from session_factory import STANDARD_TURNS, make_report, make_session, parse_vtt

from voiceinterviewer.cli import main
from voiceinterviewer.replay.export import GAP_SECONDS, mmss
from voiceinterviewer.session.journal import load_journal
from voiceinterviewer.session.record import load_session

SCORES = {"scope": 3, "influence": 2, "technical_depth": 3, "judgment": 3, "communication": 4}


@pytest.fixture
def old(recordings):
    return make_session(
        recordings,
        "20240301-090000-0ld1",
        STANDARD_TURNS,
        started_at="2024-03-01T09:00:00+00:00",
        journal_format=1,
        report=make_report(SCORES, level="mid"),
    )


def test_the_fixture_really_is_format_1(old):
    raw = (old.folder / "session.jsonl").read_text(encoding="utf-8")
    events = [json.loads(line) for line in raw.splitlines()]
    assert "format" not in events[0]
    assert all("text" not in e and "wav" in e for e in events if e["type"] == "question")
    assert all("words" not in e and "word_timings" in e for e in events if e["type"] == "answer")
    loaded = load_journal(old.folder / "session.jsonl")
    assert loaded.migrations == ["m001_words_and_audio_keys"] and loaded.format == 2
    assert (old.folder / "session.jsonl").read_text(encoding="utf-8") == raw  # never rewritten
    record = load_session(old.folder)
    answer = record.turns[1].answer
    assert answer.audio == "turn-02-candidate.wav"
    assert [w.word for w in answer.words] == STANDARD_TURNS[1].answer.split()


def test_old_session_is_listed_shown_replayed_and_exported(old, recordings, capsys, tmp_path):
    assert main(["sessions", "--out", str(recordings)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert (
        listing[1]
        == f"20240301-090000-0ld1  2024-03-01 09:00  behavioral     mid         3 2 3 3 4  {mmss(old.duration):>8}"
    )

    assert main(["sessions", "show", old.id, "--out", str(recordings)]) == 0
    shown = capsys.readouterr().out
    assert (
        "  Interviewer: Tell me about a project where you changed the direction of your team.\n"
        in shown
    )
    assert "  You: I lead the payments platform team.\n" in shown
    assert "  Verdict: mid, target senior; signal lean-hire\n" in shown

    assert main(["replay", old.id, "--out", str(recordings), "--no-audio"]) == 0
    replayed = capsys.readouterr().out.splitlines()
    assert [line.split("] ", 1)[1] for line in replayed] == [
        "Interviewer: Hi, thanks for joining. Tell me about yourself.",
        "You: I lead the payments platform team.",
        "Interviewer: Tell me about a project where you changed the direction of your team.",
        "You: " + STANDARD_TURNS[1].answer,
        "Interviewer: Thanks, that is all I have for today.",
    ]

    target = tmp_path / "old.wav"
    assert (
        main(["export", old.id, "--out", str(recordings), "--format", "wav", "-o", str(target)])
        == 0
    )
    capsys.readouterr()
    clips = old.clip_seconds
    assert (
        abs(sf.info(str(target)).duration - (sum(clips) + GAP_SECONDS * (len(clips) - 1))) <= 0.001
    )

    assert main(["export", old.id, "--out", str(recordings), "--format", "vtt"]) == 0
    cues = parse_vtt(capsys.readouterr().out)
    you = [c for c in cues if c[2].startswith("You: ")]
    assert (
        " ".join(c[2].removeprefix("You: ") for c in you)
        == f"{STANDARD_TURNS[0].answer} {STANDARD_TURNS[1].answer}"
    )
    # word timings from the old word_timings lists place the answer's first cue at its first word
    answer_offset = clips[0] + GAP_SECONDS
    assert you[0][0] == pytest.approx(answer_offset + 0.3, abs=0.002)
