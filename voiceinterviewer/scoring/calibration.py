"""Level calibration: from the five dimension scores to a level, a ladder label and a signal.

Design: both scorers end here, so a level means the same whatever produced
the scores. The level follows the calibration every senior loop uses:

- below-mid: vague answers, no ownership, no numbers;
- mid: a well-told single-team fix ("reduced latency by 20%"): scope 3;
- senior: a cross-team redesign with business impact (scope 4 and influence 3),
  or a system design with depth and trade-offs (technical depth 4 and judgment 4);
- staff: org-level strategy while growing other leaders (scope 5 and influence 4),
  or an exceptional design (depth 5, judgment 5) from someone who also owns scope 4.

The signal compares that level with the target: at or above target with no
dimension below 3 is ``hire``; at or above target with a weak dimension, or
one level below with a mean of 3 or more, is ``lean-hire`` (close; likely
down-levelled); anything else is ``no-hire``.

Ladder labels come from ``prompts/ladders.toml`` when it has the ladder,
otherwise from the built-in table below.
"""

from __future__ import annotations

from typing import Any

from voiceinterviewer.home import PROMPTS_DIR
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


def _score(dims: dict[str, DimensionScore], name: str) -> int:
    dim = dims.get(name)
    return dim.score if dim else 1


def level_from_scores(dims: dict[str, DimensionScore]) -> tuple[str, list[str]]:
    """The calibrated level and the reasons that decided it."""
    scope, influence = _score(dims, "scope"), _score(dims, "influence")
    depth, judgment = _score(dims, "technical_depth"), _score(dims, "judgment")
    if scope >= 5 and influence >= 4:
        return "staff", [
            f"Scope {scope}/5 with influence {influence}/5: org-level reach and growing others."
        ]
    if depth >= 5 and judgment >= 5 and scope >= 4:
        return "staff", [f"Depth {depth}/5 and judgment {judgment}/5 on top of scope {scope}/5."]
    if scope >= 4 and influence >= 3:
        return "senior", [
            f"Scope {scope}/5 with influence {influence}/5: cross-team work with business impact."
        ]
    if depth >= 4 and judgment >= 4:
        return "senior", [
            f"Technical depth {depth}/5 with judgment {judgment}/5: designs at scale with trade-offs."
        ]
    if scope >= 3 or depth >= 3:
        return "mid", [f"Scope {scope}/5, depth {depth}/5: solid work owned within one team."]
    return "below-mid", [
        f"Scope {scope}/5, depth {depth}/5: the answers lacked ownership, numbers or detail."
    ]


def signal_for(level: str, target: str, dims: dict[str, DimensionScore]) -> str:
    rank, want = LEVEL_RANK.get(level, 0), LEVEL_RANK.get(target, 2)
    scores = [d.score for d in dims.values()] or [1]
    if rank >= want:
        return "hire" if min(scores) >= 3 else "lean-hire"
    if rank == want - 1 and sum(scores) / len(scores) >= 3.0:
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
) -> Overall:
    level, reasons = level_from_scores(dims)
    return Overall(
        level=level,
        ladder_label=ladder_label(ladder, level),
        reasons=reasons + list(extra_reasons or []),
        signal=signal_for(level, target, dims),
        target_level=target,
    )
