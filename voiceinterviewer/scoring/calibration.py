"""Level calibration: from the dimension scores to a level, a ladder label and a signal.

Design: both scorers end here, so a level means the same whatever produced
the scores. The rules are the rubric's (``[[level_rules]]`` in
``prompts/rubric/rubric.toml``), tried in order; as shipped:

- staff: org-level strategy while growing other leaders (scope 5 and
  influence 4), or an exceptional design (depth 5, judgment 5; with scope 4
  when scope was assessed);
- senior: a cross-team redesign with business impact (scope 4 and influence
  3), or a system design with depth and trade-offs (depth 4 and judgment 4);
- mid: a well-told single-team fix (scope 3) or a concrete design (depth 3);
- below-mid: anything less.

A dimension the session did not assess (scope and influence in a design-only
session) has no score: a rule that needs it is skipped, and it does not
count towards the signal either, so the level follows the dimensions that
were tested.

The signal compares that level with the target: at or above target with no
assessed dimension below the rubric's ``hire_floor`` is ``hire``; at or above
target with a weak dimension, or one level below with a mean of at least
``lean_hire_mean``, is ``lean-hire`` (close; likely down-levelled); anything
else is ``no-hire``.

Ladder labels come from ``prompts/ladders.toml`` when it has the ladder,
otherwise from the built-in table below.
"""

from __future__ import annotations

from typing import Any

from voiceinterviewer.home import PROMPTS_DIR
from voiceinterviewer.rubric import Rubric, load_rubric
from voiceinterviewer.scoring.report import DimensionScore, Overall

LEVEL_RANK = {"below-mid": 0, "mid": 1, "senior": 2, "staff": 3}
BUILTIN_LADDERS: dict[str, dict[str, str]] = {
    "google": {"below-mid": "L3", "mid": "L4", "senior": "L5", "staff": "L6"},
    "meta": {"below-mid": "E3", "mid": "E4", "senior": "E5", "staff": "E6"},
    "amazon": {"below-mid": "SDE 1", "mid": "SDE 2", "senior": "SDE 3", "staff": "Principal"},
    "microsoft": {
        "below-mid": "level 60",
        "mid": "level 62",
        "senior": "level 64",
        "staff": "level 66",
    },
}


def assessed_scores(dims: dict[str, DimensionScore]) -> dict[str, int]:
    """The scores of the dimensions that were assessed."""
    return {name: dim.score for name, dim in dims.items() if dim.assessed and dim.score is not None}


def level_from_scores(
    dims: dict[str, DimensionScore], rubric: Rubric | None = None
) -> tuple[str, list[str]]:
    """The calibrated level and the reasons that decided it."""
    rubric = rubric or load_rubric()
    scores = assessed_scores(dims)
    for rule in rubric.rules:
        if not all(name in scores and scores[name] >= need for name, need in rule.needs.items()):
            continue
        if any(name in scores and scores[name] < need for name, need in rule.also.items()):
            continue
        return rule.level, [_why(rule.why, scores)]
    listed = ", ".join(f"{name.replace('_', ' ')} {score}/5" for name, score in scores.items())
    return "below-mid", [_why(rubric.below_mid_why, scores, listed)]


def _why(template: str, scores: dict[str, int], listed: str = "") -> str:
    values = {name: str(score) for name, score in scores.items()}
    try:
        return template.format_map(_Missing({**values, "scores": listed}))
    except (ValueError, IndexError):
        return template


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "-"


def signal_for(
    level: str, target: str, dims: dict[str, DimensionScore], rubric: Rubric | None = None
) -> str:
    rubric = rubric or load_rubric()
    rank, want = LEVEL_RANK.get(level, 0), LEVEL_RANK.get(target, 2)
    scores = list(assessed_scores(dims).values()) or [1]
    if rank >= want:
        return "hire" if min(scores) >= rubric.hire_floor else "lean-hire"
    if rank == want - 1 and sum(scores) / len(scores) >= rubric.lean_hire_mean:
        return "lean-hire"
    return "no-hire"


def _toml_ladders() -> dict[str, Any]:
    from voiceinterviewer.files import read_toml

    try:
        data = read_toml(PROMPTS_DIR / "ladders.toml")  # a FIFO or deep nesting reads as none
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data.get("ladders", data) if isinstance(data.get("ladders"), dict) else data


def _label_from_table(table: Any, level: str) -> str | None:
    """Find the label for ``level`` in a ladder table of any plausible shape."""
    if not isinstance(table, dict):
        return None
    for key in (level, level.replace("-", "_")):
        value = table.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):
            for name in ("label", "name", "title"):
                if isinstance(value.get(name), str) and value[name]:
                    return value[name]
    for nested in ("levels", "labels"):
        found = _label_from_table(table.get(nested), level)
        if found:
            return found
    levels = table.get("levels")
    if isinstance(levels, list):  # [[ladder.levels]] level = "senior", label = "L5"
        for item in levels:
            if isinstance(item, dict) and item.get("level") in (level, level.replace("-", "_")):
                label = item.get("label") or item.get("name")
                if isinstance(label, str):
                    return label
    return None


def ladder_label(ladder: str, level: str) -> str | None:
    """The ladder's name for ``level`` (e.g. google/senior -> "L5"); None for the generic ladder."""
    if not ladder or ladder == "generic":
        return None
    label = _label_from_table(_toml_ladders().get(ladder), level)
    if label:
        return label
    return BUILTIN_LADDERS.get(ladder, {}).get(level)


def calibrate(
    dims: dict[str, DimensionScore],
    target: str,
    ladder: str,
    extra_reasons: list[str] | None = None,
    rubric: Rubric | None = None,
) -> Overall:
    rubric = rubric or load_rubric()
    level, reasons = level_from_scores(dims, rubric)
    unassessed = [name.replace("_", " ") for name, dim in dims.items() if not dim.assessed]
    if unassessed:
        reasons.append(
            f"Not assessed in this session: {', '.join(unassessed)}; the level follows the rest."
        )
    return Overall(
        level=level,
        ladder_label=ladder_label(ladder, level),
        reasons=reasons + list(extra_reasons or []),
        signal=signal_for(level, target, dims, rubric),
        target_level=target,
    )
