"""The interview's terms as what misheard words are compared with.

Each term (and each of its spoken forms, "engine x" for "Nginx") is kept by the
length of its sound key (:mod:`voiceinterviewer.stt.sounds`), with its spelling as
said; :class:`Targets` also tells whether a text names jargon. Mending
(:mod:`voiceinterviewer.stt.mend`) and the search for terms worth a second decoding
(:mod:`voiceinterviewer.stt.doubt`) both read them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from voiceinterviewer.stt.sounds import sound_distance, sound_key, spoken_form
from voiceinterviewer.stt.vocabulary import Vocabulary, squashed

# Words never rewritten, and never the start of a run that is.
_SMALL = frozenset(
    "a an the of to in on at by for from with and or but so as is are was were be been it its "
    "this that these those i we you he she they me us him her them my our your their his "
    "not no do does did have has had will would can could should may might must".split()
)
PUNCT_END = re.compile(r"[.,;:!?\"')\]]+$")
_CONTRACTION = re.compile(r"^([a-z]+)'(?:d|ll|m|re|ve|s)$|^[a-z]+n't$")
_CONTRACTED = _SMALL | frozenset("let there here what who where how when why".split())


def small_word(word: str) -> bool:
    """A small function word, or a contraction of one ("I'd", "we'll", "it's", "don't"):
    never a mishearing of a term ("I'd" is not "UUID")."""
    word = word.lower()
    if word in _SMALL:
        return True
    m = _CONTRACTION.match(word)
    return bool(m) and (m.group(1) is None or m.group(1) in _CONTRACTED)


@dataclass(frozen=True)
class Target:
    term: str
    key: str  # sound key of the term or of one of its spoken forms
    spelled: str  # that form as said, squashed
    squashed: str  # the term, squashed


def sounds_allowed(length: int) -> int:
    """Sound edits allowed for a term whose key has ``length`` sounds."""
    return 0 if length <= 3 else 1 if length <= 6 else 2


def similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    longest = max(len(a), len(b))
    return 1.0 - sound_distance(a, b, longest) / longest


_SPELLINGS = (
    (r"ph", "f"),
    (r"ck", "k"),
    (r"c(?=[aou])", "k"),
    (r"qu", "kw"),
    (r"igh", "i"),
    (r"wr", "r"),
    (r"(.)\1", r"\1"),
)


def spelled_as_said(text: str) -> str:
    """Letters as said, squashed, with spellings of one sound written alike: "LCD" ->
    "elsede", "S3" -> "esthre", "graphon" -> "grafon", "write" -> "rite"."""
    out = squashed(spoken_form(text))
    for pattern, repl in _SPELLINGS:
        out = re.sub(pattern, repl, out)
    return out


def plainly_jargon(term: str) -> bool:
    """A term no everyday sentence says: a name or acronym, several words, or a long word."""
    return (
        any(c.isupper() or c.isdigit() for c in term)
        or bool(re.search(r"[\s-]", term.strip()))
        or len(term) >= 9
    )


def _named(term: str) -> bool:
    """A name capitalised like a word ("Redis", "Raft"): jargon only when written so."""
    return term[:1].isupper() and term[1:].islower() and term.isalpha()


class Targets:
    """The vocabulary's terms by the length of their sound key, and their exact forms."""

    def __init__(self, vocab: Vocabulary):
        self.by_length: dict[int, list[Target]] = {}
        self.exact: dict[str, str] = {}
        for term in vocab.all_terms():
            forms = (term, *vocab.spoken.get(term, ()))
            for form in forms:
                self.exact.setdefault(squashed(form), term)
                key = sound_key(form)
                if len(key) >= 2:
                    target = Target(term, key, spelled_as_said(form), squashed(term))
                    self.by_length.setdefault(len(key), []).append(target)
        self.jargon = {squashed(t) for t in vocab.all_terms() if plainly_jargon(t)}
        self.index = vocab.index

    def near(self, key: str) -> list[Target]:
        out: list[Target] = []
        for length in range(max(2, len(key) - 2), len(key) + 3):
            out += self.by_length.get(length, [])
        return out

    def has_jargon(self, text: str) -> bool:
        """Whether ``text`` names a term that is plainly jargon, or two terms of any kind."""
        found = self.index.find(text)
        if len(found) >= 2:
            return True
        for term in found:
            if squashed(term) not in self.jargon:
                continue
            if not _named(term) or re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text):
                return True
        return False

    def in_jargon(self, text: str, before: str = "") -> bool:
        """Whether ``text``, or the last 300 characters said ``before`` it, names jargon."""
        return self.has_jargon(text) or bool(before and self.has_jargon(before[-300:]))


@functools.lru_cache(maxsize=8)
def term_targets(vocab: Vocabulary, terms: tuple[str, ...]) -> Targets:
    return Targets(vocab)


def bare_word(word: str) -> str:
    return re.sub(r"[^A-Za-z0-9'/+.-]", "", PUNCT_END.sub("", word)).strip(".-'")


__all__ = [
    "Target",
    "Targets",
    "bare_word",
    "plainly_jargon",
    "similarity",
    "small_word",
    "spelled_as_said",
    "sounds_allowed",
    "term_targets",
]
