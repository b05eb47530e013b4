"""`voiceinterviewer replay`: the transcript in order, audio through the sink, missing audio tolerated."""

from __future__ import annotations

import io
import json
import os
import termios
import time

import numpy as np
import pytest
from session_factory import STANDARD_TURNS, make_session

from voiceinterviewer.audio.wavfile import read_audio
from voiceinterviewer.cli import main
from voiceinterviewer.replay.export import mmss
from voiceinterviewer.replay.player import KeyPause, replay
from voiceinterviewer.session.record import load_session


class RecordingSink:
    """An AudioSink that keeps what it was asked to play."""

    def __init__(self):
        self.clips = []

    def play(self, clip) -> None:
        self.clips.append(clip)


def _times(folder):
    with open(folder / "session.jsonl", encoding="utf-8") as f:
        events = [json.loads(line) for line in f]
    out = []
    for e in events:
        if e["type"] == "question":
            out.append(e["t"])
        elif e["type"] == "answer":
            out.append(e["t"] + (e["words"][0]["start"] if e["words"] else e["speech_start"]))
    return out


def _expected_lines(folder, only_turn=None):
    t = _times(folder)
    lines = [
        (1, f"[{mmss(t[0])}] Interviewer: Hi, thanks for joining. Tell me about yourself."),
        (1, f"[{mmss(t[1])}] You: I lead the payments platform team."),
        (
            2,
            f"[{mmss(t[2])}] Interviewer: Tell me about a project where you changed the direction of your team.",
        ),
        (
            2,
            f"[{mmss(t[3])}] You: I led the redesign of payment processing, which cut costs by two million dollars a year. "
            "We moved to an event driven design. It opened three new markets for the business.",
        ),
        (3, f"[{mmss(t[4])}] Interviewer: Thanks, that is all I have for today."),
    ]
    return [text for turn, text in lines if only_turn in (None, turn)]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    root = tmp_path_factory.mktemp("replay") / "recordings"
    return make_session(root, "20250106-100000-aaaa", STANDARD_TURNS)


def test_replay_without_audio_prints_the_whole_transcript_in_order(recorded, capsys):
    root = recorded.folder.parent
    assert main(["replay", "20250106-100000-aaaa", "--out", str(root), "--no-audio"]) == 0
    assert capsys.readouterr().out == "\n".join(_expected_lines(recorded.folder)) + "\n"


def test_replay_one_turn_by_path(recorded, capsys):
    assert main(["replay", str(recorded.folder), "--turn", "2", "--no-audio"]) == 0
    assert (
        capsys.readouterr().out == "\n".join(_expected_lines(recorded.folder, only_turn=2)) + "\n"
    )


def test_replay_of_an_unknown_turn_or_session_is_one_line(recorded, capsys):
    assert main(["replay", str(recorded.folder), "--turn", "7", "--no-audio"]) == 2
    err = capsys.readouterr().err
    assert (
        err == "voiceinterviewer: error: session 20250106-100000-aaaa has no turn 7 (turns 1-3)\n"
    )
    assert main(["replay", "19990101", "--out", str(recorded.folder.parent), "--no-audio"]) == 2
    assert (
        capsys.readouterr().err
        == "voiceinterviewer: error: unknown session: 19990101 (see `voiceinterviewer sessions`)\n"
    )


def test_player_plays_interviewer_then_candidate_audio_per_turn(recorded):
    sink = RecordingSink()
    out = io.StringIO()
    result = replay(load_session(recorded.folder), out, sink=sink)
    assert out.getvalue() == "\n".join(_expected_lines(recorded.folder)) + "\n"
    assert (result.lines, result.played, result.missing) == (5, 5, [])
    assert [round(c.duration, 4) for c in sink.clips] == [
        round(s, 4) for s in recorded.clip_seconds
    ]
    names = [
        "turn-01-interviewer",
        "turn-01-candidate",
        "turn-02-interviewer",
        "turn-02-candidate",
        "turn-03-interviewer",
    ]
    for clip, name in zip(sink.clips, names, strict=True):
        on_disk = read_audio(recorded.folder / f"{name}.wav")
        assert clip.rate == on_disk.rate
        assert np.array_equal(clip.samples, on_disk.samples)


def test_missing_and_corrupt_audio_costs_a_note_not_the_replay(tmp_path):
    built = make_session(tmp_path / "recordings", "20250106-100000-aaaa", STANDARD_TURNS)
    os.remove(built.folder / "turn-01-candidate.wav")
    (built.folder / "turn-02-interviewer.wav").write_bytes(b"RIFF\x00\x00garbage that is not audio")
    sink = RecordingSink()
    out = io.StringIO()
    result = replay(load_session(built.folder), out, sink=sink)
    lines = out.getvalue().splitlines()
    expected = _expected_lines(built.folder)
    assert lines[0] == expected[0]
    assert lines[1] == expected[1]
    assert (
        lines[2]
        == f"  (audio unavailable: audio file not found: {built.folder / 'turn-01-candidate.wav'})"
    )
    assert lines[3] == expected[2]
    assert lines[4].startswith(
        f"  (audio unavailable: cannot read audio file {built.folder / 'turn-02-interviewer.wav'}"
    )
    assert lines[5:] == expected[3:]
    assert result.missing == ["turn 1 you", "turn 2 interviewer"]
    assert result.played == 3
    assert [round(c.duration, 4) for c in sink.clips] == [
        round(s, 4) for s in (built.clip_seconds[0], built.clip_seconds[3], built.clip_seconds[4])
    ]


def test_key_pause_does_nothing_without_a_terminal():
    with KeyPause(io.StringIO(), io.StringIO()) as pause:
        assert not pause.enabled
        start = time.monotonic()
        pause.wait()
        assert time.monotonic() - start < 0.1


def test_space_and_enter_toggle_pause_on_a_terminal():
    master, slave = os.openpty()
    stream = os.fdopen(slave, "r")
    out = io.StringIO()
    before = termios.tcgetattr(slave)
    try:
        with KeyPause(stream, out) as pause:
            assert pause.enabled
            assert termios.tcgetattr(slave)[3] & termios.ICANON == 0  # cbreak while replaying
            os.write(master, b" ")
            _until(lambda: pause.paused)
            assert out.getvalue() == "  -- paused (Space or Enter resumes) --\n"
            os.write(master, b"x")  # other keys do nothing
            time.sleep(0.3)
            assert pause.paused
            os.write(master, b"\n")
            _until(lambda: not pause.paused)
            pause.wait()
        assert termios.tcgetattr(slave) == before
    finally:
        stream.close()
        os.close(master)


def _until(condition, timeout=3.0):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.02)
