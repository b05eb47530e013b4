"""Speaking a reply: synthesise sentence by sentence and play while the next one is made.

The first sentence is played as soon as it is synthesised; a producer thread
synthesises the following ones (pulling them from a streaming LLM reply if
that is the source) while the sink plays. Everything played is also written
to the turn's WAV, so the session keeps exactly what the candidate heard.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.audio.ports import AudioSink
from voiceinterviewer.audio.wavfile import StreamingWav
from voiceinterviewer.voice.base import Voice

_END = object()


@dataclass
class Spoken:
    text: str
    duration: float
    first_audio_at: float | None  # monotonic time the first sample went out
    sentences: list[str] = field(default_factory=list)
    error: str = ""


def speak(
    sentences: Iterable[str],
    voice: Voice,
    sink: AudioSink,
    wav_path,
    first_clip: tuple[str, Clip] | None = None,
    on_sentence=None,
) -> Spoken:
    """Speak ``sentences`` (optionally with the first one already synthesised)."""
    q: queue.Queue = queue.Queue(maxsize=4)
    errors: list[BaseException] = []
    stop = threading.Event()

    def produce() -> None:
        try:
            for sentence in sentences:
                sentence = sentence.strip()
                if not sentence:
                    continue
                if stop.is_set():
                    break
                q.put((sentence, voice.synthesize(sentence)))
        except BaseException as exc:  # surfaced to the caller's thread below
            errors.append(exc)
        finally:
            q.put(_END)

    said: list[str] = []
    first_at: float | None = None
    wav: StreamingWav | None = None
    total = 0.0
    producer = threading.Thread(target=produce, daemon=True, name="tts")
    if first_clip is None:
        producer.start()
    try:
        pending = [first_clip] if first_clip is not None else []
        if first_clip is not None:
            producer.start()
        while True:
            item = pending.pop(0) if pending else q.get()
            if item is _END:
                break
            sentence, clip = item
            if wav is None:
                wav = StreamingWav(wav_path, clip.rate)
            wav.write(clip.resampled(wav.rate).samples)
            if on_sentence:
                on_sentence(sentence)
            started = sink.play(clip)
            first_at = first_at or started
            said.append(sentence)
            total += clip.duration
    finally:
        stop.set()
        while producer.is_alive():  # let the producer see `stop` and finish its sentence
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        producer.join(timeout=5)
        if wav is not None:
            wav.close()
    error = ""
    if errors:
        exc = errors[0]
        if isinstance(exc, KeyboardInterrupt):
            raise exc
        error = f"{type(exc).__name__}: {exc}"
        if not said:
            raise exc
    return Spoken(" ".join(said), round(total, 3), first_at, said, error)


def now() -> float:
    return time.monotonic()
