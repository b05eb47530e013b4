"""The interview loop through its seams: scripted interviewer, real VAD and Whisper, clocked output.

The candidate is a script on the same timeline as the interviewer: it starts
each answer when a question ends and plays it to the end, pauses and all,
whatever the interviewer does. The script is the clock and waits for the
session's background work before each block, so these runs decide the same
way on a fast or a busy machine.
"""

from __future__ import annotations

import json

import numpy as np

from tests.audio_helpers import speech, speech_with_pause, wer, whisper
from tests.fakes import ScriptedInterviewer, ToneVoice
from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.farend import ClockedOutput
from voiceinterviewer.audio.playout import Playout
from voiceinterviewer.audio.scripted import ScriptedAnswer, ScriptedSource
from voiceinterviewer.audio.wavfile import read_audio
from voiceinterviewer.interviewer.base import InterviewContext
from voiceinterviewer.listen.ear import Ear
from voiceinterviewer.listen.vad import SileroVad
from voiceinterviewer.session.duplex import Duplex
from voiceinterviewer.session.journal import Journal
from voiceinterviewer.session.loop import InterviewSession
from voiceinterviewer.session.record import load_session
from voiceinterviewer.session.work import Pending

ANSWER_1 = "I own the checkout service. Last year I moved it to a new payments provider."
ANSWER_2 = "The new provider lowered our processing fees by thirty percent, which saved the company a lot of money."


def make_session(
    tmp_path,
    answers,
    interviewer,
    speculate=True,
    voice=None,
    on_question=None,
    warm_voice=None,
    transcriber=None,
):
    folder = tmp_path / "s1"
    folder.mkdir()
    journal = Journal(folder / "session.jsonl")
    journal.write("session_started", format=2, id="s1", settings={})
    pending = Pending()
    playout = Playout(STT_RATE)
    source = ScriptedSource([speech(a) if isinstance(a, str) else a for a in answers], idle=pending)
    ear = Ear(source, SileroVad(), ClockedOutput(playout))
    duplex = Duplex(ear, playout, cue=source.cue, pending=pending)
    lines: list[str] = []
    session = InterviewSession(
        folder,
        journal,
        interviewer,
        voice or ToneVoice(),
        duplex,
        transcriber or whisper(),
        InterviewContext(),
        stt_model="tiny.en",
        speculate=speculate,
        say=lines.append,
        on_question=on_question or (lambda text, qid, topic: None),
        warm_voice=warm_voice,
    )
    return folder, session, lines, source


def events_of(folder):
    return [json.loads(line) for line in (folder / "session.jsonl").read_text().splitlines()]


def test_loop_asks_listens_and_journals_each_turn(tmp_path):
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.", question_id="b1")
    interviewer.enqueue("What was the business impact?", kind="follow_up", gap="impact")
    interviewer.enqueue("Thanks, that's all.", done=True)
    asked = []
    folder, session, lines, _ = make_session(
        tmp_path, [ANSWER_1, ANSWER_2], interviewer, on_question=lambda *q: asked.append(q)
    )
    result = session.run()

    assert result.end_reason == "completed" and result.turns == 3
    record = load_session(folder)
    assert [t.question.text for t in record.turns] == [
        "Tell me about a system you own.",
        "What was the business impact?",
        "Thanks, that's all.",
    ]
    assert record.turns[1].question.gap == "impact"
    assert wer(ANSWER_1, record.turns[0].answer.text) < 0.15
    assert wer(ANSWER_2, record.turns[1].answer.text) < 0.15
    assert record.turns[2].answer is None
    for turn in record.turns[:2]:
        audio = read_audio(folder / turn.answer.audio)
        assert abs(audio.duration - turn.answer.duration) < 0.05
        assert (folder / turn.question.audio).exists()
    # the interviewer saw the first answer when deciding the second question
    assert interviewer.history[-1].history[0].answer == record.turns[0].answer.text
    kinds = [e["type"] for e in events_of(folder)]
    assert [k for k in kinds if k in ("question", "answer", "session_ended")] == [
        "question",
        "answer",
        "question",
        "answer",
        "question",
        "session_ended",
    ]
    assert "barge_in" not in kinds  # nobody talked over anybody
    assert lines[0] == "Interviewer: Tell me about a system you own."
    # the speech model was told each question as heard, as each answer opened (not the goodbye)
    assert asked == [
        ("Tell me about a system you own.", "b1", ""),
        ("What was the business impact?", "", "impact"),
    ]


