"""The transcript as stories: each main question with its follow-ups, analysed once.

Design: interviewers judge stories, not single utterances. A follow-up like
"what was the impact?" is answered in its own turn, but the number it draws
out belongs to the story it follows, so the scorers analyse each main
question together with its follow-ups (:class:`Story`). Candidate text is
neutralised first (sentences addressed to the scorer are removed, see
:mod:`voiceinterviewer.scoring.evidence`), so those sentences reach no signal,
no quote and no model prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from voiceinterviewer.scoring.delivery import answer_timing, word_count
from voiceinterviewer.scoring.evidence import neutralise, quote_time, sentences
from voiceinterviewer.scoring.report import Evidence
from voiceinterviewer.session.record import SessionRecord, Turn
from voiceinterviewer.signals import AnswerSignals, analyze_answer, patterns

SYSTEM_DESIGN = "system-design"
KNOWN_TRACKS = ("intro", "behavioral", "leadership", "system-design", "career")
# Words that name a story in a tip ("your payment story"), plural before singular.
_TOPIC_WORDS = (
    "payments|payment|checkout|billing|ledger|search|ranking|recommendations|"
    "recommendation|feed|notifications|notification|messaging|chat|login|authentication|"
    "onboarding|migration|outage|incident|cache|database|pipeline|deployment|monitoring|"
    "observability|mobile app|api|platform|infrastructure|data warehouse|rewrite|"
    "redesign|launch|hiring|reorg|roadmap|conflict|disagreement"
).split("|")
_SINGULAR = {
    "payments": "payment",
    "notifications": "notification",
    "recommendations": "recommendation",
}
_TOPIC_RE = re.compile(r"\b(" + "|".join(re.escape(w) for w in _TOPIC_WORDS) + r")\b", re.I)
_DESIGN_RE = re.compile(
    r"\bdesign(?:ing)?\s+(?:a|an|the)?\s*(.+?)(?=[?!,;]|\.(?:\s|$)|\s+(?:that|which|for|to|where|with|like|such)\b|$)",
    re.I,
)
_STOP = set(
    "tell about time when what your that with have describe walk through would could example "
    "give think something someone situation were there this they them their from into most "
    "ever more some which where while been just like does doing done make made many much "
    "want know talk happened approach handle handled please share me you how why who the "
    "and for was did can one over also each other than then again kind sort really project "
    "projects impact team teams work worked working experience challenge challenging biggest "
    "difficult hardest proud role company career favorite favourite recent recently".split()
)


@dataclass
class StoryTurn:
    turn: Turn
    clean: str  # answer text with scorer-directed sentences removed
    removed: list[str]
    words: int


@dataclass
class Story:
    main: Turn  # the main question (or greeting) turn
    parts: list[StoryTurn] = field(default_factory=list)
    signals: AnswerSignals | None = None

    @property
    def turn(self) -> int:
        return self.main.index

    @property
    def track(self) -> str:
        return self.main.question.track

    @property
    def is_design(self) -> bool:
        return self.track == SYSTEM_DESIGN

    @property
    def text(self) -> str:
        return " ".join(p.clean for p in self.parts if p.clean)

    @property
    def words(self) -> int:
        return sum(p.words for p in self.parts)

    def first_answer(self) -> StoryTurn | None:
        return self.parts[0] if self.parts else None

    def label(self) -> str:
        """How tips name this story: "your payment story", "your URL shortener design"."""
        if self.is_design:
            m = _DESIGN_RE.search(self.main.question.text)
            if m and 0 < len(m.group(1).split()) <= 5:
                return f"your {m.group(1).strip()} design"
            return "your design"
        m = _TOPIC_RE.search(self.text)
        if m:
            word = m.group(1).lower()
            word = _SINGULAR.get(word, word)
            return f"your {'API' if word == 'api' else word} story"
        return "your answer"

    def evidence_for(self, phrases: list[str], limit: int = 2) -> list[Evidence]:
        """Sentences of this story that contain the most of ``phrases``, as evidence."""
        wanted = [p.lower() for p in phrases if p and len(p) >= 2]
        if not wanted:
            return []
        ranked = []
        for order, part in enumerate(self.parts):
            for s in sentences(part.clean):
                low = s.text.lower()
                hits = sum(1 for p in wanted if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", low))
                if hits:
                    ranked.append((-hits, order, s.start, part, s.text))
        ranked.sort(key=lambda r: r[:3])
        out = []
        for _, _, _, part, text in ranked[:limit]:
            answer = part.turn.answer
            assert answer is not None
            out.append(Evidence(quote=text, turn=part.turn.index, t=quote_time(answer, text)))
        return out

    def opening(self) -> list[Evidence]:
        """The first sentence of the story's first answer, as evidence of how it was framed."""
        for part in self.parts:
            found = sentences(part.clean)
            if found and part.turn.answer is not None:
                text = found[0].text
                return [
                    Evidence(quote=text, turn=part.turn.index, t=quote_time(part.turn.answer, text))
                ]
        return []

    def has_reason(self) -> bool:
        return bool(patterns().reason.search(self.text.lower()))

    def has_risk(self) -> bool:
        return bool(patterns().risk.search(self.text.lower()))

    def assesses(self, tracks: tuple[str, ...]) -> bool:
        """Whether this story's question is of one of ``tracks`` (an unknown track: yes)."""
        return not self.track or self.track in tracks or self.track not in KNOWN_TRACKS


