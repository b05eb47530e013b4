"""Speech synthesised at test time (Piper's neural voice), and word error rate."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.wavfile import write_wav
from voiceinterviewer.stt.sounds import number_words


@functools.lru_cache(maxsize=1)
def piper():
    from voiceinterviewer.voice.piper_voice import PiperVoiceEngine

    return PiperVoiceEngine().steady()  # same text, same audio: a test hears what it heard before


@functools.lru_cache(maxsize=1)
def whisper():
    from voiceinterviewer.stt.whisper import load_transcriber

    return load_transcriber("tiny.en")


def speech(text: str) -> Clip:
    return piper().synthesize(text)


def speech_with_pause(before: str, pause_s: float, after: str) -> Clip:
    a, b = speech(before), speech(after)
    gap = np.zeros(int(pause_s * a.rate), dtype=np.float32)
    return Clip(np.concatenate([a.samples, gap, b.samples]), a.rate)


def speech_file(path: Path, text: str) -> Path:
    write_wav(path, speech(text))
    return path


def words(text: str) -> list[str]:
    """Lower-case words with digits spelled out, so "30%" and "thirty percent" compare equal."""
    text = re.sub(
        r"\$([0-9][0-9,.]*)\s*(million|billion|thousand)?", r"\1 \2 dollars", text.lower()
    )
    text = text.replace("%", " percent")
    out: list[str] = []
    for token in re.findall(r"[a-z']+|[0-9]+", text.replace(",", "")):
        out.extend(number_words(int(token)).split() if token.isdigit() else [token])
    return out


def word_edits(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance between two word lists (substitutions, insertions, deletions)."""
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
            prev, d[j] = d[j], cur
    return d[len(hyp)]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate (Levenshtein over words) of hypothesis against reference."""
    ref = words(reference)
    return word_edits(ref, words(hypothesis)) / max(1, len(ref))


def tone(seconds: float) -> Clip:
    """A steady 300 Hz tone: speech to the energy VAD, nothing to a transcriber."""
    t = np.arange(int(seconds * STT_RATE))
    return Clip((0.3 * np.sin(t * 2 * np.pi * 300 / STT_RATE)).astype(np.float32), STT_RATE)
