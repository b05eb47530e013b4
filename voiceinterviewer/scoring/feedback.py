"""Feedback that names the gap: one tip per dimension, and a review of each question.

Design: a tip is only useful if it says what was missing in which answer and
what to say instead ("In your payment story (turn 3), give the number: how
much cost, latency or revenue moved"). Each rule below checks the signals of
the story the score came from, most basic gap first, so a vague story is told
to add a number before it is told to talk about org strategy. Question
reviews list what a stronger answer would add and, for system-design
questions, which design topics were covered: the rubric's and the question's own.
"""

from __future__ import annotations

from voiceinterviewer.rubric import load_rubric
from voiceinterviewer.scoring.base import ScoreOptions
from voiceinterviewer.scoring.report import QuestionReview
from voiceinterviewer.scoring.stories import Story, off_topic, speaking_seconds


def topic_name(topic: str) -> str:
    """How feedback names a design topic: the rubric's name, else the question topic's key."""
    found = load_rubric().topics.get(topic)
    return found.name if found else topic.replace("_", " ")


def _missed_topics(story: Story) -> list[str]:
    """Design topics a story left out: the rubric's, then its question's own."""
    s = story.signals
    assert s is not None
    return [t for t, found in {**s.sd_topics, **s.question_topics}.items() if not found]


def _where(story: Story) -> str:
    return f"In {story.label()} (turn {story.turn})"


def not_assessed_tip(name: str, stories: list[Story]) -> str:
    """What to practise for a dimension this session did not test."""
    if name in ("scope", "influence"):
        return (
            f"This session did not test {name}: practise a behavioural question too "
            "(--track behavioral) and tell one story about your own work, with numbers."
        )
    if name == "technical_depth":
        return (
            "This session did not test technical depth: practise a design (--track system-design)."
        )
    return f"This session did not test {name.replace('_', ' ')}."


def _scope_tip(story: Story) -> str:
    s = story.signals
    assert s is not None
    where = _where(story)
    if not s.metrics:
        return f"{where}, give the number: how much cost, latency or revenue moved, and for how many users."
    if not s.business_outcomes:
        return f"{where}, tie the {s.metrics[0]} to the business: what it did for revenue, cost, customers or markets."
    if s.scope_level < 2:
        return f"{where}, show the wider scope: which teams and systems depended on the change, and what you led."
    if s.scope_level == 2:
        return f"{where}, to reach staff level, connect it to org direction: the multi-team strategy it served and who you grew into a leader."
    return f"{where}, keep the org-level frame, and open with the business result in your first sentence."


def _influence_tip(story: Story) -> str:
    s = story.signals
    assert s is not None
    where = _where(story)
    if story.is_design:
        return (
            f"{where}, drive the discussion: state your plan, check it with the interviewer, "
            'and defend each trade-off as a decision you own ("I\'d pick X because ...").'
        )
    if s.we_count >= 3 and s.i_count * 2 < s.we_count:
        return f'{where} you said "we" {s.we_count} times and "I" {s.i_count}: say "I" for the decisions you drove.'
    if not s.cross_team:
        return f"{where}, name who outside your team you worked with (product, design, another team) and how you brought them along."
    if not s.leadership:
        return f"{where}, say what you personally led: the design doc, the decision meeting, the person you convinced."
    return f"{where}, add one disagreement with a stakeholder and how you resolved it, and who you mentored along the way."


def _depth_tip(story: Story) -> str:
    s = story.signals
    assert s is not None
    where = _where(story)
    if story.is_design:
        missed = _missed_topics(story)
        if missed:
            names = ", ".join(topic_name(t) for t in missed[:3])
            topic = load_rubric().topics.get(missed[0])
            advice = topic.advice if topic and topic.advice else f"cover {topic_name(missed[0])}"
            return f"{where}, you skipped {names}: {advice}."
        return f"{where}, go deeper on the hardest part: the hot key or the failover, with numbers."
    if not s.scale:
        return f"{where}, give the technical scale: requests per second, data size or users, and the one design choice that made it work."
    return f"{where}, go one level deeper on the hardest technical problem: what broke at {s.scale[0]} and how you found it."


def _judgment_tip(story: Story) -> str:
    s = story.signals
    assert s is not None
    where = _where(story)
    if not s.alternatives:
        return f'{where}, name one option you rejected and why ("we chose X over Y because ...").'
    if not (story.has_reason() or story.has_risk()):
        return f"{where}, say why the option you picked won: the cost you accepted and the risk you watched."
    return f"{where}, add what would make you revisit the decision, and how you would know."


