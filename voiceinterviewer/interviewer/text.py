"""Turning interviewer text into speakable sentences: strip markdown, split, keep it short.

The voice speaks one sentence at a time, so both engines hand the session a
sequence of sentences. An LLM may answer with markdown, lists or a paragraph
of several questions despite its instructions; these helpers make any such
text fit to be spoken:

- :func:`strip_markdown` removes formatting (emphasis, headings, bullets,
  links, code) and leaves plain words;
- :func:`split_sentences` splits on sentence ends without breaking
  abbreviations ("e.g.", "Dr.") or numbers ("2.5", "$1.2M");
- :func:`iter_sentences` does the same over a stream of text deltas, yielding
  each sentence as soon as it is complete, so speaking can begin early;
- :func:`guard_length` keeps a reply at spoken length while keeping its question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs mr mrs ms dr prof sr jr st inc ltd co corp approx dept est fig no "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s a.m p.m".split()
)

# A fence's info string is one word ("```sql"): a stream joins lines, so the rest of the
# line after it is the code (or the next sentence), never part of the fence.
_CODE_FENCE_RE = re.compile(r"```[\w+#.-]*[ \t]*\n?(.*?)(?:```|$)", re.DOTALL)
_INLINE_CODE_RE = re.compile(r"`([^`]*)`")
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE)
_QUOTE_RE = re.compile(r"^\s*>+\s?", re.MULTILINE)
_BULLET_RE = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+", re.MULTILINE)
_RULE_RE = re.compile(r"^\s*(?:[-*_]\s*){3,}$", re.MULTILINE)
_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_TABLE_RE = re.compile(r"^\s*\|?(?:\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*$", re.MULTILINE)
_SPEAKER_RE = re.compile(r"^\s*(?:interviewer|assistant)\s*:\s*", re.IGNORECASE)
_STRAY_RE = re.compile(r"[*#|<>]+")

# A sentence ends at . ! ? (optionally followed by closing quotes or brackets) and whitespace.
_END_RE = re.compile(r"[.!?]+[\"')\]]*(?=\s)")


def strip_markdown(text: str) -> str:
    """Plain spoken text from markdown-ish text; line breaks become sentence or word breaks."""
    text = _CODE_FENCE_RE.sub(lambda m: m.group(1), text)
    text = _INLINE_CODE_RE.sub(lambda m: m.group(1), text)
    text = _IMAGE_RE.sub(lambda m: m.group(1), text)
    text = _LINK_RE.sub(lambda m: m.group(1), text)
    text = _TABLE_RE.sub("", text)
    text = _RULE_RE.sub("", text)
    text = _HEADING_RE.sub("", text)
    text = _QUOTE_RE.sub("", text)
    text = _BULLET_RE.sub("", text)
    for _ in range(2):  # nested emphasis such as ***word***
        text = _EMPHASIS_RE.sub(lambda m: m.group(2), text)
    text = _SPEAKER_RE.sub("", text)
    text = _STRAY_RE.sub(" ", text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    joined = []
    for line in lines:  # a line that doesn't end a sentence still breaks one when spoken
        if joined and not joined[-1].endswith((".", "!", "?", ":", ",", ";")):
            joined[-1] += "."
        joined.append(line)
    return " ".join(joined)


def _is_boundary(text: str, end: int) -> bool:
    """Whether the punctuation ending at ``end`` really ends a sentence."""
    if text[end - 1] != "." or text[end - 2 : end] == "..":
        return True
    word = re.search(r"([\w.]+)\.$", text[:end])
    if word:
        token = word.group(1).lower()
        if token in _ABBREVIATIONS:
            return False
    return True


def _split_complete(buffer: str) -> tuple[list[str], str]:
    """Sentences that are certainly complete, and the rest still open."""
    out = []
    start = 0
    for match in _END_RE.finditer(buffer):
        end = match.end()
        if not _is_boundary(buffer, _punct_end(match)):
            continue
        sentence = buffer[start:end].strip()
        if sentence:
            out.append(sentence)
        start = end
    return out, buffer[start:]


def _punct_end(match: re.Match[str]) -> int:
    """Index just after the last . ! ? of a sentence-end match (before closing quotes)."""
    text = match.group(0)
    stripped = text.rstrip("\"')]")
    return match.start() + len(stripped)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, whitespace normalised; no empty strings."""
    text = " ".join(text.split())
    done, rest = _split_complete(text + " ")
    rest = rest.strip()
    return done + ([rest] if rest else [])


def iter_sentences(chunks: Iterable[str]) -> Iterator[str]:
    """Sentences from a stream of text pieces, each yielded once it is known to be complete."""
    buffer = ""
    for chunk in chunks:
        if not chunk:
            continue
        buffer += chunk
        done, buffer = _split_complete(buffer)
        for sentence in done:
            yield " ".join(sentence.split())
    tail = " ".join(buffer.split())
    if tail:
        yield tail


def count_words(text: str) -> int:
    return len(text.split())


def guard_length(
    sentences: Iterable[str], max_sentences: int = 3, max_words: int = 60
) -> list[str]:
    """At most ``max_sentences`` sentences and about ``max_words`` words, keeping one question.

    Whole sentences are kept from the start. If the first question asked falls
    beyond the limit, the reply becomes the first sentence plus that question,
    so the candidate is always asked something. Anything after the first
    question is dropped: a spoken reply asks one question.
    """
    items = [s.strip() for s in sentences if s and s.strip()]
    if not items:
        return []
    first_q = next((i for i, s in enumerate(items) if s.rstrip("\"')]").endswith("?")), None)
    if first_q is not None:
        items = items[: first_q + 1]
    kept: list[str] = []
    words = 0
    for sentence in items:
        n = count_words(sentence)
        if kept and (len(kept) >= max_sentences or words + n > max_words):
            break
        kept.append(sentence)
        words += n
    if first_q is not None and len(kept) <= first_q:
        question = items[first_q]
        lead = (
            kept[:1]
            if len(kept) >= 1
            and max_sentences > 1
            and count_words(kept[0]) + count_words(question) <= max_words
            else []
        )
        kept = lead + [question]
    return kept


__all__ = ["count_words", "guard_length", "iter_sentences", "split_sentences", "strip_markdown"]
