"""The real tiny.en transcriber writes the same words for the same audio, whatever came before.

An answer is transcribed live, phrase by phrase, and may be transcribed again
later by `voiceinterviewer transcribe`, in another process, after other
answers: both must read the same.
"""

from __future__ import annotations

import subprocess
import sys

from tests.audio_helpers import speech_file

SAME_CLIP_IN_ANY_ORDER = """
import sys
from voiceinterviewer.audio.wavfile import read_audio
from voiceinterviewer.stt.whisper import load_transcriber

transcriber = load_transcriber("tiny.en")
clip, other = read_audio(sys.argv[1]), read_audio(sys.argv[2])
if sys.argv[3] == "warm":
    transcriber.warm_up()
for first in (clip, other, clip, other, clip):
    text = transcriber.transcribe(first, "We sharded the orders table.").text
    if first is clip:
        print(text)
"""


def test_the_same_audio_gives_the_same_words_in_any_order_and_any_process(tmp_path):
    answer = speech_file(
        tmp_path / "answer.wav",
        "I want to set the technical direction for payments across teams, "
        "and grow the senior engineers around me into tech leads.",
    )
    other = speech_file(tmp_path / "other.wav", "Then we added a read-through cache in front.")
    runs = [
        subprocess.run(
            [sys.executable, "-c", SAME_CLIP_IN_ANY_ORDER, str(answer), str(other), mode],
            capture_output=True,
            text=True,
            timeout=120,
        )
        for mode in ("warm", "cold")
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    first = runs[0].stdout.splitlines()
    assert len(first) == 3 and "technical direction" in first[0]
    assert len(set(first)) == 1
    assert runs[1].stdout.splitlines() == first
