"""Turn streamed model text into sentences fit to be spoken.

:class:`SentenceAssembler` takes text pieces as they stream in and hands out
each sentence as soon as its end is certain (terminal punctuation followed by
whitespace, or a blank line), so the first sentence can be voiced while the
model is still writing. :func:`clean_sentence` removes what a voice should not
read (markdown marks, list bullets, links, stage directions, a leading
"Interviewer:"), and :func:`leaks_assessment` spots a sentence that would tell
the candidate a score, rating or level verdict.
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    "e.g i.e vs etc mr mrs ms dr prof sr jr st approx no fig inc ltd co dept est".split()
)

_BOUNDARY = re.compile(r"([.!?\u2026]+[\"'\u201d\u2019)\]]*)(\s+)|(\n\s*\n)")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)$")

_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_ACTIONS = r"(?:smiles|nods|pauses|laughs|chuckles|leans|sighs|clears)"
_STAGE = re.compile(rf"\[[^\]]*\]|\*{_ACTIONS}[^*]*\*|\({_ACTIONS}[^)]*\)", re.I)
_MARKS = re.compile(r"(\*\*|__|\*|`+|~~|^#+\s*|^>\s*)", re.M)
_BULLET = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+", re.M)
_SPEAKER = re.compile(r"^\s*(?:interviewer|assistant|ai)\s*:\s*", re.I)

_LEAKS = (
    re.compile(r"\b\d(?:\.\d)?\s*(?:/|out of)\s*(?:5|10)\b", re.I),
    re.compile(r"\b(?:score[sd]?|scoring|rating|rated|grade[sd]?|grading)\b", re.I),
    re.compile(r"\b(?:strong |lean )?(?:no[- ])?hire (?:signal|decision|recommendation)\b", re.I),
    re.compile(
        r"\b(?:you(?:'re| are)|that(?:'s| is| was)|this (?:is|was)|your answer (?:is|was))"
        r" (?:\w+ )?(?:a |an )?(?:junior|mid|senior|staff|principal)[- ]level\b",
        re.I,
    ),
    re.compile(r"\b(?:you(?:'re| are)|that(?:'s| is)) (?:an? )?[LE][3-8]\b"),
)


def clean_sentence(text: str) -> str:
    """``text`` without markdown, bullets, links, stage directions or a speaker label."""
    text = _LINK.sub(r"\1", text)
    text = _STAGE.sub(" ", text)
    text = _BULLET.sub("", text)
    text = _MARKS.sub("", text)
    text = _SPEAKER.sub("", text)
    text = " ".join(text.split())
    return text.strip(" \"'\u201c\u201d")


def strip_markdown(text: str) -> str:
    """A whole reply as plain speakable text."""
    return " ".join(s for s in (clean_sentence(p) for p in split_sentences(text)) if s)


def leaks_assessment(sentence: str) -> bool:
    """True when ``sentence`` tells the candidate a score, rating or level verdict."""
    return any(pattern.search(sentence) for pattern in _LEAKS)


def word_count(text: str) -> int:
    return len(text.split())


def ends_sentence(text: str) -> bool:
    return text.rstrip(" \"'\u201d\u2019)").endswith((".", "!", "?", "\u2026"))


class SentenceAssembler:
    """Collects streamed text and returns sentences as soon as they are complete."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, piece: str) -> list[str]:
        """Add a piece of text; return the sentences it completed (raw, not cleaned)."""
        self._buffer += piece
        out: list[str] = []
        start = 0
        for match in _BOUNDARY.finditer(self._buffer):
            if match.group(3) is None:
                before = self._buffer[start : match.start(1)]
                word = _LAST_WORD.search(before)
                if word and word.group(1).lower().rstrip(".") in ABBREVIATIONS:
                    continue
                end = match.end(1)
            else:
                end = match.start(3)
            sentence = self._buffer[start:end].strip()
            if sentence:
                out.append(sentence)
            start = match.end()
        self._buffer = self._buffer[start:]
        return out

    def flush(self) -> str:
        """What is left at the end of the stream (may lack terminal punctuation)."""
        rest, self._buffer = self._buffer.strip(), ""
        return rest

    @property
    def pending(self) -> str:
        return self._buffer


def split_sentences(text: str) -> list[str]:
    """All sentences of a complete text."""
    assembler = SentenceAssembler()
    sentences = assembler.feed(text)
    rest = assembler.flush()
    return sentences + ([rest] if rest else [])
