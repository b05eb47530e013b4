"""Speech that Whisper wrote no words for, transcribed again.

Now and then tiny.en skips a phrase in the middle of a chunk: it wrote
"...across three teams. We" for "...across three teams. We moved card
authorization to a new service," and the words on either side kept their
times, with nearly two seconds between them that the voice activity detector
heard as speech. Such a gap is found from the word timings and the detector's
speech, the chunk from the start of the gap is transcribed once more on its
own, and its words replace what Whisper wrote after the gap when they are
more. A chunk without a gap costs nothing extra.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.stock_phrases import drop_unheard_phrases, stock_runs
from voiceinterviewer.stt.whisper import Transcriber, Transcript
from voiceinterviewer.stt.words import join_words


@dataclass
class RecoverOptions:
    # A pause between two words shorter than this is a pause, whatever the detector says.
    min_gap: float = 0.8
    # Speech the detector heard inside the gap (seconds) that means words were lost.
    min_speech: float = 0.5
    # Audio kept before the gap when it is transcribed again (the word's edge is rough).
    lead: float = 0.1


def speech_in(intervals: list[tuple[float, float]], start: float, end: float) -> float:
    """Seconds of ``intervals`` (speech, in chunk time) that fall between start and end."""
    return sum(max(0.0, min(e, end) - max(s, start)) for s, e in intervals)


def first_lost_speech(
    words: list[Word],
    speech: list[tuple[float, float]],
    spoken: float,
    options: RecoverOptions | None = None,
) -> float | None:
    """Chunk time where the first stretch of heard speech without words begins, if any."""
    opt = options or RecoverOptions()
    starts = [0.0] + [w.end for w in words]
    ends = [w.start for w in words] + [spoken]
    for start, end in zip(starts, ends, strict=True):
        if end - start >= opt.min_gap and speech_in(speech, start, end) >= opt.min_speech:
            return start
    return None


def transcribe_recovering(
    transcriber: Transcriber,
    clip: Clip,
    prompt: str,
    speech: list[tuple[float, float]],
    spoken: float,
    options: RecoverOptions | None = None,
) -> Transcript:
    """Transcribe ``clip``; if a stretch of its speech got no words, transcribe from there again.

    ``speech`` is where the detector heard speech and ``spoken`` where it last did,
    both in seconds from the start of the clip. Whisper's stock phrases ("Thank
    you for watching.") count as no words when looking for lost speech, and are
    dropped wherever the detector heard too little speech to have said them.
    """
    opt = options or RecoverOptions()
    heard = _unheard_dropped(transcriber.transcribe(clip, prompt), speech)
    stock = stock_runs(heard.words)
    real = [w for i, w in enumerate(heard.words) if i not in stock]
    gap = first_lost_speech(real, speech, spoken, opt)
    if gap is None or gap < 2 * opt.lead:  # the same audio again would give the same words
        return heard
    start = gap - opt.lead
    before = [w for w in heard.words if w.end <= gap]
    context = " ".join([prompt, join_words(before)]).strip()[-200:]
    rest = Clip(clip.samples[int(start * clip.rate) :], clip.rate)
    again = _unheard_dropped(transcriber.transcribe(rest, context).shifted(start), speech)
    if len(again.words) <= len(heard.words) - len(before):
        return heard
    words = before + again.words
    return Transcript(join_words(words), words)


def _unheard_dropped(transcript: Transcript, speech: list[tuple[float, float]]) -> Transcript:
    """Without unheard stock phrases, its text written from its words (whoever transcribed it)."""
    if not transcript.words:
        return transcript
    kept = drop_unheard_phrases(transcript.words, speech)
    return Transcript(join_words(kept), kept)
