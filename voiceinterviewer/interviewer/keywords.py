"""Which of the bank's question keywords occur in a text (a job description, story notes).

Matching is on lower-case word tokens with a plain plural "s" dropped, so
"payments" finds the keyword "payment", and multi-word keywords ("load
balancer") match as a run of tokens. The planner prefers questions whose
keywords the person's notes mention.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from voiceinterviewer.interviewer.bank import Question

_TOKEN_RE = re.compile(r"[a-z0-9][a-z0-9+#/'-]*")


def _tokens(text: str) -> list[str]:
    """Lower-case word tokens with a plain plural "s" dropped, so "payments" finds "payment"."""
    out = []
    for token in _TOKEN_RE.findall(text.lower()):
        token = token.strip("'-/")
        if len(token) > 3 and token[-1] == "s" and token[-2] != "s":
            token = token[:-1]
        out.append(token)
    return out


@functools.lru_cache(maxsize=4096)
def _keyword_key(keyword: str) -> tuple[str, ...]:
    return tuple(_tokens(keyword))


class KeywordIndex:
    """Finds which of the bank's keywords occur in a text, in one pass over its tokens."""

    def __init__(self, questions: Iterable[Question]):
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for question in questions:
            for keyword in question.keywords:
                key = _keyword_key(keyword)
                if key and key not in self.by_first.setdefault(key[0], []):
                    self.by_first[key[0]].append(key)

    def scan(self, text: str) -> frozenset[tuple[str, ...]]:
        tokens = _tokens(text)
        found = set()
        for i, token in enumerate(tokens):
            for key in self.by_first.get(token, ()):
                if len(key) == 1 or tuple(tokens[i : i + len(key)]) == key:
                    found.add(key)
        return frozenset(found)


def keyword_score(question: Question, found: AbstractSet[tuple[str, ...]]) -> int:
    """How many of the question's keywords are among ``found`` (keyword token tuples)."""
    return sum(1 for k in question.keywords if (key := _keyword_key(k)) and key in found)


__all__ = ["KeywordIndex", "keyword_score"]