def test_prepared_reply_is_used_when_the_words_match(tmp_path):
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.")
    interviewer.enqueue("What was the business impact?")
    interviewer.enqueue("Thanks.", done=True)
    folder, session, _, _ = make_session(tmp_path, [ANSWER_1, ANSWER_2], interviewer)
    session.run()
    questions = [e for e in events_of(folder) if e["type"] == "question"]
    assert [q["text"] for q in questions] == [
        "Tell me about a system you own.",
        "What was the business impact?",
        "Thanks.",
    ]
    # on this clock the reply prepared during the silence is always ready: it is the one spoken
    assert all(q["prepared"] for q in questions[1:]), questions


def test_running_out_of_answers_closes_the_interview(tmp_path):
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.")
    interviewer.enqueue("And then?")
    folder, session, _, _ = make_session(tmp_path, [ANSWER_1], interviewer, speculate=False)
    result = session.run()
    assert result.end_reason == "ended_by_candidate"
    assert interviewer.history[-1].end_requested
    assert load_session(folder).ended["reason"] == "ended_by_candidate"


def test_the_whole_microphone_track_is_recorded(tmp_path):
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.")
    interviewer.enqueue("Thanks.", done=True)
    folder, session, _, source = make_session(tmp_path, [ANSWER_1], interviewer)
    recorded: list[np.ndarray] = []
    session.duplex.ear.record = recorded.append
    session.run()
    mic = np.concatenate(recorded)
    # the microphone track runs the length of the session, questions included
    assert len(mic) / STT_RATE >= source.position - 0.05
    answer = load_session(folder).turns[0].answer
    assert answer.duration < len(mic) / STT_RATE


class SlowToneVoice(ToneVoice):
    """Two tones of 0.25 s a word: long enough questions to be talked over."""

    def synthesize(self, text: str):
        n = max(1, len(text.split()))
        t = np.arange(int(0.25 * self.rate * n)) / self.rate
        return Clip((0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), self.rate)


def resumed_answer(pause: float = 2.6):
    """A complete-sounding first sentence with a result, a long pause, then more of the answer."""
    before = "We moved card authorization to a new service, which cut our costs by thirty percent."
    after = "The second thing I did was mentor two engineers who now run that service."
    return before, after, speech_with_pause(before, pause, after)


def test_a_candidate_who_resumes_over_the_reply_stops_it_and_keeps_one_answer(tmp_path):
    before, after, clip = resumed_answer()
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a time you cut costs.", question_id="b1")
    interviewer.enqueue(
        "What was the business impact, and how did you measure it across all the teams involved?",
        kind="follow_up",
    )
    interviewer.enqueue("Thanks.", done=True)
    folder, session, lines, _ = make_session(
        tmp_path, [clip, ANSWER_2], interviewer, voice=SlowToneVoice()
    )
    session.run()
    events = events_of(folder)
    cut = [e for e in events if e["type"] == "reply_cut"]
    assert len(cut) == 1, [e["type"] for e in events]
    # what was played of the cut reply is journalled, shorter than the reply, with its audio
    assert cut[0]["turn"] == 1 and cut[0]["next_turn"] == 2
    assert 0 < cut[0]["duration"] and cut[0]["text"] != cut[0]["planned"]
    assert (folder / cut[0]["audio"]).exists()
    assert read_audio(folder / cut[0]["audio"]).duration <= cut[0]["duration"] + 0.05
    barge = [e for e in events if e["type"] == "barge_in"]
    assert barge[-1]["outcome"] == "stopped" and barge[-1]["kind"] == "resume"
    # journalled once its words were known, with when the voice paused the reply
    assert cut[0]["t"] < barge[-1]["heard_at"] <= barge[-1]["t"]
    record = load_session(folder)
    first = record.turns[0].answer
    # one answer, in order, with both halves
    assert wer(f"{before} {after}", first.text) < 0.2, first.text
    assert first.resumed == 1
    # the reply was planned again from the whole answer and asked in full
    assert record.turns[1].question.text.startswith("What was the business impact")
    assert interviewer.history[-1].history[0].answer == first.text
    assert wer(ANSWER_2, record.turns[1].answer.text) < 0.15
    assert any("stopped as you went on" in line for line in lines)
    # every way of showing the session shows one answer and the reply it talked over
    from voiceinterviewer.replay.export import transcript_markdown
    from voiceinterviewer.replay.player import replay_items

    md = transcript_markdown(record)
    assert md.count("You:**") == 2 and "stopped as you went on" in md
    items = replay_items(record)
    assert [i.speaker for i in items][:3] == ["Interviewer", "You", "Interviewer"]
    assert "[cut off" in items[2].text and items[2].audio.exists()


class SpeakingNoted:
    """The real transcriber, noting whether the interviewer was speaking at each clip."""

    def __init__(self):
        self.inner = whisper()
        self.duplex = None
        self.speaking: list[bool] = []

    def transcribe(self, clip, prompt=""):
        self.speaking.append(self.duplex.speaking.is_set())
        return self.inner.transcribe(clip, prompt)


