"""The session journal: ``session.jsonl``, one JSON event per line, append-only.

Design: the journal is the source of truth for a session. Each event is
written and fsynced as it happens, so a crash loses at most the line being
written. Loading tolerates that: a torn or malformed line is skipped and
reported, never fatal, and the next append starts on a fresh line. A full
disk is a one-line :class:`UserError` (exit 1) that leaves every earlier line
intact. Files over 64 MB are refused rather than read into memory. The first event, ``session_started``, carries
``format``; older formats are brought up to date on load by the named
migrations in :mod:`voiceinterviewer.session.migrations`, so every reader sees
the current shape.

Event types (all carry ``type`` and ``t``, seconds since the session start):
``session_started``, ``mic_started`` (``mic.wav``, the whole microphone track,
begins), ``question`` (the interviewer spoke; ``interrupted`` with what was
played and the ``planned`` text when the candidate talked over it), ``answer``
(the candidate's transcribed answer; written again, ``resumed`` counting up,
when the candidate went on after the interviewer had taken the turn: the last
one of a turn is the answer), ``reply_cut`` (a reply stopped because the answer
went on, with what was played), ``barge_in`` (the candidate's voice over the
interviewer: paused and resumed, stopped, or its own echo; written once its words
are known, with ``heard_at``, the time the voice paused the interviewer, and
``behind_ms``, how long after its capture the block that paused it was read: a
busy machine's listener falls behind, and the candidate is talked over), ``aside``
(words said over the interviewer that did not stop it), ``error``, ``llm_fallback``,
``note``, ``audio_glitch`` (the speaker ran dry, the microphone dropped audio or
the echo's reference was re-paired: running totals), ``session_ended``,
``report_written``, ``transcribed`` (a re-transcription).
"""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceinterviewer.errors import UserError
from voiceinterviewer.files import open_regular
from voiceinterviewer.redaction import mentions_secret, redact_data

JOURNAL_NAME = "session.jsonl"
FORMAT_VERSION = 2


class Journal:
    """Appends events to a session's journal, thread-safe, durable per line.

    Lines are written with one ``os.write`` on an ``O_APPEND`` descriptor and
    fsynced. A journal whose last line was torn by a crash (or by a write that
    ran out of disk) gets a newline before the next event, so the fragment
    never swallows it.
    """

    def __init__(self, path: str | os.PathLike, t0: float | None = None):
        self.path = Path(path)
        self.t0 = time.monotonic() if t0 is None else t0
        self._lock = threading.Lock()
        try:
            self._fd: int | None = os.open(
                self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | _NOFOLLOW, 0o600
            )
            self._torn = _ends_torn(self._fd)
        except OSError as exc:
            raise write_error(self.path, exc, "the session journal") from None

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    def write(self, type_: str, **data: Any) -> dict[str, Any]:
        event = {"type": type_, "t": data.pop("t", self.now()), **data}
        line = json.dumps(event, ensure_ascii=False, default=_jsonable)
        if mentions_secret(line):  # no API key ever reaches the disk
            line = json.dumps(redact_data(json.loads(line)), ensure_ascii=False)
        line += "\n"
        with self._lock:
            if self._fd is None:
                return event
            payload = (b"\n" if self._torn else b"") + line.encode("utf-8")
            try:
                _write_all(self._fd, payload)
                self._torn = False
                os.fsync(self._fd)
            except OSError as exc:
                self._torn = True
                raise write_error(self.path, exc, "the session journal") from None
        return event

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                try:
                    os.close(self._fd)
                except OSError:
                    pass
                self._fd = None


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
MAX_JOURNAL_BYTES = 64 * 1024 * 1024  # far beyond any interview; larger files are refused


def _ends_torn(fd: int) -> bool:
    """True when the file is not empty and its last byte is not a newline."""
    size = os.fstat(fd).st_size
    if size == 0:
        return False
    return os.pread(fd, 1, size - 1) != b"\n"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_error(path: Path, exc: OSError, what: str) -> UserError:
    """A one-line error for a failed write; a full disk says so and that the rest is kept."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return UserError(
            f"the disk is full: stopped writing {what} {path}; everything written before is kept",
            1,
        )
    return UserError(f"cannot write {what} {path}: {exc.strerror or exc}", 1)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return str(value)


@dataclass
class LoadedJournal:
    events: list[dict[str, Any]]
    skipped_lines: list[int] = field(default_factory=list)
    format: int = FORMAT_VERSION
    migrations: list[str] = field(default_factory=list)


def load_journal(path: str | os.PathLike) -> LoadedJournal:
    """Read a journal, skipping torn/malformed lines, and migrate it to the current format."""
    from voiceinterviewer.session.migrations import migrate

    p = Path(path)
    try:
        with open_regular(p) as f:
            if f is None:
                raise UserError(f"not a session: {p} is not a regular file")
            raw = f.read(MAX_JOURNAL_BYTES + 1)
    except FileNotFoundError:
        raise UserError(f"not a session: {p.parent} has no {JOURNAL_NAME}") from None
    except IsADirectoryError:
        raise UserError(f"not a session: {p} is a folder") from None
    except OSError as exc:
        raise UserError(f"cannot read {p}: {exc.strerror or exc}") from None
    if len(raw) > MAX_JOURNAL_BYTES:
        raise UserError(f"not a session: {p} is larger than {MAX_JOURNAL_BYTES >> 20} MB")
    events: list[dict[str, Any]] = []
    skipped: list[int] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            # ValueError covers JSONDecodeError and integers too long to convert
            skipped.append(number)
            continue
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            skipped.append(number)
            continue
        events.append(event)
    if not events:
        raise UserError(f"not a session: {p} holds no readable events")
    try:
        events, fmt, applied = migrate(events)
    except (TypeError, ValueError, OverflowError, AttributeError, KeyError):
        raise UserError(f"not a readable session: {p} has malformed old-format events") from None
    return LoadedJournal(events=events, skipped_lines=skipped, format=fmt, migrations=applied)
