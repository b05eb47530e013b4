"""`voiceinterviewer progress`: how your scores and delivery moved across sessions.

Prints first, last and trend for each scored dimension and for words and
fillers per minute, and writes a self-contained HTML page with line charts
(default: progress.html in the recordings folder; --html FILE to choose: never
one of a session's own files, nor an existing file unless --force is given).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from voiceinterviewer.commands.common import add_settings_args, settings_from_args


def add_parser(sub) -> None:
    p = sub.add_parser(
        "progress", help="score and delivery trends across sessions", description=__doc__
    )
    add_settings_args(p, ["out"])
    p.add_argument(
        "--html", type=Path, default=None, metavar="FILE", help="where to write the chart page"
    )
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from voiceinterviewer.replay.progress import build_progress, format_table, render_html
    from voiceinterviewer.scoring.report_files import write_private_text
    from voiceinterviewer.session.index import indexed_sessions
    from voiceinterviewer.session.owned import check_output

    settings = settings_from_args(args)
    rows = indexed_sessions(settings.out)
    progress = build_progress(rows)
    if not progress.sessions:
        extra = (
            f" ({progress.unscored} without a report: score them with `voiceinterviewer score ID`)"
            if progress.unscored
            else ""
        )
        print(f"No scored sessions in {settings.out} yet{extra}.")
        return 0
    print(format_table(progress))
    default = Path(settings.out) / "progress.html"
    target: Path = args.html or default
    check_output(target, force=args.force, default=default)
    write_private_text(target, render_html(progress))  # scores are personal: 0600
    print(f"Chart: {target}")
    return 0
