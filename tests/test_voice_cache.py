"""The interviewer's stock sentences, synthesised once in the background and said from memory."""

from __future__ import annotations

from tests.fakes import ScriptedInterviewer, ToneVoice
from tests.test_session_loop import ANSWER_1, ANSWER_2, events_of, make_session
from voiceinterviewer.interviewer.bank_files import load_bank
from voiceinterviewer.interviewer.offline import OfflineInterviewer
from voiceinterviewer.interviewer.text import split_sentences
from voiceinterviewer.voice.cache import CachedVoice


class CountingVoice(ToneVoice):
    def __init__(self):
        self.said: list[str] = []

    def synthesize(self, text):
        self.said.append(text)
        return super().synthesize(text)


def test_a_warmed_sentence_is_synthesised_once_and_others_go_to_the_voice():
    inner = CountingVoice()
    voice = CachedVoice(inner, ["Got it.", "Right.", "Got it."])
    assert voice.warm() == 2
    assert inner.said == ["Got it.", "Right."]
    first = voice.synthesize("Got it.")
    assert voice.synthesize(" Got  it. ") is first  # spacing does not matter
    voice.synthesize("What was the business impact?")
    assert inner.said == ["Got it.", "Right.", "What was the business impact?"]
    assert voice.warm() == 2 and len(inner.said) == 3  # a second warm-up has nothing to do


def test_warming_stops_when_asked():
    inner = CountingVoice()
    voice = CachedVoice(inner, ["Okay.", "Sure.", "I see."])
    asked = []

    def stop():
        asked.append(1)
        return len(asked) > 1

    assert voice.warm(stop) == 1
    assert inner.said == ["Okay."]
    voice.synthesize("Sure.")  # not kept: said by the voice
    assert inner.said == ["Okay.", "Sure."]


def test_the_offline_interviewer_names_every_acknowledgement_it_opens_with():
    bank = load_bank()
    stock = set(OfflineInterviewer(bank).stock_sentences())
    for line in (*bank.phrases.acknowledgements, *bank.phrases.follow_up_acks):
        assert set(split_sentences(line)) <= stock
    assert "Got it." in stock


def test_the_session_warms_the_voice_after_its_first_words_and_says_them_from_memory(tmp_path):
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.")
    interviewer.enqueue("Got it. What was the business impact?", kind="follow_up")
    interviewer.enqueue("Got it. Thanks, that's all.", done=True)
    inner = CountingVoice()
    voice = CachedVoice(inner, ["Got it."])
    folder, session, _, _ = make_session(
        tmp_path, [ANSWER_1, ANSWER_2], interviewer, voice=voice, warm_voice=voice.warm
    )
    session.run()
    # the first question was synthesised before any warming began
    assert inner.said[0] == "Tell me about a system you own."
    # said twice, synthesised once
    assert inner.said.count("Got it.") == 1
    questions = [e["text"] for e in events_of(folder) if e["type"] == "question"]
    assert questions[1] == "Got it. What was the business impact?"
    assert questions[2] == "Got it. Thanks, that's all."
