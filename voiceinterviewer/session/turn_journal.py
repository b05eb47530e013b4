"""Writing each turn to the journal the moment it happens: questions, answers, cut replies, barge-ins.

The loop decides; this module words the events (see
:mod:`voiceinterviewer.session.journal` for their meaning) and keeps their
audio files named after the turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiceinterviewer.interviewer.base import Reply
from voiceinterviewer.listen.answer import Heard
from voiceinterviewer.session.journal import Journal
from voiceinterviewer.session.speaking import Spoken
from voiceinterviewer.stt.whisper import Transcript


def planned_text(reply: Reply, spoken: Spoken) -> str:
    """The reply's whole text when it is known, else what had been produced of it."""
    if isinstance(reply.sentences, list):
        return " ".join(s.strip() for s in reply.sentences if s.strip())
    return spoken.planned


def words_in(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9]+", text))


@dataclass
class AnswerPlace:
    """Where an answer's audio is and when it began."""

    turn: int
    audio: str  # file name in the session folder
    t: float  # session time the answer's audio begins
    mic_offset: float  # the same, in seconds into mic.wav


class TurnJournal:
    def __init__(self, journal: Journal, folder: Path, stt_model: str, say: Callable[[str], None]):
        self.journal = journal
        self.folder = folder
        self.stt_model = stt_model
        self.say = say
        self._heard_at = 0.0  # session time the candidate's voice last paused the interviewer
        self._behind: float | None = None  # how late its block was read (s; None: not known)

    def heard_over(self, behind_s: float | None = None) -> None:
        """The candidate's voice has just paused the interviewer (journalled with the outcome).

        ``behind_s``: how long after its capture the block that paused it was read.
        """
        self._heard_at, self._behind = self.journal.now(), behind_s

    def question(
        self,
        turn: int,
        t: float,
        reply: Reply,
        spoken: Spoken,
        decided_at: float | None,
        prepared: bool = False,
        interrupted: bool = False,
    ) -> float | None:
        """A question the candidate heard (in full, or cut short); returns its latency in ms."""
        plan = reply.plan
        latency = None
        if decided_at is not None and spoken.first_audio_at is not None:
            latency = round((spoken.first_audio_at - decided_at) * 1000, 1)
        extra = {}
        if interrupted or spoken.cut:
            extra = {"interrupted": True, "planned": planned_text(reply, spoken)}
        self.journal.write(
            "question",
            t=t,
            turn=turn,
            kind=plan.kind,
            question_id=plan.question_id,
            gap=plan.gap,
            track=plan.track,
            text=spoken.text,
            audio=f"turn-{turn:02d}-interviewer.wav",
            duration=spoken.duration,
            engine=reply.engine,
            latency_ms=latency,
            prepared=prepared,
            **extra,
        )
        if spoken.error:
            self.journal.write("error", where="interviewer", message=spoken.error)
        if reply.engine == "offline-fallback":
            self.journal.write("llm_fallback", turn=turn, where="interviewer")
        return latency

    def answer(self, place: AnswerPlace, heard: Heard, clarification: bool) -> None:
        words = [
            {"word": w.word, "start": w.start, "end": w.end, "probability": w.probability}
            for w in heard.transcript.words
        ]
        self.journal.write(
            "answer",
            t=place.t,
            turn=place.turn,
            text=heard.transcript.text,
            words=words,
            audio=place.audio,
            duration=round(heard.audio.duration, 3),
            speech_start=round(heard.speech_start, 3),
            speech_end=round(heard.speech_end, 3),
            end_reason=heard.end_reason,
            end_rule=heard.rule,
            waited=round(heard.waited, 3),
            stt_model=self.stt_model,
            tail_wait_ms=round(heard.tail_wait_ms, 1),
            resumed=heard.resumed,
            clarification=clarification,
            mic_offset=round(place.mic_offset, 3),
        )

    def stopped_answer(self, place: AnswerPlace, so_far: Transcript, duration: float) -> None:
        """Stopped mid-answer (Ctrl-C, a failure): the words transcribed so far and the audio."""
        self.journal.write(
            "answer", t=place.t, turn=place.turn, text=so_far.text,
            words=[vars(w) for w in so_far.words], audio=place.audio,
            duration=round(duration, 3), end_reason="interrupted",
            stt_model=self.stt_model, mic_offset=round(place.mic_offset, 3),
        )  # fmt: skip

    def cut_reply(
        self, answer_turn: int, turn: int, t: float, reply: Reply, spoken: Spoken
    ) -> None:
        """A reply the candidate talked over to finish their answer: kept with what was played."""
        name = f"turn-{turn:02d}-interviewer.wav"
        if spoken.duration <= 0 and not spoken.text:
            (self.folder / name).unlink(missing_ok=True)  # nothing of it was heard
            return
        n = len(list(self.folder.glob(f"turn-{turn:02d}-cut-*.wav"))) + 1
        cut_name = f"turn-{turn:02d}-cut-{n}.wav"
        if (self.folder / name).exists():
            (self.folder / name).replace(self.folder / cut_name)
        self.journal.write(
            "reply_cut", t=t, turn=answer_turn, next_turn=turn, text=spoken.text,
            planned=planned_text(reply, spoken), audio=cut_name, duration=spoken.duration,
            engine=reply.engine, kind=reply.plan.kind,
        )  # fmt: skip
        self.say(f"Interviewer (stopped as you went on): {spoken.text}")

    def barge_in(self, turn: int, outcome: str, text: str, played_s: float, kind: str = "") -> None:
        self.journal.write(
            "barge_in", turn=turn, outcome=outcome, kind=kind, text=text,
            played_s=round(played_s, 3), heard_at=self._heard_at,
            **({} if self._behind is None else {"behind_ms": round(self._behind * 1000)}),
        )  # fmt: skip
        if outcome == "resumed" and words_in(text):
            self.journal.write("aside", turn=turn, text=text)
            self.say(f"You (over the interviewer): {text}")
