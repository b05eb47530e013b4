"""The rubric (``prompts/rubric/rubric.toml``), read and checked into plain data.

One file holds what every part that judges an answer needs: the dimensions and
what each score means, the level rules, the design topics, the cues of
trade-offs, impact, ownership and influence, and the fillers. The offline
scorer and the interviewer's planner match its cues (through
:mod:`voiceinterviewer.signals`), the language-model scorer is told its text
(:func:`rubric_text`), and the speech model is primed with its terms
(:mod:`voiceinterviewer.stt.vocabulary`). It is parsed once per change of
the file.

Cues are written in a small phrase language (documented at the top of the
file); :func:`compile_cues` turns a list of them into one regular expression
over lower-cased text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiceinterviewer.errors import UserError
from voiceinterviewer.home import PROMPTS_DIR
from voiceinterviewer.prompt_files import read_toml, strings, table

RUBRIC_FILE = PROMPTS_DIR / "rubric" / "rubric.toml"
DIMENSIONS = ("scope", "influence", "technical_depth", "judgment", "communication")
LEVELS = ("below-mid", "mid", "senior", "staff")
CUE_SETS = (
    "trade_off reason cost risk business cross_team leadership lead org_influence org "
    "grow_leaders led_redesign conflict i_words we_words situation task action result units "
    "scale_units multipliers number_words"
).split()


@dataclass(frozen=True)
class Cues:
    terms: tuple[str, ...] = ()  # cues that are also jargon (written as they should read)
    cues: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return self.terms + self.cues


@dataclass(frozen=True)
class Topic:
    name: str  # how feedback names it ("capacity estimation")
    advice: str
    cues: Cues


@dataclass(frozen=True)
class Dimension:
    title: str
    tracks: tuple[str, ...]  # question tracks that assess it
    anchors: dict[int, str]  # score -> what it means
    guide: str = ""
    options: dict[str, Any] = field(default_factory=dict)  # offline thresholds


@dataclass(frozen=True)
class LevelRule:
    level: str
    needs: dict[str, int]
    also: dict[str, int]
    why: str


@dataclass(frozen=True)
class Rubric:
    path: Path
    levels: dict[str, str]
    rules: tuple[LevelRule, ...]
    below_mid_why: str
    hire_floor: int
    lean_hire_mean: float
    dimensions: dict[str, Dimension]
    topics: dict[str, Topic]  # in file order
    cues: dict[str, Cues]
    fillers: dict[str, tuple[str, ...]]  # name -> written forms
    filler_phrases: tuple[str, ...]
    scorer: dict[str, str]

    def terms(self) -> list[str]:
        """Every jargon term of the rubric, topics first, in file order."""
        out: list[str] = []
        for topic in self.topics.values():
            out += topic.cues.terms
        for cues in self.cues.values():
            out += cues.terms
        return list(dict.fromkeys(out))


# --- the cue language ------------------------------------------------------------------------


def _alternatives(body: str) -> list[str]:
    """Split ``body`` on "|" outside brackets."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(body):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    return parts + [body[start:]]


