"""A voice that keeps the sentences the interviewer says most, synthesised once.

Most replies open with a short acknowledgement ("Got it.", "Thanks, that's
helpful."). When a reply was not prepared before the answer ended (its last
words were still being transcribed when the silence ran out, as on a slow
CPU), synthesising that first sentence is most of the time between the
decision and the interviewer's first sound: 60-250 ms with Piper on two cores.
:class:`CachedVoice` synthesises those sentences once, in the background
(:meth:`CachedVoice.warm`, started once the session's first words are
playing, never on the path to them), and says them from memory after that.
Every other sentence goes to the voice it wraps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.voice.base import Voice


def _key(text: str) -> str:
    return " ".join(text.split())


class CachedVoice:
    """``voice``, saying the ``sentences`` it was given from memory once :meth:`warm` ran."""

    def __init__(self, voice: Voice, sentences: Iterable[str] = ()):
        self.voice = voice
        self.sentences = tuple(dict.fromkeys(k for k in map(_key, sentences) if k))
        self._clips: dict[str, Clip] = {}

    def synthesize(self, text: str) -> Clip:
        clip = self._clips.get(_key(text))
        return clip if clip is not None else self.voice.synthesize(text)

    def warm(self, stop: Callable[[], bool] = lambda: False) -> int:
        """Synthesise every sentence not yet kept (until ``stop``); how many are kept."""
        for sentence in self.sentences:
            if stop():
                break
            if sentence not in self._clips:
                self._clips[sentence] = self.voice.synthesize(sentence)
        return len(self._clips)
