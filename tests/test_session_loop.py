"""The interview loop through its seams: scripted interviewer, real VAD and whisper, recorded sink."""

from __future__ import annotations

import json

from tests.audio_helpers import speech, wer, whisper
from tests.fakes import RecordingSink, ScriptedInterviewer, ToneVoice
from voiceinterviewer.audio.scripted import ScriptedSource
from voiceinterviewer.audio.wavfile import read_audio
from voiceinterviewer.interviewer.base import InterviewContext
from voiceinterviewer.listen.endpoint import EndpointOptions, TurnListener
from voiceinterviewer.listen.vad import SileroVad
from voiceinterviewer.session.journal import Journal
from voiceinterviewer.session.loop import InterviewSession
from voiceinterviewer.session.record import load_session

ANSWER_1 = "I own the checkout service. Last year I moved it to a new payments provider."
ANSWER_2 = "The new provider lowered our processing fees by thirty percent, which saved the company a lot of money."


def make_session(tmp_path, answers, interviewer, speculate=True, speed=0.0, end_silence=0.8):
    folder = tmp_path / "s1"
    folder.mkdir()
    journal = Journal(folder / "session.jsonl")
    journal.write("session_started", format=2, id="s1", settings={})
    listener = TurnListener(
        ScriptedSource([speech(a) for a in answers], speed=speed),
        SileroVad(),
        whisper(),
        EndpointOptions(end_silence=end_silence),
    )
    sink = RecordingSink()
    lines = []
    session = InterviewSession(
        folder,
        journal,
        interviewer,
        ToneVoice(),
        sink,
        listener,
        InterviewContext(),
        stt_model="tiny.en",
        speculate=speculate,
        say=lines.append,
    )
    return folder, session, sink, lines


def test_loop_asks_listens_and_journals_each_turn(tmp_path):
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.", question_id="b1")
    interviewer.enqueue("What was the business impact?", kind="follow_up", gap="impact")
    interviewer.enqueue("Thanks, that's all.", done=True)
    folder, session, sink, lines = make_session(tmp_path, [ANSWER_1, ANSWER_2], interviewer)
    result = session.run()

    assert result.end_reason == "completed" and result.turns == 3
    assert len(sink.played) == 3
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
    events = [
        json.loads(line)["type"] for line in (folder / "session.jsonl").read_text().splitlines()
    ]
    assert events == [
        "session_started",
        "question",
        "answer",
        "question",
        "answer",
        "question",
        "session_ended",
    ]
    assert lines[0] == "Interviewer: Tell me about a system you own."


def test_prepared_reply_is_used_when_the_words_match(tmp_path):
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.")
    interviewer.enqueue("What was the business impact?")
    interviewer.enqueue("Thanks.", done=True)
    # paced like a microphone, with a silence window long enough to prepare in even on a busy machine
    folder, session, _, _ = make_session(
        tmp_path, [ANSWER_1, ANSWER_2], interviewer, speed=1.0, end_silence=1.5
    )
    session.run()
    events = [json.loads(line) for line in (folder / "session.jsonl").read_text().splitlines()]
    questions = [e for e in events if e["type"] == "question"]
    assert [q["text"] for q in questions] == [
        "Tell me about a system you own.",
        "What was the business impact?",
        "Thanks.",
    ]
    prepared = [q for q in questions[1:] if q["prepared"]]
    assert prepared, "no reply was prepared while the candidate was silent"
    assert all(q["latency_ms"] is not None and q["latency_ms"] < 100 for q in prepared)


def test_running_out_of_answers_closes_the_interview(tmp_path):
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a system you own.")
    interviewer.enqueue("And then?")
    folder, session, _, _ = make_session(tmp_path, [ANSWER_1], interviewer, speculate=False)
    result = session.run()
    assert result.end_reason == "ended_by_candidate"
    assert interviewer.history[-1].end_requested
    assert load_session(folder).ended["reason"] == "ended_by_candidate"
