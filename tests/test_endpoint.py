"""End-of-turn detection with the real Silero VAD and real faster-whisper on synthesised speech."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.audio_helpers import speech, speech_with_pause, tone, wer, whisper
from tests.fakes import ScriptedTranscriber, transcript_of
from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.ports import BLOCK
from voiceinterviewer.audio.scripted import ScriptedSource
from voiceinterviewer.listen.endpoint import EndpointOptions, TurnListener, sounds_finished
from voiceinterviewer.listen.vad import EnergyVad, SileroVad
from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.tidy import drop_words_after_speech


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
    assert heard.end_reason == "silence", heard.transcript.text
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
    assert heard.end_reason == "silence", heard.transcript.text
    assert "shard" in heard.transcript.text.lower()
    assert heard.chunks >= 2  # transcribed incrementally, at the pause


def test_unfinished_words_end_after_the_pause_window():
    clip = speech("So the main thing I did there was")
    heard, _ = listen_to(clip, pause_silence=2.0)
    assert heard.end_reason == "pause"
    assert heard.audio.duration - heard.speech_end >= 2.0 - 0.05


def test_max_silence_bounds_a_turn_with_no_words_recognised():
    transcriber = ScriptedTranscriber()  # recognises nothing
    source = ScriptedSource([tone(1.0)])
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
    from voiceinterviewer.stt.tidy import collapse_repeats

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


def test_a_cut_off_see_you_that_opens_a_sentence_is_dropped():
    from voiceinterviewer.stt.whisper import drop_trailing_hallucination

    # the closing words of a real run on the virtual microphone
    said = ["by", "$2", "million", "a", "year.", "We'll", "see", "you"]
    words = [Word(w, i * 0.3, i * 0.3 + 0.3) for i, w in enumerate(said)]
    assert [w.word for w in drop_trailing_hallucination(words)] == said[:5]
    assert drop_trailing_hallucination(words[5:]) == []  # a chunk of nothing else
    # inside a sentence, or before a pause to think, the words are the candidate's
    kept = ["I", "told", "them", "we'll", "see", "you"]
    inside = [Word(w, i * 0.3, i * 0.3 + 0.3) for i, w in enumerate(kept)]
    assert [w.word for w in drop_trailing_hallucination(inside)] == kept
    up_to = [Word(w, i * 0.3, i * 0.3 + 0.3) for i, w in enumerate(["up", "to", "you."])]
    assert drop_trailing_hallucination(up_to) == up_to
    pause = ["It", "shipped.", "Thank", "you", "for"]
    thinking = [Word(w, i * 0.3, i * 0.3 + 0.3) for i, w in enumerate(pause)]
    assert [w.word for w in drop_trailing_hallucination(thinking)] == pause


# Words tiny.en wrote after "...by customer." on a CPU without AVX-512 (a real run),
# relative to the chunk, whose speech ended at 5.44 s.
HALLUCINATED_TAIL = [
    ("by", 4.78, 5.16, 0.993),
    ("customer.", 5.16, 5.4, 0.952),
    ("Now,", 5.38, 5.62, 0.257),
    ("let's", 5.62, 5.62, 0.513),
    ("see", 5.62, 5.62, 0.057),
    ("what", 5.62, 5.62, 0.261),
    ("we're", 5.62, 5.62, 0.227),
    ("going", 5.62, 5.62, 0.307),
    ("to", 5.62, 5.62, 0.944),
    ("do.", 5.62, 5.62, 0.74),
]


def test_words_written_after_the_speech_ended_are_dropped():
    kept = drop_words_after_speech(transcript_of(HALLUCINATED_TAIL), speech_end=5.44)
    assert kept.text == "by customer."
    # punctuation alone after the last word goes too
    dots = HALLUCINATED_TAIL[:2] + [(".", 5.4, 5.42, 0.004), (".", 5.42, 5.6, 0.833)]
    assert drop_words_after_speech(transcript_of(dots), speech_end=5.44).text == "by customer."


def test_a_trailing_word_that_lasts_and_is_half_likely_is_kept():
    # from a bench run: "We could use Kafka, or" [thinking pause]; dropping "or..." cut it off
    rows = [("use", 2.7, 3.16, 0.99), ("CAFA", 3.16, 3.6, 0.24), ("or...", 3.6, 4.14, 0.499)]
    kept = drop_words_after_speech(transcript_of(rows), speech_end=3.66)
    assert kept.text == "use CAFA or..."
    assert not sounds_finished("I looked at a few options for the queue. We could use " + kept.text)


def test_a_closing_sentence_written_faster_than_speech_after_it_ended_is_dropped():
    said = [("a", 8.57, 8.91, 0.96), ("year.", 8.91, 9.07, 0.99)]
    squeezed = [("We'll", 9.08, 9.1, 0.8), ("see", 9.1, 9.12, 0.9), ("you", 9.12, 9.14, 0.9)]
    assert (
        drop_words_after_speech(transcript_of(said + squeezed), speech_end=9.12).text == "a year."
    )
    # at a human pace, or well inside the speech, a closing sentence is the candidate's
    paced = [("We", 9.0, 9.3, 0.8), ("shipped", 9.3, 9.6, 0.9), ("it.", 9.6, 9.9, 0.9)]
    assert drop_words_after_speech(transcript_of(said + paced), speech_end=9.1).text.endswith("it.")
    inside = [("We", 7.0, 7.02, 0.8), ("shipped", 7.02, 7.04, 0.9), ("it.", 7.04, 7.06, 0.9)]
    assert drop_words_after_speech(transcript_of(said + inside), speech_end=9.1).text.endswith(
        "it."
    )


def test_a_confident_last_word_or_a_doubtful_word_inside_the_speech_is_kept():
    rows = [("we", 0.1, 0.3, 0.2), ("shipped", 0.3, 0.8, 0.9), ("it.", 0.9, 1.3, 0.95)]
    original = transcript_of(rows)
    assert drop_words_after_speech(original, speech_end=1.35) is original
    # a quiet, doubtful word that started before the speech ended is speech
    late = transcript_of(rows + [("today", 1.0, 1.3, 0.3)])
    assert drop_words_after_speech(late, speech_end=1.4).text.endswith("today")


def test_the_listener_drops_a_tail_written_over_silence_and_ends_on_the_finished_words():
    audio = Clip(np.concatenate([tone(5.44).samples, Clip.silence(2.0).samples]), STT_RATE)
    transcriber = ScriptedTranscriber()
    transcriber.enqueue(
        transcript_of(
            [
                ("The", 0.2, 0.4, 0.9),
                ("second", 0.4, 0.8, 0.9),
                ("thing", 0.8, 1.2, 0.9),
                ("was", 1.2, 1.5, 0.9),
                ("sharding", 1.5, 2.0, 0.9),
                ("the", 2.0, 2.2, 0.9),
                ("orders", 2.2, 2.6, 0.9),
                ("table", 2.6, 4.78, 0.9),
            ]
            + HALLUCINATED_TAIL
        )
    )
    source = ScriptedSource([audio], lead_in=0.0)  # chunk times = tone times
    # a one-sentence answer ends on end_silence here (no wait for a brief answer to go on)
    options = EndpointOptions(brief_sentences=0)
    listener = TurnListener(source, EnergyVad(), transcriber, options)
    heard = listener.listen()
    listener.close()
    assert heard.transcript.text == "The second thing was sharding the orders table by customer."
    assert heard.end_reason == "silence"
    assert heard.audio.duration - heard.speech_end < 0.8 + 0.1


class SlowTranscriber(ScriptedTranscriber):
    def transcribe(self, clip, prompt=""):
        time.sleep(0.2)  # slower than the source is read: later chunks queue up
        return super().transcribe(clip, prompt)


def test_each_chunk_is_primed_with_all_the_text_before_it_however_fast_the_audio_arrives():
    gap = Clip.silence(0.4).samples
    audio = np.concatenate([tone(1.0).samples, gap, tone(1.0).samples, gap, tone(1.0).samples, gap])
    transcriber = SlowTranscriber()
    for text in ("We sharded the orders table,", "then we added a cache,", "and latency halved."):
        transcriber.enqueue(text)
    listener = TurnListener(ScriptedSource([Clip(audio, STT_RATE)]), EnergyVad(), transcriber)
    heard = listener.listen()
    listener.close()
    assert len(transcriber.history) == 3
    assert transcriber.prompts == [
        "",
        "We sharded the orders table,",
        "We sharded the orders table, then we added a cache,",
    ]
    assert (
        heard.transcript.text
        == "We sharded the orders table, then we added a cache, and latency halved."
    )


class SlowerTranscriber(ScriptedTranscriber):
    def transcribe(self, clip, prompt=""):
        time.sleep(0.5)
        return super().transcribe(clip, prompt)


def test_the_answer_records_how_long_the_decision_waited_for_its_last_words():
    transcriber = SlowerTranscriber()
    transcriber.enqueue("We sharded the orders table by customer and latency halved.")
    audio = np.concatenate([tone(1.5).samples, Clip.silence(1.5).samples])
    listener = TurnListener(ScriptedSource([Clip(audio, STT_RATE)]), EnergyVad(), transcriber)
    heard = listener.listen()  # the source is read as fast as it can be
    listener.close()
    assert heard.end_reason == "silence", heard.transcript.text
    # the silence ran out before the words were known: that wait is on record
    assert heard.tail_wait_ms >= 300


class ScriptedVad:
    """Gives the voice probabilities it was given, one per block, then silence."""

    def __init__(self, probabilities):
        self.probabilities = list(probabilities)

    def voice_confidence(self, block) -> float:
        return self.probabilities.pop(0) if self.probabilities else 0.0


def test_a_voice_rising_as_the_wait_runs_out_is_the_answer_going_on():
    """The wait after a complete sentence runs out just as the candidate starts again: the
    detector is still rising (0.3-0.5) there, and the answer must not end on it."""
    transcriber = ScriptedTranscriber()
    transcriber.enqueue("We sharded the orders table by customer and latency halved.")
    transcriber.enqueue("The second change was a read-through cache in front of it.")
    wait_frames = round(EndpointOptions().end_silence / (BLOCK / STT_RATE)) - 1
    probabilities = [0.9] * 40 + [0.0] * wait_frames + [0.35, 0.45, 0.49] + [0.9] * 40
    blocks = len(probabilities) + 60
    source = ScriptedSource([Clip(tone(blocks * BLOCK / STT_RATE).samples, STT_RATE)])
    listener = TurnListener(source, ScriptedVad(probabilities), transcriber)
    heard = listener.listen()
    listener.close()
    assert heard.end_reason == "silence"
    assert "read-through cache" in heard.transcript.text  # one answer, both sentences
    assert heard.speech_end > (40 + wait_frames + 3) * BLOCK / STT_RATE
