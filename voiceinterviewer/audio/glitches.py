"""Device glitches as they happen: a speaker that ran dry, a microphone that dropped audio.

Either one moves the interviewer's echo against the reference the canceller
is given (:class:`~voiceinterviewer.audio.farend.FarBuffer` pairs the two
sample by sample): a speaker that ran dry played silence it never handed
over, so the echo comes later; a microphone that dropped audio skips ahead,
so the echo comes earlier, and may lead its reference, which no canceller
can remove. The speaker's stream tells the far end itself (it owns it); the
microphone's glitches are seen here, between blocks, and passed on.

They are also journalled (``audio_glitch``, at most once a ``journal_every``
seconds, with the running totals), so a session in which the interviewer
paused for its own voice says whether the devices were to blame. Totals that
moved in the session's last second may go unjournalled: the journal has ended.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class GlitchCounts:
    """Running totals since the session's devices opened."""

    underflows: int = 0  # the speaker ran dry
    overflows: int = 0  # the microphone dropped audio
    shifts: int = 0  # the far end re-paired itself with the echo


def glitch_news(seen: GlitchCounts, now: GlitchCounts) -> dict[str, int] | None:
    """The totals to journal when anything has happened since ``seen``, else None."""
    return asdict(now) if now != seen else None


def counts_of(sink, mic, far) -> GlitchCounts:
    """The totals of the real devices (any of them may be absent)."""
    return GlitchCounts(
        underflows=int(getattr(sink, "underflows", 0)),
        overflows=int(getattr(mic, "overflows", 0)),
        shifts=int(getattr(far, "shifts", 0)),
    )


class GlitchWatch:
    """Checked after every microphone block; cheap when nothing happened."""

    def __init__(
        self,
        counts: Callable[[], GlitchCounts],
        dropped: Callable[[], None],
        journal: Callable[[dict[str, int]], None],
        clock: Callable[[], float],
        journal_every: float = 1.0,
    ):
        self._counts = counts
        self._dropped = dropped  # the microphone dropped audio: the far end must re-measure
        self._journal = journal
        self._clock = clock
        self.journal_every = journal_every
        self._journalled = GlitchCounts()  # totals since the devices opened
        self._overflows = 0
        self._last = -journal_every

    def check(self) -> None:
        now = self._counts()
        if now.overflows != self._overflows:
            self._dropped()
            self._overflows = now.overflows
        news = glitch_news(self._journalled, now)
        if news is not None and (t := self._clock()) - self._last >= self.journal_every:
            self._journal(news)
            self._journalled, self._last = now, t