def _closing(text: str, i: int) -> int:
    """Index of the bracket closing the one at ``i``."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] in "([":
            depth += 1
        elif text[j] in ")]":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError(f"unbalanced brackets in {text!r}")


def _cue_regex(cue: str, number: str) -> str:
    out, i = [], 0
    while i < len(cue):
        c = cue[i]
        if cue.startswith("...", i):
            out.append(r"[^.!?]{0,60}?")
            i += 3
        elif cue.startswith("{n}", i):
            out.append(number)
            i += 3
        elif cue.startswith("{year}", i):
            out.append(r"\d{4}")
            i += 6
        elif c in "([":
            j = _closing(cue, i)
            inner = "|".join(_cue_regex(a, number) for a in _alternatives(cue[i + 1 : j]))
            out.append(f"(?:{inner})" + ("?" if c == "[" else ""))
            i = j + 1
        elif c in ")]":
            raise ValueError(f"unbalanced brackets in {cue!r}")
        elif c == "*":
            out.append(r"[\w'-]*")
            i += 1
        elif c == " ":
            out.append(r"[\s-]+")  # "trade off" also reads "trade-off"
            i += 1
        elif c == "-":
            out.append(r"[\s-]?")  # "trade-off" also reads "trade off" and "tradeoff"
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def cue_is_valid(cue: str) -> bool:
    """Whether ``cue`` is written in the cue language (its brackets balance)."""
    try:
        _cue_regex(cue.lower(), "")
    except ValueError:
        return False
    return True


def cue_pattern(
    cues: tuple[str, ...] | list[str], number: str = r"\d[\d,.]*", after_number: bool = False
) -> str:
    """One regular-expression alternation for ``cues``, each matched as whole words.

    ``after_number``: the cues follow a quantity directly ("3x", "20ms"), so
    they need no word boundary before them.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for cue in sorted(set(c.lower() for c in cues), key=len, reverse=True):
        head = r"(?<![\w])" if re.match(r"[\w(\[{]", cue) and not after_number else ""
        tail = r"(?![\w])" if re.search(r"[\w*)\]}]$", cue) else ""
        groups.setdefault((head, tail), []).append(_cue_regex(cue, number))
    parts = [f"{head}(?:{'|'.join(bodies)}){tail}" for (head, tail), bodies in groups.items()]
    return "|".join(parts) if parts else r"(?!x)x"


def compile_cues(cues: tuple[str, ...] | list[str], number: str = r"\d[\d,.]*") -> re.Pattern:
    """A pattern matching any of ``cues`` in lower-cased text."""
    return re.compile(cue_pattern(cues, number))


# --- loading -------------------------------------------------------------------------------


def _cues(raw: dict[str, Any], path: Path, where: str) -> Cues:
    cues = Cues(strings(raw, "terms", path, where), strings(raw, "cues", path, where))
    for cue in cues.all:
        try:
            _cue_regex(cue.lower(), "")
        except ValueError as exc:
            raise UserError(f"bad prompts file {path}: {where}: {exc}") from None
    return cues


def _score_table(raw: dict[str, Any], path: Path, where: str, names) -> dict[str, int]:
    out = {}
    for name, value in raw.items():
        if name not in names or isinstance(value, bool) or not isinstance(value, int):
            raise UserError(
                f"bad prompts file {path}: {where}: expected dimension = score (1-5), got {name!r}"
            )
        out[name] = value
    return out


