"""The interview's vocabulary: the terms the speech model is primed with and mended towards.

tiny.en writes "release cluster" for "Redis cluster" and "posters" for
"Postgres" unless it expects those words. The vocabulary of one interview is
built once from data (nothing here is a list of mishearings):

- the domain's terms: the rubric's design topics and trade-off, influence and
  leadership terms (``prompts/rubric/rubric.toml``), every bank question's own
  design topics (``prompts/questions/*.toml``) and ``[vocabulary]`` in
  ``prompts/speech.toml``, with how people say the terms whose spelling does
  not tell (``[spoken]``);
- the job description's and the story notes' terms, when given: the domain
  terms they mention, and names that look technical (``Vespa``, ``gRPC``,
  ``k8s``, ``S3``);
- the current question's terms, set per turn with :meth:`Vocabulary.set_question`:
  its own design topics and the domain terms its text names.

The speech model's prompt can hold only a few dozen terms, so
:meth:`Vocabulary.prompt_terms` ranks them: the current question's first,
then the job description's and the notes', then the track's topic terms taken
in turn from each topic, as many as fit. The mender
(:mod:`voiceinterviewer.stt.mend`) uses all of them. The object is shared
between the thread that asks questions and the one that transcribes, so the
question's terms are swapped under a lock.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from voiceinterviewer.home import PROMPTS_DIR
from voiceinterviewer.prompt_files import read_toml, strings, table

SPEECH_FILE = PROMPTS_DIR / "speech.toml"
DESIGN_TRACKS = ("system-design",)
_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:[./+'-][A-Za-z0-9]+)*")
# Names in a job description or notes that look technical: inner capitals (gRPC, OpenSearch),
# capitals and digits (S3, EC2, k8s), or short all-capital names (GCP, CDN).
_TECHNICAL_RE = re.compile(
    r"(?<![\w-])(?:[A-Za-z]+[a-z][A-Z][A-Za-z0-9]*|[A-Za-z]+\d+[A-Za-z0-9]*|\d+[A-Za-z]+\w*|[A-Z]{2,6})(?![\w-])"
)
_COMMON_CAPS = frozenset("I A OK US UK EU AM PM CEO CTO VP HR IT TV ID".split())


def term_key(text: str) -> str:
    """How terms are compared: lower case, words joined by single spaces, no punctuation."""
    return " ".join(t.lower() for t in re.findall(r"[A-Za-z0-9]+", text))


def squashed(text: str) -> str:
    """A term's key with no spaces at all ("read through" = "read-through" = "readthrough")."""
    return term_key(text).replace(" ", "")


def is_term(cue: str) -> bool:
    """A cue written plainly enough to be said (no wildcards, alternatives or placeholders)."""
    return bool(cue.strip()) and not any(c in cue for c in "*()[]{}|") and "..." not in cue


@dataclass(frozen=True)
class Domain:
    """The domain's terms from the prompts data, ranked, with their spoken forms."""

    terms: tuple[str, ...]  # every term, in the order of the files
    topic_terms: dict[str, tuple[str, ...]]  # design topic -> its terms (rubric order)
    story_terms: tuple[str, ...]  # trade-off, influence and ways-of-working terms
    question_terms: dict[str, tuple[str, ...]]  # bank question id -> its own topic terms
    spoken: dict[str, tuple[str, ...]] = field(default_factory=dict)  # term -> spoken forms
    filler_prompt: str = ""
    glossary_chars: int = 360


