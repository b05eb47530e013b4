"""Words Whisper wrote that nobody said: closing words after the speech, and loops.

Both run on every decoding's words, live and in ``transcribe``; both are pure.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.words import join_words

if TYPE_CHECKING:
    from voiceinterviewer.stt.whisper import Transcript


def _ends_sentence(word: Word) -> bool:
    return word.word.endswith((".", "!", "?"))


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
    return dataclasses.replace(transcript, text=join_words(words), words=words)


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


__all__ = ["collapse_repeats", "drop_words_after_speech"]
