"""`voiceinterviewer transcribe ID|PATH...`: transcribe recorded answers again and re-score.

Give session ids, session folders, or a folder holding sessions. Every
answer's audio goes through the speech model (--stt-model, default tiny.en,
bundled); the new text is appended to the journal (older transcripts stay
there and in transcripts/transcript-vN.md) and the session is scored again
(the previous report is kept under reports/). --jobs N works on N sessions
at once.
"""

from __future__ import annotations

import argparse
import sys
import threading

from voiceinterviewer.commands.common import (
    add_settings_args,
    llm_models,
    require_llm_support,
    settings_from_args,
)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "transcribe", help="transcribe recorded answers again and re-score", description=__doc__
    )
    p.add_argument(
        "sessions",
        nargs="+",
        metavar="ID|PATH",
        help="session ids, session folders, or folders of sessions",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="sessions to transcribe at once (default 1)",
    )
    p.add_argument("--no-score", action="store_true", help="do not score the sessions again")
    add_settings_args(p, ["out", "stt_model", "score_model"])
    p.set_defaults(func=run)


def describe(result) -> str:
    """One line per session for the person."""
    if result.failed:
        return f"{result.session_id}: not transcribed: {result.failed}"
    parts = [
        f"{result.session_id}: {result.answers} answer{'s' if result.answers != 1 else ''} transcribed, {result.changed} changed"
    ]
    if result.kept_transcript is not None:
        parts.append(
            f"previous transcript kept as {result.kept_transcript.parent.name}/{result.kept_transcript.name}"
        )
    report = result.report
    if isinstance(report, dict):
        overall = report.get("overall") if isinstance(report.get("overall"), dict) else {}
        parts.append(f"report v{report.get('version', '?')}: {overall.get('level') or '-'}")
    line = "; ".join(parts)
    for problem in result.problems:
        line += f"\n  {problem}"
    return line


def run(args: argparse.Namespace) -> int:
    from voiceinterviewer.errors import UserError
    from voiceinterviewer.redaction import redact
    from voiceinterviewer.replay.transcribe import (
        ProgressBar,
        TranscribeOptions,
        count_answers,
        transcribe_sessions,
    )
    from voiceinterviewer.session.store import expand_sessions

    if args.jobs < 1:
        raise UserError("--jobs must be at least 1")
    settings = settings_from_args(args)
    require_llm_support(llm_models(settings, interviewer=False, scorer=not args.no_score))
    folders = expand_sessions(args.sessions, settings.out)
    options = TranscribeOptions(
        stt_model=settings.stt_model,
        jobs=args.jobs,
        rescore=not args.no_score,
        score_model=settings.score_model or settings.model,
        settings=settings,
    )

    def load(cpu_threads: int):
        from voiceinterviewer.stt.whisper import load_transcriber

        return load_transcriber(settings.stt_model, cpu_threads=cpu_threads)

    lock = threading.Lock()

    def done(result) -> None:
        with lock:
            print(redact(describe(result)), flush=True)

    print(
        f"Transcribing {len(folders)} session{'s' if len(folders) != 1 else ''} with {settings.stt_model}",
        file=sys.stderr,
        flush=True,
    )
    progress = ProgressBar(count_answers(folders), stream=sys.stderr)
    results = transcribe_sessions(folders, options, load, progress, on_done=done)
    failed = [r for r in results if r.failed]
    return 1 if failed and len(failed) == len(results) else 0
