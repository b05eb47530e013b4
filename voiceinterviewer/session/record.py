"""A recorded session as readers see it: turns of question and answer, rebuilt from the journal."""

from __future__ import annotations

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


@dataclass
class Answer:
    text: str
    words: list[Word] = field(default_factory=list)
    audio: str = ""
    t: float = 0.0  # seconds since session start, when listening began
    duration: float = 0.0
    speech_start: float = 0.0  # seconds into the audio where speech began
    speech_end: float = 0.0
    end_reason: str = ""  # silence, enter, max_answer, end_phrase, interrupted
    stt_model: str = ""


@dataclass
class Turn:
    index: int
    question: Question
    answer: Answer | None = None


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
        return [t for t in self.turns if t.answer is not None and t.answer.text.strip()]


def _num(value: Any, default: float = 0.0) -> float:
    return (
        float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default
    )


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
    for ev in loaded.events:
        kind = ev.get("type")
        if kind == "session_started":
            rec.id = _str(ev.get("id")) or folder.name
            rec.started_at = _str(ev.get("started_at"))
            rec.settings = ev.get("settings") if isinstance(ev.get("settings"), dict) else {}
        elif kind == "question":
            index = int(_num(ev.get("turn"), len(by_index) + 1))
            q = Question(
                text=_str(ev.get("text")),
                kind=_str(ev.get("kind")) or "question",
                question_id=_str(ev.get("question_id")),
                gap=_str(ev.get("gap")),
                track=_str(ev.get("track")),
                audio=_str(ev.get("audio")),
                t=_num(ev.get("t")),
                duration=_num(ev.get("duration")),
                engine=_str(ev.get("engine")) or "offline",
            )
            by_index[index] = Turn(index=index, question=q)
        elif kind in ("answer", "transcribed"):
            index = int(_num(ev.get("turn"), -1))
            turn = by_index.get(index)
            if turn is None:
                continue
            if kind == "transcribed" and turn.answer is not None:
                turn.answer.text = _str(ev.get("text"))
                turn.answer.words = _words(ev.get("words"))
                turn.answer.stt_model = _str(ev.get("stt_model"))
                continue
            turn.answer = Answer(
                text=_str(ev.get("text")),
                words=_words(ev.get("words")),
                audio=_str(ev.get("audio")),
                t=_num(ev.get("t")),
                duration=_num(ev.get("duration")),
                speech_start=_num(ev.get("speech_start")),
                speech_end=_num(ev.get("speech_end")),
                end_reason=_str(ev.get("end_reason")),
                stt_model=_str(ev.get("stt_model")),
            )
        elif kind == "error":
            rec.errors.append(ev)
        elif kind == "session_ended":
            rec.ended = ev
    rec.turns = [by_index[k] for k in sorted(by_index)]
    return rec
