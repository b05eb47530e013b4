"""Reading the TOML files under ``prompts/``: parsed once per change, errors in one line.

The rubric, the speech vocabulary and the stock phrases are read by parts
that run on every answer (the scorer, the transcriber), so each file is
parsed once and kept until its modification time or size changes. A
missing, unreadable or malformed file is a :class:`UserError` naming the
file, never a traceback.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from voiceinterviewer import files
from voiceinterviewer.errors import UserError

_CACHE: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}
_LOCK = threading.Lock()


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed file (shared: callers must not change it).

    Read through :func:`voiceinterviewer.files.read_toml`, so a FIFO, a huge
    file or TOML nested too deeply is refused in one line as well.
    """
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
        with _LOCK:
            cached = _CACHE.get(str(path))
        if cached and cached[0] == stamp:
            return cached[1]
        data = files.read_toml(path)
    except FileNotFoundError:
        raise UserError(f"missing prompts file {path}") from None
    except OSError as exc:
        raise UserError(f"cannot read prompts file {path}: {files.describe(exc)}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"bad prompts file {path}: {files.describe(exc)}") from None
    with _LOCK:
        _CACHE[str(path)] = (stamp, data)
    return data


def strings(data: dict[str, Any], key: str, path: Path, where: str = "") -> tuple[str, ...]:
    """``data[key]`` as a tuple of non-empty strings (missing: empty), or a one-line error."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        place = f"{where}.{key}" if where else key
        raise UserError(f"bad prompts file {path}: {place} must be a list of non-empty strings")
    return tuple(" ".join(v.split()) for v in value)


def table(data: dict[str, Any], key: str, path: Path, where: str = "") -> dict[str, Any]:
    """``data[key]`` as a table (missing: empty), or a one-line error."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        place = f"{where}.{key}" if where else key
        raise UserError(f"bad prompts file {path}: {place} must be a table")
    return value


__all__ = ["read_toml", "strings", "table"]