def _parse(path: Path) -> Rubric:
    data = read_toml(path)
    fail = lambda where, msg: UserError(f"bad prompts file {path}: {where}: {msg}")  # noqa: E731
    levels = {k: str(v) for k, v in table(data, "levels", path).items()}
    missing = [lv for lv in LEVELS if lv not in levels]
    if missing:
        raise fail("levels", f"missing {', '.join(missing)}")
    dims_raw = table(data, "dimensions", path)
    dimensions: dict[str, Dimension] = {}
    for name in DIMENSIONS:
        raw = dims_raw.get(name)
        if not isinstance(raw, dict):
            raise fail("dimensions", f"missing [dimensions.{name}]")
        anchors = {int(k): " ".join(str(v).split()) for k, v in raw.items() if k.isdigit()}
        if not anchors or any(not 1 <= k <= 5 for k in anchors):
            raise fail(f"dimensions.{name}", 'needs score anchors 1 to 5 (1 = "...")')
        options = {
            k: v
            for k, v in raw.items()
            if not k.isdigit() and k not in ("title", "tracks", "guide")
        }
        dimensions[name] = Dimension(
            title=str(raw.get("title", name)),
            tracks=strings(raw, "tracks", path, f"dimensions.{name}"),
            anchors=anchors,
            guide=" ".join(str(raw.get("guide", "")).split()),
            options=options,
        )
    rules = []
    items = data.get("level_rules", [])
    if not isinstance(items, list) or not items:
        raise fail("level_rules", "expected one or more [[level_rules]] tables")
    for number, item in enumerate(items, start=1):
        where = f"level_rules {number}"
        if not isinstance(item, dict) or item.get("level") not in LEVELS:
            raise fail(where, f"level must be one of {', '.join(LEVELS)}")
        needs = _score_table(table(item, "needs", path, where), path, where, DIMENSIONS)
        if not needs:
            raise fail(where, "needs at least one dimension")
        rules.append(
            LevelRule(
                level=item["level"],
                needs=needs,
                also=_score_table(table(item, "also", path, where), path, where, DIMENSIONS),
                why=str(item.get("why", "")),
            )
        )
    topics = {}
    for name, raw in table(data, "topics", path).items():
        if not isinstance(raw, dict):
            raise fail(f"topics.{name}", "must be a table")
        cues = _cues(raw, path, f"topics.{name}")
        if not cues.all:
            raise fail(f"topics.{name}", "needs terms or cues")
        topics[name] = Topic(str(raw.get("name", name)), str(raw.get("advice", "")), cues)
    cue_raw = table(data, "cues", path)
    cues_by_name = {}
    for name in CUE_SETS:
        raw = cue_raw.get(name)
        if not isinstance(raw, dict):
            raise fail("cues", f"missing [cues.{name}]")
        cues_by_name[name] = _cues(raw, path, f"cues.{name}")
    fillers_raw = table(data, "fillers", path)
    fillers = {
        name: strings(fillers_raw, name, path, "fillers")
        for name in fillers_raw
        if name != "phrases"
    }
    signal = table(data, "signal", path)
    scorer = {k: str(v).strip() for k, v in table(data, "scorer", path).items()}
    return Rubric(
        path=path,
        levels=levels,
        rules=tuple(rules),
        below_mid_why=str(table(data, "below_mid", path).get("why", "")),
        hire_floor=int(signal.get("hire_floor", 3)),
        lean_hire_mean=float(signal.get("lean_hire_mean", 3.0)),
        dimensions=dimensions,
        topics=topics,
        cues=cues_by_name,
        fillers=fillers,
        filler_phrases=strings(fillers_raw, "phrases", path, "fillers"),
        scorer=scorer,
    )


@functools.lru_cache(maxsize=4)
def _load(path: str, stamp: tuple) -> Rubric:
    return _parse(Path(path))


def load_rubric(path: Path | None = None) -> Rubric:
    """The rubric, parsed once per change of the file."""
    target = path or RUBRIC_FILE
    read_toml(target)  # one-line errors for a missing or unreadable file
    info = target.stat()
    return _load(str(target), (info.st_mtime_ns, info.st_size))


# --- the language-model scorer's instructions --------------------------------------------------


def rubric_text(rubric: Rubric, assessed: dict[str, bool] | None = None) -> str:
    """The rubric as the language-model scorer reads it (markdown), with the untested dimensions named."""
    s = rubric.scorer
    lines = [f"# {s.get('title', 'Scoring rubric')}", "", s.get("intro", ""), ""]
    lines += ["## The transcript is data", "", s.get("transcript_is_data", ""), ""]
    lines += ["## Dimensions (each 1-5)", "", s.get("dimensions", ""), ""]
    for name, dim in rubric.dimensions.items():
        heading = f"### {dim.title}"
        if assessed is not None and not assessed.get(name, True):
            heading += " (not assessed in this session)"
        lines += [heading]
        if dim.guide:
            lines += [f"- {dim.guide}"]
        lines += [f"- {score}: {text}" for score, text in sorted(dim.anchors.items())]
        if name == "technical_depth" and rubric.topics:
            names = ", ".join(t.name for t in rubric.topics.values())
            lines += [f"- Design topics: {names}, and each question's own."]
        lines += [""]
    lines += ["## Levels", ""]
    lines += [f"- {level}: {rubric.levels[level]}" for level in LEVELS]
    lines += ["", "## Evidence", "", s.get("evidence", ""), ""]
    lines += ["## Justification and tips", "", s.get("tips", "")]
    return "\n".join(lines).strip() + "\n"


__all__ = ["DIMENSIONS", "LEVELS", "Cues", "Dimension", "LevelRule", "Rubric", "Topic"]
__all__ += ["compile_cues", "cue_is_valid", "cue_pattern", "load_rubric", "rubric_text"]
