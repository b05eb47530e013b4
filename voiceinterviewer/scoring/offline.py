"""The offline scorer: deterministic rubric scores from the answers' signals.

Design: each story (a main question with its follow-ups, see
:mod:`voiceinterviewer.scoring.stories`) gets a 1-5 score per dimension from
the signals of :mod:`voiceinterviewer.signals`, whose cues, topics and
thresholds are the rubric's (``prompts/rubric/rubric.toml``). A dimension is
judged only on the stories whose question track assesses it (the rubric's
``tracks``: scope and influence on stories about the person's own work,
technical depth on designs); with none it is reported as not assessed and
leaves the level to the others. A dimension's session score is its best
story's score (interviewers calibrate on the strongest evidence they heard),
except communication, which is the rounded mean (it has to hold in every
answer). The rules, per story:

- scope: from ``scope_level``: vague 1 (2 if long and concrete), single-team
  fix 3 (2 without a number), cross-team redesign with business impact 4,
  org-level strategy while growing leaders 5 (4 without a number);
- influence: 1, +1 for anyone outside the team, +1 more for three or more,
  +1 for leading/convincing, +1 for org-level direction or growing people;
  -1 when the story is all "we" and no "I";
- technical depth: 1, +1 at each of the rubric's ``topic_steps`` counts of
  design topics covered (the rubric's and the question's own), +1 for figures
  of scale (rps, GB, users) or latency; 5 only when a trade-off is reasoned
  or a risk named (the hard parts argued, not only listed);
- judgment: 1 with no trade-off; 2 for a trade-off in any common form ("the
  trade-off is", "X at the cost of Y", "I chose X because", "instead of Y");
  3 when one is reasoned (a reason in its sentence or the next) or several
  are stated; 4 when a reasoned one also names the cost accepted; 5 when
  that comes with the risks or what would change the decision, and more
  than one trade-off;
- communication: 1, +1 for two STAR parts (for a design: requirements
  first), +1 for three (for a design: four topics), +1 for an answer within
  its time box, +1 for answering the question asked (ten words or more that
  share a keyword with a specific question).

Every score carries a one-line justification, up to two verbatim sentences
as evidence, and one tip naming what was missing in which answer
(:mod:`voiceinterviewer.scoring.feedback`). Text addressed to the scorer is
removed before any of this, so it cannot move a score.
"""

from __future__ import annotations

import re

from voiceinterviewer.rubric import Rubric, load_rubric
from voiceinterviewer.scoring.base import ScoreOptions
from voiceinterviewer.scoring.calibration import calibrate
from voiceinterviewer.scoring.delivery import compute_delivery, delivery_tips
from voiceinterviewer.scoring.feedback import dimension_tip, not_assessed_tip, question_reviews
from voiceinterviewer.scoring.report import DIMENSIONS, DimensionScore, Report, ScorerInfo
from voiceinterviewer.scoring.stories import (
    Story,
    build_stories,
    off_topic,
    removed_sentences,
    speaking_seconds,
)
from voiceinterviewer.session.record import SessionRecord

_TECH_UNITS = re.compile(
    r"\b(?:ms|milliseconds?|rps|qps|tps|gb|tb|pb|mb|p99|p95|per second|nines|requests|queries)\b",
    re.I,
)


def _clamp(value: int) -> int:
    return max(1, min(5, value))


def score_scope(story: Story) -> tuple[int, str, list[str]]:
    s = story.signals
    assert s is not None
    level = s.scope_level
    if level >= 3 and s.metrics:
        score, why = 5, "org-level direction while growing other leaders"
    elif level >= 3:
        score, why = (
            4,
            "org-level direction while growing other leaders, but no number for the impact",
        )
    elif level == 2:
        score, why = 4, "cross-team work with a measured business impact"
    elif level == 1:
        score, why = (
            (3, "a concrete single-team change with a number")
            if s.metrics
            else (2, "a concrete change without a number")
        )
    else:
        concrete = story.words >= 60 and (s.metrics or s.structure.get("action"))
        score, why = (
            (2, "some concrete work, but no clear ownership or result")
            if concrete
            else (1, "no concrete system, action or result")
        )
    outcomes = (
        f" ({', '.join(s.business_outcomes[:3])})" if s.business_outcomes and level >= 2 else ""
    )
    return score, f"{why}{outcomes}", s.metrics + s.business_outcomes


