"""Captions of an exported session: speaker-labelled cues on the export timeline, as VTT or SRT.

Cues are speaker-labelled (``Interviewer:`` / ``You:``) and no longer than
:data:`MAX_CUE_SECONDS`. The candidate's lines are cut using the word timings
of the transcript; where there are none (the interviewer's lines, or an
answer without timings) the clip's span is shared among its words in
proportion to their length. Cuts prefer sentence ends. The timeline is
:func:`voiceinterviewer.replay.export.build_timeline`'s, so captions play in
step with the exported WAV.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.words import join_words, merge_words

if TYPE_CHECKING:
    from voiceinterviewer.replay.export import Segment, Timeline

MAX_CUE_SECONDS = 7.0
MAX_CUE_CHARS = 84  # two lines of 42, counting the speaker label


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
