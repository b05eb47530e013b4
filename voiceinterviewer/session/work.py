"""Background work the session is waiting on, counted so a scripted clock can wait for it.

Transcription, planning a reply and synthesising speech run in worker
threads while the session keeps listening. On a microphone, time does not
wait for them. In a scripted interview the clock is the script, and it waits
for :meth:`Pending.wait` before each block: every result is then ready at
the same audio time on a fast or a slow machine, so a scripted run (the demo,
the tests) makes the same decisions everywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class Pending:
    def __init__(self) -> None:
        self._count = 0
        self._cv = threading.Condition()

    def _add(self, n: int) -> None:
        with self._cv:
            self._count += n
            if self._count <= 0:
                self._count = 0
                self._cv.notify_all()

    def submit(self, pool: ThreadPoolExecutor, fn: Callable[[], T]) -> Future:
        """Run ``fn`` on ``pool``, counted as pending from now until it has finished."""
        self._add(1)
        try:
            future = pool.submit(fn)
        except BaseException:
            self._add(-1)
            raise
        future.add_done_callback(lambda _f: self._add(-1))
        return future

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Count the enclosed work (in any thread) as pending."""
        self._add(1)
        try:
            yield
        finally:
            self._add(-1)

    @property
    def busy(self) -> bool:
        return self._count > 0

    def wait(self) -> None:
        with self._cv:
            while self._count > 0:
                self._cv.wait(timeout=0.5)


class NothingPending(Pending):
    """For a microphone: time moves on whatever is pending, so nothing waits."""

    def wait(self) -> None:
        return None