def _dedup(items: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = term_key(item)
        if key and key not in seen:
            seen.add(key)
            out.append(item)
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _domain(stamp: tuple) -> Domain:
    from voiceinterviewer.interviewer.bank_files import load_bank
    from voiceinterviewer.rubric import load_rubric

    rubric = load_rubric()
    data = read_toml(SPEECH_FILE)
    vocab = table(data, "vocabulary", SPEECH_FILE)
    extra = [t for group in vocab for t in strings(vocab, group, SPEECH_FILE, "vocabulary")]
    spoken_raw = table(data, "spoken", SPEECH_FILE)
    spoken = {term: strings(spoken_raw, term, SPEECH_FILE, "spoken") for term in spoken_raw}
    topic_terms = {
        name: _dedup(c for c in topic.cues.terms if is_term(c))
        for name, topic in rubric.topics.items()
    }
    story = [
        t for name in ("trade_off", "leadership", "cross_team") for t in rubric.cues[name].terms
    ]
    story += list(strings(vocab, "ways_of_working", SPEECH_FILE, "vocabulary"))
    bank = load_bank()
    questions = {
        q.id: _dedup(c for cues in q.topics.values() for c in cues if is_term(c))
        for q in bank.questions.values()
    }
    everything = _dedup(
        [t for terms in topic_terms.values() for t in terms]
        + list(rubric.terms())
        + [t for terms in questions.values() for t in terms]
        + extra
        + list(spoken)
    )
    chars = data.get("glossary_chars", 360)
    return Domain(
        terms=everything,
        topic_terms=topic_terms,
        story_terms=_dedup(story),
        question_terms=questions,
        spoken=spoken,
        filler_prompt=" ".join(str(data.get("filler_prompt", "")).split()),
        glossary_chars=chars if isinstance(chars, int) and chars >= 0 else 360,
    )


def load_domain() -> Domain:
    """The domain's terms, read once per change of the prompts files."""
    from voiceinterviewer.home import PROMPTS_DIR as root

    stamps = []
    for path in sorted(root.glob("questions/*.toml")) + [
        SPEECH_FILE,
        root / "rubric" / "rubric.toml",
    ]:
        try:
            info = path.stat()
            stamps.append((str(path), info.st_mtime_ns, info.st_size))
        except OSError:
            stamps.append((str(path), 0, 0))
    return _domain(tuple(stamps))


class TermIndex:
    """Finds which of a set of terms a text names, on word tokens (spaces, hyphens, case ignored)."""

    def __init__(self, terms: Iterable[str]):
        self.by_key: dict[str, str] = {}
        for term in terms:
            for key in (term_key(term), squashed(term)):
                if key:
                    self.by_key.setdefault(key, term)
        self.longest = max((len(k.split()) for k in self.by_key), default=1)

    def find(self, text: str) -> list[str]:
        """The terms ``text`` names, in order of appearance, each once."""
        tokens = term_key(text).split()
        found: list[str] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self.longest + 1, len(tokens) - i), 0, -1):
                window = tokens[i : i + n]
                term = self.by_key.get(" ".join(window)) or self.by_key.get("".join(window))
                if term:
                    found.append(term)
                    i += n - 1
                    break
            i += 1
        return list(dict.fromkeys(found))


def technical_names(text: str, limit: int = 30) -> list[str]:
    """Names in ``text`` that look technical ("gRPC", "S3", "k8s", "GCP"), in order, each once."""
    found = [m.group(0) for m in _TECHNICAL_RE.finditer(text) if m.group(0) not in _COMMON_CAPS]
    return list(dict.fromkeys(found))[:limit]


def _round_robin(groups: Sequence[Sequence[str]]) -> list[str]:
    out, depth = [], max((len(g) for g in groups), default=0)
    for i in range(depth):
        out += [g[i] for g in groups if i < len(g)]
    return out