def score_influence(story: Story) -> tuple[int, str, list[str]]:
    s = story.signals
    assert s is not None
    lead, org = s.lead, s.org_influence
    score = 1 + (len(s.cross_team) >= 1) + (len(s.cross_team) >= 3) + bool(lead) + bool(org)
    if s.i_count == 0 and s.we_count >= 3:
        score -= 1
    parts = []
    if s.cross_team:
        names = [p[5:] if p.lower().startswith("with ") else p for p in s.cross_team[:3]]
        parts.append("worked with " + ", ".join(names))
    if lead or org:
        parts.append("showed " + ", ".join(list(dict.fromkeys(lead + org))[:3]))
    why = (
        "; ".join(parts)
        if parts
        else "no one outside the team, no sign of leading or convincing others"
    )
    if s.i_count == 0 and s.we_count >= 3:
        why += '; told only as "we"'
    return _clamp(score), why, s.cross_team + s.leadership


def score_depth(story: Story, rubric: Rubric | None = None) -> tuple[int, str, list[str]]:
    s = story.signals
    assert s is not None
    rubric = rubric or load_rubric()
    steps = rubric.dimensions["technical_depth"].options.get("topic_steps", [2, 4, 7])
    covered = s.topics_covered()
    tech = [m for m in s.metrics if _TECH_UNITS.search(m)]
    figures = s.scale + tech
    score = 1 + sum(len(covered) >= int(step) for step in steps) + bool(figures)
    argued = s.reasoned > 0 or bool(s.risks)
    if score >= 5 and not argued:
        score = 4
    names = ", ".join(t.replace("_", " ") for t in covered[:5])
    why = f"covered {len(covered)} design topics ({names})" if covered else "no technical specifics"
    why += (
        f" with figures of scale ({', '.join(figures[:3])})" if figures else ", no figures of scale"
    )
    if len(covered) >= int(steps[-1]) and figures and not argued:
        why += ", but the hard parts were listed, not argued"
    found = {**s.sd_topics, **s.question_topics}
    phrases = figures + [p for t in covered for p in found[t]]
    return _clamp(score), why, phrases


def score_judgment(story: Story) -> tuple[int, str, list[str]]:
    s = story.signals
    assert s is not None
    if not s.alternatives:
        return 1, "no alternatives or trade-offs named", []
    reasoned = s.reasoned > 0
    score = 2 + int(reasoned or s.trade_offs >= 2)
    if reasoned and s.costs:
        score += 1
        if s.risks and s.trade_offs >= 2:
            score += 1
    why = f"named trade-offs ({', '.join(s.alternatives[:3])})"
    if reasoned and s.costs:
        why += f", said why one won and the cost ({', '.join(s.costs[:2])})"
        why += f" and the risks ({', '.join(s.risks[:2])})" if score >= 5 else ""
    elif reasoned:
        why += " with a reason, but not the cost accepted"
    else:
        why += " but not why one won"
    return _clamp(score), why, s.alternatives + s.costs + s.risks


def score_communication(story: Story, options: ScoreOptions) -> tuple[int, str, list[str]]:
    s = story.signals
    assert s is not None
    if story.is_design:
        covered = len(s.topics_covered())
        shape = int(bool(s.sd_topics.get("requirements"))) + int(covered >= 4)
        shape_note = (
            "requirements first" if s.sd_topics.get("requirements") else "no requirements clarified"
        )
    else:
        star = sum(1 for v in s.structure.values() if v)
        shape = int(star >= 2) + int(star >= 3)
        shape_note = "STAR " + "".join(k[0].upper() if v else "-" for k, v in s.structure.items())
    first = story.first_answer()
    seconds, timed = speaking_seconds(first) if first else (0.0, False)
    words = first.words if first else 0
    least = int(load_rubric().dimensions["communication"].options.get("min_words", 30))
    if timed:
        fits = 0 < seconds <= options.answer_time_box and words >= least
    else:
        fits = least <= words <= options.answer_time_box * 2.5  # about 150 words a minute
    missed = off_topic(story.main, first.clean) if first else []
    on_topic = words >= 10 and not missed
    score = 1 + shape + int(fits) + int(on_topic)
    length = f"{seconds:.0f} s" if timed else f"{words} words"
    fit_note = (
        "too short" if words < least else "within the time box" if fits else "over the time box"
    )
    why = f"{shape_note}; {length} ({fit_note})"
    why += "; on the question asked" if on_topic else "; off the question asked" if missed else ""
    return _clamp(score), why, []


