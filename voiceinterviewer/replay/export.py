"""Exporting a recorded session: Markdown, JSON, WebVTT/SRT subtitles and one mixed-down WAV.

The subtitles and the WAV share one timeline, built by :func:`build_timeline`
in whole samples at 16 kHz: every turn contributes the interviewer's clip and
then the candidate's, placed back to back with a fixed gap of
:data:`GAP_SECONDS` (0.5 s of silence) between consecutive clips. So the WAV
lasts exactly the sum of the clips plus one gap fewer than there are clips,
and a caption file exported from the same session plays in step with it in
any media player. A clip whose file is missing or unreadable keeps its place
as silence of its recorded length, so later captions still line up.

Captions are built from that timeline by :mod:`voiceinterviewer.replay.captions`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiceinterviewer.errors import UserError
from voiceinterviewer.replay.captions import build_cues, to_srt, to_vtt
from voiceinterviewer.replay.notes import question_text, turn_notes
from voiceinterviewer.session.record import Answer, SessionRecord, Word

if TYPE_CHECKING:
    import numpy as np

EXPORT_RATE = 16000
GAP_SECONDS = 0.5
FORMATS = ("md", "json", "vtt", "srt", "wav")
WAV_NAME = "interview.wav"  # where a WAV export goes by default, in the session folder
INTERVIEWER = "Interviewer"
CANDIDATE = "You"


def mmss(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


@dataclass
class Segment:
    """One clip on the export timeline."""

    turn: int
    speaker: str  # INTERVIEWER or CANDIDATE
    text: str
    start: int  # first sample on the timeline (16 kHz)
    length: int  # samples
    words: list[Word] = field(default_factory=list)  # relative to the clip
    speech: tuple[float, float] | None = None  # where speech was heard in the clip, if known
    samples: np.ndarray | None = None  # 16 kHz audio; None means silence (missing clip)
    note: str = ""  # why the audio is missing

    @property
    def offset(self) -> float:
        return self.start / EXPORT_RATE

    @property
    def duration(self) -> float:
        return self.length / EXPORT_RATE


@dataclass
class Timeline:
    segments: list[Segment]
    gap: int  # samples between consecutive clips

    @property
    def length(self) -> int:
        if not self.segments:
            return 0
        last = self.segments[-1]
        return last.start + last.length

    @property
    def duration(self) -> float:
        return self.length / EXPORT_RATE


def _estimate_seconds(text: str) -> float:
    return max(1.0, len(text.split()) / 2.5)


def _load_clip(folder: Path, name: str) -> tuple[np.ndarray | None, str]:
    from voiceinterviewer.audio.wavfile import read_audio

    if not name:
        return None, "no audio recorded"
    try:
        clip = read_audio(folder / name)
    except UserError as exc:
        return None, str(exc)
    return clip.resampled(EXPORT_RATE).samples, ""


def build_timeline(record: SessionRecord, gap_seconds: float = GAP_SECONDS) -> Timeline:
    """Every clip of the session in order, with its place on the mixed-down timeline."""
    gap = int(round(gap_seconds * EXPORT_RATE))
    segments: list[Segment] = []
    cursor = 0
    for turn in record.turns:
        parts: list[tuple[str, str, str, float, list[Word], tuple[float, float] | None]] = []
        q = turn.question
        parts.append((INTERVIEWER, question_text(q), q.audio, q.duration, [], None))
        a = turn.answer
        if a is not None:
            speech = (a.speech_start, a.speech_end) if a.speech_end > a.speech_start else None
            parts.append((CANDIDATE, a.text, a.audio, a.duration, a.words, speech))
        for speaker, text, audio, recorded, words, speech in parts:
            samples, note = _load_clip(record.path, audio)
            if samples is not None:
                length = len(samples)
            else:
                seconds = (
                    recorded if recorded > 0 else (_estimate_seconds(text) if text.strip() else 0.0)
                )
                length = int(round(seconds * EXPORT_RATE))
            if length <= 0:
                continue
            if segments:
                cursor += gap
            segments.append(
                Segment(
                    turn.index, speaker, text, cursor, length, list(words), speech, samples, note
                )
            )
            cursor += length
    return Timeline(segments, gap)


def write_mixdown(timeline: Timeline, path: Path) -> None:
    """Write the timeline as one 16 kHz 16-bit WAV, clip by clip (missing clips and gaps are silence).

    Written to a temporary name and moved into place, so a failed export
    never leaves half a file under the requested name.
    """
    import numpy as np

    from voiceinterviewer.audio.wavfile import StreamingWav

    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}", 1) from None
    tmp = Path(name)
    try:
        with StreamingWav(tmp, EXPORT_RATE) as out:
            cursor = 0
            for seg in timeline.segments:
                if seg.start > cursor:
                    out.write(np.zeros(seg.start - cursor, dtype=np.float32))
                if seg.samples is not None:
                    out.write(seg.samples[: seg.length])
                else:
                    out.write(np.zeros(seg.length, dtype=np.float32))
                cursor = seg.start + seg.length
        os.replace(tmp, path)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}", 1) from None
    finally:  # a full disk or Ctrl-C leaves no part-written file behind
        tmp.unlink(missing_ok=True)


def spoken_at(answer: Answer) -> float:
    """When the candidate began speaking, in seconds since the session start."""
    return answer.t + (answer.words[0].start if answer.words else answer.speech_start)


def _md(text: str) -> str:
    return " ".join(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split())


def transcript_markdown(record: SessionRecord) -> str:
    """The transcript alone, in the layout of the scored transcript.md, for a session with no report.

    Each utterance is ``**[mm:ss] Interviewer:**`` / ``**[mm:ss] You:**`` with
    its time since the session start; only ``<``, ``>`` and ``&`` are escaped.
    """
    facts = []
    if record.started_at:
        facts.append(f"started {record.started_at}")
    for key, name in (("track", "track"), ("level", "target")):
        value = record.settings.get(key)
        if isinstance(value, str) and value:
            facts.append(f"{name} {value}")
    facts.append(f"length {mmss(record.duration)}")
    lines = [f"# Interview transcript: {record.id}", "", ", ".join(facts), ""]
    for turn in record.turns:
        q, a = turn.question, turn.answer
        lines += [f"**[{mmss(q.t)}] {INTERVIEWER}:** {_md(question_text(q))}", ""]
        if a is not None:
            said = _md(a.text) or "_(no words recognised)_"
            lines += [f"**[{mmss(spoken_at(a))}] {CANDIDATE}:** {said}", ""]
        notes = turn_notes(turn)
        lines += [f"_{_md(note)}_" for note in notes] + ([""] if notes else [])
    lines += ["---", "", "_Not scored yet: run `voiceinterviewer score ID` for the report._", ""]
    return "\n".join(lines)


def session_json(record: SessionRecord, report: dict[str, Any] | None) -> str:
    """The session record (without its raw journal events) and its latest report."""
    data = dataclasses.asdict(record)
    data.pop("events", None)
    data["path"] = str(record.path)
    data["duration"] = round(record.duration, 3)
    return json.dumps(
        {"schema": "voiceinterviewer.export/1", "session": data, "report": report},
        indent=2,
        ensure_ascii=False,
    )


@dataclass
class ExportResult:
    format: str
    text: str | None = None  # for text formats
    path: Path | None = None  # for wav (and text formats written to a file)
    duration: float = 0.0
    missing: list[str] = field(default_factory=list)  # clips that became silence


def export_session(folder: Path, fmt: str, wav_path: Path | None = None) -> ExportResult:
    """Build one export of the session in ``folder``; a WAV is written to ``wav_path``."""
    from voiceinterviewer.scoring.report_files import read_session_text
    from voiceinterviewer.session.index import read_report
    from voiceinterviewer.session.record import load_session

    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    record = load_session(folder)
    if fmt == "md":
        try:  # the scored transcript; a FIFO, a link or a damaged file: rendered afresh
            text = read_session_text(folder / "transcript.md")
        except OSError:
            text = transcript_markdown(record)
        return ExportResult(fmt, text=text)
    if fmt == "json":
        return ExportResult(fmt, text=session_json(record, read_report(folder)))
    timeline = build_timeline(record)
    missing = [
        f"turn {s.turn} {s.speaker.lower()}: {s.note}"
        for s in timeline.segments
        if s.samples is None
    ]
    if fmt in ("vtt", "srt"):
        cues = build_cues(timeline)
        text = to_vtt(cues) if fmt == "vtt" else to_srt(cues)
        return ExportResult(fmt, text=text, duration=timeline.duration, missing=missing)
    if not timeline.segments:
        raise UserError(f"session {record.id} has no audio to export")
    target = wav_path or folder / WAV_NAME
    if not target.parent.is_dir():
        raise UserError(f"no such folder for the output file: {target.parent}")
    write_mixdown(timeline, target)
    return ExportResult(fmt, path=target, duration=timeline.duration, missing=missing)
