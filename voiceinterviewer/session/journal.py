"""The session journal: ``session.jsonl``, one JSON event per line, append-only.

Design: the journal is the source of truth for a session. Each event is
written and flushed (and fsynced) as it happens, so a crash loses at most the
line being written. Loading tolerates that: a torn or malformed line is
skipped and reported, never fatal. The first event, ``session_started``, carries
``format``; older formats are brought up to date on load by the named
migrations in :mod:`voiceinterviewer.session.migrations`, so every reader sees
the current shape.

Event types (all carry ``type`` and ``t``, seconds since the session start):
``session_started``, ``question`` (the interviewer spoke), ``answer`` (the
candidate's transcribed answer), ``error``, ``llm_fallback``, ``note``,
``session_ended``, ``report_written``, ``transcribed`` (a re-transcription).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceinterviewer.errors import UserError

JOURNAL_NAME = "session.jsonl"
FORMAT_VERSION = 2


class Journal:
    """Appends events to a session's journal, thread-safe, durable per line."""

    def __init__(self, path: str | os.PathLike, t0: float | None = None):
        self.path = Path(path)
        self.t0 = time.monotonic() if t0 is None else t0
        self._lock = threading.Lock()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._f = os.fdopen(fd, "a", encoding="utf-8")

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    def write(self, type_: str, **data: Any) -> dict[str, Any]:
        event = {"type": type_, "t": data.pop("t", self.now()), **data}
        line = json.dumps(event, ensure_ascii=False, default=_jsonable) + "\n"
        with self._lock:
            if self._f is None:
                return event
            try:
                self._f.write(line)
                self._f.flush()
                os.fsync(self._f.fileno())
            except OSError as exc:
                raise UserError(
                    f"cannot write the session journal {self.path}: {exc.strerror}", 1
                ) from None
        return event

    def close(self) -> None:
        with self._lock:
            if self._f is not None:
                try:
                    self._f.close()
                except OSError:
                    pass
                self._f = None


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
        raw = p.read_bytes()
    except FileNotFoundError:
        raise UserError(f"not a session: {p.parent} has no {JOURNAL_NAME}") from None
    except OSError as exc:
        raise UserError(f"cannot read {p}: {exc.strerror}") from None
    events: list[dict[str, Any]] = []
    skipped: list[int] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            skipped.append(number)
            continue
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            skipped.append(number)
            continue
        events.append(event)
    if not events:
        raise UserError(f"not a session: {p} holds no readable events")
    events, fmt, applied = migrate(events)
    return LoadedJournal(events=events, skipped_lines=skipped, format=fmt, migrations=applied)
