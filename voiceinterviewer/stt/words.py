"""Text from recognised words: the one place that decides where a space goes.

Whisper splits some written tokens into pieces and gives each piece as a word:
"3" ",000", "1" ".2", "back" "-end", "multi" "-year", "don" "'t", "40" "%".
Joined with a space each, they read "3 ,000 writes" and "back -end team". Every
renderer (the answer text in the journal, transcript.md, report quotes,
captions, the HTML report) builds its text here, so a number, a decimal, a
hyphenated word or a contraction reads as one token everywhere.

- :func:`merge_words` joins the pieces of one written token into one
  :class:`Word` (start of the first, end of the last, the lowest probability),
  for renderers that place words in time (captions);
- :func:`join_words` gives the text of a list of words;
- :func:`tidy_text` mends text already joined the old way ("3 ,000").
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the record module reads journals with this one: no import at run time
    from voiceinterviewer.session.record import Word

# A piece that continues the token before it: ",000" or ".2" (digits), "-end" / "-year",
# a contraction ("'t", "'s", "n't"), or closing punctuation on its own ("," "." "%" ")").
_CONTINUES = re.compile(
    r"^(?:[,.]\d|-[^\W_]|'(?:s|t|re|ve|ll|d|m)\b|n't\b|[,.;:!?%)\]}\u2019\"]+(?:\s|$))",
    re.IGNORECASE,
)
# A piece the next one continues: "$" or "(" on its own, or a word cut after a hyphen ("back-").
_OPENS = re.compile(r"(?:^[$\u00a3\u20ac(\[{]+|[^\W_]-)$")


def _attaches(before: str, piece: str) -> bool:
    """Whether ``piece`` is written without a space after ``before``."""
    if not before or not piece:
        return False
    if _OPENS.search(before):
        return True
    if piece[0] in ",." and piece[1:2].isdigit():
        return before[-1].isdigit()  # "3" ",000"; but "about" ".5" stays apart
    return bool(_CONTINUES.match(piece))


def _repeats_stop(before: str, piece: str) -> bool:
    """A lone "." after a word that already ends a sentence ("engineers." "."): left out."""
    return piece == "." and before.endswith(".") and not before.endswith("..")


def join_words(words: Iterable[str | Word]) -> str:
    """The text of ``words`` (strings or :class:`Word`), pieces of one token written together."""
    out: list[str] = []
    for item in words:
        piece = (item if isinstance(item, str) else item.word).strip()
        if not piece or (out and _repeats_stop(out[-1], piece)):
            continue
        if out and _attaches(out[-1], piece):
            out[-1] += piece
        else:
            out.append(piece)
    return " ".join(out)


def merge_words(words: Iterable[Word]) -> list[Word]:
    """``words`` with the pieces of each written token merged into one timed word."""
    out: list[Word] = []
    for w in words:
        piece = w.word.strip()
        if not piece or (out and _repeats_stop(out[-1].word, piece)):
            continue
        if out and _attaches(out[-1].word, piece):
            last = out[-1]
            out[-1] = dataclasses.replace(
                last,
                word=last.word + piece,
                end=max(last.end, w.end),
                probability=min(last.probability, w.probability),
            )
        else:
            out.append(dataclasses.replace(w, word=piece))
    return out


def tidy_text(text: str) -> str:
    """``text`` with split tokens written together ("3 ,000" -> "3,000"); spacing normalised."""
    return join_words(text.split())


__all__ = ["join_words", "merge_words", "tidy_text"]
