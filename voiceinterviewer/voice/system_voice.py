"""The operating system's voice through pyttsx3 (SAPI5, NSSpeechSynthesizer, eSpeak NG).

pyttsx3 would play through its own backend (``aplay`` for eSpeak), which the
app could neither stop nor record. So speech is rendered to a temporary WAV
with ``save_to_file``, checked (that call has been seen to write nothing now
and then, so it is retried), read back, and played by the app's sink.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
import time

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.errors import MissingDependency, UserError


class SystemVoice:
    def __init__(self, rate: float = 1.0, attempts: int = 3):
        try:
            import pyttsx3
        except ImportError:
            raise MissingDependency("pyttsx3") from None
        try:
            self._engine = pyttsx3.init()
            base = self._engine.getProperty("rate") or 175
            self._engine.setProperty("rate", int(base * rate))
        except Exception as exc:
            raise UserError(
                f"no system voice available ({str(exc).splitlines()[0]}); install eSpeak NG or use --voice piper",
                1,
            ) from None
        self.attempts = attempts
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> Clip:
        from voiceinterviewer.audio.wavfile import read_audio

        with self._lock, tempfile.TemporaryDirectory(prefix="vi-tts-") as tmp:
            path = os.path.join(tmp, "speech.wav")
            for attempt in range(self.attempts):
                with contextlib.redirect_stdout(io.StringIO()):
                    self._engine.save_to_file(text, path)
                    self._engine.runAndWait()
                for _ in range(20):
                    if os.path.exists(path) and os.path.getsize(path) > 44:
                        break
                    time.sleep(0.05)
                if os.path.exists(path) and os.path.getsize(path) > 44:
                    try:
                        return read_audio(path)
                    except UserError:
                        pass
                time.sleep(0.05 * (attempt + 1))
        raise UserError("the system voice produced no audio; try --voice piper", 1)