def _communication_tip(story: Story, options: ScoreOptions) -> str:
    s = story.signals
    assert s is not None
    first = story.first_answer()
    where = _where(story)
    if first is not None:
        missed = off_topic(story.main, first.clean)
        if missed:
            return f"{where}, the question asked about {' '.join(missed[:3])}; answer that in your first sentence, then add context."
        seconds, timed = speaking_seconds(first)
        too_long = (
            seconds > options.answer_time_box
            if timed
            else first.words > options.answer_time_box * 2.5
        )
        if too_long:
            size = f"{seconds / 60:.1f} minutes" if timed else f"{first.words} words"
            return f"{where} ran {size}; give the headline in two sentences, then the details."
        if first.words < 30:
            return f"{where} was {first.words} words; give context, your task, what you did and the result."
    if story.is_design:
        if not s.sd_topics.get("requirements"):
            return f"{where}, start by clarifying requirements and scale before drawing boxes."
        return f"{where}, say the plan out loud first (requirements, estimate, API, data, scale), then go through it."
    if not s.structure.get("result"):
        return f"{where}, end with the result: what changed, in numbers, because of what you did."
    if not (s.structure.get("situation") or s.structure.get("task")):
        return f"{where}, open with one sentence of context and your goal before the details."
    if not s.structure.get("action"):
        return f'{where}, say what you did, step by step, with "I".'
    return f"{where}, lead with the result in your first sentence so the interviewer knows where the story goes."


def dimension_tip(
    name: str, score: int, story: Story, stories: list[Story], options: ScoreOptions
) -> str:
    if name == "scope":
        return _scope_tip(story)
    if name == "influence":
        return _influence_tip(story)
    if name == "technical_depth":
        return _depth_tip(story)
    if name == "judgment":
        return _judgment_tip(story)
    return _communication_tip(story, options)


_SCOPE_WORDS = {
    0: "A vague answer without a concrete system, action or result",
    1: "A concrete single-team story",
    2: "A cross-team story with business impact",
    3: "An org-level story that grew other leaders",
}


def _summary(story: Story) -> str:
    s = story.signals
    assert s is not None
    parts = [_SCOPE_WORDS.get(s.scope_level, _SCOPE_WORDS[0])]
    if story.is_design:
        covered = s.topics_covered()
        total = len(s.sd_topics) + len(s.question_topics)
        parts = [f"A design covering {len(covered)} of {total} topics"]
    parts.append(f"numbers: {', '.join(s.metrics[:3])}" if s.metrics else "no numbers")
    parts.append(
        f"trade-offs: {', '.join(s.alternatives[:2])}" if s.alternatives else "no trade-offs named"
    )
    if (s.i_count or s.we_count) and not story.is_design:
        parts.append(f'"I" {s.i_count}, "we" {s.we_count}')
    return "; ".join(parts) + "."


def _stronger(story: Story) -> str:
    s = story.signals
    assert s is not None
    adds = []
    if story.is_design:
        adds += [topic_name(t) for t in _missed_topics(story)][:4]
    if not s.metrics:
        adds.append("the result in numbers (cost, latency, revenue, users)")
    elif not s.business_outcomes and not story.is_design:
        adds.append("what the numbers meant for the business")
    if not s.cross_team and not story.is_design:
        adds.append("who outside the team you worked with and how you won them over")
    if not s.alternatives:
        adds.append("an option you rejected and why")
    if s.we_count >= 3 and s.i_count * 2 < s.we_count and not story.is_design:
        adds.append('what you personally did (say "I")')
    if not story.is_design and not s.structure.get("result"):
        adds.append("a clear result at the end")
    if not story.is_design and s.scope_level == 2:
        adds.append("the org-level direction it served and the people you grew")
    if not adds:
        return "Little to add: tighten the opening to one headline sentence with the result."
    return "A stronger answer would add " + "; ".join(adds) + "."


def question_reviews(stories: list[Story]) -> list[QuestionReview]:
    out = []
    for story in stories:
        s = story.signals
        assert s is not None
        topics = {**s.sd_topics, **s.question_topics}
        checklist = {t: bool(found) for t, found in topics.items()} if story.is_design else None
        out.append(
            QuestionReview(
                turn=story.turn,
                question_id=story.main.question.question_id,
                question=story.main.question.text,
                track=story.track,
                summary=_summary(story),
                stronger_answer=_stronger(story),
                checklist=checklist,
            )
        )
    return out
