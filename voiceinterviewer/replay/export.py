"""Exporting a recorded session: Markdown, JSON, WebVTT/SRT subtitles and one mixed-down WAV.

The subtitles and the WAV share one timeline, built by :func:`build_timeline`
in whole samples at 16 kHz: every turn contributes the interviewer's clip and
then the candidate's, placed back to back with a fixed gap of
:data:`GAP_SECONDS` (0.5 s of silence) between consecutive clips. So the WAV
lasts exactly the sum of the clips plus one gap fewer than there are clips,
and a caption file exported from the same session plays in step with it in
any media player. A clip whose file is missing or unreadable keeps its place
as silence of its recorded length, so later captions still line up.

Captions are speaker-labelled (``Interviewer:`` / ``You:``) and no longer than
:data:`MAX_CUE_SECONDS`. The candidate's lines are cut using the word timings
of the transcript; where there are none (the interviewer's lines, or an
answer without timings) the clip's span is shared among its words in
proportion to their length. Cuts prefer sentence ends.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiceinterviewer.errors import UserError
from voiceinterviewer.replay.notes import question_text, turn_notes
from voiceinterviewer.session.record import Answer, SessionRecord, Word
from voiceinterviewer.stt.words import join_words, merge_words

if TYPE_CHECKING:
    import numpy as np

EXPORT_RATE = 16000
GAP_SECONDS = 0.5
MAX_CUE_SECONDS = 7.0
MAX_CUE_CHARS = 84  # two lines of 42, counting the speaker label
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


@dataclass
class Cue:
    start: float  # seconds on the timeline
    end: float
    speaker: str
    text: str


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _proportional_words(text: str, start: float, end: float) -> list[Word]:
    """Spread ``text``'s words over [start, end] in proportion to their length."""
    tokens = _clean(text).split(" ") if _clean(text) else []
    total = sum(len(t) + 1 for t in tokens)
    words, at = [], start
    for token in tokens:
        span = (end - start) * (len(token) + 1) / total
        words.append(Word(token, at, at + span))
        at += span
    return words


def _group(words: list[Word], max_seconds: float, max_chars: int) -> list[tuple[float, float, str]]:
    """Greedy cues within the limits of span and length, cut at punctuation where possible.

    A cue also ends after a sentence once it is long enough to read (40% of
    the limit). When a word would pass a limit, the cue is cut after the last
    punctuation past its first third, and the rest carries over.
    """
    groups: list[tuple[float, float, str]] = []
    current: list[Word] = []

    def emit(part: list[Word]) -> None:
        groups.append((part[0].start, part[-1].end, join_words(part)))

    for word in words:
        if current:
            span = word.end - current[0].start
            chars = sum(len(w.word) + 1 for w in current) + len(word.word)
            sentence_end = (
                current[-1].word.endswith((".", "?", "!"))
                and (current[-1].end - current[0].start) >= max_seconds * 0.4
            )
            if sentence_end:
                emit(current)
                current = []
            elif span > max_seconds or chars > max_chars:
                cut = len(current)
                for j in range(len(current) - 1, len(current) // 3 - 1, -1):
                    if current[j].word.endswith((".", "?", "!", ",", ";", ":")):
                        cut = j + 1
                        break
                emit(current[:cut])
                current = current[cut:]
        current.append(word)
    if current:
        emit(current)
    return groups


def _segment_words(seg: Segment) -> list[Word]:
    """Usable word timings for a segment, in timeline seconds."""
    limit = seg.duration
    timed = []
    for w in seg.words:
        text = _clean(w.word)
        if not text:
            continue
        start = min(max(w.start, 0.0), limit)
        end = min(max(w.end, start), limit)
        timed.append(Word(text, seg.offset + start, seg.offset + end))
    if timed:
        return merge_words(sorted(timed, key=lambda w: w.start))
    lo, hi = seg.speech if seg.speech and seg.speech[1] <= limit + 0.05 else (0.0, limit)
    return _proportional_words(seg.text, seg.offset + lo, seg.offset + min(hi, limit))


def build_cues(
    timeline: Timeline, max_seconds: float = MAX_CUE_SECONDS, max_chars: int = MAX_CUE_CHARS
) -> list[Cue]:
    """Caption cues in time order; each lies inside its clip, none overlap."""
    cues: list[Cue] = []
    for seg in timeline.segments:
        groups = _group(_segment_words(seg), max_seconds, max_chars - len(seg.speaker) - 2)
        seg_end = seg.offset + seg.duration
        mine: list[Cue] = []
        for start, end, text in groups:
            if mine and start < mine[-1].end:
                start = mine[-1].end
            if cues and not mine and start < cues[-1].end:
                start = cues[-1].end
            end = min(max(end, start + 0.2), seg_end) if start < seg_end else start + 0.001
            mine.append(Cue(start, max(end, start + 0.001), seg.speaker, text))
        # Close short silences between a speaker's cues so captions do not flicker.
        for cur, nxt in zip(mine, mine[1:], strict=False):
            if nxt.start - cur.end < 1.0:
                cur.end = nxt.start
        cues.extend(mine)
    return cues


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(max(seconds, 0.0) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def cue_text(cue: Cue, width: int = 46) -> str:
    """``Speaker: text`` on at most two lines (a longer cue stays one line)."""
    line = f"{cue.speaker}: {cue.text}"
    lines = textwrap.wrap(line, width=width)
    return "\n".join(lines) if len(lines) == 2 else line


def _vtt_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: list[Cue]) -> str:
    lines = ["WEBVTT", ""]
    for number, cue in enumerate(cues, start=1):
        lines += [
            str(number),
            f"{_stamp(cue.start, '.')} --> {_stamp(cue.end, '.')}",
            _vtt_text(cue_text(cue)),
            "",
        ]
    return "\n".join(lines)


def to_srt(cues: list[Cue]) -> str:
    lines = []
    for number, cue in enumerate(cues, start=1):
        text = cue_text(cue).replace("-->", "->")
        lines += [str(number), f"{_stamp(cue.start, ',')} --> {_stamp(cue.end, ',')}", text, ""]
    return "\n".join(lines)


def spoken_at(answer: Answer) -> float:
    """When the candidate began speaking, in seconds since the session start."""
    return answer.t + (answer.words[0].start if answer.words else answer.speech_start)


def _md(text: str) -> str:
    return _clean(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


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
    from voiceinterviewer.scoring.report import read_session_text
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
