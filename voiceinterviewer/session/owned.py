"""The files a session owns, and where a command may write a file the person named.

``export -o FILE`` and ``progress --html FILE`` write where they are told.
:func:`check_output` is the one check both make first, so neither can destroy
a recording:

- a path naming a file a session owns (its journal, its WAVs and mic.wav, report.json,
  report.html, transcript.md, anything under reports/ or transcripts/) is
  refused, even with ``--force``: the session would be damaged or a kept
  version lost without being archived;
- any other existing file is replaced only with ``--force``;
- a folder, or a path in a folder that does not exist, is refused.

The command's own default target (``interview.wav`` in the session,
``progress.html`` in the recordings folder) is what the command always
rewrites, so it is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

from voiceinterviewer.errors import UserError
from voiceinterviewer.session.journal import JOURNAL_NAME

OWNED_NAMES = frozenset(
    {JOURNAL_NAME, "report.json", "report.html", "transcript.md", "interview.wav", "mic.wav"}
)
OWNED_FOLDERS = frozenset({"reports", "transcripts"})
_TURN_AUDIO = re.compile(r"^turn-\d+-(?:interviewer|candidate)\.wav$")


def _is_session(folder: Path) -> bool:
    journal = folder / JOURNAL_NAME
    return journal.exists() or journal.is_symlink()


def owning_session(path: Path) -> Path | None:
    """The session folder whose own file ``path`` names, or None."""
    name, parent = path.name, path.parent
    if _is_session(parent) and (name in OWNED_NAMES or _TURN_AUDIO.match(name)):
        return parent
    if parent.name in OWNED_FOLDERS and _is_session(parent.parent):
        return parent.parent
    return None


def _places(path: Path) -> list[Path]:
    """Where writing ``path`` could land: as named (folders resolved) and, if a link, its target."""
    named = path.parent.resolve() / path.name
    places = [named]
    if named.is_symlink():
        places.append(named.resolve())
    return places


def check_output(path: Path, force: bool = False, default: Path | None = None) -> Path:
    """``path`` if a command may write it, else a one-line :class:`UserError` (exit 2)."""
    if default is not None and _places(path)[0] == _places(default)[0]:
        return path
    if not str(path).strip():
        raise UserError("the output file name is empty")
    if path.is_dir():
        raise UserError(f"the output must name a file, not a folder: {path}")
    if not path.parent.is_dir():
        raise UserError(f"no such folder for the output file: {path.parent}")
    for place in _places(path):
        session = owning_session(place)
        if session is not None:
            raise UserError(
                f"refusing to write over {place.name} of the session {session.name}: "
                "choose a file outside it"
            )
    if (path.exists() or path.is_symlink()) and not force:
        raise UserError(f"{path} exists; use --force to replace it")
    return path
