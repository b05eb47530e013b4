"""Audio devices that are missing, wrong or vanish mid-interview.

A microphone or speaker that cannot be used must stop `practice` with one
line that names the fix (``voiceinterviewer devices``), a non-zero exit, no
traceback, and keep whatever was recorded. A missing device is found before
a session folder is made; a device that disappears mid-answer (its PulseAudio
daemon killed) ends the session with its audio, journal and report kept.

The vanishing device belongs to a PulseAudio daemon the test starts for
itself (``scripts/virtual-audio.sh`` in a private runtime folder), so killing
it disturbs nothing else; the shared daemon is (re)started in ``finally``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from pulse_helpers import requires_pulse
from reliability_helpers import (
    NO_SPEAKER,
    REPO,
    assert_clean_failure,
    cli_env,
    events_of,
    pulse_up,
    reap,
    restart_pulse,
    run_cli,
    session_folders,
    start_cli,
    voiced_span,
    wait_until,
    write_answers,
)

from voiceinterviewer.audio.wavfile import read_audio
from voiceinterviewer.cli import main
from voiceinterviewer.session.record import load_session

FIX = "voiceinterviewer devices"


@pytest.fixture(autouse=True)
def _no_leftover_processes():
    yield
    reap()


@pytest.mark.parametrize(
    "flags",
    [
        ["--input-device", "99"],
        ["--input-device", "no-such-microphone"],
        ["--output-device", "99"],
        ["--output-device", "no-such-speaker"],
    ],
    ids=["input-index", "input-name", "output-index", "output-name"],
)
def test_an_unusable_device_is_one_line_before_any_session(tmp_path, flags):
    root = tmp_path / "recordings"
    proc = run_cli(["practice", "--out", root, *flags], timeout=60)
    line = assert_clean_failure(proc.returncode, proc.stderr, expected_rc=1)
    assert FIX in line and flags[1] in line
    assert session_folders(root) == []


def test_no_audio_system_at_all_is_one_line(tmp_path):
    root = tmp_path / "recordings"
    proc = run_cli(["practice", "--out", root], cli_env(NO_SPEAKER), timeout=60)
    line = assert_clean_failure(proc.returncode, proc.stderr, expected_rc=1)
    assert FIX in line and "microphone" in line
    assert session_folders(root) == []
    proc = run_cli(["devices", "--seconds", "0"], cli_env(NO_SPEAKER), timeout=60)
    assert FIX in assert_clean_failure(proc.returncode, proc.stderr, expected_rc=1)


def test_replay_with_an_unusable_speaker_is_one_line(tmp_path, capsys):
    from scoring_helpers import SENIOR, Exchange, write_session

    folder = write_session(tmp_path / "s", [Exchange("Tell me about a system.", SENIOR)]).folder
    assert main(["replay", str(folder), "--output-device", "99"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and FIX in err


# -- the microphone's daemon dies mid-answer ------------------------------------------------


class PrivateDaemon:
    """A PulseAudio daemon with the virtual devices, in a runtime folder of its own."""

    def __init__(self, runtime: Path):
        self.runtime = runtime
        self.pid: int | None = None

    def __enter__(self) -> PrivateDaemon:
        self.runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        script = REPO / "scripts" / "virtual-audio.sh"
        subprocess.run(["bash", str(script)], env=self.env, check=True, timeout=60)
        self.pid = int((self.runtime / "pulse" / "pid").read_text().strip())
        return self

    @property
    def env(self) -> dict[str, str]:
        return cli_env({"XDG_RUNTIME_DIR": str(self.runtime)})

    def kill(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.pid = None

    def __exit__(self, *exc) -> None:
        self.kill()
        shutil.rmtree(self.runtime, ignore_errors=True)


@pytest.fixture(scope="module")
def answer_wav(tmp_path_factory) -> Path:
    from audio_helpers import speech_file

    text = (
        "I owned the checkout service end to end. We rebuilt its payment flow over two quarters, "
        "moved the card vault to a separate cluster, and brought the error rate down by half."
    )
    return speech_file(tmp_path_factory.mktemp("speech") / "answer.wav", text)


@pytest.mark.pulse
@requires_pulse
def test_the_microphone_vanishing_mid_answer_keeps_what_was_recorded(tmp_path, answer_wav):
    root = tmp_path / "recordings"
    try:
        with PrivateDaemon(Path(f"/tmp/vi-pulse-{os.getpid()}-{time.monotonic_ns()}")) as daemon:
            env = {**daemon.env, "VOICEINTERVIEWER_SPEECH_RATE": "3"}
            proc = start_cli(
                ["practice", "--out", root, "--track", "behavioral", "--seed", "vanish"], env
            )
            folder = wait_until(
                lambda: session_folders(root) and session_folders(root)[0], 60, proc, "a session"
            )
            wait_until(lambda: events_of(folder, "question"), 90, proc, "the first question")
            listening_since = time.monotonic()
            player = subprocess.Popen(
                ["paplay", "--device=virtmic_src", str(answer_wav)],
                env=env,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(2.5)
            vanished_at = time.monotonic()
            daemon.kill()
            out, err = proc.communicate(timeout=60)
            player.wait(timeout=30)
    finally:
        restart_pulse()  # the shared devices must be there for the tests that follow
    assert pulse_up()
    line = assert_clean_failure(proc.returncode, err, expected_rc=1)
    assert FIX in line and "microphone" in line
    clip = read_audio(folder / "turn-01-candidate.wav")
    assert clip.duration >= (vanished_at - listening_since) - 1.0
    first, last = voiced_span(clip.samples, clip.rate)
    assert first >= 0 and last - first >= 1.0
    errors = [e for e in events_of(folder, "error") if e.get("where") == "session"]
    assert errors and "microphone" in errors[0]["message"]
    assert events_of(folder, "session_ended")[-1]["reason"] == "error"
    assert events_of(folder, "report_written") and (folder / "report.json").is_file()
    answer = load_session(folder).turns[0].answer
    assert answer is not None and answer.audio == "turn-01-candidate.wav"


@pytest.mark.pulse
@requires_pulse
def test_the_speaker_vanishing_mid_question_is_one_line(tmp_path):
    root = tmp_path / "recordings"
    answers = write_answers(tmp_path / "answers", ["I led the payments redesign."])
    try:
        with PrivateDaemon(Path(f"/tmp/vi-pulse-{os.getpid()}-{time.monotonic_ns()}")) as daemon:
            proc = start_cli(
                ["practice", "--answers", *answers, "--out", root, "--seed", "speaker"],
                daemon.env,
            )
            folder = wait_until(
                lambda: session_folders(root) and session_folders(root)[0], 60, proc, "a session"
            )
            greeting = folder / "turn-01-interviewer.wav"
            wait_until(lambda: greeting.exists(), 60, proc, "the greeting")
            time.sleep(0.5)
            daemon.kill()
            out, err = proc.communicate(timeout=60)
    finally:
        restart_pulse()
    line = assert_clean_failure(proc.returncode, err, expected_rc=1)
    assert FIX in line and "speaker" in line
    assert read_audio(greeting).duration > 0.1  # what was said before it failed is kept
    assert events_of(folder, "session_ended")[-1]["reason"] == "error"
    assert (folder / "report.json").is_file()
