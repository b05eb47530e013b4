"""Reading ``prompts/`` into a :class:`~voiceinterviewer.interviewer.bank.Bank`, checked.

Everything the interviewer says lives as text under ``prompts/``
(``questions/*.toml``, ``phrases.toml``, ``ladders.toml``, ``tracks.toml``,
``persona/interviewer.md``), so wording can be changed without touching code.
:func:`load_bank` reads it and checks it fully, so a typo in a TOML file is
one clear :class:`~voiceinterviewer.errors.UserError` naming the file and the
problem, at start-up rather than mid-interview; an unknown placeholder is an
error. Loading is cached by file modification times, so the planner can ask
for the bank on every turn without reparsing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from voiceinterviewer.errors import UserError
from voiceinterviewer.files import (
    MAX_PROMPT_BYTES,
    FileTooLarge,
    NotRegularFile,
    describe,
    read_text,
    read_toml,
)
from voiceinterviewer.home import PROMPTS_DIR
from voiceinterviewer.interviewer.bank import (
    EXTRA_PLACEHOLDERS,
    GAPS,
    LADDER_LEVELS,
    LEVELS,
    OPTIONAL_PHRASE_LISTS,
    PHRASE_LISTS,
    PLACEHOLDER_RE,
    PLACEHOLDERS,
    QUESTION_TRACKS,
    Bank,
    Ladder,
    Phrases,
    Question,
    TrackPlan,
)
from voiceinterviewer.rubric import cue_is_valid


class _Reader:
    """Typed access to one parsed TOML file, raising one-line errors that name the file."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.data = read_toml(path)
        except FileNotFoundError:
            raise UserError(f"missing prompts file {path}") from None
        except (ValueError, UnicodeDecodeError, NotRegularFile, FileTooLarge) as exc:
            raise UserError(f"bad prompts file {path}: {describe(exc)}") from None
        except OSError as exc:
            raise UserError(f"cannot read prompts file {path}: {exc.strerror}") from None

    def fail(self, where: str, message: str) -> UserError:
        return UserError(f"bad prompts file {self.path}: {where}: {message}")

    def text(self, table: dict[str, Any], key: str, where: str, allowed=PLACEHOLDERS) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"{key} must be a non-empty string")
        self.check_placeholders(value, where, allowed)
        return " ".join(value.split())

    def texts(
        self, table: dict[str, Any], key: str, where: str, allowed=PLACEHOLDERS, required=True
    ) -> tuple[str, ...]:
        value = table.get(key, None if required else [])
        if not isinstance(value, list) or (required and not value):
            raise self.fail(
                where, f"{key} must be a {'non-empty ' if required else ''}list of strings"
            )
        out = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise self.fail(where, f"{key} must hold only non-empty strings")
            self.check_placeholders(item, where, allowed)
            out.append(" ".join(item.split()))
        return tuple(out)

    def check_placeholders(self, text: str, where: str, allowed) -> None:
        for name in PLACEHOLDER_RE.findall(text):
            if name not in allowed:
                raise self.fail(
                    where, f"unknown placeholder {{{name}}} (allowed: {', '.join(sorted(allowed))})"
                )


