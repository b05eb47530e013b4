"""Whisper's stock phrases ("Thank you for watching.", "Please subscribe"), dropped where unheard.

Whisper learned from subtitled videos to write such phrases over silence and
noise, and now and then it writes one in the middle of an answer, in a pause
between two phrases. The phrases are data (``prompts/speech.toml``,
``[hallucinations]``). Two rules use them:

- :func:`drop_trailing_hallucination`: at the very end of a chunk a sentence
  that is only a stock phrase goes whatever was heard (there it would also end
  the turn early), and so does such a phrase cut off after "you" ("We'll see
  you") when it opens a sentence;
- :func:`drop_unheard_phrases`: anywhere in a chunk, a sentence that is only
  a stock phrase goes when the voice activity detector heard too little speech
  where its words sit to have said them.
"""

from __future__ import annotations

import functools

from voiceinterviewer.home import PROMPTS_DIR
from voiceinterviewer.prompt_files import read_toml, strings, table
from voiceinterviewer.session.record import Word

SPEECH_FILE = PROMPTS_DIR / "speech.toml"
# Speech a word needs at the least (seconds); a phrase with less than half of it in its
# span, as heard by the detector, was not said.
WORD_SECONDS = 0.2


@functools.lru_cache(maxsize=4)
def _phrases(stamp: tuple) -> tuple[frozenset[str], frozenset[str]]:
    data = read_toml(SPEECH_FILE)
    found = strings(table(data, "hallucinations", SPEECH_FILE), "phrases", SPEECH_FILE)
    phrases = frozenset(normal(p) for p in found if normal(p))
    # Such a phrase cut off after "you" by the end of the chunk ("We'll see you"), when it
    # opens a sentence. Only up to "you": a pause after "Thank you for" is a person thinking.
    starts = frozenset(
        " ".join(phrase.split()[: n + 1])
        for phrase in phrases
        for n, word in enumerate(phrase.split())
        if word == "you" and n > 0
    )
    return phrases, starts


def stock_phrases() -> tuple[frozenset[str], frozenset[str]]:
    """The stock phrases (normalised) and their openings cut off after "you"."""
    try:
        info = SPEECH_FILE.stat()
        stamp: tuple = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = ()
    return _phrases(stamp)


def normal(text: str) -> str:
    """Lower case without sentence punctuation: how phrases are compared."""
    for mark in ",.!?;:":
        text = text.replace(mark, " ")
    return " ".join(text.lower().split())


def _ends_sentence(word: Word) -> bool:
    return word.word.endswith((".", "!", "?"))


def drop_trailing_hallucination(words: list[Word]) -> list[Word]:
    """Drop a closing "Thank you." or "(We'll) see you next time." that Whisper adds over silence."""
    phrases, starts = stock_phrases()
    for k in range(min(6, len(words)), 0, -1):
        tail = normal(" ".join(w.word for w in words[-k:]))
        opens_sentence = k == len(words) or _ends_sentence(words[-k - 1])
        if tail in phrases and (k > 1 or opens_sentence):  # "...up to you" is speech
            return words[:-k]
        if opens_sentence and tail in starts:
            return words[:-k]
    return words


def _speech_in(speech: list[tuple[float, float]], start: float, end: float) -> float:
    return sum(max(0.0, min(e, end) - max(s, start)) for s, e in speech)


def _sentences(words: list[Word]) -> list[tuple[int, int]]:
    """[start, end) word ranges of the sentences in ``words``."""
    out, start = [], 0
    for i, w in enumerate(words):
        if _ends_sentence(w):
            out.append((start, i + 1))
            start = i + 1
    if start < len(words):
        out.append((start, len(words)))
    return out


def _runs(words: list[Word], phrases: frozenset[str]) -> list[tuple[int, int]]:
    """[start, end) ranges that read as a stock phrase: a whole sentence, or three words or more."""
    found = [r for r in _sentences(words) if normal(_text(words, *r)) in phrases]
    i = 0
    while i < len(words):
        for k in range(min(6, len(words) - i), 2, -1):
            if normal(_text(words, i, i + k)) in phrases:
                found.append((i, i + k))
                i += k - 1
                break
        i += 1
    return found


def _text(words: list[Word], start: int, end: int) -> str:
    return " ".join(w.word for w in words[start:end])


def stock_runs(words: list[Word]) -> set[int]:
    """Indices of the words that read as a stock phrase, heard or not."""
    phrases, _ = stock_phrases()
    return {i for start, end in _runs(words, phrases) for i in range(start, end)}


def drop_unheard_phrases(
    words: list[Word], speech: list[tuple[float, float]], margin: float = 0.1
) -> list[Word]:
    """``words`` without the stock phrases the detector heard no speech for.

    ``speech`` is where the detector heard speech, in the words' time. A
    sentence that is only a stock phrase, or a run of three words or more that
    is one ("...the cache thank you for watching and then..."), is dropped
    when the speech heard from just before its first word to just after its
    last is under half of what saying its words takes (:data:`WORD_SECONDS`
    a word). Said in speech ("thank you for the question"), it stays.
    """
    if not words:
        return words
    phrases, _ = stock_phrases()
    drop: set[int] = set()
    for start, end in _runs(words, phrases):
        said = words[start:end]
        heard = _speech_in(speech, said[0].start - margin, said[-1].end + margin)
        if heard < 0.5 * WORD_SECONDS * len(said):
            drop.update(range(start, end))
    return [w for i, w in enumerate(words) if i not in drop] if drop else words


__all__ = [
    "drop_trailing_hallucination",
    "drop_unheard_phrases",
    "normal",
    "stock_phrases",
    "stock_runs",
]
