"""One writer at a time per session folder: an advisory lock on the folder itself.

Several commands may write the same session at once (``score`` run twice,
``transcribe`` while ``score`` runs). What they write is numbered (report
versions, kept transcripts), and a number must be claimed and written by one
of them alone, or two would both write "version 3" and one report would be
lost. :func:`session_lock` holds an exclusive ``flock`` on the session
folder's own descriptor while a command claims its number and writes, so no
file is added to the session. Readers never take it: every file is replaced
atomically, so a reader sees the old file or the new one.

Where the file system has no ``flock`` (some network mounts) the lock is a
no-op and the commands behave as before, one at a time being the person's
job there.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]

_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_UNSUPPORTED = (errno.ENOLCK, errno.EBADF, errno.EINVAL, errno.EOPNOTSUPP)


_held = threading.local()  # folders whose lock this thread holds: taking it again is a no-op


@contextmanager
def session_lock(folder: str | os.PathLike) -> Iterator[None]:
    """Hold the session folder's exclusive lock for the ``with`` block (waits for it).

    Re-entrant within a thread, so a writer that locks can call another that
    locks too; other threads and processes wait.
    """
    if fcntl is None:
        yield
        return
    fd = os.open(Path(folder), os.O_RDONLY | _DIRECTORY | _NOFOLLOW)
    st = os.fstat(fd)
    key = (st.st_dev, st.st_ino)
    held: set = _held.__dict__.setdefault("keys", set())
    if key in held:
        os.close(fd)
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            if exc.errno not in _UNSUPPORTED:
                raise
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
