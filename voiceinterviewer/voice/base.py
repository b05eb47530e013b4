"""The voice seam: text in, audio out. Playing is the sink's job, so the app controls playback."""

from __future__ import annotations

from typing import Protocol

from voiceinterviewer.audio.clip import Clip


class Voice(Protocol):
    def synthesize(self, text: str) -> Clip: ...