def test_speech_is_transcribed_knowing_whether_the_interviewer_is_speaking(tmp_path):
    # the speech model takes every core only while nothing plays (stt/threads.decode_threads)
    _, _, clip = resumed_answer()
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a time you cut costs.", question_id="b1")
    interviewer.enqueue("What was the business impact, across all the teams?", kind="follow_up")
    interviewer.enqueue("Thanks.", done=True)
    noted = SpeakingNoted()
    folder, session, _, _ = make_session(
        tmp_path, [clip, ANSWER_2], interviewer, voice=SlowToneVoice(), transcriber=noted
    )
    noted.duplex = session.duplex
    session.run()
    # the answers' phrases while it was silent; the words that talked over its reply while
    # it was paused (a reply under way), and nothing left set once the interview is over
    assert False in noted.speaking and True in noted.speaking, noted.speaking
    assert not session.duplex.speaking.is_set()
    assert any(e["type"] == "reply_cut" for e in events_of(folder))


def test_talking_over_a_question_later_is_the_answer_to_it(tmp_path):
    interjection = "Sorry, could you repeat the question?"
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.")
    interviewer.enqueue(
        "Now tell me about the hardest technical decision you made on that system, "
        "what the options were, which one you picked and what it cost you.",
    )
    interviewer.enqueue("Thanks.", done=True)
    answers = [
        ANSWER_1,
        ScriptedAnswer(speech(interjection), after="question_started", delay=5.0),
        ANSWER_2,
    ]
    folder, session, _, _ = make_session(tmp_path, answers, interviewer, voice=SlowToneVoice())
    session.run()
    events = events_of(folder)
    questions = [e for e in events if e["type"] == "question"]
    cut = [q for q in questions if q.get("interrupted")]
    assert len(cut) == 1 and cut[0]["turn"] == 2
    assert cut[0]["text"] != cut[0]["planned"] and cut[0]["planned"].startswith("Now tell me")
    record = load_session(folder)
    assert "repeat" in record.turns[1].answer.text.lower()
    # a request to repeat is answered with the question again, in full
    assert record.turns[2].question.text.startswith("Sure. Now tell me about the hardest")
    assert [e for e in events if e["type"] == "answer" and e["turn"] == 2][-1]["clarification"]
    # the cut question shows as cut, and the request is not scored as an answer
    from voiceinterviewer.replay.export import transcript_markdown
    from voiceinterviewer.replay.notes import CUT_MARK

    assert CUT_MARK in transcript_markdown(record)
    assert 2 not in [t.index for t in record.answered()]


def test_a_cough_over_the_interviewer_lets_it_go_on(tmp_path):
    cough = speech("Ahem.")  # speech to the detector, no words to Whisper (at most an "um")
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.")
    interviewer.enqueue("What did you personally do, as opposed to the rest of the team, on it?")
    interviewer.enqueue("Thanks.", done=True)
    answers = [ANSWER_1, ScriptedAnswer(cough, after="question_started", delay=1.0), ANSWER_2]
    folder, session, _, _ = make_session(tmp_path, answers, interviewer, voice=SlowToneVoice())
    session.run()
    events = events_of(folder)
    barge = [e for e in events if e["type"] == "barge_in"]
    assert [b["outcome"] for b in barge] == ["resumed"], barge
    assert not [e for e in events if e["type"] == "reply_cut"]
    questions = [e for e in events if e["type"] == "question"]
    assert not [q for q in questions if q.get("interrupted")]
    # the whole question was played: paused for the cough, then on to the end
    assert questions[1]["text"] == (
        "What did you personally do, as opposed to the rest of the team, on it?"
    )
    assert (
        questions[1]["duration"] >= SlowToneVoice().synthesize(questions[1]["text"]).duration - 0.05
    )
    assert wer(ANSWER_2, load_session(folder).turns[1].answer.text) < 0.15


def test_in_enter_mode_only_enter_ends_an_answer(tmp_path):
    from voiceinterviewer.listen.answer import ListenOptions
    from voiceinterviewer.session.options import SessionOptions

    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.")
    interviewer.enqueue("Thanks.", done=True)
    folder, session, _, _ = make_session(tmp_path, [ANSWER_1], interviewer)
    session.options = SessionOptions(listen=ListenOptions(mode="enter"))
    calls = {"n": 0}

    def enter() -> bool:  # pressed 10 s into listening, long after the answer's last word
        calls["n"] += 1
        return calls["n"] == 320

    session.enter_pressed = enter
    session.run()
    answer = load_session(folder).turns[0].answer
    assert answer.end_reason == "enter"
    assert answer.duration > 9.5  # silence after a finished sentence did not end it
    assert wer(ANSWER_1, answer.text) < 0.15
