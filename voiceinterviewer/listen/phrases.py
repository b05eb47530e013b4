"""An answer transcribed phrase by phrase while it is spoken, the same way live and later.

Audio is added block by block with the voice activity detector's verdict.
At every short pause (``chunk_pause``) the speech since the last pause is
sent to a transcription worker, primed with the text of every phrase before
it, checked for speech Whisper wrote no words for (:mod:`.recover`) and for
words written after the speech ended. When the candidate stops, only the last
phrase is left to transcribe.

``voiceinterviewer transcribe`` feeds a recorded answer through the same
class (:func:`transcribe_audio`), so the same model gives the same text live
and later.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.ports import BLOCK
from voiceinterviewer.listen.recover import transcribe_recovering
from voiceinterviewer.listen.vad import VoiceActivityDetector
from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.tidy import drop_words_after_speech
from voiceinterviewer.stt.whisper import Transcriber, Transcript
from voiceinterviewer.stt.words import join_words


@dataclass
class PhraseOptions:
    # A pause this long sends the phrase before it to transcription (seconds).
    chunk_pause: float = 0.25
    # Silence kept after the last speech in a phrase sent to transcription (seconds).
    chunk_pad: float = 0.2
    # A phrase with less speech than this (seconds) is a click or a breath: not transcribed.
    min_chunk_speech: float = 0.16
    # Characters of earlier text a phrase is primed with.
    prompt_chars: int = 200
    # Voice probability above which a block is speech.
    threshold: float = 0.5


class Phrases:
    """One answer's audio, its speech, and its words as far as they are transcribed."""

    def __init__(
        self,
        transcriber: Transcriber,
        submit: Callable[[Callable[[], Transcript]], Future],
        options: PhraseOptions | None = None,
    ):
        self.transcriber = transcriber
        self._submit = submit  # runs a transcription in the background (one worker: in order)
        self.options = options or PhraseOptions()
        self.blocks: list[np.ndarray] = []
        self.pos = 0  # samples so far
        self.first_speech = -1  # sample where speech began (-1: none yet)
        self.last_speech = -1  # sample where it last ended
        self.runs: list[list[int]] = []  # [start, end) samples the detector heard as speech
        self._committed = 0  # samples handed to transcription
        self._speech_blocks = 0  # speech blocks since then
        self._futures: list[Future] = []
        self.parts: list[Transcript] = []  # transcribed phrases, in order
        # Text of every phrase so far, kept by the (single) worker itself: each phrase is
        # primed with all the text before it, however far the audio has been read.
        self._written: list[str] = []

    # -- audio in ----------------------------------------------------------------
    def add(self, block: np.ndarray, speech: bool) -> None:
        start = self.pos
        self.blocks.append(block)
        self.pos += len(block)
        if speech:
            self._speech_blocks += 1
            if self.first_speech < 0:
                self.first_speech = start
            if self.runs and self.runs[-1][1] == start:
                self.runs[-1][1] = self.pos
            else:
                self.runs.append([start, self.pos])
            self.last_speech = self.pos

    @property
    def silence(self) -> float:
        """Seconds since speech last ended (0 while speaking; all of it before any speech)."""
        if self.last_speech < 0:
            return self.pos / STT_RATE
        return (self.pos - self.last_speech) / STT_RATE

    @property
    def speech_seconds(self) -> float:
        return sum(b - a for a, b in self.runs) / STT_RATE

    def step(self) -> None:
        """Send the phrase before a pause to transcription; collect phrases that are done."""
        if self.silence >= self.options.chunk_pause and self._committed < self.last_speech:
            self.submit(final=False)
        self.collect(wait=False)

    def submit(self, final: bool = True) -> None:
        """Send everything not yet transcribed (up to a short pad after the speech).

        A phrase with too little speech to transcribe alone (a short "Hi," or
        "Yes,") waits to go with the next one; at the end it is dropped as a
        click or a breath.
        """
        opt = self.options
        until = self.pos
        if self._committed >= self.last_speech:
            return
        if self._speech_blocks * BLOCK / STT_RATE < opt.min_chunk_speech:
            if final:
                self._committed, self._speech_blocks = until, 0  # a click or a breath
            return
        end = min(until, self.last_speech + int(opt.chunk_pad * STT_RATE))
        start = self._committed
        audio = np.concatenate(self.blocks)[start:end] if self.blocks else np.zeros(0)
        offset = start / STT_RATE
        spoken = (self.last_speech - start) / STT_RATE  # where speech ends in the phrase
        runs = [
            ((max(a, start) - start) / STT_RATE, (min(b, end) - start) / STT_RATE)
            for a, b in self.runs
            if b > start and a < end
        ]
        written, transcriber, chars = self._written, self.transcriber, opt.prompt_chars

        def transcribe() -> Transcript:
            prompt = " ".join(t for t in written if t).strip()[-chars:]
            clip = Clip(audio.astype(np.float32, copy=False), STT_RATE)
            heard = transcribe_recovering(transcriber, clip, prompt, runs, spoken)
            kept = drop_words_after_speech(heard, spoken)
            written.append(kept.text)
            return kept.shifted(offset)

        self._futures.append(self._submit(transcribe))
        self._committed, self._speech_blocks = until, 0

    def collect(self, wait: bool) -> bool:
        """Move finished phrases into :attr:`parts`; True when none is pending."""
        while self._futures:
            if not wait and not self._futures[0].done():
                return False
            self.parts.append(self._futures.pop(0).result())
        return True

    @property
    def pending(self) -> bool:
        return bool(self._futures)

    # -- words out ---------------------------------------------------------------
    @property
    def words(self) -> list[Word]:
        return [w for p in self.parts for w in p.words]

    @property
    def text(self) -> str:
        return join_words(p.text for p in self.parts if p.text)  # "3" + ",000" across phrases

    def transcript(self) -> Transcript:
        return Transcript(self.text, self.words)

    def audio(self) -> Clip:
        data = np.concatenate(self.blocks) if self.blocks else np.zeros(0, dtype=np.float32)
        return Clip(data.astype(np.float32, copy=False), STT_RATE)

    def lost_word(self, gap: float) -> bool:
        """Speech went on for more than ``gap`` seconds after the last recognised word."""
        words = self.words
        return bool(words) and (self.last_speech / STT_RATE) - words[-1].end > gap


def transcribe_audio(
    clip: Clip,
    transcriber: Transcriber,
    vad: VoiceActivityDetector,
    options: PhraseOptions | None = None,
) -> Transcript:
    """A recorded answer, transcribed phrase by phrase exactly as the live listener does."""
    samples = clip.resampled(STT_RATE).samples
    opt = options or PhraseOptions()
    if hasattr(vad, "reset"):
        vad.reset()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stt") as pool:
        phrases = Phrases(transcriber, pool.submit, opt)
        for i in range(0, len(samples), BLOCK):
            block = samples[i : i + BLOCK]
            if len(block) < BLOCK:
                block = np.concatenate([block, np.zeros(BLOCK - len(block), dtype=np.float32)])
            phrases.add(block, vad.voice_confidence(block) >= opt.threshold)
            phrases.step()
        phrases.submit()
        phrases.collect(wait=True)
    return phrases.transcript()
