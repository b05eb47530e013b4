"""The far end: what the speaker played over the span of each microphone block.

The echo canceller needs, with every microphone block, the audio that was
played at the same moment, a little early rather than late: the echo in the
microphone may lag the reference (the canceller finds the delay itself) but
never lead it. Two implementations:

- :class:`FarBuffer` for a real speaker. The output callback pushes what it
  played, stamped with when it will be heard; the microphone stamps each
  block with when it was captured. The first block is paired by those stamps,
  the rest sample by sample, and the pairing is corrected from the echo's lag
  measured on the signals. Pairing by arrival order instead is wrong: the
  speaker's stream starts before the microphone's and its buffer runs ahead,
  so the reference would be hundreds of milliseconds late and nothing would
  be cancelled (measured: 374 ms late, no echo removed).
- :class:`ClockedOutput` when there is no speaker: each microphone block
  plays one block of the reply, so the reference is exact by construction.
"""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE
from voiceinterviewer.audio.playout import Playout

JUMP = 0.1  # a stamp this far (s) from the smoothed clock means the device restarted
AGREE = 160  # two lag measurements within 10 ms agree
SMOOTH = 0.05  # how much each stamp moves the smoothed clock


class FarEnd(Protocol):
    def take(self, n: int, at: float | None = None) -> np.ndarray:
        """The 16 kHz audio played over the next ``n`` microphone samples (captured from ``at``)."""
        ...


def echo_lag(mic: np.ndarray, far: np.ndarray, max_lag: int) -> tuple[int, float]:
    """How many samples the echo in ``mic`` lags ``far``, and how sure (0-1).

    ``far`` holds the reference from ``max_lag`` samples before the one paired
    with ``mic[0]`` to ``max_lag`` after the one paired with its last sample.
    """
    w = len(mic)
    if w == 0 or len(far) < w + 2 * max_lag:
        return 0, 0.0
    n = 1 << int(np.ceil(np.log2(len(far) + w)))
    corr = np.fft.irfft(np.fft.rfft(far, n) * np.conj(np.fft.rfft(mic, n)), n)[: 2 * max_lag + 1]
    best = int(np.argmax(np.abs(corr)))
    energy = float(np.sum(mic.astype(np.float64) ** 2)) * float(
        np.sum(far[best : best + w].astype(np.float64) ** 2)
    )
    sure = abs(float(corr[best])) / np.sqrt(energy) if energy > 0 else 0.0
    return max_lag - best, sure


