"""The short summary printed in the terminal (and spoken after a session).

The report's version (the one this command wrote), five scores on one line
each, the level with its ladder label and the signal against the target, and
the top three tips. Plain text, no colour, so
it reads the same in a terminal, a log or a speech engine.
"""

from __future__ import annotations

from pathlib import Path

from voiceinterviewer.scoring.markdown import DIMENSION_TITLES, level_line, score_text
from voiceinterviewer.scoring.report import DIMENSIONS, Report


def format_summary(report: Report, html_path: Path | None = None, tips: int = 3) -> str:
    lines = [f"Session {report.session_id}, report v{report.version}: level {level_line(report)}"]
    width = max(len(t) for t in DIMENSION_TITLES.values())
    for name in DIMENSIONS:
        dim = report.dimensions.get(name)
        if dim is None:
            continue
        bar = "#" * dim.score + "." * (5 - dim.score) if dim.score is not None else ""
        lines.append(f"  {DIMENSION_TITLES[name]:<{width}}  {score_text(dim)}  {bar}".rstrip())
    if report.tips:
        lines.append("Top tips:")
        for i, tip in enumerate(report.tips[:tips], start=1):
            lines.append(f"  {i}. {tip}")
    if report.scorer.fallback_reason:
        lines.append(f"(LLM scorer unavailable, scored offline: {report.scorer.fallback_reason})")
    if html_path is not None:
        lines.append(f"Report: {html_path}")
    return "\n".join(lines)
