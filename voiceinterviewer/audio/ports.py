"""The audio seams: where the candidate's audio comes from and where the interviewer's goes.

An :class:`AudioSource` hands out fixed-size blocks of 16 kHz mono float32
audio; the microphone, a scripted file and a recorded session all look the
same to the session loop. An :class:`AudioSink` plays a whole clip and
returns when it has been heard (or stopped).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from voiceinterviewer.audio.clip import Clip

BLOCK = 512  # samples per block at 16 kHz (32 ms): one Silero VAD window


class AudioSource(Protocol):
    def read(self) -> np.ndarray | None:
        """Next block of BLOCK samples at 16 kHz; None when the source has ended."""
        ...


class AudioSink(Protocol):
    def play(self, clip: Clip) -> float:
        """Play ``clip`` to the end; return the monotonic time its first sample went out."""
        ...
