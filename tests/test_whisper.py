"""The real tiny.en transcriber: its warmer, sampled retries are reproducible from run to run."""

from __future__ import annotations

import subprocess
import sys

from tests.audio_helpers import speech_file

SAMPLE_FIVE_TIMES = """
import sys
from voiceinterviewer.audio.wavfile import read_audio
from voiceinterviewer.stt.whisper import load_transcriber

transcriber = load_transcriber("tiny.en", temperatures=(1.0,))  # always sample
clip = read_audio(sys.argv[1])
for _ in range(5):
    print(transcriber.transcribe(clip).text)
"""


def test_sampled_decoding_writes_the_same_words_in_every_run(tmp_path):
    answer = speech_file(
        tmp_path / "answer.wav",
        "I want to set the technical direction for payments across teams, "
        "and grow the senior engineers around me into tech leads.",
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", SAMPLE_FIVE_TIMES, str(answer)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    first = runs[0].stdout.splitlines()
    assert len(first) == 5 and all("technical direction" in line for line in first)
    assert runs[1].stdout.splitlines() == first