def build_stories(record: SessionRecord) -> list[Story]:
    """Answered main questions with their follow-ups; closing turns and greetings left out."""
    stories: list[Story] = []
    current: Story | None = None
    for turn in record.turns:
        kind = turn.question.kind
        if kind == "closing":
            current = None
            continue
        if kind != "follow_up" or current is None:
            current = Story(main=turn)
            stories.append(current)
        if turn.answer is None or not turn.answer.text.strip():
            continue
        clean, removed = neutralise(turn.answer.text)
        if clean.strip():  # an answer that was only text aimed at the scorer adds nothing
            current.parts.append(StoryTurn(turn, clean, removed, word_count(clean)))
    answered = [story for story in stories if story.parts]
    # "Tell me about yourself" is context, not a story to score, unless it is all there is.
    kept = [story for story in answered if story.main.question.kind != "greeting"]
    if not kept:
        kept = [story for story in answered if story.words >= 25]
    for story in kept:
        story.signals = analyze_answer(story.text, question_topics(story.main.question.question_id))
    return kept


def question_topics(question_id: str) -> dict[str, tuple[str, ...]]:
    """The bank question's own design topics (none for an unknown id or an unreadable bank)."""
    if not question_id:
        return {}
    from voiceinterviewer.errors import UserError
    from voiceinterviewer.interviewer.bank_files import load_bank

    try:
        question = load_bank().questions.get(question_id)
    except UserError:
        return {}
    return dict(question.topics) if question is not None else {}


def removed_sentences(record: SessionRecord) -> list[tuple[int, str]]:
    """(turn, sentence) for every answer sentence addressed to the scorer."""
    out = []
    for turn in record.answered():
        assert turn.answer is not None
        for sentence in neutralise(turn.answer.text)[1]:
            out.append((turn.index, sentence))
    return out


def question_keywords(text: str) -> set[str]:
    words = re.findall(r"[a-z]+", text.lower())
    return {w[:5] for w in words if len(w) >= 4 and w not in _STOP}


def off_topic(turn: Turn, clean: str) -> list[str]:
    """The question's keywords when the answer mentions none of them (else an empty list)."""
    keys = question_keywords(turn.question.text)
    if len(keys) < 2 or turn.question.kind == "follow_up" or turn.question.track == SYSTEM_DESIGN:
        return []
    answer = {w[:5] for w in re.findall(r"[a-z]+", clean.lower()) if len(w) >= 4}
    if keys & answer:
        return []
    full = [w for w in re.findall(r"[a-z]+", turn.question.text.lower()) if w[:5] in keys]
    return list(dict.fromkeys(full))


def speaking_seconds(part: StoryTurn) -> tuple[float, bool]:
    assert part.turn.answer is not None
    timing = answer_timing(part.turn.answer)
    return timing.speaking_seconds, timing.timed
