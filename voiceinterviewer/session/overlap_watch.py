"""One reply's watch on the candidate's voice: pause the interviewer, find the words, go on or stop.

While a reply plays, every frame comes here. The decisions are the pure
rules of :mod:`voiceinterviewer.listen.bargein` (:func:`hears_candidate`,
:func:`overlap_step`, :func:`own_echo`); this class keeps their state for the
reply, transcribes the interrupting speech in the background (a *probe*,
every ``probe_every`` seconds while paused), pauses and resumes the player,
and journals each pause that came to nothing, and how far behind the
microphone the listener was when it paused. The loop acts only on
:data:`STOP`: the candidate interrupted, with :attr:`text` said from ear
frame :attr:`onset` on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future

from voiceinterviewer.listen.bargein import (
    PAUSE,
    RESUME,
    STOP,
    BargeInOptions,
    Overlap,
    hears_candidate,
    overlap_step,
    own_echo,
)
from voiceinterviewer.listen.ear import BLOCK_S, Frame
from voiceinterviewer.listen.turn_rules import TurnRules
from voiceinterviewer.session.turn_journal import TurnJournal, words_in
from voiceinterviewer.stt.whisper import Transcript


class OverlapWatch:
    def __init__(
        self,
        turn: int,
        options: BargeInOptions,
        echo_mode: str,
        rules: TurnRules,
        player,
        journal: TurnJournal,
        probe: Callable[[int], Future],
        playing_text: Callable[[], str],
        played_s: Callable[[], float],
        probe_every: float = 0.3,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.turn = turn
        self.options = options
        self.echo_mode = echo_mode  # webrtc, gate or headphones (see hears_candidate)
        self.rules = rules
        self.player = player  # pause() and resume() (the session's Playout)
        self.journal = journal
        self._probe = probe  # transcribe the speech from an ear frame on, in the background
        self._playing_text = playing_text  # what is being played (to know its own echo)
        self._played_s = played_s  # seconds of the reply played so far
        self.probe_every = probe_every
        self._clock = clock  # the clock of the frames' capture times
        self.overlap = Overlap()
        self.onset = -1  # ear frame where the interrupting speech began
        self.text = ""  # its words so far
        self._pending: Future[Transcript] | None = None
        self._probed_at = 0.0

    @property
    def state(self) -> str:
        """clear, paused or stopped (see :class:`~voiceinterviewer.listen.bargein.Overlap`)."""
        return self.overlap.state

    def step(self, frame: Frame) -> str:
        """Take one frame; the action taken ("", pause, resume, stop, or echo: its own voice)."""
        speech = hears_candidate(frame, self.echo_mode, self.options)
        if self.overlap.state == "paused" and (self._pending is None or self._pending.done()):
            if self._pending is not None:
                self.text = self._pending.result().text
                self._pending = None
                if own_echo(self.text, self._playing_text(), common=self.rules.unfinished_endings):
                    self.journal.barge_in(self.turn, "echo", self.text, self._played_s())
                    self.overlap, self.text = Overlap(pauses=self.overlap.pauses), ""
                    self.player.resume()
                    return "echo"
            if frame.t - self._probed_at >= self.probe_every:
                self._pending, self._probed_at = self._probe(self.onset), frame.t
        words = words_in(self.text)
        backchannel = bool(self.text) and self.rules.is_backchannel(self.text)
        self.overlap, action = overlap_step(
            self.overlap, speech, BLOCK_S, words, backchannel, self.options, far=frame.far
        )
        if action == PAUSE:
            self.onset = frame.index - int(round(self.overlap.run / BLOCK_S)) + 1
            self.text, self._probed_at = "", frame.t
            at = frame.captured_at
            self.journal.heard_over(None if at is None else max(0.0, self._clock() - at))
            self._pending = self._probe(self.onset)
            self.player.pause()
        elif action == RESUME:
            self.journal.barge_in(self.turn, "resumed", self.text, self._played_s())
            self.text = ""
            self.player.resume()
        elif action == STOP and self._pending is not None:
            self.text = self._pending.result().text or self.text
        return action
