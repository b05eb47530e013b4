"""The session's audio in both directions: an ear that is always open and a mouth that never blocks.

:class:`Duplex` ties together what the session loop needs of the audio side:

- ``ear``: every microphone frame, echo-cancelled (maybe still loading: the
  greeting is spoken while the speech models load);
- ``playout``: what the interviewer is saying, pulled by the speaker, or by
  the ear itself when there is no speaker (a scripted run: the script is the
  clock);
- ``check``: raises when the speaker has failed;
- ``cue``: tells a scripted candidate that a question started or ended;
- ``pending``: background work a scripted clock waits for.

It keeps the last few seconds of frames, so speech that interrupts the
interviewer is transcribed from its true start, not from when it was noticed.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from voiceinterviewer.audio.playout import Playout
from voiceinterviewer.listen.ear import BLOCK_S, Ear, Frame
from voiceinterviewer.session.work import NothingPending, Pending

RING_SECONDS = 8.0


@dataclass
class Duplex:
    ear: Ear | Future
    playout: Playout
    # The speaker plays on its own clock (a real device); otherwise the ear's reads clock it.
    self_clocked: bool = False
    check: Callable[[], None] = lambda: None
    cue: Callable[[str], None] = lambda event: None
    pending: Pending = field(default_factory=NothingPending)
    # "webrtc", "gate" or "headphones": how the interviewer's echo is kept out.
    echo: str = "headphones"
    # Set while a reply is under way (playing or paused), by the session: the speech model
    # then decodes on fewer threads, so the speaker and the listener keep a core.
    speaking: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.ring: collections.deque[Frame] = collections.deque(maxlen=int(RING_SECONDS / BLOCK_S))
        self.ended = False  # the source has no more audio (a script ran out)
        self.started_at: float | None = None  # journal time of the first frame

    @property
    def ready(self) -> bool:
        return not isinstance(self.ear, Future) or self.ear.done()

    def get_ear(self) -> Ear:
        if isinstance(self.ear, Future):
            self.ear = self.ear.result()
        return self.ear

    def read(self, now: Callable[[], float] = time.monotonic) -> Frame:
        """The next frame; silence once the source has ended, so a reply can still play out."""
        ear = self.get_ear()
        frame = None if self.ended else ear.read()
        if frame is None:
            self.ended = True
            frame = ear.silence()
        if self.started_at is None:
            self.started_at = now()
        self.ring.append(frame)
        return frame

    def since(self, index: int) -> list[Frame]:
        """Frames from ear index ``index`` on, as far as the ring still holds them."""
        return [f for f in self.ring if f.index >= index]

    def wait_a_moment(self) -> None:
        """Let a self-clocked speaker play while the ear is still loading."""
        time.sleep(BLOCK_S / 2)

    def close(self) -> None:
        if isinstance(self.ear, Future):
            if not self.ear.done() or self.ear.cancelled() or self.ear.exception() is not None:
                return
            self.ear = self.ear.result()
        self.ear.close()
