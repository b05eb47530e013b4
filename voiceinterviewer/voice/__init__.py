"""Voices: build the one the settings ask for (auto = Piper when installed, else the system voice)."""

from __future__ import annotations

from voiceinterviewer.voice.base import Voice


def build_voice(name: str = "auto", rate: float = 1.0) -> Voice:
    from voiceinterviewer.voice.piper_voice import PiperVoiceEngine, piper_available

    if name == "piper" or (name == "auto" and piper_available()):
        return PiperVoiceEngine(rate=rate)
    from voiceinterviewer.voice.system_voice import SystemVoice

    return SystemVoice(rate=rate)


__all__ = ["Voice", "build_voice"]
