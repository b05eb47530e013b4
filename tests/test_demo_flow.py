"""A session recorded by `voiceinterviewer demo` goes through every command that reads sessions.

The demo runs as a person would run it on a machine without sound devices (no
PulseAudio reachable): it must still complete, record and score the interview.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from voiceinterviewer.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_session(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "recordings"
    env = dict(
        os.environ,
        XDG_RUNTIME_DIR=str(tmp_path_factory.mktemp("no-pulse")),
        PULSE_SERVER="unix:/nonexistent",
    )
    env["VOICEINTERVIEWER_HOME"] = str(tmp_path_factory.mktemp("home"))
    result = subprocess.run(
        [sys.executable, "-m", "voiceinterviewer", "demo", "--out", str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    folders = [p for p in root.iterdir() if p.is_dir()]
    assert len(folders) == 1
    return folders[0], result


def test_demo_records_a_complete_scored_interview(demo_session):
    folder, result = demo_session
    assert "Traceback" not in result.stderr
    assert "No speaker found" in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Session ")
    assert any(line.startswith("Interviewer: ") for line in lines)
    assert sum(line.startswith("You: ") for line in lines) >= 8
    assert any("Top tips" in line for line in lines)
    events = [json.loads(line) for line in (folder / "session.jsonl").read_text().splitlines()]
    kinds = [e["type"] for e in events]
    assert (
        kinds[0] == "session_started" and "session_ended" in kinds and kinds[-1] == "report_written"
    )
    assert [e for e in events if e["type"] == "question"][-1]["kind"] == "closing"
    for event in events:
        if event.get("audio"):
            assert (folder / event["audio"]).stat().st_size > 44
    report = json.loads((folder / "report.json").read_text())
    assert set(report["dimensions"]) == {
        "scope",
        "influence",
        "technical_depth",
        "judgment",
        "communication",
    }
    assert report["overall"]["level"] in ("below-mid", "mid", "senior", "staff")
    assert (folder / "transcript.md").read_text().count("You") >= 8
    assert "<audio" in (folder / "report.html").read_text()


def test_demo_session_goes_through_every_command(demo_session, capsys, tmp_path):
    folder, _ = demo_session
    root = str(folder.parent)
    sid = folder.name

    assert main(["sessions", "--out", root]) == 0
    assert sid in capsys.readouterr().out
    assert main(["sessions", "show", sid, "--out", root]) == 0
    shown = capsys.readouterr().out
    assert "Interviewer" in shown and "payment" in shown.lower()

    assert main(["replay", str(folder), "--no-audio"]) == 0
    replayed = capsys.readouterr().out
    assert replayed.count("Interviewer:") >= 9 and replayed.count("You:") >= 8

    assert main(["score", str(folder)]) == 0
    capsys.readouterr()
    assert (folder / "reports" / "report-v1.json").exists()
    assert json.loads((folder / "report.json").read_text())["version"] == 2

    assert main(["transcribe", str(folder), "--stt-model", "tiny.en"]) == 0
    capsys.readouterr()
    events = [json.loads(line) for line in (folder / "session.jsonl").read_text().splitlines()]
    assert sum(e["type"] == "transcribed" for e in events) >= 8
    # transcribed again through the live listener's path, the same model reads the same words
    live = {e["turn"]: e["text"] for e in events if e["type"] == "answer"}
    later = {e["turn"]: e["text"] for e in events if e["type"] == "transcribed"}
    assert later == live
    assert json.loads((folder / "report.json").read_text())["version"] == 3

    for fmt in ("md", "json", "vtt", "srt", "wav"):
        out = tmp_path / f"interview.{fmt}"
        assert main(["export", str(folder), "--format", fmt, "-o", str(out)]) == 0
        assert out.stat().st_size > 100
    capsys.readouterr()
    assert (tmp_path / "interview.vtt").read_text().startswith("WEBVTT")
    with wave.open(str(tmp_path / "interview.wav")) as w:
        assert w.getnframes() / w.getframerate() > 30

    html = tmp_path / "progress.html"
    assert main(["progress", "--out", root, "--html", str(html)]) == 0
    assert "scope" in capsys.readouterr().out.lower()
    assert "<svg" in html.read_text()
    assert Path(folder / "session.jsonl").exists()
