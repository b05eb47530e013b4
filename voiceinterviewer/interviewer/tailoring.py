"""What a job description and story notes tell the interviewer: the role's systems, the stories.

A person who gives ``--job`` should hear the role in the questions, and one
who gives ``--stories`` should be asked about their own stories by name, with
follow-ups on what those stories leave out. These are pure functions over the
two texts; the planner decides where they are used and the phrases come from
``prompts/phrases.toml``.

- :func:`read_job`: the role's title (a short first line naming an engineer),
  its systems (the technical names and the vocabulary's terms it mentions,
  most mentioned first) and its responsibilities ("build and scale the query
  serving path", from lines that say what the role will own, build or lead);
- :func:`read_stories`: one :class:`StoryNote` per bullet, line or sentence
  of the notes, with a name to say it by ("you led the rewrite of the
  ingestion service"), its keywords, and the gaps its text leaves open (no
  number: impact; no option weighed: alternatives; ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from voiceinterviewer.interviewer.text import split_sentences
from voiceinterviewer.signals import analyze_answer

_MARKUP_RE = re.compile(r"^[\s>#*+\-\u2022]*(?:\d{1,3}[.)]\s+)?|[*_`]+")
_ROLE_RE = re.compile(
    r"\b(?:engineer|developer|swe|sre|architect|programmer|lead|manager)\b", re.IGNORECASE
)
_DUTY_VERBS = (
    r"own|build|design|scale|operate|lead|run|maintain|improve|develop|architect|evolve|"
    r"drive|work on|shape|grow"
)
_DUTY_RE = re.compile(rf"\b(?:{_DUTY_VERBS})\b[^.;:!?\n]{{6,90}}", re.IGNORECASE)
# A line that says what the role itself will do ("You will...", "Responsibilities: ...", "Own ...").
_ROLE_DUTY_RE = re.compile(
    rf"^(?:{_DUTY_VERBS})\b|\byou(?:'ll| will| would)\b|\bresponsib|\bwhat you'll do\b",
    re.IGNORECASE,
)
# Rubric topics whose terms are measures, not systems ("p99", "QPS", "API").
_NOT_SYSTEMS = ("requirements", "capacity", "api", "monitoring")
_FIRST_PERSON = {
    "i": "you", "i'm": "you're", "i've": "you've", "i'd": "you'd", "me": "you", "my": "your",
    "mine": "yours", "myself": "yourself", "we": "you", "our": "your", "us": "you",
    "ours": "yours",
}  # fmt: skip
_STORY_WORDS = 18


@dataclass
class JobProfile:
    role: str = ""  # "Senior Software Engineer, Search Infrastructure"
    systems: list[str] = field(default_factory=list)  # "Elasticsearch", "query serving"
    responsibilities: list[str] = field(default_factory=list)  # "scale the indexing pipeline"

    @property
    def empty(self) -> bool:
        return not (self.role or self.systems or self.responsibilities)


@dataclass
class StoryNote:
    text: str  # the note as written (one line or sentence)
    said: str  # how the interviewer says it: "you led the rewrite of the ingestion service"
    gaps: tuple[str, ...]  # what the note leaves open, most important first


def _clean_lines(text: str) -> list[str]:
    return [_MARKUP_RE.sub("", raw).strip() for raw in text.splitlines() if raw.strip()]


def read_job(text: str, terms: list[str] | None = None) -> JobProfile:
    """The role, its systems and responsibilities from a job description."""
    from voiceinterviewer.stt.vocabulary import TermIndex, load_domain, technical_names

    if not text.strip():
        return JobProfile()
    lines = _clean_lines(text)
    role = ""
    if lines and len(lines[0].split()) <= 10 and _ROLE_RE.search(lines[0]):
        role = lines[0].rstrip(" .:")
    domain = load_domain()
    measures = {t.lower() for name in _NOT_SYSTEMS for t in domain.topic_terms.get(name, ())}
    vocabulary = terms if terms is not None else list(domain.terms)
    named = [
        t for t in TermIndex(vocabulary).find(text) if _system_like(t) and t.lower() not in measures
    ]
    counts = {t: len(re.findall(rf"(?<!\w){re.escape(t)}(?!\w)", text, re.I)) for t in named}
    systems = technical_names(text) + sorted(named, key=lambda t: -counts[t])
    systems = [s for s in systems if s.lower() not in measures and s.lower() not in role.lower()]
    duties: list[tuple[bool, str]] = []
    for line in lines[1:] if role else lines:
        own = bool(_ROLE_DUTY_RE.search(line))
        for match in _DUTY_RE.finditer(line):
            phrase = re.split(r",|\s+(?:while|so that|in order to)\s", match.group(0))[0]
            phrase = phrase.strip(" ,")
            if 3 <= len(phrase.split()) <= 14:
                duties.append((not own, phrase[:1].lower() + phrase[1:]))
    ranked = [d for _, d in sorted(duties, key=lambda item: item[0])]
    return JobProfile(
        role=role,
        systems=list(dict.fromkeys(systems))[:8],
        responsibilities=list(dict.fromkeys(ranked))[:4],
    )


def _system_like(term: str) -> bool:
    """A name (Elasticsearch, gRPC, S3) or a term of several words (message queue)."""
    return any(c.isupper() or c.isdigit() for c in term) or bool(re.search(r"[\s-]", term))


def _second_person(text: str) -> str:
    words = text.split()
    return " ".join(_FIRST_PERSON.get(w.lower(), w) for w in words)


def _said(note: str) -> str:
    """A note as the interviewer says it back: "Led the rewrite ..." -> "you led the rewrite ..."."""
    clause = re.split(r"[;:(\u2014\u2013]|\s-\s|,\s+(?:which|and|so|but|\w+ing)\s", note)[0]
    clause = clause.strip(" .,")
    words = clause.split()[:_STORY_WORDS]
    if not words:
        return ""
    first = words[0].lower()
    if first in _FIRST_PERSON:
        return _second_person(" ".join(words))
    if re.match(r"^[a-z]+ed$", first) or first in {"led", "built", "ran", "wrote", "drove", "grew"}:
        return (
            "you " + first + (" " + _second_person(" ".join(words[1:])) if len(words) > 1 else "")
        )
    return "you worked on " + words[0].lower() + " " + _second_person(" ".join(words[1:]))


def read_stories(text: str) -> list[StoryNote]:
    """One note per bullet or line of the notes (a paragraph: per sentence)."""
    from voiceinterviewer.interviewer.policy import find_gaps

    notes = []
    for line in _clean_lines(text):
        for sentence in split_sentences(line) if len(line.split()) > 30 else [line]:
            if len(sentence.split()) < 4:
                continue
            said = _said(sentence)
            if not said:
                continue
            signals = analyze_answer(sentence)
            gaps = tuple(g.name for g in find_gaps(signals, "behavioral", "senior", True))
            notes.append(StoryNote(sentence, said, gaps))
    return notes


__all__ = ["JobProfile", "StoryNote", "read_job", "read_stories"]
