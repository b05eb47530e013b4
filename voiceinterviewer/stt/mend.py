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
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from voiceinterviewer.session.record import Word
from voiceinterviewer.stt.sounds import sound_distance, sound_key, spoken_form
from voiceinterviewer.stt.vocabulary import Vocabulary, squashed
from voiceinterviewer.stt.words import merge_words

# Words never rewritten, and never the start of a run that is.
_SMALL = frozenset(
    "a an the of to in on at by for from with and or but so as is are was were be been it its "
    "this that these those i we you he she they me us him her them my our your their his "
    "not no do does did have has had will would can could should may might must".split()
)
_PUNCT_END = re.compile(r"[.,;:!?\"')\]]+$")
_CONTRACTION = re.compile(r"^([a-z]+)'(?:d|ll|m|re|ve|s)$|^[a-z]+n't$")
_CONTRACTED = _SMALL | frozenset("let there here what who where how when why".split())


def _small(word: str) -> bool:
    """A small function word, or a contraction of one ("I'd", "we'll", "it's", "don't"):
    never a mishearing of a term ("I'd" is not "UUID")."""
    word = word.lower()
    if word in _SMALL:
        return True
    m = _CONTRACTION.match(word)
    return bool(m) and (m.group(1) is None or m.group(1) in _CONTRACTED)


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


@dataclass(frozen=True)
class _Target:
    term: str
    key: str  # sound key of the term or of one of its spoken forms
    spelled: str  # that form as said, squashed
    squashed: str  # the term, squashed


def _allowed(length: int) -> int:
    """Sound edits allowed for a term whose key has ``length`` sounds."""
    return 0 if length <= 3 else 1 if length <= 6 else 2


def _similarity(a: str, b: str) -> float:
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


def _said(text: str) -> str:
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


class _Targets:
    """The vocabulary's terms by the length of their sound key, and their exact forms."""

    def __init__(self, vocab: Vocabulary):
        self.by_length: dict[int, list[_Target]] = {}
        self.exact: dict[str, str] = {}
        for term in vocab.all_terms():
            forms = (term, *vocab.spoken.get(term, ()))
            for form in forms:
                self.exact.setdefault(squashed(form), term)
                key = sound_key(form)
                if len(key) >= 2:
                    target = _Target(term, key, _said(form), squashed(term))
                    self.by_length.setdefault(len(key), []).append(target)
        self.jargon = {squashed(t) for t in vocab.all_terms() if plainly_jargon(t)}
        self.index = vocab.index

    def near(self, key: str) -> list[_Target]:
        out: list[_Target] = []
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


@functools.lru_cache(maxsize=8)
def _targets(vocab: Vocabulary, terms: tuple[str, ...]) -> _Targets:
    return _Targets(vocab)


def _bare(word: str) -> str:
    return re.sub(r"[^A-Za-z0-9'/+.-]", "", _PUNCT_END.sub("", word)).strip(".-'")


class _Mender:
    def __init__(self, vocab: Vocabulary, known: Callable[[str], bool], options: MendOptions):
        self.targets = _targets(vocab, vocab.all_terms())
        self.expected = {squashed(t) for t in vocab.question_terms + tuple(vocab.prompt_terms())}
        self.known = known
        self.options = options

    def match(self, run: list[Word]) -> tuple[str, float] | None:
        """The term ``run`` is a hearing of, and how far (lower is closer), if any."""
        bare = [_bare(w.word) for w in run]
        if not all(bare):
            return None
        spelled = self.targets.exact.get(squashed(" ".join(bare)))
        if spelled is not None and squashed(spelled) == squashed(" ".join(bare)):
            return spelled, -1.0  # the term itself, but for spaces and case ("my SQL")
        if _small(bare[0]):
            return None
        if len(run) > 1 and (_small(bare[-1]) or any(_PUNCT_END.search(w.word) for w in run[:-1])):
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
        said_as = _said(said)
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
            spelling = _similarity(said_as, target.spelled)
            long_near = unknown and d == 1 and len(target.key) >= 6
            near = opt.spelling_unknown if long_near else opt.spelling_near
            if d > 0 and spelling < near:
                continue
            if unknown:
                ok = d <= _allowed(len(target.key))
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
            same = n == 1 and _bare(run[0].word) == term
            out.append(run[0] if same else _replace(run, term, opens))
            i += n
        return out


def _replace(run: list[Word], term: str, opens: bool = False) -> Word:
    """One word for ``run``, written as ``term`` (capitalised when it opens a sentence)."""
    first, last = run[0], run[-1]
    tail = _PUNCT_END.search(last.word)
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


def _respelled(words: list[Word], targets: _Targets) -> list[Word]:
    """Runs that spell a technical term but for spaces and case ("GRPC", "my SQL"), as the term."""
    out: list[Word] = []
    i = 0
    while i < len(words):
        for n in range(min(3, len(words) - i), 0, -1):
            run = words[i : i + n]
            said = " ".join(_bare(w.word) for w in run)
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
    targets = _targets(vocab, vocab.all_terms())
    text = " ".join(w.word for w in merged)
    if not (targets.has_jargon(text) or (before and targets.has_jargon(before[-300:]))):
        return []
    is_known = known or (lambda _w: True)
    present = {squashed(t) for t in targets.index.find(text)}
    found: dict[str, float] = {}
    for i in range(len(merged)):
        for n in range(1, 4):
            run = merged[i : i + n]
            if len(run) < n:
                break
            bare = [_bare(w.word) for w in run]
            if not all(bare) or _small(bare[0]) or any(c.isdigit() for c in "".join(bare)):
                continue
            doubtful = min(w.probability for w in run) < unsure or not all(map(is_known, bare))
            key = sound_key(" ".join(bare))
            if not doubtful or len(key) < 2:
                continue
            for target in targets.near(key):
                d = sound_distance(key, target.key, 2)
                if (
                    d <= min(2, _allowed(len(target.key)) + 1)
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
    targets = _targets(vocab, vocab.all_terms())
    doubtful = [w for w in merged if w.probability < unlikely and targets.index.find(w.word)]
    if not doubtful:
        return []
    rest = " ".join(w.word for w in merged if w not in doubtful)
    if targets.has_jargon(rest) or (before and targets.has_jargon(before[-300:])):
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


_HYPHENATED = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+")


def _split_hyphens(words: list[Word]) -> tuple[list[Word], dict[int, int]]:
    """Hyphenated words in parts ("lock-in-zoot" -> "lock-", "in-", "zoot"), so a term heard
    as the end of one ("stored in-readies") can be mended; and which part joins which."""
    out: list[Word] = []
    joins: dict[int, int] = {}
    for w in words:
        tail = _PUNCT_END.search(w.word)
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


def _rejoin(words: list[Word], joins: dict[int, int]) -> list[Word]:
    """The parts :func:`_split_hyphens` made, joined again where none was mended; a part
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
    if (
        targets.has_jargon(text)
        or (before and targets.has_jargon(before[-300:]))
        or (options.design_answers and vocab.design_question)
    ):
        parts, joins = _split_hyphens(merged)
        return _rejoin(mender.mend(parts), joins)
    return _respelled(merged, targets)


__all__ = ["MendOptions", "echoed_terms", "mend_words", "plainly_jargon", "suspected_terms"]
