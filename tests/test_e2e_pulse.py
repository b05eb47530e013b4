"""End to end on real devices: `voiceinterviewer practice` on the PulseAudio virtual mic and speaker.

The test is the candidate: it waits for the interviewer to finish a question
(the journal's ``question`` event), plays a spoken answer into the virtual
microphone, and records everything that reaches the virtual speaker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.audio_helpers import speech_file, speech_with_pause, wer
from tests.pulse_helpers import LaptopEcho, SpeakerRecorder, requires_pulse, speak_into_mic
from voiceinterviewer.audio.wavfile import write_wav

pytestmark = [requires_pulse, pytest.mark.pulse]

ANSWERS = [
    "I led the redesign of our payment processing system across three teams. "
    "We moved card authorization to a new service, which cut our costs by two million dollars a year.",
    "I wrote the design document myself and I ran the migration plan with product and finance.",
]
END = "I think that covers it. Let's end the interview here."


def journal_events(folder: Path) -> list[dict]:
    path = folder / "session.jsonl"
    if not path.exists():
        return []
    events = []
    for line in path.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            pass
    return events


def session_folder(root: Path) -> Path | None:
    folders = [p for p in root.iterdir() if p.is_dir()] if root.exists() else []
    return folders[0] if folders else None


def run_as_candidate(proc, root: Path, answers: list[Path], timeout: float = 240) -> Path:
    """Answer every question the interviewer finishes with the next recorded answer.

    Each answer plays to its end, pauses and all, whatever the interviewer does
    meanwhile, as a person talks.
    """
    deadline = time.monotonic() + timeout
    answered = 0
    folder = None
    while proc.poll() is None and time.monotonic() < deadline:
        folder = folder or session_folder(root)
        if folder is None:
            time.sleep(0.1)
            continue
        questions = [e for e in journal_events(folder) if e["type"] == "question"]
        if len(questions) > answered and questions[-1]["kind"] != "closing":
            time.sleep(0.3)
            speak_into_mic(answers[min(answered, len(answers) - 1)])
            answered += 1
        time.sleep(0.1)
    if proc.poll() is None:
        proc.kill()
        pytest.fail("the interview did not finish in time")
    return folder or session_folder(root)


def test_practice_on_the_virtual_microphone_and_speaker(tmp_path):
    root = tmp_path / "recordings"
    wavs = [speech_file(tmp_path / f"answer-{i}.wav", text) for i, text in enumerate(ANSWERS)]
    wavs.append(speech_file(tmp_path / "end.wav", END))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    cmd = [
        sys.executable,
        "-m",
        "voiceinterviewer",
        "practice",
        "--track",
        "behavioral",
        "--questions",
        "1",
        "--max-follow-ups",
        "1",
        "--out",
        str(root),
        "--seed",
        "e2e",
    ]
    with SpeakerRecorder(tmp_path / "speaker.raw") as speaker:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        folder = run_as_candidate(proc, root, wavs)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err

    events = journal_events(folder)
    answers = [e for e in events if e["type"] == "answer" and e["text"]]
    assert answers, f"no answer was heard: {events}"
    first = answers[0]
    # on failure, the closing words with their timings show what Whisper added or missed
    heard = (first["text"], first["speech_end"], first["words"][-6:])
    assert wer(ANSWERS[0], first["text"]) < 0.15, heard
    assert (folder / first["audio"]).stat().st_size > 16000
    questions = [e for e in events if e["type"] == "question"]
    assert questions[0]["text"] and all((folder / q["audio"]).exists() for q in questions)
    # the interviewer's voice reached the speaker: about as much voiced audio as it said
    spoken = sum(q["duration"] for q in questions)
    assert speaker.voiced_seconds() > 0.5 * spoken
    assert events[-1]["type"] in ("report_written", "session_ended")
    assert (folder / "report.json").exists() and (folder / "transcript.md").exists()
    assert "You:" in out and "Interviewer:" in out


PAUSED_BEFORE = (
    "I led the redesign of our payment processing system across three teams, "
    "which cut our costs by two million dollars a year."
)
PAUSED_AFTER = "The hardest part was getting finance to agree to a six month migration."
MORE = [
    "I wrote the design document myself and I ran the migration plan with product and finance.",
    "We measured it with the monthly processing invoices, before and after the cut over.",
]


def test_on_laptop_speakers_the_interviewer_hears_itself_never_and_the_candidate_always(tmp_path):
    """The speaker leaks into the microphone (-15 dB, 40 ms, room noise), as on a laptop.

    The first answer pauses 2.6 s after a complete sentence, so the interviewer
    replies, and the candidate goes on over the reply: it must stop, and the
    answer must be one answer with both halves. Nothing else may stop it.
    """
    root = tmp_path / "recordings"
    first = tmp_path / "answer-0.wav"
    write_wav(first, speech_with_pause(PAUSED_BEFORE, 2.6, PAUSED_AFTER))
    wavs = [first] + [speech_file(tmp_path / f"answer-{i + 1}.wav", t) for i, t in enumerate(MORE)]
    wavs.append(speech_file(tmp_path / "end.wav", END))
    # the far end and the cleaned mic are kept beside the session, to read a failure from
    env = dict(os.environ, PYTHONUNBUFFERED="1", VOICEINTERVIEWER_DEBUG_AUDIO="1")
    cmd = [
        sys.executable, "-m", "voiceinterviewer", "practice", "--track", "behavioral",
        "--questions", "1", "--max-follow-ups", "2", "--out", str(root), "--seed", "echo",
    ]  # fmt: skip
    with LaptopEcho(tmp_path):
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        folder = run_as_candidate(proc, root, wavs, timeout=300)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    events = journal_events(folder)
    assert [e for e in events if e["type"] == "mic_started"][0]["echo"] == "webrtc"
    barge = [e for e in events if e["type"] == "barge_in"]
    cut = [e for e in events if e["type"] == "reply_cut"]
    # the only time the interviewer stopped was when the candidate went on
    assert len(cut) == 1 and cut[0]["turn"] == 1, (barge, cut)
    assert [b["outcome"] for b in barge] == ["stopped"], barge
    questions = [e for e in events if e["type"] == "question"]
    assert not [q for q in questions if q.get("interrupted")]
    assert len(questions) >= 3
    answers = {e["turn"]: e for e in events if e["type"] == "answer"}  # the last one of each turn
    merged = answers[1]
    assert merged["resumed"] == 1
    heard = (merged["text"], merged["words"][-6:])
    assert wer(f"{PAUSED_BEFORE} {PAUSED_AFTER}", merged["text"]) < 0.2, heard
    assert wer(MORE[0], answers[2]["text"]) < 0.2, answers[2]["text"]
    assert (folder / "mic.wav").stat().st_size > 16000 * 2 * 20  # the whole session, recorded
    # the debug record of the echo's lag is private like the rest of the session
    lags = folder / "debug-far-lag.jsonl"
    assert lags.stat().st_mode & 0o777 == 0o600
    assert all("at" in json.loads(line) for line in lags.read_text().splitlines())
