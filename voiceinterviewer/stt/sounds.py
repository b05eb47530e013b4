"""How a written word sounds, roughly: a consonant skeleton to compare words by ear.

Whisper mishears a term as words that sound like it ("posters" for
"Postgres", "right behind" for "write-behind", "graphon" for "Grafana").
:func:`sound_key` reduces a word to the consonants one hears, in the spirit
of Metaphone: silent letters dropped ("wr", "kn", "gh"), letters that sound
alike merged ("ph" and "v" with "f", "c" with "k" or "s", voiced with
unvoiced: "d" with "t", "b" with "p", "g" with "k", "z" with "s"), vowels
dropped except that a word opening with one keeps a mark for it. Letters
said one by one ("SCD", "API") become the letters' names first, and digits
their words, so "S3" sounds like "s three". :func:`sound_distance` is the
edit distance between two keys.
"""

from __future__ import annotations

import functools
import re

_LETTER_NAMES = {
    "a": "ay", "b": "bee", "c": "see", "d": "dee", "e": "ee", "f": "ef", "g": "gee",
    "h": "aitch", "i": "eye", "j": "jay", "k": "kay", "l": "el", "m": "em", "n": "en",
    "o": "oh", "p": "pee", "q": "cue", "r": "ar", "s": "es", "t": "tee", "u": "you",
    "v": "vee", "w": "double you", "x": "ex", "y": "why", "z": "zee",
}  # fmt: skip
_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_VOWELS = set("aeiouy")


def number_words(n: int) -> str:
    """English words for 0 <= n < 1,000,000 ("sixty two"); digits one by one beyond."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + (f" {_ONES[n % 10]}" if n % 10 else "")
    if n < 1000:
        rest = n % 100
        return f"{_ONES[n // 100]} hundred" + (f" {number_words(rest)}" if rest else "")
    if n < 1_000_000:
        rest = n % 1000
        return f"{number_words(n // 1000)} thousand" + (f" {number_words(rest)}" if rest else "")
    return " ".join(_ONES[int(d)] for d in str(n))


def spoken_form(token: str) -> str:
    """A written token as it is said: digits as words, short all-capital words letter by letter."""
    parts = []
    for piece in re.findall(r"\d+|[A-Za-z']+", token):
        if piece.isdigit():
            parts.append(number_words(int(piece)) if len(piece) <= 6 else piece)
        elif piece.isupper() and len(piece) <= 5 and piece not in ("I", "A"):
            parts.append(" ".join(_LETTER_NAMES[c] for c in piece.lower()))
        else:
            parts.append(piece.lower().replace("'", ""))
    return " ".join(parts)


_RULES = [  # (pattern, replacement), applied in order to one lower-case word
    (r"^(?:kn|gn|pn)", "n"),
    (r"^wr", "r"),
    (r"^ps", "s"),
    (r"^wh", "w"),
    (r"^x", "s"),
    (r"tch", "X"),
    (r"sch", "SK"),
    (r"(?:t|s)io", "XO"),
    (r"ci(?=[ao])", "X"),
    (r"ch|sh", "X"),
    (r"ph", "F"),
    (r"th", "0"),
    (r"ck", "K"),
    (r"(?<=.)gh", ""),
    (r"dg(?=[eiy])", "J"),
    (r"qu", "KW"),
    (r"c(?=[eiy])", "S"),
    (r"g(?=[eiy])", "J"),
    (r"x", "KS"),
]
_MERGE = str.maketrans(
    {
        "c": "K", "k": "K", "q": "K", "g": "K", "s": "S", "z": "S", "d": "T", "t": "T",
        "b": "P", "p": "P", "v": "F", "f": "F", "j": "X", "J": "X", "l": "L", "r": "R",
        "m": "M", "n": "N",
    }
)  # fmt: skip


@functools.lru_cache(maxsize=8192)
def _word_key(word: str) -> str:
    if not word:
        return ""
    opens = "A" if word[0] in _VOWELS and word[0] != "y" else ""
    for pattern, repl in _RULES:
        word = re.sub(pattern, repl, word)
    out = []
    for i, c in enumerate(word):
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if c == "w":
            if nxt in _VOWELS and nxt:  # a consonant only before a vowel: "way", "away"
                out.append("W")
            continue
        if c == "y":
            if i == 0 and nxt in _VOWELS and nxt:  # "yes", but not "eye" or "key"
                out.append("Y")
            continue
        if c == "h":
            if i == 0 and nxt in _VOWELS and nxt:
                out.append("H")
            continue
        if c in _VOWELS:
            continue
        out.append(c.translate(_MERGE))
    key = opens + "".join(out)
    return re.sub(r"(.)\1+", r"\1", key)


def sound_key(text: str) -> str:
    """The consonant skeleton of ``text`` (one or more words), words run together."""
    key = "".join(_word_key(w) for w in spoken_form(text).split())
    return re.sub(r"(.)\1+", r"\1", key)


def sound_distance(a: str, b: str, limit: int = 3) -> int:
    """Edit distance between two keys, or ``limit + 1`` once it is certainly above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


__all__ = ["number_words", "sound_distance", "sound_key", "spoken_form"]