class FarBuffer:
    """The far end for a real speaker, kept in line with the echo the microphone hears.

    The first pairing comes from the timestamps of the two streams; from then
    on the reference is read sample by sample, and every ``check_every``
    seconds the echo's actual lag is measured on the signals themselves
    (:func:`echo_lag`, over the last ``window`` seconds). If it has left the
    band from ``min_lag`` to ``max_lag``, confidently (``min_sure``: speech
    talked over the echo lowers it) and twice in a row, the pairing is shifted
    so that the echo lags it by ``target``: PortAudio's stamps on PulseAudio
    are off by up to 0.8 s at start-up, and a speaker that runs dry moves the
    echo by as much.

    The pairing is also shifted, on one confident measurement, when the
    reference it reads runs into audio the speaker has not handed over yet
    (less than ``min_ahead`` seconds left after a read): the echo then lags
    more than the speaker's buffer holds, and what the canceller is given is
    mostly the silence of the gaps. The echo drifts later by about 0.1 ms a
    second (the two devices' clocks), so a session whose echo started 150 ms
    late reached that after about 5 minutes: in one bench run, from 300 s on,
    40-87 % of the reference while the interviewer spoke was such gaps, the
    canceller's ERLE fell from 20 to 1-2 dB, and the interviewer paused for
    its own voice 42 times.

    Inside the band the pairing is left alone. AEC3 finds any steady delay
    there itself and follows the slow drift between the two devices' clocks
    (measured here: 0.1 ms a second), while every shift is a jump it has to
    find again: a 30 ms shift that made the echo earlier left it uncancelled
    for 2-5 s (measured on synthetic echo and in the laptop-echo test), and
    the interviewer paused for its own voice. (The earlier rule, shifting when
    the lag strayed 30 ms from 40 ms, did that to an echo drifting from 66 to
    71 ms.)
    """

    def __init__(
        self,
        margin: float = 0.03,
        keep: float = 10.0,
        target: float = 0.06,
        min_lag: float = 0.01,
        max_lag: float = 0.3,
        window: float = 1.0,
        check_every: float = 0.5,
        search: float = 1.0,
        min_sure: float = 0.6,
        min_ahead: float = 0.02,
    ):
        self.margin = margin  # pair with audio heard this much after the capture time
        self.keep = int(keep * STT_RATE)
        self.target = int(target * STT_RATE)
        self.min_lag = int(min_lag * STT_RATE)  # the echo must lag the reference (causal)...
        self.max_lag = int(max_lag * STT_RATE)  # ...by less than AEC3 searches (measured: 450 ms)
        self.window = int(window * STT_RATE)
        self.check_every = int(check_every * STT_RATE)
        self.search = int(search * STT_RATE)
        self.min_sure = min_sure
        self.min_ahead = int(min_ahead * STT_RATE)
        # the fewest pushed samples left after a read since the last check (None: no read)
        self._ahead: int | None = None
        self._lock = threading.Lock()
        self._data = np.zeros(0, dtype=np.float32)
        self._start = 0  # absolute sample index of _data[0]
        self._offset: float | None = None  # time a sample is heard minus its index / rate
        self._ptr: int | None = None  # next sample to hand out
        self._mic: list[tuple[int, np.ndarray]] = []  # (far index paired, microphone block)
        self._since_check = 0
        self.shifts = 0
        self.lag = 0  # the echo's lag behind the reference at the last check (samples)
        self._seen: int | None = None  # a lag measured once, waiting to be confirmed
        self._urgent = False  # the speaker ran dry: the next measurement is trusted at once
        self.aligned = False  # the echo's lag has been measured and is where it should be
        self.log: list[dict] | None = None  # set to a list to keep every measurement (debugging)

    def push(self, samples: np.ndarray, heard_at: float | None = None) -> None:
        """``samples`` were handed to the device; the first one is heard at ``heard_at``."""
        with self._lock:
            end = self._start + len(self._data)
            if heard_at is not None:
                self._update_clock(end, heard_at)
            self._data = np.concatenate([self._data, samples.astype(np.float32, copy=False)])
            if len(self._data) > self.keep:
                drop = len(self._data) - self.keep
                self._data = self._data[drop:]
                self._start += drop

    def _update_clock(self, index: int, heard_at: float) -> None:
        """Smooth the callback's jittery stamps into one offset between samples and time."""
        offset = heard_at - index / STT_RATE
        if self._offset is None or abs(offset - self._offset) > JUMP:
            self._offset = offset  # first stamp, or the device restarted (an underrun)
        else:
            self._offset += SMOOTH * (offset - self._offset)

    def _slice(self, a: int, b: int) -> np.ndarray:
        out = np.zeros(max(0, b - a), dtype=np.float32)
        lo, hi = max(a, self._start), min(b, self._start + len(self._data))
        if lo < hi:
            out[lo - a : hi - a] = self._data[lo - self._start : hi - self._start]
        return out

    def take(self, n: int, at: float | None = None) -> np.ndarray:
        with self._lock:
            if self._ptr is None:
                if at is not None and self._offset is not None:
                    self._ptr = int(round((at + self.margin - self._offset) * STT_RATE))
                else:
                    self._ptr = self._start + len(self._data)
            out = self._slice(self._ptr, self._ptr + n)
            self._ptr += n
            left = self._start + len(self._data) - self._ptr
            self._ahead = left if self._ahead is None else min(self._ahead, left)
        return out

    def loudest_near(self, span: float = 0.3) -> float:
        """Mean energy of the loudest ``span`` seconds played within ``search`` of the pairing.

        While the echo's lag is unknown the echo may be anywhere in that
        span, even ahead of its reference (at start-up PortAudio's stamps
        on PulseAudio are off by up to 0.8 s): this is how loud it can be.
        """
        with self._lock:
            if self._ptr is None:
                return 0.0
            audio = self._slice(self._ptr - self.search, self._ptr + self.search)
        n = max(1, int(span * STT_RATE))
        if len(audio) < n or float(np.max(np.abs(audio))) == 0.0:
            return 0.0
        total = np.concatenate([[0.0], np.cumsum(np.square(audio, dtype=np.float64))])
        return float(np.max(total[n:] - total[:-n]) / n)

    def glitch(self) -> None:
        """The speaker ran dry (a busy machine): the echo has moved; measure it afresh."""
        if self.log is not None:
            self.log.append({"at": self._ptr, "glitch": True})
        with self._lock:
            self._mic = []
            self._since_check = 0
            self._urgent = True
            self.aligned = False

    def heard(self, mic: np.ndarray) -> bool:
        """The microphone block just paired with the last :meth:`take`; True if the pairing moved."""
        with self._lock:
            if self._ptr is None:
                return False
            keep = max(1, self.window // len(mic))
            self._mic = (self._mic + [(self._ptr - len(mic), mic)])[-keep:]
            self._since_check += len(mic)
            if self._since_check < self.check_every or len(self._mic) < keep:
                return False
            self._since_check = 0
            urgent, self._urgent = self._urgent, False
            starved = self._ahead is not None and self._ahead < self.min_ahead
            self._ahead = None
            first = self._mic[0][0]
            audio = np.concatenate([m for _, m in self._mic])
            far = self._slice(first - self.search, first + len(audio) + self.search)
        if float(np.max(np.abs(far))) < 1e-3 or float(np.max(np.abs(audio))) < 1e-4:
            self._urgent = self._urgent or urgent
            return False  # nothing played, or nothing heard: nothing to measure
        lag, sure = echo_lag(audio, far, self.search)
        if self.log is not None:
            self.log.append(
                {
                    "at": first,
                    "lag_ms": round(lag / 16, 1),
                    "sure": round(sure, 2),
                    "urgent": urgent,
                }
            )
        if sure < self.min_sure:
            self._seen = None
            self._urgent = self._urgent or urgent
            return False
        self.lag = lag
        # read past what was pushed: the echo lags more than the speaker's buffer holds
        overrun = starved and lag > self.target + AGREE
        if self.min_lag <= lag <= self.max_lag and not overrun:
            self._seen = None
            self.aligned = True
            return False
        self.aligned = False
        if self.log is not None and overrun:
            self.log[-1]["overrun"] = True
        # a shift costs the canceller a second: only on the same lag measured twice in a row
        # (or once, right after the speaker ran dry and the echo surely moved, or when the
        # reference is already full of gaps)
        if not (urgent or overrun) and (self._seen is None or abs(self._seen - lag) > AGREE):
            self._seen = lag
            return False
        self._seen = None
        with self._lock:
            self._ptr += self.target - lag  # the echo now lags the reference by ``target``
            self._mic = []
            self.shifts += 1
        if self.log is not None:
            self.log[-1]["shifted_ms"] = round((self.target - lag) / 16, 1)
        return True


class ClockedOutput:
    """The far end of a run with no speaker: each microphone block plays one block of the reply.

    Exact by construction, so always ``aligned``.

    In a scripted interview the audio clock is the candidate's script, so the
    interviewer's audio advances exactly as fast as the script is read, and
    the candidate can talk over the interviewer at a known moment.
    """

    def __init__(self, playout: Playout):
        if playout.rate != STT_RATE:
            raise ValueError("a clocked output plays at 16 kHz")
        self.playout = playout
        self.aligned = True

    def take(self, n: int, at: float | None = None) -> np.ndarray:
        return self.playout.pull(n)[1]
