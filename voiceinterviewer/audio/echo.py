"""Removing the interviewer's own voice from the microphone: acoustic echo cancellation.

On laptop speakers the microphone hears the interviewer. To keep listening
while it talks, every microphone block goes through an :class:`EchoCanceller`
together with the audio that was played over the same span (the far end,
from :class:`~voiceinterviewer.audio.playout.Playout`). The real canceller is
WebRTC's AEC3 from the ``pywebrtc-audio`` wheel: it finds the delay between
the speaker and the microphone itself (``stream_delay_ms`` is only a hint),
adapts to the room, and costs under 1% of a core at 16 kHz. Measured on
the PulseAudio echo path of the tests (-15 dB, 40 ms): 179 of 218 blocks of
echo were speech to the voice activity detector before, none after.

AEC3 works on 10 ms frames; the session's blocks are 32 ms (one Silero VAD
window), so :class:`WebRtcEcho` re-frames them and delays its output by
10 ms to hand back whole blocks. The reference it is given carries a
-100 dB dither: a second after the far end falls silent, AEC3's cost rose
from 0.9% to 11.5% of a core (its filters' state decaying into denormal
numbers), which was most of the session's CPU while listening; with the
dither it stays at 0.7%.

Three measures tell the candidate from what is left of the interviewer, whatever
the canceller's state: :func:`coherence` (the interviewer's voice coming back
follows what was played; a person does not), and the cleaned level and the
microphone's own level against the echo of the loudest block played in the last
0.3 s (:attr:`EchoMeter.over_peak`, :attr:`EchoMeter.raw_over_peak`).

Modes (the ``echo`` setting): ``auto`` uses AEC3 when installed, else
``gate``; ``webrtc`` requires it; ``gate`` cancels nothing and makes the
candidate's speech count while the interviewer talks only when it is much
more certain (see :class:`~voiceinterviewer.listen.bargein.BargeInOptions`);
``headphones`` cancels nothing (there is no echo to cancel).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from voiceinterviewer.errors import MissingDependency, UserError

RATE = 16000  # the session's sample rate
FRAME = 160  # 10 ms at 16 kHz: AEC3's frame
FAR_SILENT = 1e-4  # peak below this: nothing was played in the block
DITHER = 1e-5  # RMS of the noise (-100 dBFS) under the reference the canceller is given
ECHO_TAIL_S = 0.3  # the room keeps ringing this long after the speaker stops
SETTLE_LEVEL = 1e-5  # -50 dB: played audio loud enough for the canceller to learn from
UNSETTLE_AFTER = 1.0  # seconds of silence after which the canceller must settle again
LEARN_BLOCKS = 150  # the echo level is learned over the last 4.8 s of the interviewer's audio
LOUD_ECHO_DB = 10.0  # a block whose microphone is within this of the expected echo holds echo
ERLE_WINDOW_S = 1.0  # what the canceller removes is judged over this much recent echo...
ERLE_SKIP_S = 0.2  # ...leaving out the newest blocks, which may be the candidate starting to talk
ERLE_MIN_BLOCKS = 8  # fewer echo blocks than this: judge by time alone
MIN_ERLE_DB = 10.0  # a canceller that removes less than this has lost the echo
ECHO_FOLLOWS = 0.8  # a microphone block this close to what was played (coherence) is its echo
COHERENCE_S = 0.064  # the last this much of the cleaned sound is compared with what was played...
COHERENCE_LAG_S = 0.35  # ...up to this long before it (the pairing keeps the echo 10-300 ms late)
MODES = ("auto", "webrtc", "gate", "headphones")


class EchoCanceller(Protocol):
    def cancel(self, near: np.ndarray, far: np.ndarray) -> np.ndarray:
        """``near`` (microphone) with the echo of ``far`` (what was played) removed; same length."""
        ...


class NoEcho:
    """Passes the microphone through: headphones, a scripted candidate, or the gate fallback."""

    def cancel(self, near: np.ndarray, far: np.ndarray) -> np.ndarray:
        return near


class WebRtcEcho:
    """WebRTC AEC3 through pywebrtc-audio, fed and read in 10 ms frames."""

    def __init__(self, rate: int = 16000, delay_ms: int = 40):
        try:
            import pywebrtc_audio
        except ImportError:
            raise MissingDependency("pywebrtc-audio") from None
        self._aec = pywebrtc_audio.EchoCanceller(rate, 1, int(delay_ms))
        self._near = np.zeros(0, dtype=np.float32)
        self._far = np.zeros(0, dtype=np.float32)
        self._out = np.zeros(FRAME, dtype=np.float32)  # the 10 ms of delay, primed with silence
        # the same second of dither, over and over: a run is the same every time
        self._dither = (np.random.default_rng(0).standard_normal(rate) * DITHER).astype(np.float32)
        self._at = 0

    def cancel(self, near: np.ndarray, far: np.ndarray) -> np.ndarray:
        n = len(near)
        if len(far) < n:
            far = np.concatenate([far, np.zeros(n - len(far), dtype=np.float32)])
        self._near = np.concatenate([self._near, near.astype(np.float32, copy=False)])
        self._far = np.concatenate(
            [self._far, far[:n].astype(np.float32, copy=False) + self._noise(n)]
        )
        frames = len(self._near) // FRAME
        if frames:
            done = [
                np.asarray(
                    self._aec.process(
                        self._near[i * FRAME : (i + 1) * FRAME].copy(),
                        self._far[i * FRAME : (i + 1) * FRAME].copy(),
                    ),
                    dtype=np.float32,
                ).reshape(-1)
                for i in range(frames)
            ]
            self._out = np.concatenate([self._out, *done])
            self._near = self._near[frames * FRAME :]
            self._far = self._far[frames * FRAME :]
        out, self._out = self._out[:n], self._out[n:]
        return out

    def _noise(self, n: int) -> np.ndarray:
        idx = (self._at + np.arange(n)) % len(self._dither)
        self._at = (self._at + n) % len(self._dither)
        return self._dither[idx]


def webrtc_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("pywebrtc_audio") is not None


def build_echo(mode: str, delay_ms: int = 40) -> tuple[EchoCanceller, str]:
    """The canceller for ``mode`` and the mode actually in use (auto resolves to webrtc or gate)."""
    if mode not in MODES:
        raise UserError(f"echo must be one of {', '.join(MODES)}; got {mode!r}")
    if mode == "headphones":
        return NoEcho(), "headphones"
    if mode == "gate" or (mode == "auto" and not webrtc_available()):
        return NoEcho(), "gate"
    try:
        return WebRtcEcho(delay_ms=delay_ms), "webrtc"
    except MissingDependency:
        if mode == "webrtc":
            raise UserError(
                'echo = "webrtc" needs the pywebrtc-audio package: pip install pywebrtc-audio'
            ) from None
        return NoEcho(), "gate"


def coherence(near: np.ndarray, far: np.ndarray) -> float:
    """How closely ``near`` follows some stretch of ``far`` (0-1), at any lag.

    ``far`` ends where ``near`` does and reaches further back; the result is
    the best normalised correlation of ``near`` with a stretch of ``far`` of
    its length. The interviewer's voice coming back, cancelled or not, follows
    what was played (measured on simulated rooms: median 0.74 after AEC3,
    0.95 with none); a candidate talking over it does not (median 0.3-0.4).
    Stretches of ``far`` with almost nothing played are not compared.
    """
    w = len(near)
    if w == 0 or len(far) < w:
        return 0.0
    near64, far64 = near.astype(np.float64), far.astype(np.float64)
    lags = len(far) - w + 1
    n = 1 << int(np.ceil(np.log2(len(far) + w)))
    corr = np.fft.irfft(np.fft.rfft(far64, n) * np.conj(np.fft.rfft(near64, n)), n)[:lags]
    sq = np.concatenate([[0.0], np.cumsum(far64**2)])
    stretch = sq[w:] - sq[:-w]
    near_e = float(np.sum(near64**2))
    loud = stretch > max(1e-3 * float(np.max(stretch)), 1e-9)
    if near_e <= 1e-12 or not loud.any():
        return 0.0
    best = np.abs(corr[loud]) / np.sqrt(stretch[loud] * near_e)
    return min(1.0, float(np.max(best)))


def level_db(samples: np.ndarray) -> float:
    if len(samples) == 0:
        return -120.0
    return 10.0 * float(np.log10(float(np.mean(np.square(samples, dtype=np.float64))) + 1e-12))


class EchoMeter:
    """How far each cleaned block stands above the echo that was in it.

    The interviewer's echo reaches the microphone ``coupling`` dB below the
    audio played (learned over windows of ``window`` seconds in which it
    played, as the median ratio of microphone to played energy over the last
    ``LEARN_BLOCKS``, so the few windows with someone speaking count little). What
    the canceller leaves of the echo is quieter still, while a candidate who
    talks over the interviewer is about as loud as the echo or louder. So a
    block's ``over_echo`` (its cleaned level minus the echo expected from the
    last ``window`` of played audio) tells the two apart, and the barge-in rule
    counts speech over the interviewer only above a margin.

    ``settled`` means the canceller is removing the echo now: the median of
    how much it took out of the recent blocks that held echo (the echo
    return loss enhancement, ERLE) is at least ``min_erle`` dB. It turns true
    as soon as that has been seen on ``ERLE_MIN_BLOCKS`` echo blocks (about
    0.5 s into a reply), or, unseen, once the canceller has heard ``settle``
    seconds of the interviewer since it was last silent for ``UNSETTLE_AFTER``.
    Blocks far louder than the echo could be (someone talking over it) count
    neither for the coupling nor for the ERLE: a candidate going on over a
    reply made the canceller look lost, and the strict gate kept them unheard
    for seconds. A loud block that follows what was played (``ECHO_FOLLOWS``)
    is the echo itself, louder than learned (the volume turned up), and does
    count: with the echo 20 dB louder, the coupling never moved before, every
    block of the interviewer's voice stood 20 dB "above" the echo, and it
    paused for itself.

    When the echo path moves (the devices' delay jumps, the person moves the
    laptop), AEC3 can leave the echo almost untouched for seconds while it
    finds it again (measured on an earlier-arriving echo: 1-3 dB for 2 s). Until
    it is settled again, speech counts over the interviewer only where it stands
    above the echo of the loudest recent block (``over_peak``) and does not
    follow what was played (:meth:`follows_far`), or through the strict gate.
    """

    def __init__(
        self,
        block_s: float,
        settle: float = 1.2,
        window: float = ECHO_TAIL_S,
        min_erle: float = MIN_ERLE_DB,
    ):
        self.block_s = block_s
        self.settle = settle
        self.min_erle = min_erle
        self._erle_n = max(1, int(round(ERLE_WINDOW_S / block_s)))
        self._erle_skip = int(round(ERLE_SKIP_S / block_s))
        self._erle: list[float | None] = []  # per block: dB removed from its echo (None: no echo)
        self.erle = 120.0  # the median ERLE over the judged blocks (120: not measured yet)
        self._judged = 0  # echo blocks in the judged window
        self._n = max(1, int(round(window / block_s)))
        self._far: list[float] = []  # mean energy of the last blocks played
        self._raw: list[float] = []  # and of the microphone over the same blocks
        self.coupling = 0.0  # dB from the played audio to its echo (0 until learned)
        self._ratios: list[float] = []
        self.heard_far = 0.0  # seconds of played audio since the last long silence
        self._silent = 0.0
        self._far_tail = np.zeros(0, dtype=np.float32)  # for coherence: what was played...
        self._clean_tail = np.zeros(0, dtype=np.float32)  # ...and what is left after cleaning
        self._raw_tail = np.zeros(0, dtype=np.float32)  # ...and what the microphone heard
        # dB the last cleaned block stood above the echo of the loudest block played in the
        # window: a room still ringing with the last word sends back no more than that
        self.over_peak = 120.0
        # dB the last microphone block, before cancelling, stood above the echo of that
        # loudest block (-120: nothing played, or the coupling not learned yet). A person is
        # louder than any echo the room can send back; what the canceller leaves of them is
        # not always: AEC3 turns their first syllables over the echo down by 20-40 dB while
        # it sorts out the double talk
        self.raw_over_peak = -120.0
        self._near_n = int(COHERENCE_S * RATE)
        self._far_n = int((COHERENCE_S + COHERENCE_LAG_S) * RATE)

    def realigned(self) -> None:
        """The reference was shifted: the canceller needs to settle again."""
        self.heard_far = 0.0
        self._erle = []

    def measure(
        self, far: np.ndarray, raw: np.ndarray, clean: np.ndarray
    ) -> tuple[bool, float, bool]:
        """(the interviewer was sounding, over_echo dB, the canceller has settled)."""
        self._far_tail = np.concatenate([self._far_tail, far])[-self._far_n :]
        self._clean_tail = np.concatenate([self._clean_tail, clean])[-self._near_n :]
        self._raw_tail = np.concatenate([self._raw_tail, raw])[-self._near_n :]
        far_e = float(np.mean(np.square(far, dtype=np.float64))) if len(far) else 0.0
        raw_e = float(np.mean(np.square(raw, dtype=np.float64))) if len(raw) else 0.0
        self._far = (self._far + [far_e])[-self._n :]
        self._raw = (self._raw + [raw_e])[-self._n :]
        if far_e > SETTLE_LEVEL:
            self.heard_far += self.block_s
            self._silent = 0.0
        else:
            self._silent += self.block_s
            if self._silent >= UNSETTLE_AFTER:  # after a long silence it finds the echo again
                self.realigned()
        played = sum(self._far) / len(self._far)
        self.over_peak = 120.0
        self.raw_over_peak = -120.0
        if played <= FAR_SILENT**2:
            self._judge(None)
            return False, 120.0, self.heard_far >= self.settle
        raw_db, clean_db = level_db(raw), level_db(clean)
        peak_echo = float(self._expected(max(self._far)))
        # a block far louder than the echo could be is someone talking: it says nothing
        # about the room (the coupling) or the canceller (its ERLE); unless it follows what
        # was played: then it is the echo itself, louder than learned (the volume turned
        # up), and the coupling must learn it
        beyond = self._expected(played) + LOUD_ECHO_DB  # louder than the learned echo can be
        loud = bool(self._ratios) and raw_db > min(peak_echo, beyond)
        echo = loud and coherence(self._raw_tail, self._far_tail) >= ECHO_FOLLOWS
        talking = loud and not echo and raw_db > beyond
        if not talking:
            ratio = 10.0 * np.log10((sum(self._raw) / len(self._raw) + 1e-12) / played)
            self._ratios = (self._ratios + [float(ratio)])[-LEARN_BLOCKS:]
            # the median: windows with someone talking over the echo are the few loud ones
            self.coupling = float(np.median(self._ratios))
        expected = self._expected(played)
        echo_block = not talking and raw_db >= expected - LOUD_ECHO_DB
        self._judge(raw_db - clean_db if echo_block else None)
        self.over_peak = clean_db - peak_echo
        if self._ratios and not echo:
            self.raw_over_peak = raw_db - peak_echo
        # settled: the canceller is seen removing the echo, or has heard enough to have
        # found it (and is not seen failing)
        seen = self._judged >= ERLE_MIN_BLOCKS
        settled = self.erle >= self.min_erle and (seen or self.heard_far >= self.settle)
        return True, clean_db - float(expected), settled

    def follows_far(self) -> float:
        """How closely the last cleaned sound follows what was played (:func:`coherence`)."""
        return coherence(self._clean_tail, self._far_tail)

    def _expected(self, played: float) -> float:
        """dB of the echo expected of ``played`` (mean energy) with the coupling learned so far."""
        return 10.0 * np.log10(played + 1e-12) + self.coupling

    def unsure(
        self, clean: np.ndarray, loudest: float, active: bool, over: float
    ) -> tuple[bool, float]:
        """(sounding, over_echo) for a block whose echo may not be where the reference says.

        ``loudest`` is the mean energy of the loudest stretch played anywhere
        the echo could be (:meth:`FarBuffer.loudest_near`). Until the echo's
        lag is measured, the interviewer counts as sounding whenever it
        played in that span, and the block is judged against the echo of
        that stretch: the first word of the first question reached the
        microphone 200 ms before its reference, looked like the candidate,
        and the interviewer paused for its own "Hi".
        """
        if loudest <= FAR_SILENT**2:
            return active, over
        return True, min(over, level_db(clean) - float(self._expected(loudest)))

    def _judge(self, erle: float | None) -> None:
        """Keep this block's ERLE and take the median over the judged window."""
        self._erle = (self._erle + [erle])[-(self._erle_n + self._erle_skip) :]
        judged = [e for e in self._erle[: len(self._erle) - self._erle_skip] if e is not None]
        self._judged = len(judged)
        self.erle = float(np.median(judged)) if len(judged) >= ERLE_MIN_BLOCKS else 120.0
