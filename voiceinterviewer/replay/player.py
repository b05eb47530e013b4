"""Replaying a recorded interview: each turn's interviewer clip, then the candidate's, in order.

Each line of the transcript is printed as its clip starts, stamped with the
time it was said in the session (``[mm:ss] Interviewer: ...`` /
``[mm:ss] You: ...``). Audio goes through the :class:`AudioSink` seam, so the
command plugs in the real speaker and tests plug in a recorder; with no sink
the transcript is printed alone. A clip that is missing or unreadable costs a
one-line note, never the replay.

Pausing: where stdin is a terminal, :class:`KeyPause` reads keys on a small
thread (the terminal in cbreak mode, restored on exit); Space or Enter
toggles pause, which takes effect at the next clip boundary. Elsewhere it
does nothing.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from voiceinterviewer.errors import UserError
from voiceinterviewer.replay.export import CANDIDATE, INTERVIEWER, mmss, spoken_at
from voiceinterviewer.replay.notes import question_text
from voiceinterviewer.session.record import SessionRecord

if TYPE_CHECKING:
    from voiceinterviewer.audio.clip import Clip


class AudioSink(Protocol):
    def play(self, clip: Clip) -> object:
        """Play ``clip`` to the end (blocking); any return value is ignored."""
        ...


class Pause(Protocol):
    def wait(self) -> None:
        """Return when playback may go on (at once unless paused)."""
        ...


class NoPause:
    def wait(self) -> None:
        return None


@dataclass
class ReplayItem:
    turn: int
    speaker: str  # INTERVIEWER or CANDIDATE
    t: float  # seconds since the session start when it was said
    text: str
    audio: Path | None


@dataclass
class ReplayResult:
    lines: int = 0
    played: int = 0
    missing: list[str] = field(default_factory=list)


def replay_items(record: SessionRecord, turn: int | None = None) -> list[ReplayItem]:
    """The lines to replay, in order; ``turn`` keeps only that turn (UserError if absent)."""
    turns = record.turns
    if turn is not None:
        turns = [t for t in record.turns if t.index == turn]
        if not turns:
            have = (
                f"turns {record.turns[0].index}-{record.turns[-1].index}"
                if record.turns
                else "no turns"
            )
            raise UserError(f"session {record.id} has no turn {turn} ({have})")
    items = []
    for t in turns:
        q = t.question
        items.append(
            ReplayItem(
                t.index,
                INTERVIEWER,
                q.t,
                question_text(q),
                record.path / q.audio if q.audio else None,
            )
        )
        if t.answer is not None:
            a = t.answer
            when = spoken_at(a)
            items.append(
                ReplayItem(
                    t.index, CANDIDATE, when, a.text, record.path / a.audio if a.audio else None
                )
            )
        for cut in t.cut_replies:  # the reply the candidate talked over, as it was heard
            audio = record.path / cut.audio if cut.audio else None
            items.append(ReplayItem(t.index, INTERVIEWER, cut.t, question_text_cut(cut), audio))
    return items


def question_text_cut(cut) -> str:
    return f"{cut.text.strip() or '…'} [cut off: you went on]"


def _line(item: ReplayItem) -> str:
    text = " ".join(item.text.split()) or "(no words recognised)"
    return f"[{mmss(item.t)}] {item.speaker}: {text}"


def replay(
    record: SessionRecord,
    out: TextIO,
    sink: AudioSink | None = None,
    turn: int | None = None,
    pause: Pause | None = None,
) -> ReplayResult:
    """Print (and, with a sink, play) the session's turns in order."""
    from voiceinterviewer.audio.wavfile import read_audio

    pause = pause or NoPause()
    result = ReplayResult()
    for item in replay_items(record, turn):
        pause.wait()
        print(_line(item), file=out, flush=True)
        result.lines += 1
        if sink is None:
            continue
        if item.audio is None:
            note = "no audio was recorded"
        else:
            try:
                clip = read_audio(item.audio)
            except UserError as exc:
                note = str(exc)
            else:
                sink.play(clip)
                result.played += 1
                continue
        print(f"  (audio unavailable: {note})", file=out, flush=True)
        result.missing.append(f"turn {item.turn} {item.speaker.lower()}")
    return result


class KeyPause:
    """Space or Enter toggles pause while a terminal is attached; a no-op otherwise.

    Use as a context manager: entering puts the terminal in cbreak mode and
    starts the key reader; leaving stops it and restores the terminal.
    """

    KEYS = (b" ", b"\n", b"\r")

    def __init__(self, stream: TextIO | None = None, out: TextIO | None = None):
        self.stream = stream if stream is not None else sys.stdin
        self.out = out if out is not None else sys.stdout
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._saved: list | None = None
        self._fd = -1
        try:
            self.enabled = self.stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def toggle(self) -> None:
        if self._running.is_set():
            self._running.clear()
            print("  -- paused (Space or Enter resumes) --", file=self.out, flush=True)
        else:
            self._running.set()

    def wait(self) -> None:
        while not self._running.wait(timeout=0.2):
            if self._stop.is_set():
                return

    def __enter__(self) -> KeyPause:
        if not self.enabled:
            return self
        try:
            import termios
            import tty

            self._fd = self.stream.fileno()
            self._saved = termios.tcgetattr(self._fd)
            tty.setcbreak(self._fd)
        except (ImportError, OSError, ValueError):
            self.enabled = False
            return self
        self._thread = threading.Thread(target=self._read_keys, name="replay-keys", daemon=True)
        self._thread.start()
        return self

    def _read_keys(self) -> None:
        import select

        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._fd], [], [], 0.1)
                if not ready:
                    continue
                key = os.read(self._fd, 1)
            except (OSError, ValueError):
                return
            if not key:
                return
            if key in self.KEYS:
                self.toggle()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._running.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        if self._saved is not None:
            import termios

            try:
                termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
            except (OSError, termios.error):
                pass
