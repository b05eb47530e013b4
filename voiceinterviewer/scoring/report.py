"""The scored report (schema ``voiceinterviewer.report/2``): its shape and its layouts.

Design: the report is plain dataclasses with ``to_dict``/``from_dict`` so
every reader (the HTML page, the progress view, exports) sees the same typed
shape; ``docs/report-schema.md`` documents each field. ``from_dict`` is
tolerant of missing fields (defaults) but refuses a different schema name;
older layouts are read through named migrations (:data:`MIGRATIONS`).
Reading and writing the file, with versions, is
:mod:`voiceinterviewer.scoring.report_files`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from voiceinterviewer.errors import UserError

SCHEMA = "voiceinterviewer.report/2"  # older layouts are read through MIGRATIONS
REPORT_NAME = "report.json"
ARCHIVE_DIR = "reports"
DIMENSIONS = ("scope", "influence", "technical_depth", "judgment", "communication")
LEVELS = ("below-mid", "mid", "senior", "staff")
SIGNALS = ("hire", "lean-hire", "no-hire")


@dataclass
class Evidence:
    quote: str  # a sentence copied verbatim from the candidate's answer
    turn: int
    t: float  # seconds since session start where the quoted words begin


@dataclass
class DimensionScore:
    score: int | None  # 1-5; None when the dimension was not assessed
    justification: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    tip: str = ""
    # False when no question of the session tested it (scope in a design-only session): it has
    # no score and does not count towards the level.
    assessed: bool = True


@dataclass
class ScorerInfo:
    engine: str = "offline"  # offline or llm
    model: str = "offline"
    fallback_reason: str | None = None  # why an LLM scorer fell back to offline


@dataclass
class Overall:
    level: str = "below-mid"  # below-mid, mid, senior, staff
    ladder_label: str | None = None  # e.g. "L5" on the google ladder
    reasons: list[str] = field(default_factory=list)
    signal: str = "no-hire"  # hire, lean-hire, no-hire against target_level
    target_level: str = "senior"


@dataclass
class QuestionReview:
    turn: int
    question_id: str = ""
    question: str = ""
    track: str = ""
    summary: str = ""
    stronger_answer: str = ""
    checklist: dict[str, bool] | None = None  # system-design topics covered


@dataclass
class Pause:
    turn: int
    start: float  # seconds since session start
    duration: float


@dataclass
class Delivery:
    wpm: float = 0.0
    fillers_per_min: float = 0.0
    filler_counts: dict[str, int] = field(default_factory=dict)
    long_pauses: list[Pause] = field(default_factory=list)
    answer_seconds: list[float] = field(default_factory=list)
    talk_time_ratio: float = 0.0
    answer_turns: list[int] = field(default_factory=list)  # turn of each answer_seconds entry
    answer_time_box: float = 180.0  # seconds an answer should fit in
    over_time_box: list[int] = field(default_factory=list)  # turns whose answer ran longer
    timed: bool = False  # True when word timings were available for the pace figures


@dataclass
class Report:
    session_id: str
    scorer: ScorerInfo = field(default_factory=ScorerInfo)
    dimensions: dict[str, DimensionScore] = field(default_factory=dict)
    overall: Overall = field(default_factory=Overall)
    questions: list[QuestionReview] = field(default_factory=list)
    delivery: Delivery = field(default_factory=Delivery)
    tips: list[str] = field(default_factory=list)
    version: int = 0  # set by write_report
    created_at: str = ""
    schema: str = SCHEMA

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        ordered = {
            "schema": self.schema,
            "version": self.version,
            "created_at": self.created_at,
            "session_id": self.session_id,
        }
        for key in ("scorer", "dimensions", "overall", "questions", "delivery", "tips"):
            ordered[key] = data[key]
        return ordered

    @classmethod
    def from_dict(cls, data: Any) -> Report:
        if not isinstance(data, dict):
            raise UserError("not a voiceinterviewer report: expected a JSON object")
        data = migrate_report(data)
        dims = {}
        for name, raw in _dict(data.get("dimensions")).items():
            raw = _dict(raw)
            assessed = raw.get("assessed", True) is not False
            dims[str(name)] = DimensionScore(
                score=_int(raw.get("score"), 1) if assessed else None,
                justification=_str(raw.get("justification")),
                evidence=[_evidence(e) for e in _list(raw.get("evidence")) if isinstance(e, dict)],
                tip=_str(raw.get("tip")),
                assessed=assessed,
            )
        scorer = _dict(data.get("scorer"))
        overall = _dict(data.get("overall"))
        delivery = _dict(data.get("delivery"))
        reason = scorer.get("fallback_reason")
        label = overall.get("ladder_label")
        return cls(
            schema=SCHEMA,
            version=_int(data.get("version"), 0),
            created_at=_str(data.get("created_at")),
            session_id=_str(data.get("session_id")),
            scorer=ScorerInfo(
                engine=_str(scorer.get("engine")) or "offline",
                model=_str(scorer.get("model")) or "offline",
                fallback_reason=reason if isinstance(reason, str) else None,
            ),
            dimensions=dims,
            overall=Overall(
                level=_str(overall.get("level")) or "below-mid",
                ladder_label=label if isinstance(label, str) else None,
                reasons=[_str(r) for r in _list(overall.get("reasons"))],
                signal=_str(overall.get("signal")) or "no-hire",
                target_level=_str(overall.get("target_level")) or "senior",
            ),
            questions=[_question(q) for q in _list(data.get("questions")) if isinstance(q, dict)],
            delivery=Delivery(
                wpm=_float(delivery.get("wpm")),
                fillers_per_min=_float(delivery.get("fillers_per_min")),
                filler_counts={
                    str(k): _int(v, 0) for k, v in _dict(delivery.get("filler_counts")).items()
                },
                long_pauses=[
                    Pause(_int(p.get("turn"), 0), _float(p.get("start")), _float(p.get("duration")))
                    for p in _list(delivery.get("long_pauses"))
                    if isinstance(p, dict)
                ],
                answer_seconds=[_float(s) for s in _list(delivery.get("answer_seconds"))],
                talk_time_ratio=_float(delivery.get("talk_time_ratio")),
                answer_turns=[_int(s, 0) for s in _list(delivery.get("answer_turns"))],
                answer_time_box=_float(delivery.get("answer_time_box"), 180.0),
                over_time_box=[_int(s, 0) for s in _list(delivery.get("over_time_box"))],
                timed=bool(delivery.get("timed", False)),
            ),
            tips=[_str(t) for t in _list(data.get("tips"))],
        )

    def mean_score(self) -> float:
        """The mean of the assessed dimensions' scores (0 without any)."""
        scores = [d.score for d in self.dimensions.values() if d.score is not None]
        return sum(scores) / len(scores) if scores else 0.0


