"""Crash safety: a session killed or interrupted at any moment keeps what it recorded.

Each interview here is a real ``voiceinterviewer practice`` process, stopped
with ``kill -9`` (mid-answer on a live microphone, mid-question, mid-scoring,
during start-up) or Ctrl-C (SIGINT). Afterwards the journal must load with
every completed turn, the candidate's audio must reach to within a second of
the kill, and ``score`` and ``replay --no-audio`` must work on the folder.
The writers themselves are also killed in a tight loop, to hit the moment
between a WAV's data and its header and the middle of a journal line.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from openai_server import OpenAIServer
from pulse_helpers import requires_pulse
from reliability_helpers import (
    NO_SPEAKER,
    PrivateAudio,
    cli_env,
    events_of,
    journal_events,
    kill9,
    reap,
    session_folders,
    start_cli,
    tree_hashes,
    voiced_span,
    wait_until,
    write_answers,
)
from scoring_helpers import MID, SENIOR, Exchange, write_session

from voiceinterviewer.audio.wavfile import StreamingWav, read_audio, repair_wav
from voiceinterviewer.cli import main
from voiceinterviewer.errors import UserError
from voiceinterviewer.session.journal import Journal, load_journal
from voiceinterviewer.session.record import load_session

LONG_ANSWER = (
    "I led the redesign of our payment processing platform across three teams and two time "
    "zones. We moved card authorization into a new service with its own data store, sharded "
    "by merchant, and we cut our processing costs by two million dollars a year while opening "
    "three new markets in Europe."
)
SHORT_ANSWERS = [
    "I led the migration of our billing service to a sharded database across two teams.",
    "We chose Postgres over Cassandra because the team knew it, and we cut costs by twenty percent.",
    "I mentored two engineers and wrote the design document with product and finance.",
]


@pytest.fixture(autouse=True)
def _no_leftover_processes():
    yield
    reap()


FAST_VOICE = {"VOICEINTERVIEWER_SPEECH_RATE": "3"}  # the interviewer speaks fast: shorter waits


def live_env(audio: PrivateAudio) -> dict[str, str]:
    return cli_env({**audio.env, **FAST_VOICE})


@pytest.fixture(scope="module")
def long_answer_wav(tmp_path_factory) -> Path:
    from audio_helpers import speech_file

    return speech_file(tmp_path_factory.mktemp("speech") / "long-answer.wav", LONG_ANSWER)


def assert_recoverable(folder: Path, capsys, completed_turns: int | None = None) -> None:
    """The journal loads, every WAV reads, and score and replay --no-audio work on the folder."""
    record = load_session(folder)
    if completed_turns is not None:
        answered = [t for t in record.turns if t.answer is not None and t.answer.text]
        assert len(answered) >= completed_turns
    for wav in folder.glob("*.wav"):
        if wav.stat().st_size > 44 + 2 * 16000 // 10:  # more than 0.1 s of audio
            assert read_audio(wav).duration > 0.05
    wavs_before = {k: v for k, v in tree_hashes(folder).items() if k.endswith(".wav")}
    capsys.readouterr()
    assert main(["score", str(folder)]) == 0
    assert (folder / "report.json").is_file() and (folder / "report.html").is_file()
    assert main(["replay", str(folder), "--no-audio"]) == 0
    out = capsys.readouterr().out
    for turn in record.turns:
        assert f"Interviewer: {' '.join(turn.question.text.split())[:40]}" in out
    assert events_of(folder, "report_written")
    wavs_after = {k: v for k, v in tree_hashes(folder).items() if k.endswith(".wav")}
    assert wavs_after == wavs_before, "scoring or replay changed a recording"


def first_folder(root: Path):
    folders = session_folders(root)
    return folders[0] if folders else None


# -- kill -9 mid-answer, on the live (virtual) microphone -----------------------------


@pytest.mark.pulse
@requires_pulse
def test_kill_mid_answer_keeps_the_audio_up_to_the_kill(tmp_path, long_answer_wav, capsys):
    root = tmp_path / "recordings"
    with PrivateAudio("midanswer") as audio:
        proc = start_cli(
            ["practice", "--track", "behavioral", "--out", root, "--seed", "crash"],
            live_env(audio),
        )
        folder = wait_until(lambda: first_folder(root), 60, proc, "the session folder")
        wait_until(lambda: events_of(folder, "question"), 90, proc, "the first question")
        listening_since = time.monotonic()  # the answer WAV starts when listening begins
        player = audio.play(long_answer_wav)
        played_at = time.monotonic()
        time.sleep(3.5)
        killed_at = time.monotonic()
        kill9(proc)
        player.kill()
        player.wait()
    wav = folder / "turn-01-candidate.wav"
    clip = read_audio(wav)
    assert clip.rate == 16000
    # everything up to at most 1 s before the kill is on disk
    assert clip.duration >= (killed_at - listening_since) - 1.0, clip.duration
    first, last = voiced_span(clip.samples, clip.rate)
    assert first >= 0, "the answer was not recorded"
    assert last - first >= (killed_at - played_at) - 1.0, (first, last)
    record = load_session(folder)
    assert record.turns[0].question.kind == "greeting"
    recovered = record.turns[0].answer
    assert recovered is not None and recovered.audio == wav.name
    assert recovered.end_reason == "interrupted"
    assert_recoverable(folder, capsys)


# -- kill -9 mid-question, mid-scoring, during start-up ---------------------------------


@pytest.mark.pulse
@requires_pulse
def test_kill_mid_question_keeps_every_completed_turn(tmp_path, capsys):
    root = tmp_path / "recordings"
    answers = write_answers(tmp_path / "answers", SHORT_ANSWERS)
    with PrivateAudio("midquestion") as audio:  # a real speaker: questions take real time
        proc = start_cli(
            [
                "practice",
                "--answers",
                *answers,
                "--out",
                root,
                "--track",
                "behavioral",
                "--seed",
                "midquestion",
            ],
            live_env(audio),
        )
        folder = wait_until(lambda: first_folder(root), 60, proc, "the session folder")

        def speaking_turn_two() -> bool:
            wav = folder / "turn-02-interviewer.wav"
            questions = events_of(folder, "question")
            return wav.exists() and wav.stat().st_size > 44 and len(questions) == 1

        wait_until(speaking_turn_two, 120, proc, "the second question")
        time.sleep(0.3)
        kill9(proc)
    events = journal_events(folder)
    assert [e["turn"] for e in events if e["type"] == "question"] == [1]
    assert [e["turn"] for e in events if e["type"] == "answer"] == [1]
    assert read_audio(folder / "turn-02-interviewer.wav").duration > 0.2  # the half-said question
    assert_recoverable(folder, capsys, completed_turns=1)


def test_kill_mid_scoring_keeps_the_whole_interview(tmp_path, capsys):
    root = tmp_path / "recordings"
    answers = write_answers(tmp_path / "answers", SHORT_ANSWERS)
    with OpenAIServer(hang_seconds=60) as srv:
        srv.enqueue_fault("timeout")  # the scorer's request hangs until the kill
        proc = start_cli(
            ["practice", "--answers", *answers, "--out", root, "--track", "behavioral",
             "--score-model", "openai/test-model", "--api-base", srv.url],
            cli_env(NO_SPEAKER),
        )  # fmt: skip
        wait_until(lambda: srv.requests, 120, proc, "the scoring request")
        folder = first_folder(root)
        kill9(proc)
    events = journal_events(folder)
    kinds = [e["type"] for e in events]
    assert "session_ended" in kinds and "report_written" not in kinds
    answered = [e for e in events if e["type"] == "answer" and e["text"]]
    assert len(answered) == len(SHORT_ANSWERS)
    assert not (folder / "report.json").exists()
    assert_recoverable(folder, capsys, completed_turns=len(SHORT_ANSWERS))


def test_kill_during_start_up_leaves_a_loadable_session(tmp_path, capsys):
    root = tmp_path / "recordings"
    answers = write_answers(tmp_path / "answers", SHORT_ANSWERS[:1])
    proc = start_cli(["practice", "--answers", *answers, "--out", root], cli_env(NO_SPEAKER))
    folder = wait_until(lambda: first_folder(root), 60, proc, "the session folder")
    wait_until(lambda: events_of(folder, "session_started"), 30, proc, "the journal")
    kill9(proc)
    assert_recoverable(folder, capsys)


# -- Ctrl-C ------------------------------------------------------------------------------


def assert_graceful_stop(proc: subprocess.Popen, folder: Path, within: float) -> None:
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("Ctrl-C did not stop the interview within 60 s")
    took = time.monotonic() - sent
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert took < within, f"took {took:.1f} s to stop"
    assert "Interview stopped" in out
    ended = events_of(folder, "session_ended")
    assert ended and ended[-1]["reason"] == "interrupted"
    assert (folder / "report.json").is_file() and events_of(folder, "report_written")
    load_session(folder)


@pytest.mark.pulse
@requires_pulse
def test_ctrl_c_mid_question_stops_the_interviewer_and_writes_the_report(tmp_path):
    root = tmp_path / "recordings"
    answers = write_answers(tmp_path / "answers", SHORT_ANSWERS)
    with PrivateAudio("sigint") as audio:
        proc = start_cli(
            ["practice", "--answers", *answers, "--out", root, "--seed", "sigint"], live_env(audio)
        )
        folder = wait_until(lambda: first_folder(root), 60, proc, "the session folder")
        greeting = folder / "turn-01-interviewer.wav"
        wait_until(
            lambda: greeting.exists() and greeting.stat().st_size > 44, 60, proc, "the greeting"
        )
        time.sleep(1.0)
        assert_graceful_stop(proc, folder, within=15.0)
    assert read_audio(greeting).duration > 0.1  # what was said before Ctrl-C is kept


@pytest.mark.pulse
@requires_pulse
def test_ctrl_c_mid_answer_keeps_the_answer_audio(tmp_path, long_answer_wav):
    root = tmp_path / "recordings"
    with PrivateAudio("sigintanswer") as audio:
        proc = start_cli(
            ["practice", "--track", "behavioral", "--out", root, "--seed", "crash"],
            live_env(audio),
        )
        folder = wait_until(lambda: first_folder(root), 60, proc, "the session folder")
        wait_until(lambda: events_of(folder, "question"), 90, proc, "the first question")
        player = audio.play(long_answer_wav)
        time.sleep(3.0)
        assert_graceful_stop(proc, folder, within=15.0)
        player.kill()
        player.wait()
    clip = read_audio(folder / "turn-01-candidate.wav")
    first, last = voiced_span(clip.samples, clip.rate)
    assert first >= 0 and last - first > 2.0
    answer = load_session(folder).turns[0].answer
    assert answer is not None and answer.audio == "turn-01-candidate.wav"


def test_ctrl_c_during_start_up_still_ends_the_session_cleanly(tmp_path):
    root = tmp_path / "recordings"
    answers = write_answers(tmp_path / "answers", SHORT_ANSWERS[:1])
    proc = start_cli(["practice", "--answers", *answers, "--out", root], cli_env(NO_SPEAKER))
    folder = wait_until(lambda: first_folder(root), 60, proc, "the session folder")
    wait_until(lambda: events_of(folder, "session_started"), 30, proc, "the journal")
    assert_graceful_stop(proc, folder, within=30.0)


# -- the writers killed mid-write -----------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys, numpy as np
    from voiceinterviewer.audio.wavfile import StreamingWav
    from voiceinterviewer.session.journal import Journal
    folder = sys.argv[1]
    journal = Journal(folder + "/session.jsonl")
    journal.write("session_started", format=2, id="w", settings={})
    wav = StreamingWav(folder + "/turn-01-candidate.wav", 16000)
    n = 0
    print("ready", flush=True)
    while True:
        n += 1
        block = (np.arange(512) % 64 / 64.0 - 0.5).astype(np.float32) * ((n % 7) + 1) / 8
        wav.write(block)
        journal.write("note", n=n, text="x" * (n % 300), blocks=n)
    """
)