def _load_questions(path: Path) -> list[Question]:
    reader = _Reader(path)
    items = reader.data.get("question", [])
    if not isinstance(items, list) or not items:
        raise UserError(f"bad prompts file {path}: expected one or more [[question]] tables")
    out = []
    for number, item in enumerate(items, start=1):
        where = f"question {number}"
        if not isinstance(item, dict):
            raise reader.fail(where, "must be a table")
        qid = item.get("id")
        if not isinstance(qid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", qid):
            raise reader.fail(where, "id must be lower-case letters, digits and dashes")
        where = f"question {qid!r}"
        track = item.get("track")
        if track not in QUESTION_TRACKS:
            raise reader.fail(where, f"track must be one of {', '.join(QUESTION_TRACKS)}")
        levels = reader.texts(item, "levels", where)
        bad = [level for level in levels if level not in LEVELS]
        if bad:
            raise reader.fail(where, f"unknown level {bad[0]!r} (levels: {', '.join(LEVELS)})")
        follow_ups_raw = item.get("follow_ups", {})
        if not isinstance(follow_ups_raw, dict):
            raise reader.fail(where, "follow_ups must be a table of gap = [phrasings]")
        gaps = reader.texts(item, "gaps", where, frozenset(), required=False)
        for gap in gaps:
            if gap not in GAPS:
                raise reader.fail(where, f"unknown gap {gap!r} in gaps (gaps: {', '.join(GAPS)})")
        topics_raw = item.get("topics", {})
        if not isinstance(topics_raw, dict):
            raise reader.fail(where, "topics must be a table of name = [cues]")
        topics = {}
        for name in topics_raw:
            topics[name] = reader.texts(topics_raw, name, f"{where} topics", frozenset())
            for cue in topics[name]:
                if not cue_is_valid(cue):
                    raise reader.fail(f"{where} topics", f"unbalanced brackets in {cue!r}")
        follow_ups = {}
        for gap in follow_ups_raw:
            if gap not in GAPS:
                raise reader.fail(where, f"unknown follow-up gap {gap!r} (gaps: {', '.join(GAPS)})")
            follow_ups[gap] = reader.texts(follow_ups_raw, gap, f"{where} follow_ups")
        out.append(
            Question(
                id=qid,
                track=track,
                text=reader.text(item, "text", where),
                levels=levels,
                signals=reader.texts(item, "signals", where, allowed=frozenset()),
                follow_ups=follow_ups,
                keywords=tuple(
                    k.lower() for k in reader.texts(item, "keywords", where, frozenset(), False)
                ),
                tags=reader.texts(item, "tags", where, frozenset(), False),
                gaps=gaps,
                source=str(path),
                topics=topics,
            )
        )
    return out


def _load_phrases(path: Path) -> Phrases:
    reader = _Reader(path)
    data = reader.data
    lists = {}
    for key in PHRASE_LISTS + OPTIONAL_PHRASE_LISTS:
        allowed = PLACEHOLDERS | EXTRA_PLACEHOLDERS.get(key, frozenset())
        required = key in PHRASE_LISTS
        lists[key] = reader.texts(data, key, "top level", allowed, required=required)
    tables = {}
    for key, required in (("transitions", (*QUESTION_TRACKS, "same")), ("follow_ups", GAPS)):
        table = data.get(key)
        if not isinstance(table, dict):
            raise reader.fail(key, "missing table")
        for name in table:
            if name not in required:
                raise reader.fail(key, f"unknown key {name!r} (expected: {', '.join(required)})")
        tables[key] = {name: reader.texts(table, name, key) for name in required}
    return Phrases(**lists, **tables)


def _load_ladders(path: Path) -> dict[str, Ladder]:
    reader = _Reader(path)
    ladders = {}
    for name, table in reader.data.items():
        if not isinstance(table, dict):
            raise reader.fail(name, "must be a table")
        labels = {level: reader.text(table, level, name, frozenset()) for level in LADDER_LEVELS}
        ladders[name] = Ladder(
            name=name, company=reader.text(table, "company", name, frozenset()), labels=labels
        )
    if "generic" not in ladders:
        raise reader.fail("top level", "a [generic] ladder is required")
    return ladders


def _load_tracks(path: Path) -> tuple[dict[str, TrackPlan], dict[str, int], dict[str, float]]:
    reader = _Reader(path)
    data = reader.data
    tracks_raw = data.get("tracks")
    if not isinstance(tracks_raw, dict) or not tracks_raw:
        raise reader.fail("tracks", "missing [tracks.NAME] tables")
    tracks = {}
    for name, table in tracks_raw.items():
        where = f"tracks.{name}"
        if not isinstance(table, dict):
            raise reader.fail(where, "must be a table")
        steps = reader.texts(table, "steps", where, frozenset())
        optional = reader.texts(table, "optional", where, frozenset(), required=False)
        fill_track = table.get("fill", steps[-1])
        for step in (*steps, *optional, fill_track):
            if step not in QUESTION_TRACKS:
                raise reader.fail(
                    where, f"unknown question track {step!r} (tracks: {', '.join(QUESTION_TRACKS)})"
                )
        title = table.get("title", name)
        if not isinstance(title, str):
            raise reader.fail(where, "title must be a string")
        tracks[name] = TrackPlan(
            name=name, title=title, steps=steps, optional=optional, fill=fill_track
        )
    caps = _number_table(reader, data, "follow_up_caps", int)
    minutes = _number_table(reader, data, "minutes", float)
    return tracks, {k: int(v) for k, v in caps.items()}, minutes


def _number_table(reader: _Reader, data: dict[str, Any], key: str, kind: type) -> dict[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise reader.fail(key, "must be a table")
    out = {}
    for name, value in table.items():
        if name not in QUESTION_TRACKS:
            raise reader.fail(key, f"unknown question track {name!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise reader.fail(key, f"{name} must be a non-negative number")
        if kind is int and not isinstance(value, int):
            raise reader.fail(key, f"{name} must be a whole number")
        out[name] = kind(value)
    return out


def _source_files(root: Path) -> list[Path]:
    questions = sorted((root / "questions").glob("*.toml")) if (root / "questions").is_dir() else []
    return [
        *questions,
        root / "phrases.toml",
        root / "ladders.toml",
        root / "tracks.toml",
        root / "persona" / "interviewer.md",
    ]


def _stamp(files: list[Path]) -> tuple:
    out = []
    for path in files:
        try:
            st = path.stat()
            out.append((str(path), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(path), 0, -1))
    return tuple(out)


_CACHE: dict[str, tuple[tuple, Bank]] = {}


def load_bank(root: str | Path | None = None) -> Bank:
    """Load and check everything under ``root`` (default: the project's ``prompts/``); cached."""
    root = Path(root) if root is not None else PROMPTS_DIR
    files = _source_files(root)
    stamp = _stamp(files)
    cached = _CACHE.get(str(root))
    if cached and cached[0] == stamp:
        return cached[1]
    bank = _load(root, files)
    _CACHE[str(root)] = (stamp, bank)
    return bank


def _load(root: Path, files: list[Path]) -> Bank:
    question_files = [p for p in files if p.parent.name == "questions"]
    if not question_files:
        raise UserError(f"no question files in {root / 'questions'}")
    questions: dict[str, Question] = {}
    for path in question_files:
        for question in _load_questions(path):
            if question.id in questions:
                raise UserError(
                    f"bad prompts file {path}: duplicate question id {question.id!r} (also in {questions[question.id].source})"
                )
            questions[question.id] = question
    tracks, caps, minutes = _load_tracks(root / "tracks.toml")
    for plan in tracks.values():
        for step in {*plan.steps, plan.fill}:
            if not any(q.track == step for q in questions.values()):
                raise UserError(
                    f"bad prompts file {root / 'tracks.toml'}: track {plan.name!r} needs {step} questions, and there are none"
                )
    persona_path = root / "persona" / "interviewer.md"
    try:
        persona = read_text(persona_path, MAX_PROMPT_BYTES).strip()
    except (OSError, UnicodeDecodeError):
        raise UserError(f"missing or unreadable persona prompt {persona_path}") from None
    if not persona:
        raise UserError(f"empty persona prompt {persona_path}")
    return Bank(
        root=root,
        questions=questions,
        tracks=tracks,
        ladders=_load_ladders(root / "ladders.toml"),
        phrases=_load_phrases(root / "phrases.toml"),
        persona=persona,
        follow_up_caps=caps,
        minutes=minutes,
    )
