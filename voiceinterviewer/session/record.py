"""A recorded session as readers see it: turns of question and answer, rebuilt from the journal.

Loading never trusts the journal's values: numbers that are missing, of the
wrong type or not finite read as defaults; audio names that are not plain file
names inside the session folder (``../x.wav``, ``/etc/passwd``) read as no
audio, so no reader ever opens a file outside the folder.

A session cut short by a crash or a kill keeps its candidate audio
(``turn-NN-candidate.wav`` is written as it is recorded) even though the
``answer`` event was never written; such a turn gets an answer with that audio,
no text and ``end_reason`` ``"interrupted"``, so replay plays it and
``voiceinterviewer transcribe`` can transcribe it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceinterviewer.session.journal import JOURNAL_NAME, load_journal


@dataclass
class Word:
    word: str
    start: float  # seconds from the start of the answer audio
    end: float
    probability: float = 1.0


@dataclass
class Question:
    text: str
    kind: str = "question"  # greeting, question, follow_up, closing
    question_id: str = ""
    gap: str = ""  # what a follow-up probes (impact, ownership, capacity, ...)
    track: str = ""  # system-design, behavioral, leadership, career, intro
    audio: str = ""  # file name inside the session folder
    t: float = 0.0  # seconds since session start, when it began playing
    duration: float = 0.0
    engine: str = "offline"
    interrupted: bool = False  # the candidate talked over it: ``text`` is what was played
    planned: str = ""  # the whole question, when it was cut short


@dataclass
class CutReply:
    """A reply the candidate talked over because their answer was not over yet."""

    text: str  # what was played of it
    planned: str = ""
    audio: str = ""
    t: float = 0.0
    duration: float = 0.0


@dataclass
class Answer:
    text: str
    words: list[Word] = field(default_factory=list)
    audio: str = ""
    t: float = 0.0  # seconds since session start, when listening began
    duration: float = 0.0
    speech_start: float = 0.0  # seconds into the audio where speech began
    speech_end: float = 0.0
    end_reason: str = ""  # silence, open, pause, max_silence, enter, max_answer, interrupted
    stt_model: str = ""
    resumed: int = 0  # times the candidate went on over the interviewer's reply (one answer)
    clarification: bool = False  # a request to repeat the question, not an answer to it
    mic_offset: float = -1.0  # where the answer's audio begins in mic.wav (-1: unknown)


@dataclass
class Turn:
    index: int
    question: Question
    answer: Answer | None = None
    cut_replies: list[CutReply] = field(default_factory=list)  # talked over to finish the answer
    asides: list[str] = field(default_factory=list)  # said over the interviewer without stopping it


@dataclass
class SessionRecord:
    id: str
    path: Path
    started_at: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)
    ended: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)
    format: int = 2

    @property
    def duration(self) -> float:
        if self.ended and isinstance(self.ended.get("t"), (int, float)):
            return float(self.ended["t"])
        last = 0.0
        for turn in self.turns:
            last = max(last, turn.question.t + turn.question.duration)
            if turn.answer:
                last = max(last, turn.answer.t + turn.answer.duration)
        return last

    def answered(self) -> list[Turn]:
        """Turns with an answer to score (a request to repeat the question is not one)."""
        return [
            t
            for t in self.turns
            if t.answer is not None and t.answer.text.strip() and not t.answer.clarification
        ]


def _num(value: Any, default: float = 0.0) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return default
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        return default
    return number if math.isfinite(number) else default


def _words(items: Any) -> list[Word]:
    words = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("word"), str):
            words.append(
                Word(
                    item["word"],
                    _num(item.get("start")),
                    _num(item.get("end")),
                    _num(item.get("probability"), 1.0),
                )
            )
    return words


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _text(value: Any) -> str:
    """Answer text as every reader shows it: split tokens of older journals ("3 ,000") mended."""
    from voiceinterviewer.stt.words import tidy_text

    return tidy_text(_str(value))


def _audio_name(value: Any) -> str:
    """A file name inside the session folder, or "" for anything that could point elsewhere."""
    name = _str(value)
    if (
        not name
        or name in (".", "..")
        or os.path.basename(name) != name
        or "\\" in name
        or "\x00" in name
    ):
        return ""
    return name


def _session_id(value: Any, fallback: str) -> str:
    text = _str(value)
    ok = 0 < len(text) <= 200 and text.isprintable() and "/" not in text and "\\" not in text
    return text if ok else fallback


MAX_TURN = 100_000  # turn numbers beyond this are not real turns


def _recover_answer(folder: Path, turn: Turn) -> Answer | None:
    """An answer for a turn whose candidate audio was recorded but never journalled."""
    name = f"turn-{turn.index:02d}-candidate.wav"
    try:
        size = (folder / name).stat().st_size
    except OSError:
        return None
    if size <= 44:
        return None
    q = turn.question
    return Answer(
        text="",
        audio=name,
        t=round(q.t + q.duration, 3),
        duration=round((size - 44) / 32000.0, 3),
        end_reason="interrupted",
    )


def load_session(path: str | Path) -> SessionRecord:
    """Build the record from ``path/session.jsonl``. Later ``transcribed`` events replace answer text."""
    folder = Path(path)
    loaded = load_journal(folder / JOURNAL_NAME)
    rec = SessionRecord(
        id=folder.name,
        path=folder,
        events=loaded.events,
        skipped_lines=loaded.skipped_lines,
        format=loaded.format,
    )
    by_index: dict[int, Turn] = {}
    transcribed: list[dict[str, Any]] = []
    asides: dict[int, list[str]] = {}
    for ev in loaded.events:
        kind = ev.get("type")
        if kind == "session_started":
            rec.id = _session_id(ev.get("id"), folder.name)
            rec.started_at = _str(ev.get("started_at"))
            rec.settings = ev.get("settings") if isinstance(ev.get("settings"), dict) else {}
        elif kind == "question":
            index = int(_num(ev.get("turn"), len(by_index) + 1))
            if not 0 <= index <= MAX_TURN:
                continue
            q = Question(
                text=_str(ev.get("text")),
                kind=_str(ev.get("kind")) or "question",
                question_id=_str(ev.get("question_id")),
                gap=_str(ev.get("gap")),
                track=_str(ev.get("track")),
                audio=_audio_name(ev.get("audio")),
                t=_num(ev.get("t")),
                duration=_num(ev.get("duration")),
                engine=_str(ev.get("engine")) or "offline",
                interrupted=ev.get("interrupted") is True,
                planned=_str(ev.get("planned")),
            )
            earlier = by_index.get(index)
            by_index[index] = Turn(index=index, question=q)
            if earlier is not None:  # a turn journalled again keeps the replies cut after it
                by_index[index].cut_replies = earlier.cut_replies
        elif kind == "transcribed":
            transcribed.append(ev)
        elif kind == "answer":
            turn = by_index.get(int(_num(ev.get("turn"), -1)))
            if turn is None:
                continue
            turn.answer = Answer(
                text=_text(ev.get("text")),
                words=_words(ev.get("words")),
                audio=_audio_name(ev.get("audio")),
                t=_num(ev.get("t")),
                duration=_num(ev.get("duration")),
                speech_start=_num(ev.get("speech_start")),
                speech_end=_num(ev.get("speech_end")),
                end_reason=_str(ev.get("end_reason")),
                stt_model=_str(ev.get("stt_model")),
                resumed=int(_num(ev.get("resumed"))),
                clarification=ev.get("clarification") is True,
                mic_offset=_num(ev.get("mic_offset"), -1.0),
            )
        elif kind == "reply_cut":
            turn = by_index.get(int(_num(ev.get("turn"), -1)))
            if turn is not None:
                turn.cut_replies.append(
                    CutReply(
                        text=_str(ev.get("text")),
                        planned=_str(ev.get("planned")),
                        audio=_audio_name(ev.get("audio")),
                        t=_num(ev.get("t")),
                        duration=_num(ev.get("duration")),
                    )
                )
        elif kind == "aside":  # said while the question of its turn was playing
            if _str(ev.get("text")).strip():
                asides.setdefault(int(_num(ev.get("turn"), -1)), []).append(
                    _str(ev.get("text")).strip()
                )
        elif kind == "error":
            rec.errors.append(ev)
        elif kind == "session_ended":
            rec.ended = ev
    for index, said in asides.items():
        if index in by_index:
            by_index[index].asides.extend(said)
    for turn in by_index.values():
        if turn.answer is None:
            turn.answer = _recover_answer(folder, turn)
    for ev in transcribed:
        turn = by_index.get(int(_num(ev.get("turn"), -1)))
        if turn is not None and turn.answer is not None:
            turn.answer.text = _text(ev.get("text"))
            turn.answer.words = _words(ev.get("words"))
            turn.answer.stt_model = _str(ev.get("stt_model"))
    rec.turns = [by_index[k] for k in sorted(by_index)]
    return rec