@pytest.mark.parametrize("delay", [0.05, 0.13, 0.29, 0.41, 0.77])
def test_writers_killed_mid_write_leave_readable_files(tmp_path, delay):
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    proc.kill()
    proc.wait()
    loaded = load_journal(tmp_path / "session.jsonl")
    notes = [e for e in loaded.events if e["type"] == "note"]
    assert notes and [e["n"] for e in notes] == list(range(1, len(notes) + 1))
    assert len(loaded.skipped_lines) <= 1  # at most the line being written
    clip = read_audio(tmp_path / "turn-01-candidate.wav")
    blocks = len(clip.samples) // 512
    # the WAV holds every block written before the last journal line (data first, then header)
    assert blocks >= len(notes)
    assert np.all(np.abs(clip.samples) <= 1.0)


# -- torn journal lines and unfinished WAV headers --------------------------------------


def test_a_torn_last_line_is_skipped_and_the_next_event_starts_a_new_line(tmp_path):
    folder = write_session(tmp_path / "s", [Exchange("Tell me about a system.", SENIOR)]).folder
    journal = folder / "session.jsonl"
    complete = len(load_journal(journal).events)
    with open(journal, "ab") as f:
        f.write(b'{"type": "answer", "t": 99.0, "turn": 2, "text": "cut of')  # torn by a crash
    before = journal.read_bytes()
    loaded = load_journal(journal)
    assert len(loaded.events) == complete and len(loaded.skipped_lines) == 1
    appended = Journal(journal)
    appended.write("note", text="after the crash")
    appended.close()
    after = journal.read_bytes()
    assert after.startswith(before), "appending must not change what was there"
    reloaded = load_journal(journal)
    assert reloaded.events[-1]["text"] == "after the crash"
    assert len(reloaded.events) == complete + 1 and len(reloaded.skipped_lines) == 1


