"""The interviewer's voices, real: Piper's neural voice and the system voice (eSpeak NG here).

Each is heard back through Whisper; the system voice is also played by `practice`
through the PulseAudio virtual speaker.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.audio_helpers import wer, whisper
from tests.pulse_helpers import SpeakerRecorder, requires_pulse
from voiceinterviewer.session.preflight import AnswerScript
from voiceinterviewer.voice import build_voice
from voiceinterviewer.voice.piper_voice import PiperVoiceEngine
from voiceinterviewer.voice.system_voice import SystemVoice

QUESTION = "Tell me about a time you changed the direction of your team."


def same(a, b) -> bool:
    return (
        a.rate == b.rate
        and len(a.samples) == len(b.samples)
        and np.array_equal(a.samples, b.samples)
    )


@pytest.fixture(scope="module")
def live_piper():
    return PiperVoiceEngine()


def test_build_voice_picks_the_engine_asked_for():
    assert isinstance(build_voice("piper"), PiperVoiceEngine)
    assert isinstance(build_voice("auto"), PiperVoiceEngine)  # Piper is installed
    assert isinstance(build_voice("system"), SystemVoice)


@pytest.mark.parametrize("name", ["piper", "system"])
def test_each_voice_says_the_question_so_whisper_hears_it(name):
    # The live Piper voice is different every time it speaks; about one reading in
    # thirty loses a small word ("about it time"), so it is judged on three readings.
    voice = build_voice(name)
    heard = []
    for _ in range(3):
        clip = voice.synthesize(QUESTION)
        assert clip.rate == 22050 and 2.0 < clip.duration < 6.0
        heard.append(whisper().transcribe(clip).text)
    errors = sorted(wer(QUESTION, text) for text in heard)
    assert errors[1] < 0.15, heard  # the median reading
    assert errors[2] < 0.3, heard  # and none is garbled


def test_the_live_piper_voice_varies_and_the_steady_one_repeats_itself(live_piper):
    assert not same(live_piper.synthesize(QUESTION), live_piper.synthesize(QUESTION))
    steady = live_piper.steady()
    first = steady.synthesize(QUESTION)
    assert same(first, steady.synthesize(QUESTION))
    assert same(first, PiperVoiceEngine().steady().synthesize(QUESTION))  # in a fresh engine too
    # the interviewer's own voice is untouched by its steady twin
    assert not same(live_piper.synthesize(QUESTION), live_piper.synthesize(QUESTION))


def test_a_scripted_text_answer_is_the_same_audio_every_time(tmp_path, live_piper):
    answer = tmp_path / "answer.txt"
    answer.write_text("I led the redesign of our payment processing system across three teams.")
    script = AnswerScript([answer])
    assert same(script.load(live_piper)[0], script.load(live_piper)[0])


@requires_pulse
@pytest.mark.pulse
def test_practice_speaks_with_the_system_voice_through_the_speaker(tmp_path):
    answer = tmp_path / "answer.txt"
    answer.write_text("I wrote the design document myself. Let's end the interview here.")
    root = tmp_path / "recordings"
    cmd = [
        sys.executable,
        "-m",
        "voiceinterviewer",
        "practice",
        "--voice",
        "system",
        "--answers",
        str(answer),
        "--questions",
        "1",
        "--seed",
        "voices",
        "--out",
        str(root),
    ]
    with SpeakerRecorder(tmp_path / "speaker.raw") as speaker:
        result = subprocess.run(
            cmd, capture_output=True, text=True, timeout=180, env=dict(os.environ)
        )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    folder = next(p for p in root.iterdir() if p.is_dir())
    spoken = sorted(folder.glob("turn-*-interviewer.wav"))
    assert spoken, "the interviewer said nothing"
    assert speaker.voiced_seconds() > 1.0
    lines = result.stdout.splitlines()
    assert any(line.startswith("Interviewer: ") for line in lines), result.stdout
    # the scripted answer, spoken by eSpeak, heard back by Whisper
    assert any(line.startswith("You: ") and "design document" in line for line in lines), (
        result.stdout
    )
