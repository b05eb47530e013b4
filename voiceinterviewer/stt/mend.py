"""Mending misheard terms: a word or two that sound like a term of the interview become the term.

Primed with the interview's vocabulary, Whisper still writes a few terms as
words that sound like them: "post-curs" for "Postgres", "right behind" for
"write-behind", "graphon" for "Grafana", "engine X" for "Nginx".
:func:`mend_words` replaces a run of one to four words with a term when it
sounds like it (:mod:`voiceinterviewer.stt.sounds`), conservatively:

- only in jargon: the words, or the text just before them, already name a
  term that is plainly jargon (a name like "Redis" written so, an acronym, a
  term of several words, a long term), or they answer a design question (or a
  follow-up on a design topic); a story about a bakery is never touched,
  except that a term spelled out of case or with spaces ("GRPC", "my SQL") is
  written as the term;
- a run with a word the speech model does not know as a word ("bezium",
  "postkers") may differ from the term by a sound or two, the longer the term
  the more; a run of real words must sound exactly like a term of several
  words ("right behind", "air budget"), or run together into a one-word term
  spelled almost so ("zoot keeper"); a single real word must sound exactly
  like a term the decoder was primed with right now (the question's, or the
  prompt's), and be one Whisper was unsure of;
- the spelling must not be far off either, words that are already terms,
  numbers and small function words ("the", "of") are never rewritten, and of
  several close terms the closest in sound, then in spelling, wins.

Hyphenated words are looked at in parts, so a term heard as the end of one
("stored in-readies") is found; parts left alone are joined again. Spellings
are compared with the letters of one sound written alike and silent ones dropped
("graphon" is spelled "grafon", near "Grafana"; "right" "rit", near "write"'s "rite").

A run said as a term's spoken form ("engine x" for "Nginx", "my sequel" for
"MySQL") becomes the term.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.hyphens import rejoin_hyphens, split_hyphens
from voiceinterviewer.stt.sounds import sound_distance, sound_key
from voiceinterviewer.stt.terms import (
    PUNCT_END,
    Targets,
    bare_word,
    similarity,
    small_word,
    sounds_allowed,
    spelled_as_said,
    term_targets,
)
from voiceinterviewer.stt.vocabulary import Vocabulary, squashed
from voiceinterviewer.stt.words import merge_words


@dataclass
class MendOptions:
    # A single real word is rewritten only when Whisper gave it less than this probability ...
    unsure: float = 0.7
    # ... and words that do not sound exactly like the term only under this one.
    doubtful: float = 0.85
    # Least spelling similarity (0-1) between the words and the term, as said: for a term that
    # sounds the same, and for one a sound or two away.
    spelling: float = 0.45
    spelling_near: float = 0.6
    # Least spelling similarity for one real word that sounds exactly like a term.
    spelling_word: float = 0.7
    # ... for words the speech model does not know, one sound away from a long term
    # ("Bernadis" for "Kubernetes") ...
    spelling_unknown: float = 0.5
    # ... and for real words that run together into a one-word term ("zoot keeper").
    spelling_joined: float = 0.8
    # Longest run of words replaced by one term.
    max_run: int = 4
    # An answer to a design question (or a follow-up on a design topic) is jargon throughout.
    design_answers: bool = True


class _Mender:
    def __init__(self, vocab: Vocabulary, known: Callable[[str], bool], options: MendOptions):
        self.targets = term_targets(vocab, vocab.all_terms())
        self.expected = {squashed(t) for t in vocab.question_terms + tuple(vocab.prompt_terms())}
        self.known = known
        self.options = options

    def match(self, run: list[Word]) -> tuple[str, float] | None:
        """The term ``run`` is a hearing of, and how far (lower is closer), if any."""
        bare = [bare_word(w.word) for w in run]
        if not all(bare):
            return None
        spelled = self.targets.exact.get(squashed(" ".join(bare)))
        if spelled is not None and squashed(spelled) == squashed(" ".join(bare)):
            return spelled, -1.0  # the term itself, but for spaces and case ("my SQL")
        if small_word(bare[0]):
            return None
        if len(run) > 1 and (
            small_word(bare[-1]) or any(PUNCT_END.search(w.word) for w in run[:-1])
        ):
            return None  # a run neither ends on "so" nor runs across a comma or a full stop
        said = " ".join(bare)
        exact = self.targets.exact.get(squashed(said))
        if exact is not None:
            return exact, -1.0
        if any(c.isdigit() for c in said):
            return None
        key = sound_key(said)
        if len(key) < 2:
            return None
        unknown = any(not self.known(b) for b in bare)
        least = min(w.probability for w in run)
        opt = self.options
        one_word = len(run) == 1 and not unknown
        if one_word and (least >= opt.unsure or len(key) < 3):
            return None  # one real word Whisper was sure of is never rewritten
        # Words that sound otherwise than the term are mended only when Whisper was unsure of
        # them, and never further apart than this (two sounds for a word it does not know):
        # terms further off are not measured at all.
        limit = 2 if unknown else 1
        said_as = spelled_as_said(said)
        best: tuple[str, float] | None = None
        for target in self.targets.near(key):
            if one_word:  # the same sound as a term primed right now
                if target.key != key or target.squashed not in self.expected:
                    continue
                d = 0
            else:
                d = sound_distance(key, target.key, limit)
                if d > limit or (d > 0 and least >= opt.doubtful):
                    continue
            spelling = similarity(said_as, target.spelled)
            long_near = unknown and d == 1 and len(target.key) >= 6
            near = opt.spelling_unknown if long_near else opt.spelling_near
            if d > 0 and spelling < near:
                continue
            if unknown:
                ok = d <= sounds_allowed(len(target.key))
            elif len(run) > 1 and not re.search(r"[\s-]", target.term):
                # real words heard for a one-word term, written almost as it ("zoot keeper")
                ok = spelling >= opt.spelling_joined and least < opt.doubtful
            elif len(run) > 1:  # real words: they must sound like a term of several words
                ok = d == 0 or len(target.key) >= 6
            else:  # one real word, unsure, with the sound of a primed term (checked above)
                ok = spelling >= opt.spelling_word
            if not ok or spelling < opt.spelling:
                continue
            score = d / len(target.key) - 0.01 * spelling
            if best is None or score < best[1]:
                best = (target.term, score)
        return best

    def mend(self, words: list[Word]) -> list[Word]:
        out: list[Word] = []
        i = 0
        while i < len(words):
            best: tuple[int, str, float] | None = None
            for n in range(min(self.options.max_run, len(words) - i), 0, -1):
                run = words[i : i + n]
                found = self.match(run)
                if (
                    found
                    and found[1] >= 0
                    and self.targets.index.find(" ".join(w.word for w in run[1:]))
                ):
                    continue  # never swallow a term that was heard right
                if found and (best is None or found[1] < best[2]):
                    best = (n, found[0], found[1])
            if best is None:
                out.append(words[i])
                i += 1
                continue
            n, term, _ = best
            run = words[i : i + n]
            opens = not out or out[-1].word.endswith((".", "!", "?"))
            same = n == 1 and bare_word(run[0].word) == term
            out.append(run[0] if same else _replace(run, term, opens))
            i += n
        return out


def _replace(run: list[Word], term: str, opens: bool = False) -> Word:
    """One word for ``run``, written as ``term`` (capitalised when it opens a sentence)."""
    first, last = run[0], run[-1]
    tail = PUNCT_END.search(last.word)
    text = term
    if opens and first.word[:1].isupper() and term[:1].islower():
        text = term[:1].upper() + term[1:]
    return dataclasses.replace(
        first,
        word=text + (tail.group(0) if tail else ""),
        end=last.end,
        probability=min(w.probability for w in run),
    )


def _spelled_technical(term: str) -> bool:
    """Written so no English word is: inner capitals, digits, or all capitals (gRPC, S3, QPS)."""
    return any(c.isdigit() for c in term) or any(c.isupper() for c in term[1:])


def _respelled(words: list[Word], targets: Targets) -> list[Word]:
    """Runs that spell a technical term but for spaces and case ("GRPC", "my SQL"), as the term."""
    out: list[Word] = []
    i = 0
    while i < len(words):
        for n in range(min(3, len(words) - i), 0, -1):
            run = words[i : i + n]
            said = " ".join(bare_word(w.word) for w in run)
            term = targets.exact.get(squashed(said)) if said else None
            spelled = term is not None and squashed(said) == squashed(term)
            if spelled and _spelled_technical(term) and said != term:
                out.append(_replace(run, term, not out or out[-1].word.endswith((".", "!", "?"))))
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


def mend_words(
    words: list[Word],
    vocab: Vocabulary | None,
    before: str = "",
    known: Callable[[str], bool] | None = None,
    options: MendOptions | None = None,
) -> list[Word]:
    """``words`` with misheard terms of ``vocab`` written as the terms.

    ``before`` is the text said just before (jargon there counts);
    ``known(word)`` tells whether the speech model knows a word as a word
    (default: every word is known, so only exact sounds are mended).
    """
    if not words or vocab is None:
        return words
    merged = merge_words(words)
    options = options or MendOptions()
    mender = _Mender(vocab, known or (lambda _w: True), options)
    text = " ".join(w.word for w in merged)
    targets = mender.targets
    if targets.in_jargon(text, before) or (options.design_answers and vocab.design_question):
        parts, joins = split_hyphens(merged)
        return rejoin_hyphens(mender.mend(parts), joins)
    return _respelled(merged, targets)


__all__ = ["MendOptions", "mend_words"]
