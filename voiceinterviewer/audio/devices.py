"""Real audio devices through sounddevice (PortAudio): the microphone and the speaker.

:class:`MicSource` opens one input stream for the whole session at 16 kHz
mono; its callback only copies blocks into a queue, so nothing heavy runs on
PortAudio's thread.

:class:`SpeakerSink` keeps one output stream open and feeds it from a
:class:`~voiceinterviewer.audio.playout.Playout`, so starting to speak costs
no stream set-up, speaking never blocks the session, and the exact audio
played reaches the echo canceller.
"""

from __future__ import annotations

import queue
import sys
import time
from dataclasses import dataclass

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE, Clip, rms_db
from voiceinterviewer.audio.farend import FarBuffer
from voiceinterviewer.audio.playout import Playout
from voiceinterviewer.audio.ports import BLOCK
from voiceinterviewer.errors import DeviceError, MissingDependency

_alsa_handler = None  # kept alive: ALSA calls it for as long as the process runs


def _quiet_alsa() -> None:
    """Stop ALSA printing recoverable conditions ("underrun occurred") over the person's terminal.

    Failures that matter still surface as :class:`DeviceError` through PortAudio.
    """
    global _alsa_handler
    if _alsa_handler is not None or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        lib = ctypes.CDLL("libasound.so.2")
    except OSError:
        return
    handler_type = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
    )
    _alsa_handler = handler_type(lambda *args: None)
    try:
        lib.snd_lib_error_set_handler(_alsa_handler)
    except AttributeError:
        pass


def _sd():
    _quiet_alsa()
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        raise DeviceError(f"PortAudio is not available ({exc})") from None
    except ImportError:
        raise MissingDependency("sounddevice") from None
    return sd


def parse_device(spec: str | None) -> int | str | None:
    if spec is None or spec == "" or spec == "default":
        return None
    return int(spec) if spec.isdigit() else spec


@dataclass
class DeviceInfo:
    index: int
    name: str
    inputs: int
    outputs: int
    default_rate: float
    is_default_input: bool
    is_default_output: bool


def list_devices() -> list[DeviceInfo]:
    sd = _sd()
    try:
        devices = sd.query_devices()
        default_in, default_out = sd.default.device
    except Exception as exc:
        raise DeviceError(f"cannot list audio devices: {exc}") from None
    out = []
    for i, d in enumerate(devices):
        out.append(
            DeviceInfo(
                i,
                d["name"],
                d["max_input_channels"],
                d["max_output_channels"],
                d["default_samplerate"],
                i == default_in,
                i == default_out,
            )
        )
    return out


def _check_device(sd, device, kind: str) -> None:
    try:
        sd.check_input_settings(
            device=device, channels=1, samplerate=STT_RATE
        ) if kind == "input" else sd.query_devices(device, "output")
    except Exception as exc:
        what = "microphone" if kind == "input" else "speaker"
        name = f" {device!r}" if device is not None else ""
        raise DeviceError(f"no usable {what}{name}: {str(exc).splitlines()[0]}") from None


def check_input(device: str | None) -> None:
    """Raise DeviceError unless ``device`` (None: the default) can record 16 kHz mono."""
    _check_device(_sd(), parse_device(device), "input")


def check_output(device: str | None) -> None:
    """Raise DeviceError unless ``device`` (None: the default) can play."""
    _check_device(_sd(), parse_device(device), "output")


def _latency(stream) -> float:
    """The stream's buffering in seconds, as PortAudio reports it (0 when it cannot)."""
    try:
        return float(stream.latency)
    except Exception:
        return 0.0


def _stream_lag(time_info, kind: str) -> float:
    """Seconds between now and when the buffer's first sample meets the converter (0: unknown)."""
    try:
        current = float(time_info.currentTime)
        stamp = float(
            time_info.inputBufferAdcTime if kind == "input" else time_info.outputBufferDacTime
        )
    except (AttributeError, TypeError, ValueError):
        return 0.0
    if current <= 0 or stamp <= 0:
        return 0.0
    lag = current - stamp if kind == "input" else stamp - current
    return lag if 0 < lag < 1.0 else 0.0


