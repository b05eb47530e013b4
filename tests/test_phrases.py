"""How an answer is cut into phrases for transcription while it is spoken, and what waiting costs."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.audio_helpers import speech, tone, wer, whisper
from tests.fakes import ScriptedTranscriber
from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.scripted import ScriptedSource
from voiceinterviewer.listen.endpoint import TurnListener
from voiceinterviewer.listen.phrases import PhraseOptions, phrase_over, transcribe_audio
from voiceinterviewer.listen.vad import EnergyVad, SileroVad

OPT = PhraseOptions()  # chunk_pause 0.25, long_phrase 2.0, long_phrase_pause 0.09


@pytest.mark.parametrize(
    "silence,speech_s,over",
    [
        (0.0, 5.0, False),  # still speaking
        (0.064, 5.0, False),  # inside a word: too short a gap even for a long phrase
        (0.096, 1.0, False),  # a gap between words early in a phrase
        (0.096, 2.0, True),  # the same gap once the phrase is long
        (0.25, 0.3, True),  # a real pause ends any phrase
    ],
)
def test_a_long_phrase_ends_at_a_gap_between_words(silence, speech_s, over):
    assert phrase_over(silence, speech_s, OPT) is over


def test_without_a_long_phrase_pause_only_a_real_pause_ends_a_phrase():
    opt = PhraseOptions(long_phrase_pause=0.0)
    assert not phrase_over(0.2, 10.0, opt)
    assert phrase_over(0.25, 0.5, opt)


def _tones(*parts: tuple[float, float]) -> Clip:
    """Tone for each (speech, gap after it) pair, in seconds."""
    out = []
    for on, gap in parts:
        out += [tone(on).samples, Clip.silence(gap).samples]
    return Clip(np.concatenate(out), STT_RATE)


def test_a_long_run_of_speech_is_sent_in_pieces_at_its_short_gaps():
    # 2.5 s of speech, a 0.2 s gap (under chunk_pause), 1.5 s more: two phrases
    clip = _tones((2.5, 0.2), (1.5, 0.6))
    transcriber = ScriptedTranscriber()
    transcribe_audio(clip, transcriber, EnergyVad())
    first, second = (c.duration for c in transcriber.history)
    assert 2.5 <= first <= 2.7  # cut inside the gap, 0.1 s into it
    assert 1.6 <= second <= 1.9  # the rest of the gap, the speech and its short pad


def test_a_short_gap_early_in_a_phrase_does_not_cut_it():
    clip = _tones((1.0, 0.2), (1.5, 0.6))  # the gap comes after only 1 s of speech
    transcriber = ScriptedTranscriber()
    transcribe_audio(clip, transcriber, EnergyVad())
    assert len(transcriber.history) == 1


def test_a_long_spoken_answer_is_heard_in_pieces_and_in_full():
    text = (
        "I led the migration of our checkout service to a new payments provider, "
        "and it cut our processing fees by thirty percent in the first quarter."
    )
    clip = speech(text)
    pieces = []

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def transcribe(self, clip, prompt=""):
            pieces.append(clip.duration)
            return self.inner.transcribe(clip, prompt)

    heard = transcribe_audio(clip, Counting(whisper()), SileroVad())
    assert len(pieces) >= 2, pieces  # not left to be transcribed all at once at its end
    assert wer(text, heard.text) < 0.15, heard.text


class SlowTranscriber(ScriptedTranscriber):
    def transcribe(self, clip, prompt=""):
        time.sleep(0.5)
        return super().transcribe(clip, prompt)


def test_the_answer_records_how_long_the_decision_waited_for_its_last_words():
    transcriber = SlowTranscriber()
    transcriber.enqueue("We sharded the orders table by customer and latency halved.")
    source = ScriptedSource([_tones((1.5, 1.5))])  # read as fast as it can be
    listener = TurnListener(source, EnergyVad(), transcriber)
    heard = listener.listen()
    listener.close()
    assert heard.end_reason == "silence"
    # the silence ran out long before the words were known: that wait is on record
    assert heard.tail_wait_ms >= 300
