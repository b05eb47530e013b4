"""`voiceinterviewer export`: md, json, WebVTT, SRT and one mixed-down WAV on a shared timeline."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import soundfile as sf
from session_factory import (
    STANDARD_TURNS,
    TurnSpec,
    make_report,
    make_session,
    parse_srt,
    parse_vtt,
)

from voiceinterviewer.cli import main
from voiceinterviewer.replay.captions import MAX_CUE_SECONDS, build_cues
from voiceinterviewer.replay.export import EXPORT_RATE, GAP_SECONDS, Segment, Timeline
from voiceinterviewer.session.record import Word

LONG_QUESTION = (
    "Let us design a URL shortener for a large company. Start with the requirements, then estimate "
    "the capacity you need for one hundred million new links a day, sketch the API and the data model, "
    "and tell me how you would shard, cache and replicate it, and what fails first."
)
LONG_ANSWER = (
    "First I would pin down the requirements. We need one hundred million writes a day, which is about "
    "twelve hundred writes per second, and reads are perhaps a hundred times that. I would put a cache in "
    "front of the key value store, shard by the hash of the short code, and replicate across three zones."
)
TURNS = [
    *STANDARD_TURNS[:2],
    TurnSpec(LONG_QUESTION, LONG_ANSWER, track="system-design"),
    STANDARD_TURNS[2],
]


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    root = tmp_path_factory.mktemp("export") / "recordings"
    return make_session(
        root,
        "20250106-100000-aaaa",
        TURNS,
        report=make_report(
            dict.fromkeys(("scope", "influence", "technical_depth", "judgment", "communication"), 4)
        ),
    )


def _export(capsys, session, fmt, *extra):
    assert (
        main(
            [
                "export",
                "20250106-100000-aaaa",
                "--out",
                str(session.folder.parent),
                "--format",
                fmt,
                *extra,
            ]
        )
        == 0
    )
    return capsys.readouterr()


def test_wav_is_every_clip_back_to_back_with_half_second_gaps(session, capsys, tmp_path):
    target = tmp_path / "interview.wav"
    out = _export(capsys, session, "wav", "-o", str(target)).out
    info = sf.info(str(target))
    clips = session.clip_seconds
    expected = sum(clips) + GAP_SECONDS * (len(clips) - 1)
    assert info.samplerate == 16000 and info.channels == 1
    assert abs(info.frames / info.samplerate - expected) <= 0.001
    assert out == f"wrote {target} ({info.frames / info.samplerate:.3f} s)\n"
    data, _ = sf.read(str(target), dtype="float32")
    at = 0.0
    for seconds in clips[:-1]:
        at += seconds
        gap = data[
            int(round(at * EXPORT_RATE)) + 2 : int(round((at + GAP_SECONDS) * EXPORT_RATE)) - 2
        ]
        assert len(gap) > 7000 and np.all(gap == 0.0)
        at += GAP_SECONDS


def test_vtt_cues_follow_the_wav_timeline(session, capsys):
    cues = parse_vtt(_export(capsys, session, "vtt").out)
    clips = session.clip_seconds
    total = sum(clips) + GAP_SECONDS * (len(clips) - 1)
    previous_end = 0.0
    for start, end, text in cues:
        assert previous_end <= start < end <= total + 0.001
        assert end - start <= MAX_CUE_SECONDS + 0.001
        assert text.startswith(("Interviewer: ", "You: "))
        previous_end = end
    # Each clip's cues lie inside that clip's span of the WAV, in speaker order.
    spans, at = [], 0.0
    for seconds in clips:
        spans.append((at, at + seconds))
        at += seconds + GAP_SECONDS
    speakers = ["Interviewer", "You", "Interviewer", "You", "Interviewer", "You", "Interviewer"]
    said = [[] for _ in spans]
    for start, end, text in cues:
        [k] = [i for i, (lo, hi) in enumerate(spans) if lo - 0.001 <= start and end <= hi + 0.001]
        speaker, words = text.split(": ", 1)
        assert speaker == speakers[k]
        said[k].append(words)
    texts = [
        TURNS[0].question,
        TURNS[0].answer,
        TURNS[1].question,
        TURNS[1].answer,
        LONG_QUESTION,
        LONG_ANSWER,
        TURNS[3].question,
    ]
    assert [" ".join(parts) for parts in said] == texts
    assert len(said[4]) >= 2 and len(said[5]) >= 2  # long lines are split


def test_srt_has_the_same_cues_numbered_with_commas(session, capsys):
    vtt = parse_vtt(_export(capsys, session, "vtt").out)
    srt = parse_srt(_export(capsys, session, "srt").out)
    assert srt == vtt


def test_md_is_the_transcript_file_when_there_is_one(tmp_path, capsys):
    built = make_session(
        tmp_path / "recordings", "20250106-100000-aaaa", STANDARD_TURNS, audio=False
    )
    root = str(built.folder.parent)
    assert main(["export", built.id, "--out", root, "--format", "md"]) == 0
    rendered = capsys.readouterr().out
    assert rendered.startswith("# Interview transcript: 20250106-100000-aaaa\n")
    assert "] You:** I lead the payments platform team.\n" in rendered
    assert "] Interviewer:** Thanks, that is all I have for today.\n" in rendered
    assert rendered.endswith("_Not scored yet: run `voiceinterviewer score ID` for the report._\n")
    (built.folder / "transcript.md").write_text(
        "# My own transcript\n\nkept as written\n", encoding="utf-8"
    )
    assert main(["export", built.id, "--out", root, "--format", "md"]) == 0
    assert capsys.readouterr().out == "# My own transcript\n\nkept as written\n"


def test_json_is_the_record_and_the_report(session, capsys, tmp_path):
    target = tmp_path / "session.json"
    assert _export(capsys, session, "json", "-o", str(target)).out == f"wrote {target}\n"
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["schema"] == "voiceinterviewer.export/1"
    assert data["session"]["id"] == "20250106-100000-aaaa"
    assert [t["question"]["text"] for t in data["session"]["turns"]] == [t.question for t in TURNS]
    assert data["session"]["turns"][1]["answer"]["text"] == TURNS[1].answer
    assert data["report"] == json.loads(
        (session.folder / "report.json").read_text(encoding="utf-8")
    )
    assert "events" not in data["session"]


def test_a_missing_clip_becomes_silence_of_its_recorded_length(tmp_path, capsys):
    built = make_session(tmp_path / "recordings", "20250106-100000-aaaa", STANDARD_TURNS)
    os.remove(built.folder / "turn-01-candidate.wav")
    target = tmp_path / "x.wav"
    assert main(["export", str(built.folder), "--format", "wav", "-o", str(target)]) == 0
    err = capsys.readouterr().err
    assert (
        err
        == f"note: silence in place of missing audio (turn 1 you: audio file not found: {built.folder / 'turn-01-candidate.wav'})\n"
    )
    clips = built.clip_seconds
    info = sf.info(str(target))
    assert abs(info.frames / 16000 - (sum(clips) + GAP_SECONDS * (len(clips) - 1))) <= 0.001
    assert main(["export", str(built.folder), "--format", "vtt"]) == 0
    cues = parse_vtt(capsys.readouterr().out)
    second_question_start = clips[0] + clips[1] + 2 * GAP_SECONDS
    assert [c for c in cues if c[2].startswith("Interviewer: Tell me about a project")][0][
        0
    ] == pytest.approx(second_question_start, abs=0.001)


def test_export_errors_are_one_line(tmp_path, capsys):
    built = make_session(
        tmp_path / "recordings", "20250106-100000-aaaa", STANDARD_TURNS[:1], audio=False
    )
    assert (
        main(
            [
                "export",
                str(built.folder),
                "--format",
                "vtt",
                "-o",
                str(tmp_path / "no" / "such" / "x.vtt"),
            ]
        )
        == 2
    )
    assert (
        capsys.readouterr().err
        == f"voiceinterviewer: error: no such folder for the output file: {tmp_path / 'no' / 'such'}\n"
    )
    assert main(["export", str(tmp_path / "nowhere"), "--format", "md"]) == 2
    assert (
        capsys.readouterr().err
        == f"voiceinterviewer: error: no such session folder: {tmp_path / 'nowhere'}\n"
    )


def test_cues_use_word_timings_and_never_pass_the_limit():
    words = [Word(f"w{i}{'.' if i % 9 == 8 else ''}", 0.4 * i, 0.4 * i + 0.3) for i in range(60)]
    seg = Segment(
        turn=1,
        speaker="You",
        text=" ".join(w.word for w in words),
        start=16000 * 3,
        length=16000 * 25,
        words=words,
    )
    cues = build_cues(Timeline([seg], gap=8000))
    assert " ".join(c.text for c in cues) == seg.text
    assert cues[0].start == pytest.approx(3.0)
    for cue in cues:
        assert cue.end - cue.start <= MAX_CUE_SECONDS
        assert 3.0 <= cue.start < cue.end <= 28.0
    for a, b in zip(cues, cues[1:], strict=False):
        assert a.end <= b.start
    # A cue starts where its first word starts.
    starts = {w.word: 3.0 + w.start for w in words}
    assert [c.start for c in cues] == pytest.approx([starts[c.text.split()[0]] for c in cues])


def test_cues_without_word_timings_share_the_clip_by_length():
    text = " ".join(["alpha beta gamma delta."] * 12)
    seg = Segment(turn=1, speaker="Interviewer", text=text, start=0, length=16000 * 30)
    cues = build_cues(Timeline([seg], gap=8000))
    assert " ".join(c.text for c in cues) == text
    assert cues[0].start == 0.0 and cues[-1].end == pytest.approx(30.0)
    assert all(c.end - c.start <= MAX_CUE_SECONDS for c in cues)
    assert len(cues) >= 5
