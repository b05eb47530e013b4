"""A SQLite index of recorded sessions, so listing and progress stay fast with hundreds of them.

Design: the session folders are the source of truth; the index is a cache
that can be deleted at any time. Each row remembers a *signature* of its
folder: the modification time (ns) and size of ``session.jsonl`` and of
``report.json``. :meth:`SessionIndex.refresh` scans the recordings root
(one ``stat`` of each of the two files per folder), re-reads only the folders
that are new or whose signature changed, and drops rows whose folder is gone.
A missing index is simply a cache where every folder is new; an index file
that SQLite cannot read is deleted and built again.

The index lives in the app home (:func:`voiceinterviewer.home.index_path`),
which is created ``0700``; the database file is created ``0600`` before SQLite
opens it (SQLite gives its journal files the database's permissions). One
index serves every recordings root: each row records the root it was found
under, and its absolute folder path is the key.

Schema changes are named migrations in
:mod:`voiceinterviewer.session.index_migrations`.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceinterviewer.errors import UserError
from voiceinterviewer.home import ensure_private_dir, index_path
from voiceinterviewer.scoring.report import DIMENSIONS, REPORT_NAME
from voiceinterviewer.scoring.report_files import read_session_text
from voiceinterviewer.session.index_migrations import migrate, transaction
from voiceinterviewer.session.journal import JOURNAL_NAME


@dataclass
class IndexedSession:
    """One session as the index knows it (everything needed to list it or chart it)."""

    id: str
    path: Path
    started_at: str = ""
    track: str = ""
    level_target: str = ""
    level_verdict: str | None = None  # None until the session has a report
    scores: dict[str, int | None] = field(default_factory=dict)  # by DIMENSIONS
    wpm: float | None = None
    fillers_per_min: float | None = None
    duration: float = 0.0
    turns: int = 0
    signal: str | None = None
    ladder_label: str | None = None
    report_version: int | None = None
    problem: str | None = None

    @property
    def scored(self) -> bool:
        return any(v is not None for v in self.scores.values())


@dataclass
class RefreshStats:
    read: int = 0  # folders (re-)read because they were new or changed
    removed: int = 0
    unchanged: int = 0


def _stat_sig(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "-"
    return f"{st.st_mtime_ns}:{st.st_size}"


def folder_signature(folder: str | os.PathLike) -> str | None:
    """``journal mtime:size|report mtime:size``, or None when the folder is not a session."""
    folder = os.fspath(folder)
    journal = _stat_sig(os.path.join(folder, JOURNAL_NAME))
    if journal == "-":
        return None
    return f"{journal}|{_stat_sig(os.path.join(folder, REPORT_NAME))}"


def _num(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float
            return None
        return number if math.isfinite(number) else None
    return None


def _score(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("score")
    number = _num(value)
    return int(round(number)) if number is not None and 0 <= number <= 10 else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def read_report(folder: Path) -> dict[str, Any] | None:
    """The folder's report.json as a dict; None when absent; UserError when unreadable."""
    path = folder / REPORT_NAME
    try:
        data = json.loads(read_session_text(path))  # never blocks on a FIFO, never follows a link
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError):
        raise UserError(f"unreadable report: {path}") from None
    if not isinstance(data, dict):
        raise UserError(f"unreadable report: {path}")
    return data


def summarize_folder(folder: Path) -> IndexedSession:
    """Read one session folder into an :class:`IndexedSession` (never raises for bad content)."""
    from voiceinterviewer.session.record import load_session

    row = IndexedSession(id=folder.name, path=folder)
    try:
        record = load_session(folder)
    except UserError as exc:
        row.problem = str(exc)
        return row
    row.id = record.id
    row.started_at = record.started_at
    row.track = str(record.settings.get("track") or "")
    row.level_target = str(record.settings.get("level") or "")
    row.duration = round(record.duration, 3)
    row.turns = len(record.turns)
    try:
        report = read_report(folder)
    except UserError as exc:
        row.problem = str(exc)
        report = None
    if report is not None:
        dims = report.get("dimensions") if isinstance(report.get("dimensions"), dict) else {}
        row.scores = {name: _score(dims.get(name)) for name in DIMENSIONS}
        overall = report.get("overall") if isinstance(report.get("overall"), dict) else {}
        row.level_verdict = _text(overall.get("level"))
        row.signal = _text(overall.get("signal"))
        row.ladder_label = _text(overall.get("ladder_label"))
        row.level_target = row.level_target or (_text(overall.get("target_level")) or "")
        delivery = report.get("delivery") if isinstance(report.get("delivery"), dict) else {}
        row.wpm = _num(delivery.get("wpm"))
        row.fillers_per_min = _num(delivery.get("fillers_per_min"))
        version = _num(report.get("version"))
        row.report_version = int(version) if version is not None and 0 <= version < 1e9 else None
    return row


