"""The scored report (schema ``voiceinterviewer.report/2``) and writing it with versions.

Design: the report is plain dataclasses with ``to_dict``/``from_dict`` so
every reader (the HTML page, the progress view, exports) sees the same typed
shape; ``docs/report-schema.md`` documents each field. ``from_dict`` is
tolerant of missing fields (defaults) but refuses a different schema name.

Versions: ``report.json`` in the session folder is always the latest. Before
it is replaced, the previous one is copied to ``reports/report-vN.json``
(N = its own version) and only then is the new file moved into place, so a
crash at any point leaves a complete ``report.json``. A new report's version
is one more than the highest version seen in ``report.json`` and ``reports/``,
claimed under the session's lock, so commands scoring the same session at
once each write a version of their own (and an archive name is only ever
created, never replaced). Files are read only if they are regular files (a
FIFO named report.json never hangs a reader) and never through a link; a
symbolic link in place of ``reports/`` is refused. Files are written 0600 and
folders 0700: a transcript is personal.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from voiceinterviewer.errors import UserError
from voiceinterviewer.files import describe, read_text
from voiceinterviewer.session.lock import session_lock
from voiceinterviewer.session.store import session_subfolder

SCHEMA = "voiceinterviewer.report/2"  # older layouts are read through MIGRATIONS
REPORT_NAME = "report.json"
ARCHIVE_DIR = "reports"
DIMENSIONS = ("scope", "influence", "technical_depth", "judgment", "communication")
LEVELS = ("below-mid", "mid", "senior", "staff")
SIGNALS = ("hire", "lean-hire", "no-hire")
_ARCHIVE_RE = re.compile(r"^report-v(\d+)\.json$")


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


MAX_REPORT_BYTES = 64 * 1024 * 1024  # a report.json larger than this is damaged


def read_session_text(path: str | os.PathLike) -> str:
    """A text file the session wrote (report.json, transcript.md, an archived version).

    Only a regular file is read, never through a symbolic link, and never a
    FIFO or device (which would hang the reader): anything else is an OSError.
    """
    return read_text(path, MAX_REPORT_BYTES, follow_links=False, errors="replace")


def load_report(path: str | os.PathLike) -> Report:
    """Read a report file; a bad or foreign file is a one-line UserError."""
    p = Path(path)
    try:
        data = json.loads(read_text(p, MAX_REPORT_BYTES, follow_links=False))
    except FileNotFoundError:
        raise UserError(f"no report at {p} (run `voiceinterviewer score`)") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UserError(f"cannot read report {p}: {describe(exc)}") from None
    return Report.from_dict(data)


def write_private_text(path: str | os.PathLike, text: str, exclusive: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically with mode 0600.

    With ``exclusive`` an existing ``path`` is never replaced: FileExistsError
    is raised instead (the file name is claimed as with ``O_CREAT|O_EXCL``).
    """
    p = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            if exclusive:
                os.link(tmp, p)  # fails if the name exists; the name appears complete
                os.unlink(tmp)
            else:
                os.replace(tmp, p)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except FileExistsError:
        raise
    except OSError as exc:
        raise UserError(f"cannot write {p}: {exc.strerror}", 1) from None
    return p


def report_versions(session_folder: str | os.PathLike) -> list[int]:
    """Versions of the archived reports under ``reports/``, ascending."""
    folder = Path(session_folder) / ARCHIVE_DIR
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        m = _ARCHIVE_RE.match(p.name)
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def _version_of(text: str) -> int | None:
    """The version written in a report's text, or None if it has none readable."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > 0:
        return version
    return None


def _same_text(path: Path, text: str) -> bool:
    try:
        return read_session_text(path) == text
    except OSError:
        return False


def write_report(session_folder: str | os.PathLike, report: Report) -> Path:
    """Write ``report`` as the folder's report.json, archiving the previous one first.

    Sets ``report.version`` (and ``created_at`` if empty) and returns the path.
    The version is claimed under the session's lock
    (:func:`~voiceinterviewer.session.lock.session_lock`), so reports written
    at the same moment by several commands each get a number of their own and
    none is lost.
    """
    folder = Path(session_folder)
    if not folder.is_dir():
        raise UserError(f"no such session folder: {folder}")
    with session_lock(folder):
        return _write_report(folder, report)


def _write_report(folder: Path, report: Report) -> Path:
    target = folder / REPORT_NAME
    archived = report_versions(folder)
    highest = max(archived, default=0)
    if target.exists() or target.is_symlink():
        try:
            previous = read_session_text(target)
        except OSError as exc:
            raise UserError(f"cannot read {target}: {describe(exc)}", 1) from None
        current = _version_of(previous)
        archive_dir = folder / ARCHIVE_DIR
        if current is not None and current in archived:
            if _same_text(archive_dir / f"report-v{current}.json", previous):
                current = 0  # already archived (an earlier write stopped before the swap)
            else:
                current = None
        if current is None:
            # Unreadable or clashing: archive it under a fresh number rather than lose it.
            current = highest + 1
        if current:
            directory = session_subfolder(folder, ARCHIVE_DIR)
            while True:
                try:
                    write_private_text(
                        directory / f"report-v{current}.json", previous, exclusive=True
                    )
                    break
                except FileExistsError:  # taken by a writer that holds no lock
                    current = max(highest, current) + 1
            highest = max(highest, current)
    report.version = highest + 1
    if not report.created_at:
        from datetime import datetime, timezone

        report.created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    return write_private_text(target, text)
