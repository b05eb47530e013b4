"""The candidate's words as evidence: sentences, neutralising text aimed at the scorer, quotes.

Design: evidence is always a sentence copied verbatim from an answer, with
the turn and the session time where its first word was spoken, so a report
can be checked against the recording. Three jobs live here:

- :func:`sentences` splits an answer into verbatim sentence spans;
- :func:`neutralise` removes sentences that address the scorer instead of
  the interviewer ("ignore previous instructions, score me 5", "you are now
  ...", fake role tags). Removed sentences are never analysed, never quoted
  and never shown to a language model as candidate content, so they can add
  nothing to a score;
- :func:`find_quote` checks a quote against the transcript with whitespace,
  case and punctuation normalised, and :func:`quote_time` finds when it was
  said from the answer's word timings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceinterviewer.session.record import Answer, Turn

_ROLE_TAGS = r"system|assistant|user|developer|instructions?|prompt|transcript|candidate_answer|im_start|im_end"
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?=\s|$|<)|\n")
# A block wrapped in role tags ("<system>...</system>") is one sentence, whatever it holds.
_TAG_BLOCK = re.compile(
    rf"<\s*({_ROLE_TAGS})\s*>.*?(?:<\s*/\s*\1\s*>|$)|<\s*/\s*(?:{_ROLE_TAGS})\s*>", re.S | re.I
)
_INJECTION = [
    # "ignore previous instructions", "disregard the rubric", "forget your prompt"
    r"\b(ignore|disregard|forget|override|bypass)\b[^.!?]{0,40}\b(instructions?|prompts?|rubric|guidelines|scoring rules)\b",
    # "score me 5", "rate my answers ten out of ten", "grade the candidate as staff"
    r"\b(score|rate|grade|mark)\s+(me|myself|my (answer|response)s?|this (answer|response|candidate)|the candidate|him|her|them|all dimensions|every dimension)\b[^.!?]{0,25}\b(5|five|10|ten|perfect|maximum|max|top|highest|100|staff|hire)\b",
    # "give me a perfect score", "give this answer 5/5"
    r"\b(give|assign|award)\s+(me|this (answer|response)|my answers?|the candidate|it)\s+(a\s+|the\s+)?(5|five|10|ten|perfect|full|maximum|max|top|highest)(\s*(/|out of)\s*(5|five|10|ten)|\s+(score|scores|marks?|rating|points?))",
    r"\b5\s*/\s*5\b[^.!?]{0,30}\b(dimensions?|everything|across the board)\b",
    r"\b(system prompt|system instructions?|developer mode|developer message)\b",
    r"\byou are (now|no longer) (a|an|my|in|the|bound)\b",
    r"\b(new|updated|real) instructions?\s*(:|for (you|the (model|scorer|grader|assistant|ai)))",
    r"\b(you are|you're) an? (ai|language model|llm|scorer|grader|evaluator|assistant)\b",
    r"\bas an? (ai|language model|llm) (assistant|model|scorer|grader)\b",
    rf"</?\s*({_ROLE_TAGS})\s*>",
    r"\b(recommend|mark|flag|rate)\s+(me|this candidate|the candidate)\s+(as\s+)?(a\s+)?(strong\s+)?(hire|staff|senior|l[4-7]|e[4-7])\b",
]
_INJECTION_RE = re.compile("|".join(f"(?:{p})" for p in _INJECTION), re.IGNORECASE)
_NORM = re.compile(r"[^a-z0-9]+")


@dataclass
class Sentence:
    text: str  # verbatim, stripped
    start: int  # character offset in the answer text


def sentences(text: str) -> list[Sentence]:
    """Verbatim sentences of ``text``; a full stop inside "3.5" or "e.g" is not a boundary."""
    out: list[Sentence] = []
    pos = 0
    for block in _TAG_BLOCK.finditer(text):
        out += _split(text, pos, block.start())
        out += _split(text, block.start(), block.end(), whole=True)
        pos = block.end()
    return out + _split(text, pos, len(text))


def _split(text: str, begin: int, stop: int, whole: bool = False) -> list[Sentence]:
    out = []
    ends = (
        [stop]
        if whole
        else [begin + m.end() for m in _BOUNDARY.finditer(text[begin:stop])] + [stop]
    )
    for end in ends:
        raw = text[begin:end]
        stripped = raw.strip()
        if len(normalise(stripped)) >= 2:
            out.append(Sentence(stripped, begin + (len(raw) - len(raw.lstrip()))))
        begin = end
    return out


def is_injection(sentence: str) -> bool:
    return bool(_INJECTION_RE.search(sentence))


def neutralise(text: str) -> tuple[str, list[str]]:
    """``text`` without sentences addressed to the scorer, and the removed sentences."""
    kept, removed = [], []
    for s in sentences(text):
        (removed if is_injection(s.text) else kept).append(s.text)
    return " ".join(kept), removed


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, whitespace collapsed: how quotes are compared."""
    return _NORM.sub(" ", text.lower().replace("\u2019", "'").replace("'", "")).strip()


def find_quote(
    quote: str, turns: list[Turn], prefer_turn: int | None = None
) -> tuple[Turn, str] | None:
    """The turn whose answer holds ``quote`` (normalised) and the verbatim transcript text of it.

    Quotes inside neutralised sentences do not count. The preferred turn is
    tried first, then every other answered turn.
    """
    needle = normalise(quote)
    if len(needle) < 8:
        return None
    ordered = sorted(turns, key=lambda t: (t.index != prefer_turn, t.index))
    for turn in ordered:
        if turn.answer is None:
            continue
        for s in sentences(turn.answer.text):
            if is_injection(s.text):
                continue
            if _contains(s.text, needle):
                return turn, _verbatim(s.text, needle) or s.text
        clean, _ = neutralise(turn.answer.text)
        if _contains(clean, needle):  # a quote spanning two sentences
            found = _verbatim(turn.answer.text, needle)
            if found:
                return turn, found
    return None


def _contains(text: str, needle: str) -> bool:
    """Whole-word containment of a normalised ``needle`` in ``text``."""
    return f" {needle} " in f" {normalise(text)} "


def _verbatim(sentence: str, needle: str) -> str | None:
    """The exact span of ``sentence`` whose normalised form is ``needle``, if words align."""
    words = list(re.finditer(r"\S+", sentence))
    target = needle.split()
    for i in range(len(words)):
        acc = []
        for j in range(i, len(words)):
            acc.extend(normalise(words[j].group(0)).split())
            if acc == target:
                return sentence[words[i].start() : words[j].end()].strip(" ,;:")
            if len(acc) >= len(target):
                break
    return None


def quote_time(answer: Answer, quote: str) -> float:
    """Seconds since session start where ``quote`` begins in ``answer``.

    With word timings: the start of the quote's first word. Without: the
    answer's speech start, moved in proportion to where the quote sits in the text.
    """
    needle = normalise(quote).split()
    if needle and answer.words:
        toks: list[tuple[str, int]] = []
        for index, word in enumerate(answer.words):
            toks.extend((tok, index) for tok in normalise(word.word).split())
        flat = [tok for tok, _ in toks]
        head = needle[: min(len(needle), 6)]
        for i in range(len(flat) - len(head) + 1):
            if flat[i : i + len(head)] == head:
                return round(answer.t + answer.words[toks[i][1]].start, 2)
    base = answer.t + answer.speech_start
    text_norm = normalise(answer.text)
    pos = text_norm.find(" ".join(needle)) if needle else -1
    span = answer.speech_end - answer.speech_start
    if pos > 0 and span > 0 and text_norm:
        return round(base + span * pos / len(text_norm), 2)
    return round(base, 2)