class OfflineScorer:
    """Deterministic rubric scorer; no network, same transcript gives the same report."""

    engine = "offline"

    def score(self, record: SessionRecord, options: ScoreOptions) -> Report:
        stories = build_stories(record)
        dims = score_dimensions(stories, options)
        delivery = compute_delivery(record, options.answer_time_box, options.long_pause)
        removed = removed_sentences(record)
        notes = [
            f"Turn {turn}: ignored a sentence addressed to the scorer, not the interviewer."
            for turn in sorted({turn for turn, _ in removed})
        ]
        overall = calibrate(dims, options.level, options.ladder, notes)
        tips = rank_tips(dims) + delivery_tips(delivery)
        return Report(
            session_id=record.id,
            scorer=ScorerInfo(engine="offline", model="offline"),
            dimensions=dims,
            overall=overall,
            questions=question_reviews(stories),
            delivery=delivery,
            tips=tips,
        )


def score_dimensions(
    stories: list[Story], options: ScoreOptions, rubric: Rubric | None = None
) -> dict[str, DimensionScore]:
    """The five dimension scores over ``stories`` (all 1 with a note when there are none).

    A dimension that no story's question track assesses is not assessed: no
    score, a justification and tip that say so.
    """
    if not stories:
        return {
            name: DimensionScore(
                1,
                "No substantive answers were recorded.",
                [],
                "Answer at least one question fully out loud: context, what you did, the result.",
            )
            for name in DIMENSIONS
        }
    rubric = rubric or load_rubric()
    rules = {
        "scope": score_scope,
        "influence": score_influence,
        "technical_depth": lambda story: score_depth(story, rubric),
        "judgment": score_judgment,
        "communication": lambda story: score_communication(story, options),
    }
    dims: dict[str, DimensionScore] = {}
    for name, rule in rules.items():
        tracks = rubric.dimensions[name].tracks
        pool = [story for story in stories if story.assesses(tracks)]
        if not pool:
            dims[name] = DimensionScore(
                None,
                f"Not assessed: no question of this session tested {name.replace('_', ' ')}.",
                [],
                not_assessed_tip(name, stories),
                assessed=False,
            )
            continue
        results = [(rule(story), story) for story in pool]
        if name == "communication":
            mean = sum(r[0][0] for r in results) / len(results)
            score = _clamp(int(mean + 0.5))
            (_, why, _), story = min(results, key=lambda r: (r[0][0], r[1].turn))
            evidence = max(results, key=lambda r: (r[0][0], -r[1].turn))[1].opening()
            if len(results) == 1:
                justification = f"One answer (turn {story.turn}): {why}."
            else:
                justification = (
                    f"Mean over {len(results)} answers; weakest (turn {story.turn}): {why}."
                )
        else:
            (score, why, phrases), story = max(
                results, key=lambda r: (r[0][0], r[1].words, -r[1].turn)
            )
            evidence = story.evidence_for(phrases)
            justification = f"Best answer (turn {story.turn}): {why}."
        dims[name] = DimensionScore(
            score, justification, evidence, dimension_tip(name, score, story, stories, options)
        )
    return dims


def rank_tips(dims: dict[str, DimensionScore]) -> list[str]:
    """Dimension tips, weakest dimension first (ties in rubric order)."""
    order = sorted(
        (n for n in DIMENSIONS if n in dims),
        key=lambda n: (not dims[n].assessed, dims[n].score or 0, DIMENSIONS.index(n)),
    )
    out: list[str] = []
    for name in order:
        tip = dims[name].tip
        if tip and tip not in out:
            out.append(tip)
    return out
