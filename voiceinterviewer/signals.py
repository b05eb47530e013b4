"""What an answer shows, found with the rubric's cues: numbers, ownership, reach, trade-offs.

Both the offline interviewer (which gap to probe next) and the offline scorer
(how senior the story sounds) read the same :class:`AnswerSignals`, so the
interview and its report agree on what was and was not said. The cues, topics
and word lists are the rubric's (``prompts/rubric/rubric.toml``): editing it
changes what both see.

Design: every signal is a pattern compiled once per version of the rubric and
run once over a lower-cased copy of the answer (much faster than case-insensitive matching);
matches are kept as the phrases the candidate actually said (original casing,
first occurrence, in order) so they can be quoted back as evidence. Nothing is learned or downloaded; the same text always gives the
same signals, and a long answer takes well under a millisecond.

``scope_level`` is the one judgement made here, from the other signals:

- 0: vague, no number and no concrete action with a result;
- 1: a concrete, single-team story ("I reduced latency by 20%");
- 2: reach beyond the team (product, design, other teams) or a led redesign,
  with a business outcome and a number ("cut costs $2M/year, opened 3 markets");
- 3: org-level direction (strategy, roadmap, several teams) and growing other
  leaders (mentored engineers into tech leads, hired and grew managers).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from voiceinterviewer.rubric import Rubric, compile_cues, cue_pattern, load_rubric

_MAG = r"(?:\s?(?:k|m|mm|b|bn|thousand|million|billion|trillion|hundred)\b)?"
_PER_TIME = r"(?:second|sec|minute|hour|day|week|month|year|user|request)"


class _Patterns:
    """The rubric's cues compiled once: every pattern is lower case, for lower-cased text."""

    def __init__(self, rubric: Rubric):
        cues = {name: c.all for name, c in rubric.cues.items()}
        words = cue_pattern(cues["number_words"])
        num = rf"(?:\d[\d,]*(?:\.\d+)?|{words})"
        self.number = num
        q = num + _MAG
        units = cue_pattern(cues["units"], num, after_number=True)
        scale_units = cue_pattern(cues["scale_units"], num, after_number=True)
        multipliers = cue_pattern(cues["multipliers"], num)
        self.metric = re.compile(
            rf"(?:[$£€]\s?{num}{_MAG}(?:\s?(?:/|a|per)\s?(?:year|yr|month|quarter))?"
            rf"|{q}[\s-]?(?:{units})(?!\s+ago)"
            rf"|{multipliers})"
        )
        self.scale = re.compile(
            rf"{q}\s?(?:of\s+)?(?:{scale_units})"
            r"(?:\s+(?:a|per)\s+(?:second|sec|minute|hour|day|month|year))?"
            rf"|{q}\s+(?:\w+\s+)?(?:per|a)\s+(?:second|sec|minute|hour|day)\b"
            r"|\b(?:requests|queries|writes|reads) per second\b"
        )
        c = lambda name: compile_cues(cues[name], num)  # noqa: E731
        self.business = c("business")
        self.cross_team = c("cross_team")
        self.alternatives = c("trade_off")
        self.reason = c("reason")
        self.cost = c("cost")
        self.risk = c("risk")
        self.leadership = c("leadership")
        self.lead = c("lead")
        self.org_influence = c("org_influence")
        self.i_words = c("i_words")
        self.we_words = c("we_words")
        self.situation = c("situation")
        self.task = c("task")
        self.action = c("action")
        self.result = c("result")
        self.org = c("org")
        self.grow_leaders = c("grow_leaders")
        self.led_redesign = c("led_redesign")
        self.conflict = c("conflict")
        self.topics = {name: compile_cues(t.cues.all, num) for name, t in rubric.topics.items()}
        self._question: dict[tuple, dict[str, re.Pattern[str]]] = {}

    def question_topics(self, topics: Mapping[str, Sequence[str]]) -> dict[str, re.Pattern[str]]:
        key = tuple((name, tuple(cues)) for name, cues in topics.items())
        found = self._question.get(key)
        if found is None:
            if len(self._question) > 64:
                self._question.clear()
            found = self._question[key] = {
                name: compile_cues(list(cues), self.number) for name, cues in topics.items()
            }
        return found


