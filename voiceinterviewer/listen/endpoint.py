"""End of turn: deciding when the candidate has finished answering.

People pause to think in interviews, so silence alone is a poor signal. The
listener combines three things, all measured in audio time:

- voice activity per 32 ms block (the :class:`VoiceActivityDetector` seam);
- the words so far: at every short pause (``chunk_pause``) the speech since
  the last pause is transcribed in a worker thread, so when the candidate
  stops only the last phrase is left to transcribe;
- whether those words sound finished. A finished sentence ends the turn after
  ``end_silence``; a trailing "so", "and", "um", a comma or a very short answer
  waits ``pause_silence``; ``max_silence`` always ends it.

In ``enter`` mode the turn ends when the person presses Enter instead.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.ports import BLOCK, AudioSource
from voiceinterviewer.listen.recover import transcribe_recovering
from voiceinterviewer.listen.vad import VoiceActivityDetector
from voiceinterviewer.stt.whisper import Transcriber, Transcript, drop_words_after_speech

TRAILING_UNFINISHED = {
    # conjunctions, fillers and discourse markers that lead into more
    "so",
    "and",
    "but",
    "or",
    "because",
    "um",
    "uh",
    "er",
    "ah",
    "hmm",
    "like",
    "then",
    "also",
    "basically",
    "actually",
    "well",
    "okay",
    "ok",
    "right",
    "first",
    "second",
    "next",
    "plus",
    # articles, prepositions and pronouns that need a following word
    "the",
    "a",
    "an",
    "to",
    "of",
    "with",
    "for",
    "that",
    "which",
    "if",
    "when",
    "while",
    "in",
    "on",
    "at",
    "by",
    "from",
    "into",
    "about",
    "as",
    "than",
    "until",
    "after",
    "before",
    "since",
    "over",
    "through",
    "between",
    "via",
    "per",
    "we",
    "i",
    "my",
    "our",
    "their",
    "its",
    "his",
    "her",
    "this",
    "these",
    "those",
    "some",
    "any",
    "each",
    "every",
    "very",
    "more",
    "most",
    # auxiliaries and copulas
    "is",
    "was",
    "were",
    "are",
    "be",
    "been",
    "has",
    "have",
    "had",
    "would",
    "will",
    "can",
    "could",
    "should",
    "did",
    "do",
    "does",
}
END_PHRASES = re.compile(
    r"\b(?:(?:end|stop|finish)\W+(?:the\W+|this\W+)?(?:interview|session)"
    r"|let'?s\W+(?:end|and|in|stop|finish|wrap\W+up)\W+(?:the\W+|this\W+|it\W+)?(?:interview|session|here|there))\b",
    re.I,
)


def wants_to_end(text: str) -> bool:
    """The candidate asked to end the interview, at the end of what they said."""
    tail = " ".join(text.split()[-12:])
    return bool(END_PHRASES.search(tail))


@dataclass
class EndpointOptions:
    # Silence that ends an answer whose words sound finished.
    end_silence: float = 0.8
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
    # Silence kept after the last speech in a chunk sent to transcription.
    chunk_pad: float = 0.2
    # A chunk with less speech than this (seconds) is noise: not transcribed.
    min_chunk_speech: float = 0.16
    # Speech this long after the last recognised word means a word was lost: unfinished.
    lost_word_gap: float = 0.6
    # "vad" or "enter".
    mode: str = "vad"


def sounds_finished(text: str, min_words: int = 4) -> bool:
    """True when the words so far end like a finished answer."""
    stripped = text.strip()
    if not stripped:
        return False
    words = re.findall(r"[A-Za-z0-9']+", stripped.lower())
    if len(words) < min_words:
        return False
    if stripped.endswith(("...", "…", ",", "-", "—", ":", ";")):
        return False
    if words[-1] in TRAILING_UNFINISHED:
        return False
    return stripped[-1] in ".!?" or stripped[-1].isalnum() and len(words) >= min_words * 3


@dataclass
class Heard:
    """What one listening turn captured."""

    audio: Clip
    transcript: Transcript
    speech_start: float = 0.0
    speech_end: float = 0.0
    end_reason: str = "silence"
    decided_at: float = 0.0  # monotonic time of the end-of-turn decision
    tail_wait_ms: float = 0.0  # time spent waiting for the last transcription
    chunks: int = 0
    wants_end: bool = False  # the candidate asked to end the interview
    timings: dict[str, float] = field(default_factory=dict)


class Listener(Protocol):
    def listen(
        self,
        record: Callable[[np.ndarray], None] | None = None,
        on_finished_words: Callable[[Transcript], None] | None = None,
    ) -> Heard: ...


class TurnListener:
    def __init__(
        self,
        source: AudioSource,
        vad: VoiceActivityDetector,
        transcriber: Transcriber,
        options: EndpointOptions | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.source = source
        self.vad = vad
        self.transcriber = transcriber
        self.options = options or EndpointOptions()
        self.clock = clock
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stt")
        self.enter_pressed = threading.Event()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def listen(
        self,
        record: Callable[[np.ndarray], None] | None = None,
        on_finished_words: Callable[[Transcript], None] | None = None,
    ) -> Heard:
        """Read the source until the turn ends; ``record`` gets every block as it arrives.

        ``on_finished_words`` is called (from this thread) when the words so far
        sound finished, before the silence window has run out, so the caller
        can prepare its reply while it waits.
        """
        opt = self.options
        if hasattr(self.source, "begin_answer"):
            self.source.begin_answer()
        if hasattr(self.vad, "reset"):
            self.vad.reset()
        self.enter_pressed.clear()
        blocks: list[np.ndarray] = []
        pos = 0  # samples read
        first_speech = -1
        last_speech = -1
        committed = 0  # samples handed to transcription
        speech_blocks = 0  # speech blocks since `committed`
        speech_runs: list[list[int]] = []  # [start, end) samples where the detector heard speech
        futures: list[Future] = []
        done_parts: list[Transcript] = []
        # Text of every chunk transcribed so far, kept by the (single) worker itself: each
        # chunk is primed with all the text before it, however far the main loop has read.
        written: list[str] = []
        speculated_for = ""
        reason = ""
        block_s = BLOCK / STT_RATE

        def collect(block_wait: bool) -> bool:
            """Move finished chunk transcripts into done_parts; True when none is pending."""
            while futures:
                if not block_wait and not futures[0].done():
                    return False
                done_parts.append(futures.pop(0).result())
            return True

        def text_so_far() -> str:
            return " ".join(p.text for p in done_parts if p.text).strip()

        def submit(until: int) -> None:
            nonlocal committed, speech_blocks
            if speech_blocks * block_s < opt.min_chunk_speech:
                committed, speech_blocks = until, 0  # a click or a breath: nothing to transcribe
                return
            end = min(until, last_speech + int(opt.chunk_pad * STT_RATE))  # no long silent tail
            audio = np.concatenate(blocks)[committed:end]
            offset = committed / STT_RATE
            spoken = (last_speech - committed) / STT_RATE  # where speech ends in the chunk
            runs = [
                ((max(a, committed) - committed) / STT_RATE, (min(b, end) - committed) / STT_RATE)
                for a, b in speech_runs
                if b > committed and a < end
            ]

            def transcribe(a=audio, o=offset, s=spoken, r=runs) -> Transcript:
                prompt = " ".join(t for t in written if t).strip()[-200:]
                heard = transcribe_recovering(self.transcriber, Clip(a, STT_RATE), prompt, r, s)
                kept = drop_words_after_speech(heard, s)
                written.append(kept.text)
                return kept.shifted(o)

            futures.append(self._pool.submit(transcribe))
            committed, speech_blocks = until, 0

        def finished() -> bool:
            words = [w for p in done_parts for w in p.words]
            if words and (last_speech / STT_RATE) - words[-1].end > opt.lost_word_gap:
                return False  # speech went on after the last recognised word
            return sounds_finished(text_so_far(), opt.min_words)

        while True:
            block = self.source.read()
            if block is None:
                reason = "source_ended"
                break
            block = np.asarray(block, dtype=np.float32)
            blocks.append(block)
            if record is not None:
                record(block)
            pos += len(block)
            speech = self.vad.voice_confidence(block) >= opt.threshold
            if speech:
                speech_blocks += 1
                if first_speech < 0:
                    first_speech = pos - len(block)
                if speech_runs and speech_runs[-1][1] == pos - len(block):
                    speech_runs[-1][1] = pos
                else:
                    speech_runs.append([pos - len(block), pos])
                last_speech = pos
            collect(block_wait=False)
            if opt.mode == "enter" and self.enter_pressed.is_set():
                reason = "enter"
                break
            if pos / STT_RATE >= opt.max_answer:
                reason = "max_answer"
                break
            if first_speech < 0:
                if pos / STT_RATE >= opt.no_speech_timeout:
                    reason = "no_answer"
                    break
                continue
            silence = (pos - last_speech) / STT_RATE
            if silence >= opt.chunk_pause and committed < last_speech:
                submit(pos)
            if opt.mode == "enter" or silence < opt.end_silence - block_s / 2:
                if silence >= opt.chunk_pause and on_finished_words and not futures:
                    text = text_so_far()
                    if text != speculated_for and finished():
                        speculated_for = text
                        on_finished_words(
                            Transcript(text, [w for p in done_parts for w in p.words])
                        )
                continue
            if silence >= opt.max_silence:
                reason = "max_silence"
                break
            collect(block_wait=True)  # the phrase before this pause must be known to judge it
            if finished():
                reason = "silence"
                break
            if silence >= opt.pause_silence:
                reason = "pause"
                break
        decided = self.clock()
        if first_speech >= 0 and committed < last_speech:
            submit(pos)
        t_wait = self.clock()
        collect(block_wait=True)
        tail_ms = (self.clock() - t_wait) * 1000
        audio = Clip(np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32), STT_RATE)
        words = [w for p in done_parts for w in p.words]
        transcript = Transcript(text_so_far(), words)
        return Heard(
            audio=audio,
            transcript=transcript,
            speech_start=max(0, first_speech) / STT_RATE,
            speech_end=max(0, last_speech) / STT_RATE,
            end_reason=reason,
            decided_at=decided,
            tail_wait_ms=tail_ms,
            chunks=len(done_parts),
            wants_end=wants_to_end(transcript.text),
        )