class Vocabulary:
    """The terms of one interview; the current question's terms change per turn (thread-safe)."""

    def __init__(
        self,
        terms: Sequence[str],
        ranked: Sequence[str] = (),
        spoken: Mapping[str, Sequence[str]] | None = None,
        question_terms: Mapping[str, Sequence[str]] | None = None,
        glossary_chars: int = 360,
        topic_terms: Mapping[str, Sequence[str]] | None = None,
    ):
        self.ranked = _dedup(list(ranked) + list(terms))
        self.terms = self.ranked
        self.spoken = {t: tuple(forms) for t, forms in (spoken or {}).items()}
        self.by_question = {q: tuple(t) for q, t in (question_terms or {}).items()}
        self.by_topic = {name: tuple(t) for name, t in (topic_terms or {}).items()}
        self.glossary_chars = glossary_chars
        self.index = TermIndex(self.terms)
        self._question: tuple[str, ...] = ()
        self._design = False
        self._lock = threading.Lock()

    def set_question(self, text: str, question_id: str = "", topic: str = "") -> None:
        """The question now being answered: the terms its text names, its own design topics,
        and, for a follow-up on a design topic (``topic``, e.g. "sharding"), that topic's terms."""
        own = self.by_question.get(question_id, ())
        named = self.index.find(text)
        probed = self.by_topic.get(topic, ())
        terms = _dedup(named + list(probed) + list(own) + technical_names(text, 10))
        with self._lock:
            self._question = terms
            self._design = bool(own or probed)

    @property
    def design_question(self) -> bool:
        """Whether the question now answered is a design question or probes a design topic:
        its answer is jargon from the first word on."""
        with self._lock:
            return self._design

    @property
    def question_terms(self) -> tuple[str, ...]:
        with self._lock:
            return self._question

    def prompt_terms(self, chars: int | None = None, first: Sequence[str] = ()) -> list[str]:
        """Terms for the speech model's prompt, most relevant first, within ``chars`` characters.

        ``first`` go before everything (the terms a first decoding may have misheard).
        """
        budget = self.glossary_chars if chars is None else chars
        out: list[str] = []
        used = 0
        seen: set[str] = set()
        for term in _dedup(tuple(first) + self.question_terms + self.ranked):
            stem = squashed(term).removesuffix("s")
            if stem in seen:  # "trade-offs" after "trade-off", "tradeoff" after both
                continue
            seen.add(stem)
            cost = len(term) + 2
            if used + cost > budget:
                if used + 8 > budget:
                    break
                continue
            out.append(term)
            used += cost
        return out

    def glossary_line(self, chars: int | None = None, first: Sequence[str] = ()) -> str:
        """The prompt terms as one line ("Redis, Postgres, sharding.")."""
        return glossary_text(self.prompt_terms(chars, first))

    def all_terms(self) -> tuple[str, ...]:
        """Every term, the current question's included."""
        return _dedup(self.question_terms + self.terms)


def glossary_text(terms: Sequence[str]) -> str:
    """Terms as the line the speech model is primed with ("Redis, Postgres, sharding.")."""
    return ", ".join(terms) + "." if terms else ""


def interview_vocabulary(
    track: str = "", job_text: str = "", stories_text: str = "", domain: Domain | None = None
) -> Vocabulary:
    """The vocabulary of an interview on ``track``, tailored by the job description and notes."""
    domain = domain or load_domain()
    index = TermIndex(domain.terms)
    tailored: list[str] = []
    for text in (job_text, stories_text):
        if text:
            tailored += index.find(text) + technical_names(text)
    steps = _track_steps(track)
    design = not steps or any(step in DESIGN_TRACKS for step in steps)
    stories = not steps or any(step not in DESIGN_TRACKS for step in steps)
    topic = _round_robin(list(domain.topic_terms.values())) if design else []
    story = list(domain.story_terms) if stories else []
    ranked = tailored + (_round_robin([topic, story]) if design and stories else topic + story)
    return Vocabulary(
        terms=domain.terms,
        ranked=ranked,
        spoken=domain.spoken,
        question_terms=domain.question_terms,
        glossary_chars=domain.glossary_chars,
        topic_terms=domain.topic_terms,
    )


def _track_steps(track: str) -> tuple[str, ...]:
    """The question tracks a session track asks ("senior-loop": intro, behavioral, ...)."""
    if not track:
        return ()
    from voiceinterviewer.errors import UserError
    from voiceinterviewer.interviewer.bank_files import load_bank

    try:
        bank = load_bank()
        return tuple(bank.track_plan(track).steps) if track in bank.tracks else (track,)
    except UserError:
        return (track,)


__all__ = ["Domain", "TermIndex", "Vocabulary", "interview_vocabulary", "load_domain"]
__all__ += ["glossary_text", "is_term", "squashed", "technical_names", "term_key"]
