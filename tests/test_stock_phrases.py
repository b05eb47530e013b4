"""Whisper's stock phrases are dropped wherever the voice activity detector heard no speech for them."""

from __future__ import annotations

from fakes import ScriptedTranscriber, transcript_of

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.listen.recover import transcribe_recovering
from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.stock_phrases import drop_unheard_phrases, stock_phrases

# A system-design answer with "Thank you for watching." written into the pause after "a second."
# (speech heard from 0 to 3.3 s and from 5.0 to 7.6 s, nothing in between).
MIDDLE = [
    ("We", 0.0, 0.2, 0.9), ("shard", 0.2, 0.6, 0.8), ("by", 0.6, 0.8, 0.9),
    ("user", 0.8, 1.1, 0.9), ("and", 1.1, 1.3, 0.9), ("take", 1.3, 1.6, 0.9),
    ("3,000", 1.6, 2.3, 0.9), ("writes", 2.3, 2.7, 0.9), ("a", 2.7, 2.8, 0.9),
    ("second.", 2.8, 3.3, 0.9), ("Thank", 3.9, 4.1, 0.4), ("you", 4.1, 4.2, 0.5),
    ("for", 4.2, 4.3, 0.4), ("watching.", 4.3, 4.6, 0.3), ("Then", 5.0, 5.3, 0.9),
    ("Redis", 5.3, 5.8, 0.9), ("caches", 5.8, 6.3, 0.9), ("the", 6.3, 6.4, 0.9),
    ("hot", 6.4, 6.7, 0.9), ("keys.", 6.7, 7.6, 0.9),
]  # fmt: skip
SPEECH = [(0.0, 3.3), (5.0, 7.6)]


def texts(words: list[Word]) -> str:
    return " ".join(w.word for w in words)


def test_a_stock_phrase_in_a_pause_is_dropped_and_the_answer_around_it_kept():
    words = [Word(*row) for row in MIDDLE]
    kept = drop_unheard_phrases(words, SPEECH)
    assert texts(kept) == (
        "We shard by user and take 3,000 writes a second. Then Redis caches the hot keys."
    )


def test_said_over_speech_it_stays():
    words = [Word(*row) for row in MIDDLE]
    heard = [(0.0, 7.6)]  # the detector heard speech all along: the person said it
    assert drop_unheard_phrases(words, heard) == words
    polite = [Word("Thank", 0.0, 0.3), Word("you", 0.3, 0.5), Word("for", 0.5, 0.6)]
    polite += [Word("the", 0.6, 0.7), Word("question.", 0.7, 1.2)]
    assert drop_unheard_phrases(polite, []) == polite  # not a stock phrase


def test_inside_a_sentence_without_punctuation_too():
    said = "we cache it thank you for watching and then we shard it".split()
    words = [Word(w, i * 0.3, i * 0.3 + 0.25) for i, w in enumerate(said)]
    speech = [(0.0, 0.9), (2.1, 3.3)]  # nothing heard from 0.9 s to 2.1 s
    assert texts(drop_unheard_phrases(words, speech)) == "we cache it and then we shard it"


def test_the_phrases_are_data():
    phrases, starts = stock_phrases()
    assert "thank you for watching" in phrases and "please subscribe" in phrases
    assert "we'll see you" in starts


def test_the_listener_path_drops_it_and_finds_no_lost_speech():
    transcriber = ScriptedTranscriber()
    transcriber.enqueue(transcript_of(MIDDLE))
    heard = transcribe_recovering(transcriber, Clip.silence(7.8), "", SPEECH, spoken=7.6)
    assert "Thank you" not in heard.text and heard.text.endswith("caches the hot keys.")
    assert len(transcriber.history) == 1  # the pause held no lost speech: no second decoding
