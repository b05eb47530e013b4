"""Session folders under the recordings root: creating them privately and finding them safely.

A session is a folder ``<root>/<id>/`` holding ``session.jsonl`` and its WAVs.
Ids are ``YYYYMMDD-HHMMSS-xxxx``. A reference given by a person is either a
path to such a folder or an id under the root. Nothing that would lead a
command to write outside the session it names is accepted: ``..``, symbolic
links (given as a path, or inside the root pointing out of it) and paths to
folders that are not sessions are refused with one line.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from voiceinterviewer.errors import UserError
from voiceinterviewer.home import private_mode
from voiceinterviewer.session.journal import JOURNAL_NAME


def new_session_id(now: float | None = None) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now or time.time()))
    return f"{stamp}-{secrets.token_hex(2)}"


def create_session_dir(root: str | os.PathLike) -> Path:
    root = Path(root)
    try:
        os.umask(0o077)
        root.mkdir(parents=True, exist_ok=True)
        for _ in range(10):
            folder = root / new_session_id()
            try:
                folder.mkdir(mode=0o700)
            except FileExistsError:
                continue
            private_mode(folder, 0o700)  # made here, so its mode is ours to set
            return folder
    except OSError as exc:
        raise UserError(f"cannot create a session folder under {root}: {exc.strerror}", 1) from None
    raise UserError(f"cannot create a unique session folder under {root}", 1)


SUBFOLDERS = ("reports", "transcripts")  # the sub-folders a session's commands write into


def check_subfolders(folder: Path, names: tuple[str, ...] = SUBFOLDERS) -> None:
    """Refuse a session whose sub-folders are symbolic links or files (one line, exit 2).

    A link could lead out of the session, and a command would then write (and
    set modes) where the person never meant it to.
    """
    for name in names:
        path = folder / name
        if path.is_symlink():
            raise UserError(f"refusing {path}: it is a symbolic link, not a folder of the session")
        if path.exists() and not path.is_dir():
            raise UserError(f"cannot use {path}: it is in the way (expected a folder)")


def session_subfolder(folder: Path, name: str) -> Path:
    """``folder/name``, created 0700 if missing; a link or a file there is refused."""
    check_subfolders(folder, (name,))
    path = folder / name
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        check_subfolders(folder, (name,))  # made meanwhile: check what it is
        return path
    except OSError as exc:
        raise UserError(f"cannot create {path}: {exc.strerror or exc}", 1) from None
    private_mode(path, 0o700)
    return path


def is_session_dir(path: Path) -> bool:
    return (path / JOURNAL_NAME).is_file()


def _inside(path: Path, root: Path) -> bool:
    """True when ``path``, symbolic links followed, is ``root`` or below it."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _refuse(ref: str) -> UserError:
    return UserError(f"refusing a session id that leaves the recordings folder: {ref}")


def check_ref(ref: str) -> None:
    """Refuse an empty reference or one that climbs out of a folder with ``..``."""
    if not ref or "\x00" in ref:
        raise UserError("no session given (see `voiceinterviewer sessions`)")
    if ".." in Path(ref).parts:
        raise _refuse(ref)


def resolve_session(ref: str, root: str | os.PathLike) -> Path:
    """Turn an id or a path into a session folder, or raise a one-line error.

    A path (anything with a separator, or absolute) must name a real session
    folder, not a symbolic link, and may not use ``..``. An id (or a unique
    prefix of one) is looked up under ``root``; a match that is a symbolic
    link to somewhere outside the root is refused.
    """
    root = Path(root)
    check_ref(ref)
    candidate = Path(ref)
    looks_like_path = (
        os.sep in ref or "/" in ref or ref == "." or ref.startswith("~") or candidate.is_absolute()
    )
    if candidate.is_symlink() and (looks_like_path or candidate.is_dir()):
        raise UserError(f"refusing a session folder that is a symbolic link: {ref}")
    if candidate.is_dir():
        if is_session_dir(candidate):
            return candidate
        if looks_like_path:
            raise UserError(f"not a session folder (no {JOURNAL_NAME}): {candidate}")
    if looks_like_path:
        raise UserError(f"no such session folder: {ref}")
    if ref.startswith("."):
        raise _refuse(ref)
    folder = root / ref
    if folder.exists() or folder.is_symlink():
        if not _inside(folder, root):
            raise _refuse(ref)
        if is_session_dir(folder):
            return folder
    matches = [p for p in list_session_dirs(root) if p.name.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UserError(
            f"session id {ref!r} is ambiguous: {', '.join(p.name for p in matches[:5])}"
        )
    raise UserError(f"unknown session: {ref} (see `voiceinterviewer sessions`)")


def list_session_dirs(root: str | os.PathLike) -> list[Path]:
    """Session folders directly under ``root``; symbolic links that lead outside it are skipped."""
    root = Path(root)
    if not root.is_dir():
        return []
    try:
        entries = sorted(root.iterdir())
    except OSError as exc:
        raise UserError(f"cannot read the folder {root}: {exc.strerror or exc}") from None
    found = []
    for p in entries:
        try:
            if p.is_dir() and is_session_dir(p) and (not p.is_symlink() or _inside(p, root)):
                found.append(p)
        except OSError:
            continue
    return found


def expand_sessions(refs: list[str], root: str | os.PathLike) -> list[Path]:
    """Session folders for ``refs``: ids, session folders, or folders of sessions (deduplicated)."""
    found: list[Path] = []
    for ref in refs:
        check_ref(ref)
        path = Path(ref)
        if path.is_dir() and not is_session_dir(path):
            inside = list_session_dirs(path)
            if not inside:
                raise UserError(f"no sessions in {path}")
            found.extend(inside)
        else:
            found.append(resolve_session(ref, root))
    unique: dict[Path, Path] = {}
    for folder in found:
        unique.setdefault(folder.resolve(), folder)
    return list(unique.values())
