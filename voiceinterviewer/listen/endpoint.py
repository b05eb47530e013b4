"""End of turn: the candidate asking to end the interview, and listening to one answer on its own.

The decisions live in small pure modules: :mod:`.patience` (how long a
silence must last before the answer is over), :mod:`.bargein` (the candidate
talking over the interviewer), and the word lists in ``prompts/turns.toml``
(:mod:`.turn_rules`). :class:`.answer.Answer` applies them frame by frame.
:class:`TurnListener` runs one answer from a source with nobody talking over
it, which is what the end-of-turn tests and the bench's checks need.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from voiceinterviewer.audio.farend import FarEnd
from voiceinterviewer.audio.ports import AudioSource
from voiceinterviewer.listen.answer import Answer, Heard, ListenOptions, Question
from voiceinterviewer.listen.ear import Ear
from voiceinterviewer.listen.patience import PatienceOptions, Pauses
from voiceinterviewer.listen.patience import sounds_finished as _sounds_finished
from voiceinterviewer.listen.phrases import PhraseOptions
from voiceinterviewer.listen.turn_rules import turn_rules
from voiceinterviewer.listen.vad import VoiceActivityDetector
from voiceinterviewer.stt.whisper import Transcriber, Transcript

END_PHRASES = re.compile(
    r"\b(?:(?:end|stop|finish)\W+(?:the\W+|this\W+)?(?:interview|session)"
    r"|let'?s\W+(?:end|and|in|stop|finish|wrap\W+up)\W+(?:the\W+|this\W+|it\W+)?(?:interview|session|here|there))\b",
    re.I,
)


def wants_to_end(text: str) -> bool:
    """The candidate asked to end the interview, at the end of what they said."""
    tail = " ".join(text.split()[-12:])
    return bool(END_PHRASES.search(tail))


def sounds_finished(text: str, min_words: int = 4) -> bool:
    """True when the words so far end like a finished sentence (rules from prompts/turns.toml)."""
    return _sounds_finished(text, turn_rules(), min_words)


@dataclass
class EndpointOptions:
    """The end-of-turn settings in one place, as the CLI and config name them."""

    # Silence that ends an answer that has reached its point (or answers a follow-up).
    end_silence: float = 0.8
    # Silence after a finished sentence in an open answer that has not reached a result yet.
    open_silence: float = 3.2
    # Silence that ends an answer that sounds unfinished (thinking pause).
    pause_silence: float = 3.6
    # Silence that always ends an answer.
    max_silence: float = 6.0
    # Longest answer; the turn ends here even mid-sentence.
    max_answer: float = 240.0
    # How long to wait for the candidate to start speaking.
    no_speech_timeout: float = 60.0
    # Voice probability above which a block is speech.
    threshold: float = 0.5
    # A pause this long triggers transcription of the phrase before it.
    chunk_pause: float = 0.25
    # Answers shorter than this many words are treated as unfinished.
    min_words: int = 4
    # Answers of at most this many sentences with no result wait open_silence (0: never).
    brief_sentences: int = 1
    # "vad" or "enter".
    mode: str = "vad"

    def listen_options(self) -> ListenOptions:
        return ListenOptions(
            max_answer=self.max_answer,
            no_speech_timeout=self.no_speech_timeout,
            mode=self.mode,
            patience=PatienceOptions(
                end_silence=self.end_silence,
                open_silence=self.open_silence,
                pause_silence=self.pause_silence,
                max_silence=self.max_silence,
                min_words=self.min_words,
                brief_sentences=self.brief_sentences,
            ),
            phrases=PhraseOptions(chunk_pause=self.chunk_pause, threshold=self.threshold),
        )


class _Silent:
    def take(self, n: int, at: float | None = None) -> np.ndarray:
        return np.zeros(n, dtype=np.float32)


class TurnListener:
    """Listens to one answer at a time from ``source``, with no interviewer talking over it."""

    def __init__(
        self,
        source: AudioSource,
        vad: VoiceActivityDetector,
        transcriber: Transcriber,
        options: EndpointOptions | None = None,
        question: Question | None = None,
        far: FarEnd | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.source = source
        self.vad = vad
        self.transcriber = transcriber
        self.options = options or EndpointOptions()
        self.question = question or Question(open=False)
        self.pauses = Pauses()
        self.clock = clock
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stt")
        self._far = far or _Silent()
        self.enter_pressed = threading.Event()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def listen(
        self,
        record: Callable[[np.ndarray], None] | None = None,
        on_finished_words: Callable[[Transcript], None] | None = None,
    ) -> Heard:
        """Read the source until the answer is over; ``record`` gets every block as it arrives."""
        if hasattr(self.source, "begin_answer"):
            self.source.begin_answer()
        if hasattr(self.vad, "reset"):
            self.vad.reset()
        self.enter_pressed.clear()
        ear = Ear(self.source, self.vad, self._far, record=record)
        answer = Answer(
            self.transcriber,
            self._pool.submit,
            turn_rules(),
            self.pauses,
            self.question,
            self.options.listen_options(),
            on_finished_words=on_finished_words,
            clock=self.clock,
            wants_end=wants_to_end,
        )
        while True:
            frame = ear.read()
            if frame is None:
                answer._decide("source_ended")
                break
            answer.enter_pressed = self.enter_pressed.is_set()
            if answer.feed(frame) == "decided":
                break
        self.pauses = answer.pauses
        answer.seal()
        assert answer.heard is not None
        return answer.heard
