"""`voiceinterviewer score SESSION...`: score recorded sessions and write their reports.

Each SESSION is an id (or unique prefix) under the recordings folder, a
session folder, or a folder of session folders (all of them are scored).
Each session gets a new report version (report.json, transcript.md,
report.html); the summary is printed on stdout. With several sessions,
progress goes to stderr and ``--jobs`` scores that many at once; a session
that fails is reported as one line and the others carry on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voiceinterviewer.commands.common import (
    add_settings_args,
    llm_models,
    require_llm_support,
    settings_from_args,
)
from voiceinterviewer.errors import UserError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "score",
        help="score recorded sessions: report.json, transcript.md, report.html",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "sessions",
        nargs="+",
        metavar="SESSION",
        help="session id, session folder, or a folder of sessions",
    )
    add_settings_args(p, ["score_model", "out", "api_base"])
    p.add_argument(
        "--level",
        dest="score_level",
        default=None,
        choices=("mid", "senior", "staff"),
        help="judge against this target level (default: the session's)",
    )
    p.add_argument(
        "--ladder",
        dest="score_ladder",
        default=None,
        choices=("generic", "google", "meta", "amazon", "microsoft"),
        help="ladder for level labels (default: the session's)",
    )
    p.add_argument("--jobs", type=int, default=1, help="sessions to score at once (default 1)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from voiceinterviewer.redaction import redact
    from voiceinterviewer.scoring.run import score_session
    from voiceinterviewer.scoring.summary import format_summary
    from voiceinterviewer.session.store import expand_sessions

    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    settings = settings_from_args(args)
    require_llm_support(llm_models(settings, interviewer=False))
    folders = expand_sessions(args.sessions, settings.out)
    model = settings.score_model or settings.model
    if model != "offline":
        from voiceinterviewer.llm.client import start_background_import

        start_background_import()
    many = len(folders) > 1

    def one(folder: Path):
        return score_session(
            folder,
            score_model=model,
            settings=settings,
            level=args.score_level,
            ladder=args.score_ladder,
        )

    failures = 0
    with ThreadPoolExecutor(max_workers=min(args.jobs, len(folders))) as pool:
        futures = {pool.submit(one, folder): folder for folder in folders}
        done = 0
        for future in as_completed(futures):
            folder = futures[future]
            done += 1
            try:
                result = future.result()
            except UserError as exc:
                failures += 1
                if not many:
                    raise
                print(
                    f"[{done}/{len(folders)}] {folder.name}: error: {redact(str(exc))}",
                    file=sys.stderr,
                )
                continue
            report = result.report
            if many:
                print(
                    f"[{done}/{len(folders)}] {folder.name}: {report.overall.level}, {report.overall.signal} (v{report.version})",
                    file=sys.stderr,
                )
            print(format_summary(report, result.paths.html))
            if many:
                print()
    if failures:
        print(f"{failures} of {len(folders)} sessions could not be scored", file=sys.stderr)
        return 1
    return 0