def test_score_and_replay_work_on_a_journal_with_a_torn_line(tmp_path, capsys):
    folder = write_session(
        tmp_path / "s",
        [Exchange("Tell me about a system.", SENIOR), Exchange("And the trade-offs?", MID)],
        ended=False,
    ).folder
    journal = folder / "session.jsonl"
    data = journal.read_bytes()
    journal.write_bytes(data[: len(data) - 40])  # the last answer's line cut short
    assert main(["score", str(folder)]) == 0
    assert main(["replay", str(folder), "--no-audio"]) == 0
    out = capsys.readouterr().out
    assert "Tell me about a system." in out and "And the trade-offs?" in out
    written = events_of(folder, "report_written")
    assert len(written) == 1, "the report event must not be glued to the torn line"
    record = load_session(folder)
    assert record.turns[0].answer.text == SENIOR


def test_a_wav_with_an_unfinished_header_reads_in_full_and_is_not_changed(tmp_path):
    path = tmp_path / "turn-01-candidate.wav"
    samples = (np.sin(np.arange(16000) / 10.0) * 0.5).astype(np.float32)
    with StreamingWav(path, 16000) as wav:
        wav.write(samples)
    raw = bytearray(path.read_bytes())
    for stale in (0, 1000):  # never updated, or updated for an earlier block only
        raw[4:8] = (36 + stale).to_bytes(4, "little")
        raw[40:44] = stale.to_bytes(4, "little")
        path.write_bytes(bytes(raw) + b"\x01")  # and half a sample at the end
        before = path.read_bytes()
        clip = read_audio(path)
        assert path.read_bytes() == before
        assert len(clip.samples) == 16000
        assert np.max(np.abs(clip.samples - samples)) < 1e-3
    assert repair_wav(path) is True
    import soundfile as sf

    assert sf.info(str(path)).frames == 16000
    assert repair_wav(path) is False


def test_a_session_whose_audio_header_was_never_updated_exports_and_replays(tmp_path, capsys):
    folder = write_session(tmp_path / "s", [Exchange("Tell me about a system.", SENIOR)]).folder
    wav = folder / "turn-01-candidate.wav"
    raw = bytearray(wav.read_bytes())
    raw[4:8] = (36).to_bytes(4, "little")
    raw[40:44] = (0).to_bytes(4, "little")
    wav.write_bytes(bytes(raw))
    before = tree_hashes(folder)
    assert main(["export", str(folder), "--format", "wav", "-o", str(tmp_path / "all.wav")]) == 0
    assert "silence in place" not in capsys.readouterr().err
    assert read_audio(tmp_path / "all.wav").duration > read_audio(wav).duration
    assert tree_hashes(folder) == before


def test_journal_refuses_to_follow_a_planted_symlink(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "session.jsonl").symlink_to(outside)
    with pytest.raises(UserError):
        Journal(tmp_path / "s" / "session.jsonl").write("note")
    assert outside.read_text() == "keep me\n"
