"""A whole interview in a simulated room: the interviewer's voice comes back into the microphone.

The microphone hears the scripted candidate plus the echo of exactly what was
played (delayed 45 ms, -15 dB, with reflections and room noise), on the
script's clock, so the run is the same on any machine. The real WebRTC echo
canceller, Silero and Whisper hear it. The interviewer must never stop for its
own voice, and must stop when the candidate goes on over it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.audio_helpers import speech, speech_with_pause, wer, whisper
from tests.fakes import ScriptedInterviewer
from voiceinterviewer.audio.clip import STT_RATE
from voiceinterviewer.audio.echo import WebRtcEcho, webrtc_available
from voiceinterviewer.audio.farend import ClockedOutput
from voiceinterviewer.audio.playout import Playout
from voiceinterviewer.audio.ports import BLOCK
from voiceinterviewer.audio.scripted import ScriptedSource
from voiceinterviewer.interviewer.base import InterviewContext
from voiceinterviewer.listen.ear import Ear
from voiceinterviewer.listen.vad import SileroVad
from voiceinterviewer.session.duplex import Duplex
from voiceinterviewer.session.journal import Journal
from voiceinterviewer.session.loop import InterviewSession
from voiceinterviewer.session.record import load_session
from voiceinterviewer.session.work import Pending

pytestmark = pytest.mark.skipif(not webrtc_available(), reason="pywebrtc-audio is not installed")


class Room:
    """The far end as played (recorded block by block) and the microphone that hears it back."""

    def __init__(
        self,
        playout: Playout,
        script: ScriptedSource,
        gain_db=-15.0,
        delay_s=0.045,
        louder: tuple[float, float] | None = None,
    ):
        self.output = ClockedOutput(playout)
        self.louder = louder  # (seconds, dB): the volume turned up then
        self.script = script
        rng = np.random.default_rng(7)
        d = int(delay_s * STT_RATE)
        h = np.zeros(d + 2400, dtype=np.float32)
        h[d] = 1.0
        for k in range(25):
            h[d + int(rng.integers(30, 2400))] += float(rng.normal()) * 0.25 * np.exp(-k / 6)
        self.h = h * 10 ** (gain_db / 20)
        self.played = np.zeros(0, dtype=np.float32)
        self.noise = np.random.default_rng(8)
        self.at = 0

    # the far end: what the speaker plays in each block, kept for the room's echo
    def take(self, n: int, at=None) -> np.ndarray:
        far = self.output.take(n)
        self.played = np.concatenate([self.played, far])
        return far

    # the microphone: the candidate, the echo of what was played before this block, noise
    def read(self):
        block = self.script.read()
        if block is None:
            return None
        if self.louder is not None and self.at >= self.louder[0] * STT_RATE:
            self.h, self.louder = self.h * 10 ** (self.louder[1] / 20), None
        a = self.at
        self.at += BLOCK
        lo = max(0, a - len(self.h))
        past = self.played[lo:a]
        echo = np.convolve(past, self.h)[a - lo : a - lo + BLOCK] if len(past) else np.zeros(BLOCK)
        echo = np.pad(echo, (0, BLOCK - len(echo)))
        hiss = self.noise.standard_normal(BLOCK) * 10 ** (-62 / 20)
        return (block + echo + hiss).astype(np.float32)

    def cue(self, event: str) -> None:
        self.script.cue(event)


def run_in_room(tmp_path, answers, interviewer, gain_db=-15.0, louder=None):
    folder = tmp_path / "s1"
    folder.mkdir()
    journal = Journal(folder / "session.jsonl")
    journal.write("session_started", format=2, id="s1", settings={})
    pending = Pending()
    playout = Playout(STT_RATE)
    script = ScriptedSource(answers, idle=pending)
    room = Room(playout, script, gain_db=gain_db, louder=louder)
    ear = Ear(room, SileroVad(), room, WebRtcEcho(delay_ms=45))
    duplex = Duplex(ear, playout, cue=room.cue, pending=pending, echo="webrtc")
    from voiceinterviewer.voice.piper_voice import PiperVoiceEngine

    session = InterviewSession(
        folder, journal, interviewer, PiperVoiceEngine().steady(), duplex, whisper(),
        InterviewContext(), stt_model="tiny.en", say=lambda line: None,
    )  # fmt: skip
    session.run()
    events = [json.loads(line) for line in (folder / "session.jsonl").read_text().splitlines()]
    return folder, events


BEFORE = "We moved card authorization to a new service, which cut our costs by thirty percent."
AFTER = "The second thing I did was mentor two engineers who now run that service."
OTHER = "I wrote the design document myself and ran the migration plan with product and finance."


@pytest.mark.parametrize("gain_db", [-15.0, -6.0])
def test_in_a_room_with_echo_the_interviewer_hears_only_the_candidate(tmp_path, gain_db):
    interviewer = ScriptedInterviewer()
    interviewer.enqueue(
        "Hi, thanks for making the time today. Tell me about a time you cut costs "
        "across several teams, and what you did yourself."
    )
    interviewer.enqueue(
        "What was the business impact, and how did you measure it across all the teams "
        "that were involved in the change?",
        kind="follow_up",
    )
    interviewer.enqueue(
        "And what would you do differently if you ran the same project again next year?",
        kind="follow_up",
    )
    interviewer.enqueue("Thanks, that's all I have for today.", done=True)
    answers = [speech_with_pause(BEFORE, 2.6, AFTER), speech(OTHER), speech(OTHER)]
    folder, events = run_in_room(tmp_path, answers, interviewer, gain_db)
    barge = [e for e in events if e["type"] == "barge_in"]
    # once, when the candidate went on after the pause; never for the interviewer's own voice
    assert [(b["outcome"], b["kind"]) for b in barge] == [("stopped", "resume")], barge
    assert [e["turn"] for e in events if e["type"] == "reply_cut"] == [1]
    questions = [e for e in events if e["type"] == "question"]
    assert len(questions) == 4 and not [q for q in questions if q.get("interrupted")]
    record = load_session(folder)
    assert wer(f"{BEFORE} {AFTER}", record.turns[0].answer.text) < 0.2
    assert wer(OTHER, record.turns[1].answer.text) < 0.2


def test_the_volume_turned_up_mid_interview_does_not_make_the_interviewer_hear_itself(
    tmp_path,
):
    """20 s in, the room's echo gets 20 dB louder (-15 -> +5 dB): every block of the
    interviewer's voice is then far louder than the echo learned. A block that follows what
    was played is the echo however loud, and the room's coupling learns it; before, the
    coupling never moved and the interviewer paused for its own voice (1 or 2 times here)."""
    interviewer = ScriptedInterviewer()
    for question in (
        "Hi, thanks for making the time today. Tell me about a time you cut costs across "
        "several teams, and what you did yourself.",
        "What was the business impact, and how did you measure it across all the teams "
        "that were involved in the change?",
        "And what would you do differently if you ran the same project again next year, "
        "knowing what you know now?",
        "How did you bring the other teams along, and who was the hardest person to "
        "convince about the plan?",
    ):
        interviewer.enqueue(question, kind="follow_up")
    interviewer.enqueue("Thanks, that's all I have for today.", done=True)
    answers = [
        speech(BEFORE),
        speech(OTHER),
        speech(
            "I would start the load testing a month earlier, because that is where we lost time."
        ),
        speech("The finance lead was the hardest, so I showed her the numbers every week."),
    ]
    folder, events = run_in_room(tmp_path, answers, interviewer, louder=(20.0, 20.0))
    assert [e for e in events if e["type"] == "barge_in"] == []
    assert len([e for e in events if e["type"] == "question"]) == 5


STORY = "We had crashes in the mobile app, and two bugs caused most of them."
RESULT = "After the fixes, the crash rate dropped to a tenth of a percent."


def run_race(tmp_path, pause: float, then: str):
    """A story, a thinking pause of ``pause`` seconds, its result; then ``then`` to a follow-up.

    Also run by ``bench/race.py``.
    """
    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a time you fixed a reliability problem in production.")
    interviewer.enqueue(
        "That is a good start. What did you do yourself, and what did the rest of the team "
        "do about it?",
        kind="follow_up",
    )
    interviewer.enqueue("Thanks, that's all I have for today.", done=True)
    answers = [speech_with_pause(STORY, pause, RESULT), speech(then)]
    return run_in_room(tmp_path, answers, interviewer)


@pytest.mark.parametrize("pause", [3.1, 3.25])
def test_a_candidate_going_on_just_as_the_reply_starts_stops_it_and_keeps_one_answer(
    tmp_path, pause
):
    """The thinking pause lasts just the interviewer's wait (3.2 s after a story's first
    sentence): the reply starts as the candidate goes on, over a canceller that has not
    settled since the silence. Heard through the strict gate alone, and with "After the
    fixes" under the reply transcribed as the reply's own words, the candidate was first
    taken for echo and talked over for 1.6 s."""
    folder, events = run_race(tmp_path, pause, OTHER)
    barge = [e for e in events if e["type"] == "barge_in"]
    assert [(b["outcome"], b["kind"]) for b in barge] == [("stopped", "resume")], barge
    assert barge[0]["played_s"] < 1.2  # its first sentence, not more
    record = load_session(folder)
    assert wer(f"{STORY} {RESULT}", record.turns[0].answer.text) < 0.15


def run_afterthought(tmp_path, first: str, more: str, delay: float):
    """A complete answer, then ``more`` said ``delay`` seconds into the interviewer's reply.

    Returns the session's folder and events, and how long the reply played past the
    candidate's first sound (seconds; the reply holds still from the pause on, so this is
    how long it talked over them, its 30 ms fade included). Also run by
    ``bench/afterthoughts.py``.
    """
    from voiceinterviewer.audio.scripted import QUESTION_STARTED, ScriptedAnswer

    interviewer = ScriptedInterviewer()
    interviewer.enqueue("Tell me about a project you owned end to end, and what came of it.")
    interviewer.enqueue(
        "Got it, thanks. Next question. Tell me about a mistake you made that affected "
        "other people."
    )
    interviewer.enqueue("Thanks, that's all I have for today.", done=True)
    going_on = speech(more)
    lead = np.flatnonzero(np.abs(going_on.samples) > 0.01)[0] / going_on.rate
    answers = [
        speech(first),
        ScriptedAnswer(going_on, after=QUESTION_STARTED, delay=delay),
        speech("I missed a deadline once, and I told everyone early."),
    ]
    folder, events = run_in_room(tmp_path, answers, interviewer)
    barge = [e for e in events if e["type"] == "barge_in"]
    over = barge[0]["played_s"] - (delay + lead) if barge else None
    return folder, events, over


def test_a_candidate_going_on_over_a_reply_pauses_it_at_their_first_syllables(tmp_path):
    """0.2 s into the reply, over a canceller still settling after the silence, the candidate
    goes on: AEC3 turns "Actually" down 20-40 dB while it sorts out the double talk, and
    judged by what it left, the reply went on over them for 0.46 s. Measured on the
    microphone before the canceller, they are louder than any echo from the start."""
    first = "I ran the incident review with three teams, and repeat outages dropped by half."
    more = "Actually, the part I am proudest of is that the teams kept running the reviews."
    folder, events, over = run_afterthought(tmp_path, first, more, 0.2)
    barge = [e for e in events if e["type"] == "barge_in"]
    assert [(b["outcome"], b["kind"]) for b in barge] == [("stopped", "resume")], barge
    assert over < 0.25, barge  # 0.17 s here
    assert wer(f"{first} {more}", load_session(folder).turns[0].answer.text) < 0.2
