"""The always-open ear: every microphone block, echo-cancelled and scored for speech, in order.

The microphone is read for the whole session, whoever is talking. Each 32 ms
block is written raw to ``mic.wav`` (so nothing said at any moment is lost),
paired with the audio played over the same span (the far end), cleaned of
the interviewer's echo, and given a voice probability. The session's
decisions (end of turn, barge-in) see only these :class:`Frame` values, so
they can be tested with frames made by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE
from voiceinterviewer.audio.echo import EchoCanceller, EchoMeter, NoEcho
from voiceinterviewer.audio.farend import FarEnd
from voiceinterviewer.audio.ports import BLOCK, AudioSource
from voiceinterviewer.audio.wavfile import as_recorded
from voiceinterviewer.listen.vad import VoiceActivityDetector

BLOCK_S = BLOCK / STT_RATE
# Silero's state drifts over a long silence and then hears the first word of the next answer
# as barely speech ("Hi," at 0.3-0.5 instead of 0.6-0.9): after this long without speech
# the detector starts afresh, as it does for a recording.
VAD_FRESH_AFTER_S = 1.0
QUIET = 0.1  # voice probability below which a block is silence for that purpose


@dataclass
class Frame:
    index: int  # block number since the ear opened
    samples: np.ndarray  # the block with the interviewer's echo removed (16 kHz float32)
    speech: float  # voice probability of the cleaned block (0-1)
    far: bool = False  # the interviewer's voice was playing in this block or just before
    over_echo: float = 120.0  # dB the cleaned block stands above the echo it held (see EchoMeter)
    settled: bool = True  # the echo canceller has converged
    # how closely the block follows what was played 0-350 ms before it (0-1; 1 while the
    # echo is not where it is looked for): the interviewer's voice coming back, if high
    echo_like: float = 0.0
    # dB the cleaned block stands above the echo of the loudest block played in the last
    # 0.3 s (the room may still ring with it where the interviewer paused)
    over_peak: float = 120.0
    # monotonic time the block's first sample was captured (None: the source does not say)
    captured_at: float | None = None
    # dB the microphone block, before cancelling, stands above the echo of that loudest block
    # (-120: nothing played, or the room not learned yet): louder than any echo is someone
    raw_over_peak: float = -120.0

    @property
    def t(self) -> float:
        """Seconds of audio since the ear opened, at the start of the block."""
        return self.index * BLOCK_S


class Ear:
    """Reads the source for the whole session; :meth:`read` returns the next :class:`Frame`."""

    def __init__(
        self,
        source: AudioSource,
        vad: VoiceActivityDetector,
        far: FarEnd,
        echo: EchoCanceller | None = None,
        record: Callable[[np.ndarray], None] | None = None,
        on_close: Callable[[], None] | None = None,
        debug: Callable[[np.ndarray, np.ndarray], None] | None = None,
    ):
        self.source = source
        self._on_close = on_close
        self._debug = debug  # gets (far, cleaned) of every block, for checking the canceller
        self.vad = vad
        self.far = far
        self.echo = echo or NoEcho()
        self.record = record
        self._index = 0
        self.meter = EchoMeter(BLOCK_S)
        self._silent_for = 0.0  # seconds of silence the detector has heard in a row

    def read(self) -> Frame | None:
        block = self.source.read()
        if block is None:
            return None
        raw = np.asarray(block, dtype=np.float32)
        captured_at = getattr(self.source, "captured_at", None)
        far = self.far.take(len(raw), at=captured_at)
        if self.record is not None:
            self.record(raw)
        if hasattr(self.far, "heard") and self.far.heard(raw):
            self.meter.realigned()  # the canceller must find the echo again
        # what is heard is what is recorded, to the bit: the answer's WAV transcribed later
        # gives the same words as it did live
        clean = as_recorded(self.echo.cancel(raw, far))
        if self._debug is not None:
            self._debug(far, clean)
        speech = self.vad.voice_confidence(clean)
        self._silent_for = self._silent_for + len(raw) / STT_RATE if speech < QUIET else 0.0
        if self._silent_for >= VAD_FRESH_AFTER_S and hasattr(self.vad, "reset"):
            self.vad.reset()
            self._silent_for = 0.0
        active, over, settled = self.meter.measure(far, raw, clean)
        aligned = getattr(self.far, "aligned", True)  # the echo is where it is looked for
        if not aligned and hasattr(self.far, "loudest_near"):
            active, over = self.meter.unsure(clean, self.far.loudest_near(), active, over)
        echo_like = 0.0
        if active:
            echo_like = self.meter.follows_far() if aligned else 1.0
        frame = Frame(
            self._index, clean, speech, active, over, settled and aligned, echo_like,
            self.meter.over_peak, captured_at, self.meter.raw_over_peak,
        )  # fmt: skip
        self._index += 1
        return frame

    def fresh(self) -> None:
        """Start the detector afresh, as for a recording (when an answer begins in a silence).

        Its state then depends only on the answer's own audio, so the answer's
        WAV transcribed later is heard exactly as it was live.
        """
        if hasattr(self.vad, "reset"):
            self.vad.reset()
        self._silent_for = 0.0

    def silence(self) -> Frame:
        """A silent frame once the source has ended, so the interviewer's audio still plays out."""
        far = self.far.take(BLOCK)
        quiet = np.zeros(BLOCK, dtype=np.float32)
        active, over, settled = self.meter.measure(far, quiet, quiet)
        frame = Frame(self._index, quiet, 0.0, active, over, settled)
        self._index += 1
        return frame

    def close(self) -> None:
        if hasattr(self.source, "close"):
            self.source.close()
        if self._on_close is not None:
            self._on_close()
