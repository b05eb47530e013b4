"""Which questions were asked recently, so a new session can avoid repeating them.

The planner takes ``avoid_ids``; this module finds them by scanning the
``question`` events of session journals under the recordings root. It runs
before the first question is spoken, so it is cheap and never fails:

- folders are skipped by name when their ``YYYYMMDD-`` prefix is older than
  the window (else by the journal's modification time), and at most
  ``max_sessions`` of the newest are read;
- each journal is read up to ``max_bytes``, lines are filtered by a byte
  search before any JSON parsing, and torn or foreign lines are ignored;
- unreadable folders and files are skipped silently.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from voiceinterviewer.files import open_regular

JOURNAL_NAME = "session.jsonl"
_MAIN_KINDS = ("question", "greeting")


def _folder_time(entry: os.DirEntry) -> float | None:
    """Start time of a session folder from its name, else its journal's mtime; None if not a session."""
    name = entry.name
    if len(name) >= 15 and name[8] == "-":
        try:
            return datetime.strptime(name[:15], "%Y%m%d-%H%M%S").timestamp()
        except ValueError:
            pass
    try:
        return os.stat(os.path.join(entry.path, JOURNAL_NAME)).st_mtime
    except OSError:
        return None


def _question_ids(path: Path, max_bytes: int) -> list[str]:
    try:
        with open_regular(path) as f:  # a FIFO in a session folder must not hang the start
            raw = f.read(max_bytes) if f is not None else b""
    except OSError:
        return []
    ids: list[str] = []
    for line in raw.split(b"\n"):
        if b'"question"' not in line or b"question_id" not in line:
            continue
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(event, dict) or event.get("type") != "question":
            continue
        qid = event.get("question_id")
        kind = event.get("kind", "question")
        if isinstance(qid, str) and qid and kind in _MAIN_KINDS and qid not in ids:
            ids.append(qid)
    return ids


def recent_question_ids(
    recordings_root: str | os.PathLike,
    days: float = 14,
    now: float | None = None,
    max_sessions: int = 200,
    max_bytes: int = 4_000_000,
) -> list[str]:
    """Main question ids asked in sessions of the last ``days`` days, newest session first."""
    now = time.time() if now is None else now
    cutoff = now - timedelta(days=days).total_seconds()
    sessions: list[tuple[float, str]] = []
    try:
        with os.scandir(recordings_root) as entries:
            for entry in entries:
                try:
                    if not entry.is_dir():
                        continue
                except OSError:
                    continue
                started = _folder_time(entry)
                if started is not None and started >= cutoff:
                    sessions.append((started, entry.path))
    except OSError:
        return []
    sessions.sort(reverse=True)
    out: list[str] = []
    for _, folder in sessions[:max_sessions]:
        for qid in _question_ids(Path(folder) / JOURNAL_NAME, max_bytes):
            if qid not in out:
                out.append(qid)
    return out


__all__ = ["recent_question_ids"]
