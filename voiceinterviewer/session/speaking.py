"""Speaking a reply without waiting for it: synthesised sentence by sentence, queued to the playout.

An :class:`Utterance` takes the reply's sentences (possibly still streaming
from an LLM), synthesises them in a background thread, and, each time the
session calls :meth:`Utterance.pump`, hands the sentences that are ready to
the :class:`~voiceinterviewer.audio.playout.Playout`. The session keeps
listening meanwhile and may pause, resume or stop it. The turn's WAV gets
each sentence as it is queued and is cut back, when the reply is stopped, to
exactly what was played.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.audio.playout import PlayedPart, Playout
from voiceinterviewer.audio.wavfile import StreamingWav
from voiceinterviewer.voice.base import Voice

_END = object()


@dataclass
class Spoken:
    """What was said of a reply."""

    text: str  # the words heard (a cut sentence shortened to what played)
    planned: str  # every sentence the reply had produced when it ended
    duration: float  # seconds played
    first_audio_at: float | None  # monotonic time the first sample went out
    sentences: list[str] = field(default_factory=list)
    error: str = ""
    cut: bool = False


class Utterance:
    def __init__(
        self,
        sentences: Iterable[str],
        voice: Voice,
        playout: Playout,
        wav_path: Path,
        first_clip: tuple[str, Clip] | None = None,
        pending=None,
    ):
        self.voice = voice
        self.playout = playout
        self.wav_path = wav_path
        self._sentences = sentences
        self._first = first_clip
        self._pending = pending
        self._q: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._errors: list[BaseException] = []
        self._produced = False
        self._queued: list[str] = []
        self._wav: StreamingWav | None = None
        self._thread = threading.Thread(target=self._produce, daemon=True, name="tts")

    def _hold(self):
        return self._pending.hold() if self._pending is not None else nullcontext()

    def _produce(self) -> None:
        try:
            it = iter(self._sentences)
            while not self._stop.is_set():
                with self._hold():
                    sentence = next(it, None)
                    if sentence is None:
                        break
                    sentence = sentence.strip()
                    if not sentence:
                        continue
                    clip = self.voice.synthesize(sentence)
                    self._q.put((sentence, clip))
        except BaseException as exc:  # surfaced to the session's thread by pump()
            self._errors.append(exc)
        finally:
            self._q.put(_END)

    def start(self) -> None:
        self.playout.begin()
        if self._first is not None:
            self._queue(*self._first)
        self._thread.start()

    def _queue(self, sentence: str, clip: Clip) -> None:
        if self._wav is None:
            self._wav = StreamingWav(self.wav_path, clip.rate)
        self._wav.write(clip.resampled(self._wav.rate).samples)
        self.playout.say(clip, sentence)
        self._queued.append(sentence)

    def pump(self) -> None:
        """Queue every sentence that is ready; raise what stopped the producer, if nothing was said."""
        while True:
            try:
                item = self._q.get_nowait()
            except queue.Empty:
                return
            if item is _END:
                self._produced = True
                self._raise_if_silent()
                return
            if not self._stop.is_set():
                self._queue(*item)

    def _raise_if_silent(self) -> None:
        if self._errors and not self._queued:
            raise self._errors[0]
        if self._errors and isinstance(self._errors[0], KeyboardInterrupt):
            raise self._errors[0]

    @property
    def produced(self) -> bool:
        """Every sentence has been synthesised (or the producer stopped)."""
        return self._produced

    @property
    def done(self) -> bool:
        """Everything produced has been played, or the rest was stopped."""
        return self._produced and self.playout.finished

    def stop(self) -> None:
        """Fade out and drop the rest; the producer finishes its sentence and stops."""
        self._stop.set()
        self.playout.stop()

    def close(self, cut: bool = False) -> Spoken:
        """Finish up: join the producer, cut the WAV back to what was played, say what was heard."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        part: PlayedPart = self.playout.played()
        if self._wav is not None:
            if cut:
                self._wav.truncate(part.seconds)
            self._wav.close()
        error = ""
        if self._errors and not isinstance(self._errors[0], KeyboardInterrupt):
            exc = self._errors[0]
            error = f"{type(exc).__name__}: {exc}"
        text = part.text if cut else " ".join(self._queued)
        return Spoken(
            text=text,
            planned=" ".join(self._queued),
            duration=round(part.seconds, 3),
            first_audio_at=self.playout.first_audio_at,
            sentences=list(part.sentences) if cut else list(self._queued),
            error=error,
            cut=cut,
        )
