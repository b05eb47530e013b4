"""End-of-turn detection with the real Silero VAD and real faster-whisper on synthesised speech."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_helpers import speech, speech_with_pause, wer, whisper
from tests.fakes import ScriptedTranscriber
from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.ports import BLOCK
from voiceinterviewer.audio.scripted import ScriptedSource
from voiceinterviewer.listen.endpoint import EndpointOptions, TurnListener, sounds_finished
from voiceinterviewer.listen.vad import EnergyVad, SileroVad


@pytest.mark.parametrize(
    "text,finished",
    [
        ("I led the migration of our billing system to a new database.", True),
        ("So the first thing we did was", False),
        ("We moved to Kafka and", False),
        ("I think, um", False),
        ("Sure.", False),  # too short to be a whole answer
        ("The cache hit rate went from sixty to ninety percent,", False),
        ("", False),
    ],
)
def test_sounds_finished(text, finished):
    assert sounds_finished(text) is finished


def listen_to(clip: Clip, transcriber=None, **options):
    source = ScriptedSource([clip])
    listener = TurnListener(
        source, SileroVad(), transcriber or whisper(), EndpointOptions(**options)
    )
    recorded = []
    heard = listener.listen(record=recorded.append)
    listener.close()
    return heard, np.concatenate(recorded)


def test_clean_answer_ends_after_the_short_window_and_is_transcribed():
    text = "I led the redesign of our payment service. It cut costs by two million dollars a year."
    clip = speech(text)
    heard, recorded = listen_to(clip)
    assert heard.end_reason == "silence"
    assert wer(text, heard.transcript.text) < 0.15
    # the turn ended within the finished-sentence window after speech stopped
    assert heard.audio.duration - heard.speech_end < 0.8 + 0.2
    # everything read was recorded, block by block
    assert len(recorded) == len(heard.audio.samples)
    assert heard.transcript.words and heard.transcript.words[0].start >= heard.speech_start - 0.5


def test_thinking_pause_after_unfinished_words_does_not_end_the_turn():
    before = "There were two parts to the fix. The first was caching the user profiles, and so"
    after = "the second thing was sharding the orders table by customer."
    clip = speech_with_pause(before, 2.6, after)
    heard, _ = listen_to(clip)
    assert heard.end_reason == "silence"
    assert "shard" in heard.transcript.text.lower()
    assert heard.chunks >= 2  # transcribed incrementally, at the pause


def test_unfinished_words_end_after_the_pause_window():
    clip = speech("So the main thing I did there was")
    heard, _ = listen_to(clip, pause_silence=2.0)
    assert heard.end_reason == "pause"
    assert heard.audio.duration - heard.speech_end >= 2.0 - 0.05


def test_max_silence_bounds_a_turn_with_no_words_recognised():
    transcriber = ScriptedTranscriber()  # recognises nothing
    tone = Clip(
        (0.3 * np.sin(np.arange(STT_RATE) * 2 * np.pi * 300 / STT_RATE)).astype(np.float32),
        STT_RATE,
    )
    source = ScriptedSource([tone])
    listener = TurnListener(
        source, EnergyVad(), transcriber, EndpointOptions(pause_silence=50, max_silence=1.5)
    )
    heard = listener.listen()
    assert heard.end_reason == "max_silence"
    assert heard.audio.duration - heard.speech_end == pytest.approx(1.5, abs=0.05)


def test_no_speech_times_out_and_source_end_is_reported():
    silent = Clip.silence(0.5)
    source = ScriptedSource([silent])
    listener = TurnListener(
        source, EnergyVad(), ScriptedTranscriber(), EndpointOptions(no_speech_timeout=2.0)
    )
    assert listener.listen().end_reason == "no_answer"
    assert listener.listen().end_reason == "source_ended"


def test_end_phrase_is_detected():
    heard, _ = listen_to(speech("I think that's everything. Let's end the interview here."))
    assert heard.wants_end, heard.transcript.text


def test_a_trailing_preposition_is_unfinished_even_with_a_full_stop():
    assert not sounds_finished("To roll it out safely we started with one percent of traffic in.")


def test_repeated_filler_loops_are_collapsed():
    from voiceinterviewer.session.record import Word
    from voiceinterviewer.stt.whisper import collapse_repeats

    words = [Word("We", 0, 0.1), Word("used", 0.1, 0.2)] + [
        Word("uh,", 0.2 + i, 0.3 + i) for i in range(6)
    ]
    assert [w.word for w in collapse_repeats(words)] == ["We", "used", "uh,", "uh,"]


def test_a_click_is_not_transcribed():
    transcriber = ScriptedTranscriber()
    click = np.zeros(STT_RATE // 2, dtype=np.float32)
    click[: BLOCK * 2] = 0.5  # 64 ms of sound, below min_chunk_speech
    source = ScriptedSource([Clip(click, STT_RATE)])
    listener = TurnListener(source, EnergyVad(), transcriber, EndpointOptions(max_silence=1.0))
    heard = listener.listen()
    assert transcriber.history == []
    assert heard.transcript.text == ""


@pytest.mark.parametrize(
    "text,wanted",
    [
        ("I think that's everything. Let's end the interview here.", True),
        ("I think that's everything. Let's, in the interview here.", True),
        ("Okay, end interview.", True),
        ("Can we stop the session now?", True),
        (
            "We decided to end the interview loop for interns early, which saved a lot of time for the team.",
            False,
        ),
        ("Let's talk about the interview process we built.", False),
    ],
)
def test_end_phrases(text, wanted):
    from voiceinterviewer.listen.endpoint import wants_to_end

    assert wants_to_end(text) is wanted


def test_a_closing_thank_you_over_silence_is_dropped():
    from voiceinterviewer.session.record import Word
    from voiceinterviewer.stt.whisper import drop_trailing_hallucination

    words = [
        Word(w, i, i + 0.5)
        for i, w in enumerate(["We", "kept", "them", "separate.", "And...", "Thank", "you."])
    ]
    assert [w.word for w in drop_trailing_hallucination(words)] == [
        "We",
        "kept",
        "them",
        "separate.",
        "And...",
    ]
    assert not sounds_finished(" ".join(w.word for w in drop_trailing_hallucination(words)))
