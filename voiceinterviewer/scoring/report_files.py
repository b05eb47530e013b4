"""Reading and writing ``report.json``, with versions.

Versions: ``report.json`` in the session folder is always the latest. Before
it is replaced, the previous one is copied to ``reports/report-vN.json``
(N = its own version) and only then is the new file moved into place, so a
crash at any point leaves a complete ``report.json``. A new report's version
is one more than the highest version seen in ``report.json`` and ``reports/``,
claimed under the session's lock, so commands scoring the same session at
once each write a version of their own (and an archive name is only ever
created, never replaced). Files are read only if they are regular files (a
FIFO named report.json never hangs a reader) and never through a link; a
symbolic link in place of ``reports/`` is refused. Files are written 0600 and
folders 0700: a transcript is personal.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from voiceinterviewer.errors import UserError
from voiceinterviewer.files import describe, read_text
from voiceinterviewer.scoring.report import ARCHIVE_DIR, REPORT_NAME, Report
from voiceinterviewer.session.lock import session_lock
from voiceinterviewer.session.store import session_subfolder

_ARCHIVE_RE = re.compile(r"^report-v(\d+)\.json$")
MAX_REPORT_BYTES = 64 * 1024 * 1024  # a report.json larger than this is damaged


def read_session_text(path: str | os.PathLike) -> str:
    """A text file the session wrote (report.json, transcript.md, an archived version).

    Only a regular file is read, never through a symbolic link, and never a
    FIFO or device (which would hang the reader): anything else is an OSError.
    """
    return read_text(path, MAX_REPORT_BYTES, follow_links=False, errors="replace")


def load_report(path: str | os.PathLike) -> Report:
    """Read a report file; a bad or foreign file is a one-line UserError."""
    p = Path(path)
    try:
        data = json.loads(read_text(p, MAX_REPORT_BYTES, follow_links=False))
    except FileNotFoundError:
        raise UserError(f"no report at {p} (run `voiceinterviewer score`)") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UserError(f"cannot read report {p}: {describe(exc)}") from None
    return Report.from_dict(data)


def write_private_text(path: str | os.PathLike, text: str, exclusive: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically with mode 0600.

    With ``exclusive`` an existing ``path`` is never replaced: FileExistsError
    is raised instead (the file name is claimed as with ``O_CREAT|O_EXCL``).
    """
    p = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            if exclusive:
                os.link(tmp, p)  # fails if the name exists; the name appears complete
                os.unlink(tmp)
            else:
                os.replace(tmp, p)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except FileExistsError:
        raise
    except OSError as exc:
        raise UserError(f"cannot write {p}: {exc.strerror}", 1) from None
    return p


def report_versions(session_folder: str | os.PathLike) -> list[int]:
    """Versions of the archived reports under ``reports/``, ascending."""
    folder = Path(session_folder) / ARCHIVE_DIR
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = _ARCHIVE_RE.match(p.name)
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def _version_of(text: str) -> int | None:
    """The version written in a report's text, or None if it has none readable."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > 0:
        return version
    return None


def _same_text(path: Path, text: str) -> bool:
    try:
        return read_session_text(path) == text
    except OSError:
        return False


def write_report(session_folder: str | os.PathLike, report: Report) -> Path:
    """Write ``report`` as the folder's report.json, archiving the previous one first.

    Sets ``report.version`` (and ``created_at`` if empty) and returns the path.
    The version is claimed under the session's lock
    (:func:`~voiceinterviewer.session.lock.session_lock`), so reports written
    at the same moment by several commands each get a number of their own and
    none is lost.
    """
    folder = Path(session_folder)
    if not folder.is_dir():
        raise UserError(f"no such session folder: {folder}")
    with session_lock(folder):
        return _write_report(folder, report)


def _write_report(folder: Path, report: Report) -> Path:
    target = folder / REPORT_NAME
    archived = report_versions(folder)
    highest = max(archived, default=0)
    if target.exists() or target.is_symlink():
        try:
            previous = read_session_text(target)
        except OSError as exc:
            raise UserError(f"cannot read {target}: {describe(exc)}", 1) from None
        current = _version_of(previous)
        archive_dir = folder / ARCHIVE_DIR
        if current is not None and current in archived:
            if _same_text(archive_dir / f"report-v{current}.json", previous):
                current = 0  # already archived (an earlier write stopped before the swap)
            else:
                current = None
        if current is None:
            # Unreadable or clashing: archive it under a fresh number rather than lose it.
            current = highest + 1
        if current:
            directory = session_subfolder(folder, ARCHIVE_DIR)
            while True:
                try:
                    write_private_text(
                        directory / f"report-v{current}.json", previous, exclusive=True
                    )
                    break
                except FileExistsError:  # taken by a writer that holds no lock
                    current = max(highest, current) + 1
            highest = max(highest, current)
    report.version = highest + 1
    if not report.created_at:
        from datetime import datetime, timezone

        report.created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    return write_private_text(target, text)
