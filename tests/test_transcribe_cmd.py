"""`voiceinterviewer transcribe`: real tiny.en over recorded answers, journalled, versioned, re-scored."""

from __future__ import annotations

import io
import json
import os

import pytest
from session_factory import STANDARD_TURNS, TurnSpec, make_session

from voiceinterviewer.cli import main
from voiceinterviewer.replay.transcribe import ProgressBar
from voiceinterviewer.session.record import load_session

GARBLED = [
    TurnSpec(
        STANDARD_TURNS[0].question, STANDARD_TURNS[0].answer, kind="greeting", heard="(garbled one)"
    ),
    TurnSpec(STANDARD_TURNS[1].question, STANDARD_TURNS[1].answer, heard="(garbled two)"),
    STANDARD_TURNS[2],
]


@pytest.fixture(autouse=True)
def offline_hub(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _events(folder):
    with open(folder / "session.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _report(folder):
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def _check_new_transcript(folder, audio_seconds):
    record = load_session(folder)
    first, second = record.turns[0].answer, record.turns[1].answer
    assert "platform" in first.text.lower()
    assert "payment" in second.text.lower() and "markets" in second.text.lower()
    for answer, seconds in zip((first, second), audio_seconds, strict=True):
        assert answer.stt_model == "tiny.en"
        starts = [w.start for w in answer.words]
        assert starts == sorted(starts) and len(starts) >= len(answer.text.split()) - 2
        assert 0.0 <= starts[0] and answer.words[-1].end <= seconds + 0.05


def test_two_sessions_in_parallel_are_transcribed_kept_and_rescored(recordings, capsys):
    one = make_session(recordings, "20250106-100000-aaaa", GARBLED)
    two = make_session(
        recordings, "20250107-100000-bbbb", GARBLED, started_at="2025-01-07T10:00:00+00:00"
    )
    (one.folder / "transcript.md").write_text(
        "# the transcript as first written\n", encoding="utf-8"
    )
    before_two = (two.folder / "session.jsonl").read_bytes()

    assert main(["transcribe", one.id, two.id, "--out", str(recordings), "--jobs", "2"]) == 0
    captured = capsys.readouterr()

    expected = sorted(
        f"{b.id}: 2 answers transcribed, 2 changed; previous transcript kept as "
        f"transcripts/transcript-v1.md; report v1: {_report(b.folder)['overall']['level']}"
        for b in (one, two)
    )
    assert sorted(captured.out.splitlines()) == expected
    assert captured.err.splitlines()[0] == "Transcribing 2 sessions with tiny.en"
    assert (
        captured.err.splitlines()[-1] == "transcribing [############################] 4/4 answers"
    )

    for b in (one, two):
        _check_new_transcript(b.folder, b.candidate_seconds)
        events = _events(b.folder)
        types = [e["type"] for e in events]
        assert types[-3:] == ["transcribed", "transcribed", "report_written"]
        # the original answers are still in the journal
        assert [e["text"] for e in events if e["type"] == "answer"] == [
            "(garbled one)",
            "(garbled two)",
        ]
        assert [(e["turn"], e["stt_model"]) for e in events if e["type"] == "transcribed"] == [
            (1, "tiny.en"),
            (2, "tiny.en"),
        ]
        assert "payment" in (b.folder / "transcript.md").read_text(encoding="utf-8").lower()
        assert _report(b.folder)["version"] == 1
    assert (two.folder / "session.jsonl").read_bytes().startswith(before_two)
    assert (one.folder / "transcripts" / "transcript-v1.md").read_text(
        encoding="utf-8"
    ) == "# the transcript as first written\n"
    kept_two = (two.folder / "transcripts" / "transcript-v1.md").read_text(encoding="utf-8")
    assert "(garbled two)" in kept_two and "payment" not in kept_two.lower()


def test_transcribing_again_keeps_every_version(recordings, capsys):
    built = make_session(recordings, "20250106-100000-aaaa", GARBLED)
    assert main(["transcribe", str(built.folder), "--no-score"]) == 0
    first_md = (built.folder / "transcript.md").read_text(encoding="utf-8")
    assert first_md.endswith("_Not scored yet: run `voiceinterviewer score ID` for the report._\n")
    assert "payment" in first_md.lower()
    assert main(["transcribe", str(built.folder), "--no-score"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{built.id}: 2 answers transcribed, 2 changed; previous transcript kept as transcripts/transcript-v1.md",
        f"{built.id}: 2 answers transcribed, 0 changed; previous transcript kept as transcripts/transcript-v2.md",
    ]
    assert (built.folder / "transcripts" / "transcript-v2.md").read_text(
        encoding="utf-8"
    ) == first_md
    assert "(garbled one)" in (built.folder / "transcripts" / "transcript-v1.md").read_text(
        encoding="utf-8"
    )
    assert [e["turn"] for e in _events(built.folder) if e["type"] == "transcribed"] == [1, 2, 1, 2]
    assert not (built.folder / "report.json").exists()


def test_a_folder_of_sessions_with_missing_audio(recordings, capsys):
    one = make_session(recordings, "20250106-100000-aaaa", GARBLED)
    two = make_session(
        recordings, "20250107-100000-bbbb", GARBLED, started_at="2025-01-07T10:00:00+00:00"
    )
    os.remove(two.folder / "turn-01-candidate.wav")
    assert main(["transcribe", str(recordings), "--no-score"]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"{one.id}: 2 answers transcribed, 2 changed; previous transcript kept as transcripts/transcript-v1.md\n"
        f"{two.id}: 1 answer transcribed, 1 changed; previous transcript kept as transcripts/transcript-v1.md\n"
        f"  turn 1: audio file not found: {two.folder / 'turn-01-candidate.wav'}\n"
    )
    record = load_session(two.folder)
    assert record.turns[0].answer.text == "(garbled one)"
    assert "payment" in record.turns[1].answer.text.lower()


def test_a_bad_model_fails_before_any_session_is_touched(recordings, capsys):
    built = make_session(recordings, "20250106-100000-aaaa", GARBLED)
    before = sorted(os.listdir(built.folder)), (built.folder / "session.jsonl").read_bytes()
    assert (
        main(["transcribe", built.id, "--out", str(recordings), "--stt-model", "no-such-model"])
        == 2
    )
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("voiceinterviewer: error: cannot load speech model 'no-such-model': ")
    assert (
        sorted(os.listdir(built.folder)),
        (built.folder / "session.jsonl").read_bytes(),
    ) == before


def test_sessions_without_answers_are_reported(recordings, capsys):
    built = make_session(recordings, "20250106-100000-aaaa", [STANDARD_TURNS[2]], audio=False)
    assert main(["transcribe", built.id, "--out", str(recordings), "--no-score"]) == 1
    assert (
        capsys.readouterr().out
        == f"{built.id}: not transcribed: no recorded answers to transcribe\n"
    )
    assert main(["transcribe", built.id, "--out", str(recordings), "--jobs", "0"]) == 2
    assert capsys.readouterr().err == "voiceinterviewer: error: --jobs must be at least 1\n"


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_redraws_in_place_on_a_terminal():
    term = FakeTerminal()
    bar = ProgressBar(3, stream=term, width=6)
    bar.advance()
    bar.advance(2)
    bar.close()
    assert (
        term.getvalue()
        == "\rtranscribing [##----] 1/3 answers\rtranscribing [######] 3/3 answers\n"
    )


def test_words_written_after_the_recorded_speech_ended_are_dropped(recordings):
    from fakes import ScriptedTranscriber

    from voiceinterviewer.replay.transcribe import TranscribeOptions, retranscribe_session
    from voiceinterviewer.session.record import Word
    from voiceinterviewer.stt.whisper import Transcript

    built = make_session(recordings, "20250106-100000-aaaa", STANDARD_TURNS[:2])
    ends = [t.answer.speech_end for t in load_session(built.folder).turns]
    fake = ScriptedTranscriber()
    for end in ends:
        words = [
            Word("I", 0.4, 0.5, 0.9),
            Word("led", 0.5, end - 0.3, 0.9),
            Word("it.", end - 0.3, end, 0.9),
            Word("Thanks", end, end, 0.2),  # over the silence after the answer
            Word("everyone.", end + 0.1, end + 0.1, 0.3),
        ]
        fake.enqueue(Transcript("I led it. Thanks everyone.", words))
    done = retranscribe_session(built.folder, fake, TranscribeOptions(rescore=False))
    assert done.answers == 2 and len(fake.history) == 2
    answers = [t.answer for t in load_session(built.folder).turns]
    assert [a.text for a in answers] == ["I led it.", "I led it."]
    assert [w.word for w in answers[1].words] == ["I", "led", "it."]


def test_one_job_decodes_on_every_core_and_jobs_share_them(monkeypatch):
    from voiceinterviewer.replay.transcribe import worker_threads

    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert worker_threads(1) == 8  # no interview runs: no core is kept for the audio
    assert worker_threads(2) == 4
    assert worker_threads(16) == 1
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert worker_threads(1) == 2
