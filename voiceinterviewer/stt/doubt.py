"""Terms a decoding may have got wrong, worth decoding the clip again.

:func:`suspected_terms` finds terms the words may be a mishearing of (decode again
primed with them); :func:`echoed_terms` finds terms the prompt may have put into
plain speech or silence, and :func:`heard_instead` tells whether a decoding without
the terms heard real words there instead.
"""

from __future__ import annotations

from collections.abc import Callable

from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.sounds import sound_distance, sound_key
from voiceinterviewer.stt.terms import bare_word, small_word, sounds_allowed, term_targets
from voiceinterviewer.stt.vocabulary import Vocabulary, squashed
from voiceinterviewer.stt.words import merge_words


def suspected_terms(
    words: list[Word],
    vocab: Vocabulary | None,
    before: str = "",
    known: Callable[[str], bool] | None = None,
    unsure: float = 0.6,
    limit: int = 8,
) -> list[str]:
    """Terms the words may be a mishearing of, closest first: worth a second, primed decoding.

    Looked for only in jargon (as for mending), around words Whisper was
    unsure of or does not know as words, and looser than mending: a term
    within one or two sounds of them, not already in the words.
    """
    if not words or vocab is None:
        return []
    merged = merge_words(words)
    targets = term_targets(vocab, vocab.all_terms())
    text = " ".join(w.word for w in merged)
    if not targets.in_jargon(text, before):
        return []
    is_known = known or (lambda _w: True)
    present = {squashed(t) for t in targets.index.find(text)}
    found: dict[str, float] = {}
    for i in range(len(merged)):
        for n in range(1, 4):
            run = merged[i : i + n]
            if len(run) < n:
                break
            bare = [bare_word(w.word) for w in run]
            if not all(bare) or small_word(bare[0]) or any(c.isdigit() for c in "".join(bare)):
                continue
            doubtful = min(w.probability for w in run) < unsure or not all(map(is_known, bare))
            key = sound_key(" ".join(bare))
            if not doubtful or len(key) < 2:
                continue
            for target in targets.near(key):
                d = sound_distance(key, target.key, 2)
                if (
                    d <= min(2, sounds_allowed(len(target.key)) + 1)
                    and squashed(target.term) not in present
                ):
                    closeness = d / len(target.key)
                    found[target.term] = min(found.get(target.term, 9.0), closeness)
    return [t for t, _ in sorted(found.items(), key=lambda item: item[1])][:limit]


def echoed_terms(
    words: list[Word], vocab: Vocabulary | None, before: str = "", unlikely: float = 0.05
) -> list[Word]:
    """The terms the prompt may have put there: ones Whisper gave almost no probability, with
    no other jargon around them ("We hung some Postgres in the hallway")."""
    if not words or vocab is None:
        return []
    merged = merge_words(words)
    targets = term_targets(vocab, vocab.all_terms())
    doubtful = [w for w in merged if w.probability < unlikely and targets.index.find(w.word)]
    if not doubtful:
        return []
    rest = " ".join(w.word for w in merged if w not in doubtful)
    if targets.in_jargon(rest, before):
        return []
    return doubtful


def heard_instead(doubtful: list[Word], again: list[Word], sure: float = 0.3) -> bool:
    """Whether a decoding without the terms heard real words where the doubtful terms were:
    words there that Whisper was fairly sure of ("posters" where it wrote "Postgres")."""
    for term in doubtful:
        there = [w for w in again if w.end > term.start and w.start < term.end]
        if not there or sum(w.probability for w in there) / len(there) < sure:
            return False
    return True


__all__ = ["echoed_terms", "heard_instead", "suspected_terms"]
