"""Speech Whisper wrote no words for is transcribed again: the seam with scripted words, and the listener."""

from __future__ import annotations

import numpy as np

from tests.audio_helpers import tone
from tests.fakes import ScriptedTranscriber, transcript_of
from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.scripted import ScriptedSource
from voiceinterviewer.listen.endpoint import EndpointOptions, TurnListener
from voiceinterviewer.listen.recover import first_lost_speech, transcribe_recovering
from voiceinterviewer.listen.vad import EnergyVad
from voiceinterviewer.session.record import Word

# What tiny.en wrote for a 7 s chunk on the virtual microphone (a real run): the phrase
# "moved card authorization to a new service," spoken from 4.4 s to 6.8 s is missing.
SKIPPED = [
    ("I", 0.0, 0.68, 0.93),
    ("led", 0.68, 0.88, 0.63),
    ("the", 0.88, 1.04, 0.99),
    ("redesign", 1.04, 1.36, 0.97),
    ("of", 1.36, 1.66, 0.99),
    ("our", 1.66, 1.96, 0.98),
    ("payment", 1.96, 2.14, 0.73),
    ("processing", 2.14, 2.68, 0.98),
    ("system", 2.68, 3.18, 0.97),
    ("across", 3.18, 3.6, 0.99),
    ("three", 3.6, 4.0, 0.76),
    ("teams.", 4.0, 4.38, 0.89),
    ("We", 6.26, 6.98, 0.97),
]
# What it wrote for the chunk from 4.28 s, relative to that start.
AGAIN = [
    ("We", 0.0, 0.44, 0.81),
    ("moved", 0.44, 0.7, 0.84),
    ("card", 0.7, 0.98, 0.78),
    ("authorization", 0.98, 1.52, 0.96),
    ("to", 1.52, 1.86, 0.99),
    ("a", 1.86, 1.94, 0.46),
    ("new", 1.94, 2.14, 0.99),
    ("service.", 2.14, 2.36, 0.99),
]
SPEECH = [(0.0, 4.38), (4.45, 6.8)]  # where the detector heard speech, in chunk time


def test_a_gap_full_of_speech_is_found_and_a_pause_is_not():
    words = [Word(*row) for row in SKIPPED]
    assert first_lost_speech(words, SPEECH, spoken=6.8) == 4.38
    # the same gap with silence in it is a pause to think
    assert first_lost_speech(words, [(0.0, 4.38), (6.2, 6.8)], spoken=6.8) is None
    # speech after the last word with no words for it
    assert first_lost_speech(words[:-1], [(0.0, 6.0)], spoken=6.0) == 4.38


def test_the_chunk_from_the_gap_is_transcribed_again_and_its_words_take_the_place_of_the_rest():
    transcriber = ScriptedTranscriber()
    transcriber.enqueue(transcript_of(SKIPPED))
    transcriber.enqueue(transcript_of(AGAIN))
    clip = Clip.silence(7.02)
    heard = transcribe_recovering(transcriber, clip, "", SPEECH, spoken=6.8)
    assert heard.text == (
        "I led the redesign of our payment processing system across three teams. "
        "We moved card authorization to a new service."
    )
    assert len(transcriber.history) == 2
    assert abs(transcriber.history[1].duration - (7.02 - 4.28)) < 1e-3  # from just before the gap
    assert abs(heard.words[12].start - 4.28) < 1e-6  # times stay in the chunk's time


def test_a_chunk_without_a_gap_is_transcribed_once_and_a_worse_retry_is_ignored():
    transcriber = ScriptedTranscriber()
    transcriber.enqueue(transcript_of(SKIPPED[:-1]))
    heard = transcribe_recovering(transcriber, Clip.silence(4.5), "", [(0.0, 4.38)], spoken=4.38)
    assert heard.text.endswith("three teams.") and len(transcriber.history) == 1

    transcriber = ScriptedTranscriber()
    transcriber.enqueue(transcript_of(SKIPPED))
    transcriber.enqueue("")  # nothing better the second time
    heard = transcribe_recovering(transcriber, Clip.silence(7.02), "", SPEECH, spoken=6.8)
    assert heard.text.endswith("three teams. We") and len(transcriber.history) == 2


def test_the_listener_recovers_a_phrase_whisper_skipped():
    # speech from 0.0 to 6.8 s with a 70 ms breath at 4.38 s, then silence
    audio = np.concatenate(
        [
            tone(4.38).samples,
            Clip.silence(0.07).samples,
            tone(2.35).samples,
            Clip.silence(2.0).samples,
        ]
    )
    transcriber = ScriptedTranscriber()
    transcriber.enqueue(transcript_of(SKIPPED))
    transcriber.enqueue(transcript_of(AGAIN))
    listener = TurnListener(
        ScriptedSource([Clip(audio, STT_RATE)], lead_in=0.0),
        EnergyVad(),
        transcriber,
        EndpointOptions(),
    )
    heard = listener.listen()
    listener.close()
    assert heard.transcript.text.endswith("teams. We moved card authorization to a new service.")
    assert heard.end_reason == "silence"  # the recovered words sound finished
