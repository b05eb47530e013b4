"""Whether a sentence would tell the candidate a score, a hire verdict or the level they showed.

The words are data, in ``prompts/verdicts.toml`` (see the comments there),
plus every level label of ``prompts/ladders.toml``, so "L5" or "SDE 3" is a
level word as soon as a ladder names it. :func:`tells_verdict` is a pure
function over :class:`VerdictWords`; :func:`load_verdict_words` reads and
checks the files (one-line :class:`UserError` for a bad one) and caches them
by modification time, so the LLM interviewer can ask on every sentence.

A sentence tells a verdict when it holds a verdict phrase or a score phrase,
or when it is a statement (not a question) that names a level, judges the
candidate or the answer, and does not merely name the target level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from voiceinterviewer.errors import UserError
from voiceinterviewer.files import describe, read_toml

FILE_NAME = "verdicts.toml"
LISTS = ("verdicts", "scores", "levels", "judgements", "framings")
LADDER_LEVELS = ("mid", "senior", "staff", "principal")

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class VerdictWords:
    verdicts: tuple[Phrase, ...] = ()
    scores: tuple[Phrase, ...] = ()
    levels: tuple[Phrase, ...] = ()
    judgements: tuple[Phrase, ...] = ()
    framings: tuple[Phrase, ...] = ()


_TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*|/")


def tokens(text: str) -> Phrase:
    """Lower-case words of ``text``, apostrophes kept, hyphens split, "/" a word of its own."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return tuple(part for tok in _TOKEN.findall(text) for part in tok.split("-"))


def _holds(words: Phrase, phrases: tuple[Phrase, ...]) -> bool:
    for phrase in phrases:
        n = len(phrase)
        if n and any(words[i : i + n] == phrase for i in range(len(words) - n + 1)):
            return True
    return False


def tells_verdict(sentence: str, words: VerdictWords) -> bool:
    """True when saying ``sentence`` would tell the candidate how they did."""
    said = tokens(sentence)
    if _holds(said, words.verdicts) or _holds(said, words.scores):
        return True
    if sentence.rstrip(" \"')]\u201d").endswith("?"):
        return False
    return (
        _holds(said, words.levels)
        and _holds(said, words.judgements)
        and not _holds(said, words.framings)
    )


_CACHE: dict[str, tuple[tuple, VerdictWords]] = {}


def _stamp(paths: list[Path]) -> tuple:
    out = []
    for path in paths:
        try:
            st = path.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((0, -1))
    return tuple(out)


def load_verdict_words(root: Path | None = None) -> VerdictWords:
    """The words from ``root/verdicts.toml`` and ``root/ladders.toml`` (default: prompts/)."""
    from voiceinterviewer.home import PROMPTS_DIR

    root = Path(root) if root is not None else PROMPTS_DIR
    path, ladders = root / FILE_NAME, root / "ladders.toml"
    stamp = _stamp([path, ladders])
    cached = _CACHE.get(str(root))
    if cached and cached[0] == stamp:
        return cached[1]
    data = _read(path)
    lists: dict[str, tuple[Phrase, ...]] = {}
    for key in LISTS:
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise UserError(f"bad prompts file {path}: {key} must be a list of non-empty strings")
        lists[key] = tuple(tokens(v) for v in value)
    lists["levels"] += _ladder_labels(ladders)
    words = VerdictWords(**lists)
    _CACHE[str(root)] = (stamp, words)
    return words


def _read(path: Path) -> dict:
    try:
        return read_toml(path)
    except FileNotFoundError:
        raise UserError(f"missing prompts file {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"bad prompts file {path}: {describe(exc)}") from None


def _ladder_labels(path: Path) -> tuple[Phrase, ...]:
    """Every level label of every ladder; the ladder file itself is checked by the bank."""
    try:
        data = read_toml(path)
    except (OSError, UnicodeDecodeError, ValueError):
        return ()
    labels = []
    for table in data.values():
        if isinstance(table, dict):
            for level in LADDER_LEVELS:
                label = table.get(level)
                if isinstance(label, str) and tokens(label):
                    labels.append(tokens(label))
    return tuple(labels)


__all__ = ["VerdictWords", "load_verdict_words", "tells_verdict", "tokens"]