def r001_dimensions_assessed(data: dict[str, Any]) -> dict[str, Any]:
    """report/1 -> report/2: every dimension had a score, so every one was assessed."""
    out = dict(data)
    dims = _dict(data.get("dimensions"))
    out["dimensions"] = {
        name: {**raw, "assessed": True} if isinstance(raw, dict) else raw
        for name, raw in dims.items()
    }
    out["schema"] = "voiceinterviewer.report/2"
    return out


# Named migrations of the report layout, applied in order when a report is read; files on
# disk are left as they were written.
MIGRATIONS = [("voiceinterviewer.report/1", r001_dimensions_assessed)]


def migrate_report(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` in the current layout; a layout this version does not know is a UserError."""
    schema = data.get("schema")
    for old, step in MIGRATIONS:
        if schema == old:
            data = step(data)
            schema = data.get("schema")
    if schema != SCHEMA:
        raise UserError(f"unsupported report schema {schema!r} (expected {SCHEMA})")
    return data


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return int(value)


def _float(value: Any, default: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return float(value)


def _evidence(raw: dict) -> Evidence:
    return Evidence(_str(raw.get("quote")), _int(raw.get("turn"), 0), _float(raw.get("t")))


def _question(raw: dict) -> QuestionReview:
    checklist = raw.get("checklist")
    return QuestionReview(
        turn=_int(raw.get("turn"), 0),
        question_id=_str(raw.get("question_id")),
        question=_str(raw.get("question")),
        track=_str(raw.get("track")),
        summary=_str(raw.get("summary")),
        stronger_answer=_str(raw.get("stronger_answer")),
        checklist={str(k): bool(v) for k, v in checklist.items()}
        if isinstance(checklist, dict)
        else None,
    )


# --- reading and writing -------------------------------------------------------------------