_CACHE: dict[int, tuple[Rubric, _Patterns]] = {}
_LOCK = threading.Lock()


def patterns(rubric: Rubric | None = None) -> _Patterns:
    """The compiled cues of ``rubric`` (default: the rubric file as it is now)."""
    rubric = rubric or load_rubric()
    with _LOCK:
        cached = _CACHE.get(id(rubric))
        if cached is None or cached[0] is not rubric:
            if len(_CACHE) > 4:
                _CACHE.clear()
            cached = _CACHE[id(rubric)] = (rubric, _Patterns(rubric))
    return cached[1]


def sd_topics(rubric: Rubric | None = None) -> tuple[str, ...]:
    """The rubric's system design topics, in its order."""
    return tuple((rubric or load_rubric()).topics)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass
class AnswerSignals:
    text: str
    word_count: int
    metrics: list[str] = field(default_factory=list)
    business_outcomes: list[str] = field(default_factory=list)
    i_count: int = 0
    we_count: int = 0
    cross_team: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)  # trade-off phrases, as said
    scale: list[str] = field(default_factory=list)
    sd_topics: dict[str, list[str]] = field(default_factory=dict)  # the rubric's design topics
    question_topics: dict[str, list[str]] = field(default_factory=dict)  # the question's own
    leadership: list[str] = field(default_factory=list)
    structure: dict[str, bool] = field(default_factory=dict)
    scope_level: int = 0
    trade_offs: int = 0  # sentences that state a trade-off
    reasoned: int = 0  # of those, with a reason in it or the next sentence
    costs: list[str] = field(default_factory=list)  # the price of a choice, said out loud
    risks: list[str] = field(default_factory=list)  # risks and what would change the decision
    lead: list[str] = field(default_factory=list)  # leading or convincing others
    org_influence: list[str] = field(default_factory=list)  # org direction, growing people
    conflict: bool = False  # pushback or disagreement described

    @property
    def ownership_ratio(self) -> float:
        """Share of first-person singular among first-person pronouns; 0.5 when there are none."""
        total = self.i_count + self.we_count
        return self.i_count / total if total else 0.5

    def topics_covered(self) -> list[str]:
        """Design topics covered, the rubric's then the question's own."""
        return [t for t, found in {**self.sd_topics, **self.question_topics}.items() if found]


def _lowered(text: str) -> str:
    """A lower-case copy with the same length, so match positions index the original text."""
    low = text.lower().replace("\u2019", "'")
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text).replace("\u2019", "'")


def _found(pattern: re.Pattern[str], text: str, low: str) -> list[str]:
    """Distinct matches (case-insensitively), first occurrence first, as written in ``text``."""
    seen: set[str] = set()
    out: list[str] = []
    for match in pattern.finditer(low):
        phrase = " ".join(text[match.start() : match.end()].split()).strip(" ,.;")
        key = phrase.lower()
        if phrase and key not in seen:
            seen.add(key)
            out.append(phrase)
    return out


def _scope_level(
    p: _Patterns,
    low: str,
    word_count: int,
    metrics: list[str],
    business: list[str],
    cross_team: list[str],
    structure: dict[str, bool],
) -> int:
    # A number counts when the answer says what was done ("I rewrote...", "we cut..."): "I give
    # a hundred percent" is not a result.
    concrete = structure["action"] and (bool(metrics) or (structure["result"] and word_count >= 40))
    if not concrete and word_count < 25:
        return 0
    if (metrics or business or cross_team) and p.org.search(low) and p.grow_leaders.search(low):
        return 3
    reach = bool(cross_team) or bool(p.led_redesign.search(low))
    if business and metrics and reach:
        return 2
    return 1 if concrete else 0


def _trade_offs(p: _Patterns, low: str) -> tuple[int, int]:
    """(sentences stating a trade-off, those with a reason in them or in the next sentence)."""
    parts = [s for s in _SENTENCE_END.split(low) if s.strip()]
    stated = reasoned = 0
    for i, sentence in enumerate(parts):
        if p.alternatives.search(sentence):
            stated += 1
            following = parts[i + 1] if i + 1 < len(parts) else ""
            reasoned += bool(p.reason.search(sentence) or p.reason.search(following))
    return stated, reasoned


