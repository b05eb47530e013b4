"""Session folders under the recordings root: creating them privately and finding them safely.

A session is a folder ``<root>/<id>/`` holding ``session.jsonl`` and its WAVs.
Ids are ``YYYYMMDD-HHMMSS-xxxx``. A reference given by a person is either a
path to such a folder or an id under the root; ids that would leave the root
(``..``, separators, absolute paths) are refused.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from voiceinterviewer.errors import UserError
from voiceinterviewer.home import ensure_private_dir
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
            return ensure_private_dir(folder)
    except OSError as exc:
        raise UserError(f"cannot create a session folder under {root}: {exc.strerror}", 1) from None
    raise UserError(f"cannot create a unique session folder under {root}", 1)


def is_session_dir(path: Path) -> bool:
    return (path / JOURNAL_NAME).is_file()


def resolve_session(ref: str, root: str | os.PathLike) -> Path:
    """Turn an id or a path into a session folder, or raise a one-line error."""
    root = Path(root)
    candidate = Path(ref)
    if candidate.is_dir():
        if is_session_dir(candidate):
            return candidate
        raise UserError(f"not a session folder (no {JOURNAL_NAME}): {candidate}")
    looks_like_path = os.sep in ref or "/" in ref or ref in (".", "..") or ref.startswith("~")
    if looks_like_path or candidate.is_absolute():
        if ".." in candidate.parts and not candidate.exists():
            raise UserError(f"refusing a session id that leaves the recordings folder: {ref}")
        raise UserError(f"no such session folder: {ref}")
    if ref.startswith("."):
        raise UserError(f"refusing a session id that leaves the recordings folder: {ref}")
    folder = root / ref
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:
        raise UserError(f"refusing a session id that leaves the recordings folder: {ref}") from None
    if is_session_dir(folder):
        return folder
    matches = sorted(p for p in root.glob(f"{ref}*") if is_session_dir(p)) if root.is_dir() else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UserError(
            f"session id {ref!r} is ambiguous: {', '.join(p.name for p in matches[:5])}"
        )
    raise UserError(f"unknown session: {ref} (see `voiceinterviewer sessions`)")


def list_session_dirs(root: str | os.PathLike) -> list[Path]:
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and is_session_dir(p))
