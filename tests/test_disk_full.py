"""A full disk: writing stops with one clear line, and what was written stays readable.

Two ways to run out of space: a 1 MB tmpfs as the recordings folder (needs
root and a sandbox that allows mounts; skipped otherwise), and a file size
limit (RLIMIT_FSIZE, with SIGXFSZ ignored so writes fail with EFBIG) set on
the interview's own process, which needs nothing special.
"""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from reliability_helpers import (
    NO_SPEAKER,
    REPO,
    assert_clean_failure,
    cli_env,
    journal_events,
    session_folders,
    write_answers,
)

from voiceinterviewer.audio.wavfile import StreamingWav, read_audio
from voiceinterviewer.cli import main
from voiceinterviewer.errors import UserError
from voiceinterviewer.session.journal import Journal, load_journal
from voiceinterviewer.session.record import load_session

ANSWERS = [
    "I led the redesign of our payment processing system across three teams.",
    "We chose Postgres over Cassandra because the team already knew it well.",
    "I wrote the design document and ran the migration plan with product.",
]


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def assert_kept(folder: Path, scratch: Path, capsys, turns: bool = True) -> None:
    """The journal loads, every WAV with data reads, and a copy with room to spare scores."""
    record = load_session(folder)
    assert record.turns or not turns, "the turns before the disk filled up are gone"
    for wav in folder.glob("*.wav"):
        if wav.stat().st_size > 44:
            read_audio(wav)
    copy = scratch / "copy-with-room"
    shutil.copytree(folder, copy)
    capsys.readouterr()
    assert main(["score", str(copy)]) == 0
    assert main(["replay", str(copy), "--no-audio"]) == 0


def test_an_interview_on_a_full_disk_stops_with_one_line(small_disk, capsys):
    root = small_disk / "recordings"
    answers = write_answers(small_disk.parent / "answers", ANSWERS)
    proc = subprocess.run(
        [sys.executable, "-m", "voiceinterviewer", "practice", "--answers", *map(str, answers),
         "--out", str(root), "--questions", "3", "--seed", "disk"],
        cwd=REPO, env=cli_env(NO_SPEAKER), capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    line = assert_clean_failure(proc.returncode, proc.stderr, expected_rc=1)
    assert "disk is full" in line and "kept" in line
    (folder,) = session_folders(root)
    events = journal_events(folder)
    assert any(e["type"] == "question" for e in events)
    assert_kept(folder, small_disk.parent, capsys)


def _limited(limit: int):
    def preexec() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


def test_a_file_size_limit_stops_the_interview_with_one_line(tmp_path, capsys):
    root = tmp_path / "recordings"
    answers = write_answers(tmp_path / "answers", ANSWERS)
    proc = subprocess.run(
        [sys.executable, "-m", "voiceinterviewer", "practice", "--answers", *map(str, answers),
         "--out", str(root), "--questions", "3", "--seed", "limit"],
        cwd=REPO, env=cli_env({**NO_SPEAKER, "PYTHONDONTWRITEBYTECODE": "1"}),
        capture_output=True, text=True, timeout=240, preexec_fn=_limited(300_000),
    )  # fmt: skip
    line = assert_clean_failure(proc.returncode, proc.stderr, expected_rc=1)
    assert "disk is full" in line
    (folder,) = session_folders(root)
    assert max(p.stat().st_size for p in folder.iterdir()) <= 300_000
    failed = [e for e in journal_events(folder) if e["type"] == "error"]
    assert failed and "disk is full" in failed[0]["message"]
    assert journal_events(folder)[-1]["type"] in ("session_ended", "report_written")
    # the greeting alone is longer than the limit: what was said up to it is kept
    greeting = read_audio(folder / "turn-01-interviewer.wav")
    assert greeting.duration * greeting.rate * 2 > 300_000 - 1000
    assert_kept(folder, tmp_path, capsys, turns=False)


@pytest.mark.parametrize("limit", [8192, 24576], ids=["cannot-create", "cannot-grow"])
def test_listing_sessions_works_when_the_index_cannot_be_written(tmp_path, limit):
    from scoring_helpers import SENIOR, Exchange, write_session

    root = tmp_path / "recordings"
    for n in range(30):
        write_session(root / f"20240501-1000{n:02d}-abcd", [Exchange("Tell me.", SENIOR)])
    proc = subprocess.run(
        [sys.executable, "-m", "voiceinterviewer", "sessions", "--out", str(root)],
        cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=120,
        preexec_fn=_limited(limit),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.count("20240501-1000") == 30


def test_the_writers_stop_cleanly_when_space_runs_out(small_disk):
    wav_path, journal_path = small_disk / "turn-01-candidate.wav", small_disk / "session.jsonl"
    journal = Journal(journal_path)
    journal.write("session_started", format=2, id="x", settings={})
    wav = StreamingWav(wav_path, 16000)
    block = (np.sin(np.arange(16000) / 5.0) * 0.3).astype(np.float32)
    with pytest.raises(UserError) as failure:
        for n in range(1000):
            wav.write(block)
            journal.write("note", n=n)
    assert "disk is full" in str(failure.value) and failure.value.exit_code == 1
    wav.write(block)  # after a failure the writer is closed: no error, no change
    wav.close()
    kept = read_audio(wav_path)
    assert kept.duration >= 1.0
    notes = [e for e in load_journal(journal_path).events if e["type"] == "note"]
    assert [e["n"] for e in notes] == list(range(len(notes)))
    # space comes back: the journal goes on, on a fresh line
    wav_path.unlink()
    journal.write("note", n=-1, text="after")
    journal.close()
    loaded = load_journal(journal_path)
    assert loaded.events[-1]["n"] == -1
    assert len(loaded.skipped_lines) <= 1


@pytest.mark.parametrize("where", ["default", "output"])
def test_a_wav_export_on_a_full_disk_leaves_no_part_written_file(tmp_path, where):
    from scoring_helpers import SENIOR, Exchange, write_session

    folder = write_session(
        tmp_path / "recordings" / "20240501-100000-wav",
        [Exchange("Tell me.", SENIOR, answer_audio_seconds=20.0)] * 3,
    ).folder
    out = tmp_path / "exports"
    out.mkdir()
    args = ["export", str(folder), "-f", "wav"] + (
        ["-o", str(out / "all.wav")] if where == "output" else []
    )
    before = sorted(p.name for p in folder.iterdir())
    proc = subprocess.run(
        [sys.executable, "-m", "voiceinterviewer", *args],
        cwd=REPO, env=cli_env({"PYTHONDONTWRITEBYTECODE": "1"}), capture_output=True, text=True,
        timeout=120, preexec_fn=_limited(40_000),
    )  # fmt: skip
    line = assert_clean_failure(proc.returncode, proc.stderr, expected_rc=1)
    assert "disk is full" in line
    assert sorted(p.name for p in folder.iterdir()) == before, "a part-written file was left"
    assert list(out.iterdir()) == []