class MicSource:
    """The default (or chosen) microphone as 32 ms blocks of 16 kHz mono float32, for the whole session.

    The microphone stays open while the interviewer talks: what it hears then
    is the candidate talking over the interviewer (and the interviewer's echo,
    which :mod:`voiceinterviewer.audio.echo` removes).
    """

    def __init__(self, device: str | None = None, stall_timeout: float = 3.0):
        self.sd = _sd()
        self.device = parse_device(device)
        self.stall_timeout = stall_timeout
        self._q: queue.Queue[tuple[np.ndarray, float]] = queue.Queue()
        self.overflows = 0
        self.captured_at: float | None = None  # monotonic time the last block read began
        _check_device(self.sd, self.device, "input")
        try:
            self._stream = self.sd.InputStream(
                samplerate=STT_RATE,
                channels=1,
                dtype="float32",
                blocksize=BLOCK,
                device=self.device,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as exc:
            raise DeviceError(f"cannot open the microphone: {str(exc).splitlines()[0]}") from None

    @property
    def latency(self) -> float:
        return _latency(self._stream)

    def _callback(self, indata, frames, time_info, status) -> None:
        if status.input_overflow:
            self.overflows += 1
        now = time.monotonic()
        # how long ago the block's first sample was captured, from PortAudio when it knows
        ago = _stream_lag(time_info, "input") or (self.latency + frames / STT_RATE)
        self._q.put((indata[:, 0].copy(), now - ago))

    def read(self) -> np.ndarray | None:
        try:
            block, self.captured_at = self._q.get(timeout=self.stall_timeout)
        except queue.Empty:
            raise DeviceError("the microphone stopped delivering audio") from None
        return block

    def close(self) -> None:
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:
            pass


STALL_SECONDS = 3.0  # a speaker that takes no audio for this long has failed
# Output buffering (seconds). PortAudio's "low" (about 9 ms here) means a callback every 2 ms,
# which a busy machine misses: underruns, and on PulseAudio stalls of up to 2 s. With 40 ms a
# CPU-heavy process beside the interview still made the speaker run dry 90-1800 times a
# session (the echo then slips behind its reference and the interviewer pauses for its own
# voice); with 100 ms, 0-1 times. The interviewer still stops within 100 ms of a barge-in.
OUTPUT_LATENCY = 0.1


class SpeakerSink:
    """One long-lived output stream that plays whatever its :class:`Playout` holds.

    The stream's callback pulls from :attr:`playout` and hands the same span,
    at 16 kHz, to :attr:`far` (the echo canceller's reference), so the session
    never blocks on playback and knows exactly what was heard. :meth:`play`
    is the blocking form, for replay.
    """

    def __init__(self, device: str | None = None):
        self.sd = _sd()
        self.device = parse_device(device)
        _check_device(self.sd, self.device, "output")
        try:
            info = self.sd.query_devices(self.device, "output")
            self.rate = int(info["default_samplerate"]) or 48000
            self.playout = Playout(self.rate)
            self.far = FarBuffer()
            self.underflows = (
                0  # times the device ran dry (a busy machine): the echo reference slips
            )
            self._last_callback = time.monotonic()
            self._stream = self.sd.OutputStream(
                samplerate=self.rate,
                channels=1,
                dtype="float32",
                device=self.device,
                callback=self._callback,
                blocksize=0,
                latency=OUTPUT_LATENCY,
            )
            self._stream.start()
        except DeviceError:
            raise
        except Exception as exc:
            raise DeviceError(f"cannot open the speaker: {str(exc).splitlines()[0]}") from None

    @property
    def latency(self) -> float:
        return _latency(self._stream)

    def _callback(self, outdata, frames, time_info, status) -> None:
        if status.output_underflow:
            self.underflows += 1
            self.far.glitch()
        out, far = self.playout.pull(frames)
        outdata[:, 0] = out
        now = time.monotonic()
        ahead = _stream_lag(time_info, "output") or self.latency
        self.far.push(far, heard_at=now + ahead)
        self._last_callback = now

    def check(self) -> None:
        """Raise DeviceError when the device has stopped taking audio."""
        stalled = time.monotonic() - self._last_callback > STALL_SECONDS
        if stalled or not self._stream.active:
            self.playout.stop()
            raise DeviceError("the speaker stopped playing")

    def play(self, clip: Clip) -> float:
        """Play ``clip`` to the end; return the monotonic time its first sample went out."""
        t_submit = time.monotonic()
        self.playout.begin()
        self.playout.say(clip)
        while not self.playout.finished:
            time.sleep(0.02)
            self.check()
        # Let the device's own buffer run out.
        time.sleep(min(0.25, max(0.0, self.latency)))
        return self.playout.first_audio_at or t_submit

    def stop(self) -> None:
        self.playout.stop()

    def close(self) -> None:
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:
            pass


def measure_input_level(device: str | None, seconds: float = 3.0, on_level=None) -> float:
    """Read the microphone for ``seconds``, calling on_level(db) per block; return the peak dB."""
    mic = MicSource(device)
    peak = -120.0
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            block = mic.read()
            level = rms_db(block)
            peak = max(peak, level)
            if on_level:
                on_level(level)
    finally:
        mic.close()
    return peak
