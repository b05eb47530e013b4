"""Hyphenated words looked at in parts, and joined again.

A term heard as the end of a hyphenated word ("stored in-readies") can only be
mended in parts; parts left alone are joined again afterwards.
"""

from __future__ import annotations

import dataclasses
import re

from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.terms import PUNCT_END

_HYPHENATED = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+")


def split_hyphens(words: list[Word]) -> tuple[list[Word], dict[int, int]]:
    """Hyphenated words in parts ("lock-in-zoot" -> "lock-", "in-", "zoot"), so a term heard
    as the end of one ("stored in-readies") can be mended; and which part joins which."""
    out: list[Word] = []
    joins: dict[int, int] = {}
    for w in words:
        tail = PUNCT_END.search(w.word)
        core = w.word[: tail.start()] if tail else w.word
        if not _HYPHENATED.fullmatch(core):
            out.append(w)
            continue
        pieces = core.split("-")
        step = (w.end - w.start) / max(1, len(core))
        at = w.start
        parts = []
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            text = piece + ((tail.group(0) if tail else "") if last else "-")
            end = w.end if last else round(at + step * (len(piece) + 1), 3)
            parts.append(dataclasses.replace(w, word=text, start=round(at, 3), end=end))
            at = end
        for a, b in zip(parts, parts[1:], strict=False):
            joins[id(a)] = id(b)
        out += parts
    return out, joins


def rejoin_hyphens(words: list[Word], joins: dict[int, int]) -> list[Word]:
    """The parts :func:`split_hyphens` made, joined again where none was mended; a part
    before a mended term loses its hyphen ("lock-in ZooKeeper")."""
    out: list[Word] = []
    follows: int | None = None  # the part the last word written joins, if any
    for w in words:
        if follows is not None and id(w) == follows:
            prev = out[-1]
            out[-1] = dataclasses.replace(
                prev,
                word=prev.word + w.word,
                end=w.end,
                probability=min(prev.probability, w.probability),
            )
        else:
            if follows is not None:
                out[-1] = dataclasses.replace(out[-1], word=out[-1].word[:-1])
            out.append(w)
        follows = joins.get(id(w))
    if follows is not None and out:
        out[-1] = dataclasses.replace(out[-1], word=out[-1].word[:-1])
    return out


__all__ = ["rejoin_hyphens", "split_hyphens"]
