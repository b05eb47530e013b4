"""Reading files the program did not write just now: session files and prompts, safely.

Every reader of a session's files (``report.json``, ``transcript.md``,
``reports/*``, journals) and of ``prompts/`` goes through here, so none of
them can hang or blow up on what a person (or a crash) left in their place:

- :func:`open_regular` opens without blocking (``O_NONBLOCK``) and checks
  with ``fstat`` that it got a regular file, so a FIFO, a device or a socket
  named ``report.json`` is refused at once instead of hanging the reader;
- :func:`read_bytes` and :func:`read_text` never read past a size limit;
- :func:`read_toml` turns TOML nested so deeply that the parser recurses out
  of stack into an ordinary :class:`ValueError`.

Failures are :class:`OSError` (a missing file, a folder, :class:`NotRegularFile`,
:class:`FileTooLarge`), :class:`UnicodeDecodeError` or :class:`ValueError`
(bad TOML), so callers map them by type to their own one-line message.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
MAX_PROMPT_BYTES = 4_000_000  # a prompts file larger than this is not one anybody wrote


class NotRegularFile(OSError):
    """The path names a FIFO, a device, a socket (or, when links are refused, a link)."""

    def __init__(self, path: str | os.PathLike):
        super().__init__(errno.EINVAL, "not a regular file", os.fspath(path))


class FileTooLarge(OSError):
    """The file is larger than the reader's limit."""

    def __init__(self, path: str | os.PathLike, limit: int):
        super().__init__(errno.EFBIG, f"larger than {_size(limit)}", os.fspath(path))


def _size(limit: int) -> str:
    return f"{limit >> 20} MB" if limit >= 1 << 20 else f"{limit // 1000} kB"


@contextmanager
def open_regular(path: str | os.PathLike, follow_links: bool = True) -> Iterator[BinaryIO | None]:
    """Open ``path`` for reading if it is a regular file, else yield None.

    Opened without blocking first, so a FIFO or a device never hangs the
    reader. With ``follow_links=False`` a symbolic link is not followed and
    counts as not regular.
    """
    flags = os.O_RDONLY | _NONBLOCK | (0 if follow_links else _NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_links and exc.errno == errno.ELOOP:
            yield None
            return
        raise
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        f = os.fdopen(fd, "rb") if regular else None
    except BaseException:
        os.close(fd)
        raise
    if f is None:
        os.close(fd)
        yield None
        return
    with f:
        yield f


def read_bytes(path: str | os.PathLike, limit: int, follow_links: bool = True) -> bytes:
    """The whole file, if it is a regular file of at most ``limit`` bytes; else OSError."""
    with open_regular(path, follow_links) as f:
        if f is None:
            raise NotRegularFile(path)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(path, limit)
    return data


def read_text(
    path: str | os.PathLike, limit: int, follow_links: bool = True, errors: str = "strict"
) -> str:
    """The file as UTF-8 text (see :func:`read_bytes`); UnicodeDecodeError if it is not."""
    return read_bytes(path, limit, follow_links).decode("utf-8", errors)


class TomlTooDeep(ValueError):
    """TOML whose arrays or tables nest too deeply to parse."""


def read_toml(path: str | os.PathLike, limit: int = MAX_PROMPT_BYTES) -> dict[str, Any]:
    """A TOML file as a dict; OSError, UnicodeDecodeError or ValueError (TOMLDecodeError, TomlTooDeep)."""
    text = read_text(path, limit)
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise TomlTooDeep("values nested too deeply") from None


def describe(exc: BaseException) -> str:
    """A few words for why a file could not be read (for one-line messages)."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "a folder, not a file"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, tomllib.TOMLDecodeError):
        return str(exc).splitlines()[0] if str(exc) else "not valid TOML"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


__all__ = [
    "FileTooLarge",
    "NotRegularFile",
    "TomlTooDeep",
    "describe",
    "open_regular",
    "read_bytes",
    "read_text",
    "read_toml",
]