COLUMNS = (
    "path", "root", "id", "started_at", "track", "level_target", "level_verdict",
    *DIMENSIONS, "duration", "turns", "signature", "problem",
    "wpm", "fillers_per_min", "signal", "ladder_label", "report_version",
)  # fmt: skip


def _to_db(row: IndexedSession, root: str, signature: str) -> tuple[Any, ...]:
    values = {
        "path": str(row.path),
        "root": root,
        "id": row.id,
        "started_at": row.started_at,
        "track": row.track,
        "level_target": row.level_target,
        "level_verdict": row.level_verdict,
        "duration": row.duration,
        "turns": row.turns,
        "signature": signature,
        "problem": row.problem,
        "wpm": row.wpm,
        "fillers_per_min": row.fillers_per_min,
        "signal": row.signal,
        "ladder_label": row.ladder_label,
        "report_version": row.report_version,
    }
    values.update({name: row.scores.get(name) for name in DIMENSIONS})
    return tuple(values[c] for c in COLUMNS)


class BadRow(ValueError):
    """A row whose values do not have the types the index writes (a damaged cache)."""


def _col(value: Any, kind: type, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BadRow(f"{value!r} is not {kind.__name__}")
    if kind is float and not math.isfinite(value):
        raise BadRow(f"{value!r} is not finite")
    return value


def _score_col(value: Any) -> int | None:
    return _col(value, int, optional=True)


def _from_db(r: sqlite3.Row) -> IndexedSession:
    """A row as an :class:`IndexedSession`; :class:`BadRow` when a value has the wrong type."""
    return IndexedSession(
        id=_col(r["id"], str),
        path=Path(_col(r["path"], str)),
        started_at=_col(r["started_at"], str),
        track=_col(r["track"], str),
        level_target=_col(r["level_target"], str),
        level_verdict=_col(r["level_verdict"], str, optional=True),
        scores={name: _score_col(r[name]) for name in DIMENSIONS},
        wpm=_col(r["wpm"], float, optional=True),
        fillers_per_min=_col(r["fillers_per_min"], float, optional=True),
        duration=_col(r["duration"], float),
        turns=_col(r["turns"], int),
        signal=_col(r["signal"], str, optional=True),
        ladder_label=_col(r["ladder_label"], str, optional=True),
        report_version=_col(r["report_version"], int, optional=True),
        problem=_col(r["problem"], str, optional=True),
    )


def _scan(root: Path) -> dict[str, str]:
    """Absolute folder path -> signature, for every session folder directly under ``root``."""
    found: dict[str, str] = {}
    try:
        entries = list(os.scandir(root))
    except (FileNotFoundError, NotADirectoryError):
        return found
    except OSError as exc:
        raise UserError(f"cannot read the recordings folder {root}: {exc.strerror}") from None
    real_root = os.path.realpath(root)
    for entry in entries:
        try:
            if not entry.is_dir():
                continue
            target = os.path.realpath(entry.path)
            if entry.is_symlink() and not target.startswith(real_root + os.sep):
                continue  # a link out of the recordings folder is not one of its sessions
        except OSError:
            continue
        signature = folder_signature(entry.path)
        if signature is not None:
            found[os.path.join(str(root), entry.name)] = signature
    return found


class SessionIndex:
    """The index database; use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else index_path()
        self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        try:
            ensure_private_dir(self.path.parent)
            self._create()
        except OSError as exc:
            raise UserError(
                f"cannot create the session index {self.path}: {exc.strerror}", 1
            ) from None
        for attempt in (1, 2):
            try:
                db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            except sqlite3.Error as exc:
                raise UserError(f"cannot open the session index {self.path}: {exc}", 1) from None
            db.row_factory = sqlite3.Row
            try:
                migrate(db)
                return db
            except sqlite3.OperationalError as exc:  # locked, read-only, disk full: not corruption
                db.close()
                raise UserError(f"cannot use the session index {self.path}: {exc}", 1) from None
            except sqlite3.DatabaseError:
                db.close()
                if attempt == 2:
                    raise UserError(
                        f"cannot use the session index {self.path}; delete it to rebuild", 1
                    ) from None
                # A cache that SQLite cannot read is rebuilt from the folders.
                try:
                    self.path.unlink(missing_ok=True)
                    self._create()
                except OSError as exc:
                    raise UserError(
                        f"cannot rebuild the session index {self.path}: {exc.strerror}", 1
                    ) from None
        raise AssertionError("unreachable")

    def _create(self) -> None:
        """Create the database file 0600, or check that the existing one is a plain file.

        Only a file made here has its mode set; a symbolic link or anything
        that is not a regular file is not the index, and is left alone (the
        caller then reads the folders directly).
        """
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o600)
        except FileExistsError:
            mode = os.lstat(self.path).st_mode
            if not stat.S_ISREG(mode):
                raise UserError(
                    f"the session index {self.path} is not a regular file; leaving it alone", 1
                ) from None
            return
        try:
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)

    def refresh(self, root: str | os.PathLike) -> RefreshStats:
        """Bring the rows for ``root`` in line with its session folders."""
        root_path = Path(root).resolve()
        root_key = str(root_path)
        current = _scan(root_path)
        stored = dict(
            self.db.execute(
                "SELECT path, signature FROM sessions WHERE root = ?", (root_key,)
            ).fetchall()
        )
        stale = [p for p, sig in current.items() if stored.get(p) != sig]
        removed = [p for p in stored if p not in current]
        rows = [_to_db(summarize_folder(Path(p)), root_key, current[p]) for p in sorted(stale)]
        if rows or removed:
            placeholders = ", ".join("?" for _ in COLUMNS)
            with transaction(self.db):
                self.db.executemany(
                    f"INSERT OR REPLACE INTO sessions ({', '.join(COLUMNS)}) VALUES ({placeholders})",
                    rows,
                )
                self.db.executemany("DELETE FROM sessions WHERE path = ?", [(p,) for p in removed])
        return RefreshStats(
            read=len(rows), removed=len(removed), unchanged=len(current) - len(rows)
        )

    def sessions(self, root: str | os.PathLike) -> list[IndexedSession]:
        """Rows for ``root``, oldest first (by start time, then id); rows with no start time last."""
        root_key = str(Path(root).resolve())
        for attempt in (1, 2):
            rows, bad = [], []
            cursor = self.db.execute(
                "SELECT rowid, * FROM sessions WHERE root = ?"
                " ORDER BY started_at = '', started_at, id",
                (root_key,),
            )
            for r in cursor.fetchall():
                try:
                    rows.append(_from_db(r))
                except BadRow:
                    bad.append((r["rowid"],))
            if not bad or attempt == 2:
                return rows  # a row still unreadable after a rebuild is skipped
            # The index is a cache: rows it cannot read are dropped and read again from
            # their folders (a folder that is gone simply stays out).
            with transaction(self.db):
                self.db.executemany("DELETE FROM sessions WHERE rowid = ?", bad)
            self.refresh(root)
        return rows

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SessionIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def indexed_sessions(root: str | os.PathLike) -> list[IndexedSession]:
    """Refresh the index for ``root`` and return its sessions, oldest first.

    The index is only a cache: when it cannot be written (a full disk, a
    read-only home) the folders are read directly instead.
    """
    try:
        with SessionIndex() as index:
            index.refresh(root)
            return index.sessions(root)
    except (UserError, sqlite3.Error):
        return scan_sessions(root)


def scan_sessions(root: str | os.PathLike) -> list[IndexedSession]:
    """Every session under ``root`` read from its folder, in the index's order."""
    rows = [summarize_folder(Path(p)) for p in sorted(_scan(Path(root).resolve()))]
    return sorted(rows, key=lambda r: (r.started_at == "", r.started_at, r.id))
