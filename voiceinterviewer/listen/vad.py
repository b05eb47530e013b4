"""Voice activity: how likely a 32 ms block holds speech, from the Silero model faster-whisper ships.

The model is the ONNX file in ``faster_whisper/assets``; it is run here in
streaming form (one 512-sample window at a time, carrying the LSTM state and
64 samples of context between calls), so each block costs well under a
millisecond and the decision is available as the audio arrives.
"""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np

from voiceinterviewer.errors import MissingDependency

WINDOW = 512
CONTEXT = 64


class VoiceActivityDetector(Protocol):
    def voice_confidence(self, block: np.ndarray) -> float:
        """Probability (0-1) that this 512-sample 16 kHz block is speech."""
        ...


def silero_model_path() -> str:
    try:
        import faster_whisper
    except ImportError:
        raise MissingDependency("faster-whisper") from None
    return os.path.join(os.path.dirname(faster_whisper.__file__), "assets", "silero_vad_v6.onnx")


class SileroVad:
    def __init__(self, path: str | None = None):
        try:
            import onnxruntime
        except ImportError:
            raise MissingDependency("onnxruntime") from None
        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(
            path or silero_model_path(), providers=["CPUExecutionProvider"], sess_options=opts
        )
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def voice_confidence(self, block: np.ndarray) -> float:
        block = np.asarray(block, dtype=np.float32)
        if len(block) != WINDOW:
            block = np.resize(block, WINDOW) if len(block) else np.zeros(WINDOW, dtype=np.float32)
        x = np.concatenate([self._context, block])[None, :]
        out, self._h, self._c = self._session.run(None, {"input": x, "h": self._h, "c": self._c})
        self._context = block[-CONTEXT:]
        return float(np.asarray(out).reshape(-1)[0])


class EnergyVad:
    """A level threshold, for tests of the seam and machines without onnxruntime."""

    def __init__(self, threshold_db: float = -45.0):
        self.threshold_db = threshold_db

    def voice_confidence(self, block: np.ndarray) -> float:
        from voiceinterviewer.audio.clip import rms_db

        return 1.0 if rms_db(block) > self.threshold_db else 0.0