def analyze_answer(
    text: str,
    topics: Mapping[str, Sequence[str]] | None = None,
    rubric: Rubric | None = None,
) -> AnswerSignals:
    """Signals of one answer (or of several joined); ``topics``: the question's own design topics."""
    p = patterns(rubric)
    text = text or ""
    low = _lowered(text)
    word_count = len(text.split())
    metrics = _found(p.metric, text, low)
    business = _found(p.business, text, low)
    cross_team = _found(p.cross_team, text, low)
    structure = {
        "situation": bool(p.situation.search(low)),
        "task": bool(p.task.search(low)),
        "action": bool(p.action.search(low)),
        "result": bool(metrics and business) or bool(p.result.search(low)),
    }
    stated, reasoned = _trade_offs(p, low)
    own = p.question_topics(topics) if topics else {}
    return AnswerSignals(
        text=text,
        word_count=word_count,
        metrics=metrics,
        business_outcomes=business,
        i_count=len(p.i_words.findall(low)),
        we_count=len(p.we_words.findall(low)),
        cross_team=cross_team,
        alternatives=_found(p.alternatives, text, low),
        scale=_found(p.scale, text, low),
        sd_topics={topic: _found(pattern, text, low) for topic, pattern in p.topics.items()},
        question_topics={topic: _found(pattern, text, low) for topic, pattern in own.items()},
        leadership=_found(p.leadership, text, low),
        structure=structure,
        scope_level=_scope_level(p, low, word_count, metrics, business, cross_team, structure),
        trade_offs=stated,
        reasoned=reasoned,
        costs=_found(p.cost, text, low),
        risks=_found(p.risk, text, low),
        lead=_found(p.lead, text, low),
        org_influence=_found(p.org_influence, text, low),
        conflict=bool(p.conflict.search(low)),
    )


def _union(lists: list[list[str]]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for items in lists:
        for item in items:
            if item.lower() not in seen:
                seen.add(item.lower())
                out.append(item)
    return out


def merge_signals(parts: list[AnswerSignals], rubric: Rubric | None = None) -> AnswerSignals:
    """The signals of several answers taken together (a question and its follow-ups).

    Phrases are united, counts added, STAR parts or-ed; the scope level is the
    highest of the parts and of the united signals, so a story whose number
    came in a follow-up still counts as one story. Cheaper than analysing the
    joined text again, since each answer is analysed once.
    """
    if not parts:
        return analyze_answer("", rubric=rubric)
    if len(parts) == 1:
        return parts[0]
    text = " ".join(p.text for p in parts)
    topics = list(dict.fromkeys(t for p in parts for t in p.sd_topics))
    own = list(dict.fromkeys(t for p in parts for t in p.question_topics))
    merged = AnswerSignals(
        text=text,
        word_count=sum(p.word_count for p in parts),
        metrics=_union([p.metrics for p in parts]),
        business_outcomes=_union([p.business_outcomes for p in parts]),
        i_count=sum(p.i_count for p in parts),
        we_count=sum(p.we_count for p in parts),
        cross_team=_union([p.cross_team for p in parts]),
        alternatives=_union([p.alternatives for p in parts]),
        scale=_union([p.scale for p in parts]),
        sd_topics={t: _union([p.sd_topics.get(t, []) for p in parts]) for t in topics},
        question_topics={t: _union([p.question_topics.get(t, []) for p in parts]) for t in own},
        leadership=_union([p.leadership for p in parts]),
        structure={
            k: any(p.structure.get(k, False) for p in parts)
            for k in ("situation", "task", "action", "result")
        },
        trade_offs=sum(p.trade_offs for p in parts),
        reasoned=sum(p.reasoned for p in parts),
        costs=_union([p.costs for p in parts]),
        risks=_union([p.risks for p in parts]),
        lead=_union([p.lead for p in parts]),
        org_influence=_union([p.org_influence for p in parts]),
        conflict=any(p.conflict for p in parts),
    )
    united = _scope_level(
        patterns(rubric),
        _lowered(text),
        merged.word_count,
        merged.metrics,
        merged.business_outcomes,
        merged.cross_team,
        merged.structure,
    )
    merged.scope_level = max([united, *(p.scope_level for p in parts)])
    return merged


__all__ = ["AnswerSignals", "analyze_answer", "merge_signals", "patterns", "sd_topics"]
