"""Builds recorded session folders for tests: real speech audio and a journal written event by event.

Speech comes from ``espeak-ng`` (the interviewer's clips at its own 22.05 kHz,
the candidate's resampled to 16 kHz with a short lead-in of silence, as the
recorder writes them). Word timings are spread over the spoken part in
proportion to word length. Times in the journal follow the audio, so the
session timeline is consistent with the files.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.wavfile import read_audio, write_wav

DIMENSIONS = ("scope", "influence", "technical_depth", "judgment", "communication")
LEAD_IN = 0.3  # silence before the candidate speaks, seconds
TAIL = 0.5  # silence after the candidate stops, seconds


@dataclass
class TurnSpec:
    question: str
    answer: str | None  # None: the session ended before an answer
    kind: str = "question"
    question_id: str = ""
    track: str = "behavioral"
    heard: str | None = None  # what the journal says was heard; default: the answer itself


@dataclass
class BuiltSession:
    folder: Path
    id: str
    interviewer_seconds: list[float] = field(default_factory=list)
    candidate_seconds: list[float] = field(default_factory=list)
    duration: float = 0.0  # the session_ended time

    @property
    def clip_seconds(self) -> list[float]:
        """All clip durations in play order (interviewer, candidate, interviewer, ...)."""
        out, answers = [], iter(self.candidate_seconds)
        for q, has_answer in zip(self.interviewer_seconds, self.answered, strict=True):
            out.append(q)
            if has_answer:
                out.append(next(answers))
        return out

    answered: list[bool] = field(default_factory=list)


@functools.lru_cache(maxsize=256)
def _speech(text: str) -> tuple[bytes, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        subprocess.run(
            ["espeak-ng", "-s", "190", "-w", str(path), text], check=True, capture_output=True
        )
        clip = read_audio(path)
    return clip.samples.tobytes(), clip.rate


def speech(text: str) -> Clip:
    """``text`` spoken by espeak-ng, at its native rate."""
    data, rate = _speech(text)
    return Clip(np.frombuffer(data, dtype=np.float32).copy(), rate)


def candidate_clip(text: str) -> Clip:
    """An answer as the recorder keeps it: 16 kHz, lead-in silence, speech, trailing silence."""
    spoken = speech(text).resampled(STT_RATE)
    return Clip.concat([Clip.silence(LEAD_IN), spoken, Clip.silence(TAIL)], STT_RATE)


def spread_words(text: str, start: float, end: float) -> list[dict[str, Any]]:
    tokens = text.split()
    total = sum(len(t) + 1 for t in tokens) or 1
    words, at = [], start
    for token in tokens:
        span = (end - start) * (len(token) + 1) / total
        words.append(
            {"word": token, "start": round(at, 3), "end": round(at + span, 3), "probability": 0.9}
        )
        at += span
    return words


def make_report(
    scores: dict[str, int],
    level: str = "senior",
    wpm: float = 140.0,
    fillers_per_min: float = 2.0,
    version: int = 1,
    target: str = "senior",
    session_id: str = "",
) -> dict[str, Any]:
    """A report in schema voiceinterviewer.report/1 with the given scores and delivery."""
    return {
        "schema": "voiceinterviewer.report/1",
        "version": version,
        "created_at": "2025-01-01T00:00:00+00:00",
        "session_id": session_id,
        "scorer": {"engine": "offline", "model": "offline", "fallback_reason": None},
        "dimensions": {
            d: {
                "score": scores[d],
                "justification": f"{d} justification",
                "evidence": [],
                "tip": f"{d} tip",
            }
            for d in DIMENSIONS
        },
        "overall": {
            "level": level,
            "ladder_label": None,
            "reasons": ["r"],
            "signal": "lean-hire",
            "target_level": target,
        },
        "questions": [],
        "delivery": {
            "wpm": wpm,
            "fillers_per_min": fillers_per_min,
            "filler_counts": {},
            "long_pauses": [],
            "answer_seconds": [],
            "talk_time_ratio": 0.6,
        },
        "tips": ["Lead with the business outcome."],
    }


def write_report(folder: Path, report: dict[str, Any]) -> None:
    (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")


def make_session(
    root: Path,
    session_id: str,
    turns: list[TurnSpec],
    started_at: str = "2025-01-06T10:00:00+00:00",
    track: str = "behavioral",
    level: str = "senior",
    audio: bool = True,
    report: dict[str, Any] | None = None,
    journal_format: int = 2,
) -> BuiltSession:
    """Write ``root/session_id`` with a journal (format 1 or 2) and, with ``audio``, real WAVs."""
    folder = root / session_id
    folder.mkdir(parents=True)
    built = BuiltSession(folder, session_id)
    settings = {
        "track": track,
        "level": level,
        "ladder": "generic",
        "stt_model": "tiny.en",
        "model": "offline",
    }
    start: dict[str, Any] = {
        "type": "session_started",
        "t": 0.0,
        "id": session_id,
        "started_at": started_at,
        "settings": settings,
    }
    if journal_format >= 2:
        start["format"] = journal_format
    events = [start]
    t = 0.2
    for n, spec in enumerate(turns, start=1):
        q_name = f"turn-{n:02d}-interviewer.wav"
        if audio:
            q_clip = speech(spec.question)
            write_wav(folder / q_name, q_clip)
            q_seconds = q_clip.duration
        else:
            q_seconds = max(1.0, len(spec.question.split()) / 2.5)
        built.interviewer_seconds.append(q_seconds)
        question: dict[str, Any] = {
            "type": "question",
            "t": round(t, 3),
            "turn": n,
            "kind": spec.kind,
            "question_id": spec.question_id or f"q{n}",
            "gap": "",
            "track": spec.track,
            "duration": round(q_seconds, 3),
            "engine": "offline",
        }
        if journal_format >= 2:
            question.update(text=spec.question, audio=q_name)
        else:
            question.update(question=spec.question, wav=q_name)
        events.append(question)
        t += q_seconds + 0.25
        built.answered.append(spec.answer is not None)
        if spec.answer is None:
            continue
        a_name = f"turn-{n:02d}-candidate.wav"
        if audio:
            a_clip = candidate_clip(spec.answer)
            write_wav(folder / a_name, a_clip)
            a_seconds = a_clip.duration
        else:
            a_seconds = LEAD_IN + max(1.0, len(spec.answer.split()) / 2.5) + TAIL
        built.candidate_seconds.append(a_seconds)
        speech_end = a_seconds - TAIL
        heard = spec.answer if spec.heard is None else spec.heard
        words = spread_words(heard, LEAD_IN, speech_end)
        answer: dict[str, Any] = {
            "type": "answer",
            "t": round(t, 3),
            "turn": n,
            "text": heard,
            "duration": round(a_seconds, 3),
            "speech_start": LEAD_IN,
            "speech_end": round(speech_end, 3),
            "end_reason": "silence",
            "stt_model": "tiny.en",
        }
        if journal_format >= 2:
            answer.update(words=words, audio=a_name)
        else:
            answer.update(
                word_timings=[[w["word"], w["start"], w["end"]] for w in words], wav=a_name
            )
        events.append(answer)
        t += a_seconds + 0.4
    built.duration = round(t, 3)
    events.append({"type": "session_ended", "t": built.duration, "reason": "completed"})
    with open(folder / "session.jsonl", "w", encoding="utf-8") as f:
        for event in events:
            f.write(json.dumps(event) + "\n")
    if report is not None:
        write_report(folder, report)
    return built


STANDARD_TURNS = [
    TurnSpec(
        "Hi, thanks for joining. Tell me about yourself.",
        "I lead the payments platform team.",
        kind="greeting",
        track="intro",
    ),
    TurnSpec(
        "Tell me about a project where you changed the direction of your team.",
        "I led the redesign of payment processing, which cut costs by two million dollars a year. "
        "We moved to an event driven design. It opened three new markets for the business.",
    ),
    TurnSpec("Thanks, that is all I have for today.", None, kind="closing", track=""),
]


# Reading exported captions back, strictly.
VTT_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})$")
SRT_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2}),(\d{3}) --> (\d{2}):(\d{2}):(\d{2}),(\d{3})$")


def _seconds(h, m, s, ms):
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _parse_cues(blocks, pattern):
    cues = []
    for block in blocks:
        lines = block.split("\n")
        assert lines[0] == str(len(cues) + 1), f"cue numbering: {lines[0]!r}"
        m = pattern.match(lines[1])
        assert m, f"cue timing: {lines[1]!r}"
        cues.append((_seconds(*m.groups()[:4]), _seconds(*m.groups()[4:]), " ".join(lines[2:])))
    return cues


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) per cue of a WebVTT file; asserts the header, numbering and timing format."""
    blocks = text.strip("\n").split("\n\n")
    assert blocks[0] == "WEBVTT"
    return _parse_cues(blocks[1:], VTT_TIME)


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) per cue of an SRT file; asserts numbering from 1 and the timing format."""
    return _parse_cues(text.strip("\n").split("\n\n"), SRT_TIME)
