"""`voiceinterviewer sessions`: list recorded sessions; `sessions show ID`: one session in full.

The list comes from the session index (rebuilt from the folders when they
change), so it stays fast with hundreds of sessions. ``show`` reads the
session folder itself: every turn's question and answer, then the report.
"""

from __future__ import annotations

import argparse
import textwrap
from datetime import datetime

from voiceinterviewer.commands.common import add_settings_args, settings_from_args
from voiceinterviewer.replay.notes import question_text, turn_notes

INITIALS = "S/I/T/J/C"


def add_parser(sub) -> None:
    p = sub.add_parser("sessions", help="list recorded sessions, or show one", description=__doc__)
    add_settings_args(p, ["out"])
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", help="one session's turns and report summary")
    show.add_argument(
        "session", metavar="ID|PATH", help="session id (or a unique prefix) or folder"
    )
    show.add_argument(
        "--out",
        dest="out",
        default=argparse.SUPPRESS,
        help="recordings folder (default ./recordings)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    if getattr(args, "action", None) == "show":
        print(show_session(args.session, settings.out))
        return 0
    print(list_sessions(settings.out))
    return 0


def when(started_at: str, fallback: str = "") -> str:
    """``YYYY-MM-DD HH:MM`` in the time zone it was recorded in."""
    try:
        return datetime.fromisoformat(started_at).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return fallback or "-"


def list_sessions(root: str) -> str:
    from voiceinterviewer.replay.export import mmss
    from voiceinterviewer.session.index import DIMENSIONS, indexed_sessions

    rows = indexed_sessions(root)
    if not rows:
        return f"No sessions in {root} yet. Start one with `voiceinterviewer practice`."
    width = max(len("ID"), *(len(r.id) for r in rows))
    head = f"{'ID':<{width}}  {'DATE':<16}  {'TRACK':<13}  {'VERDICT':<10}  {INITIALS:<9}  {'DURATION':>8}"
    lines = [head]
    problems = []
    for r in rows:
        if r.problem and not r.turns:
            verdict, scores = "unreadable", "- - - - -"
            problems.append(f"  {r.id}: {r.problem}")
        else:
            verdict = r.level_verdict or "-"
            scores = " ".join(
                str(r.scores.get(d)) if r.scores.get(d) is not None else "-" for d in DIMENSIONS
            )
            if r.problem:
                problems.append(f"  {r.id}: {r.problem}")
        date = when(r.started_at)
        lines.append(
            f"{r.id:<{width}}  {date:<16}  {r.track or '-':<13}  {verdict:<10}  {scores:<9}  {mmss(r.duration):>8}"
        )
    count = f"{len(rows)} session{'s' if len(rows) != 1 else ''} in {root}"
    lines += [
        "",
        f"{count}. Scores: {INITIALS} = scope, influence, technical depth, judgment, communication.",
    ]
    if problems:
        lines += ["Could not read:", *problems]
    return "\n".join(lines)


def _wrap(label: str, text: str) -> list[str]:
    text = " ".join(text.split())
    return textwrap.wrap(
        f"{label}{text}", width=100, initial_indent="  ", subsequent_indent="    "
    ) or [f"  {label}"]


def show_session(ref: str, root: str) -> str:
    from voiceinterviewer.errors import UserError
    from voiceinterviewer.replay.export import CANDIDATE, INTERVIEWER, mmss
    from voiceinterviewer.session.index import read_report
    from voiceinterviewer.session.record import load_session
    from voiceinterviewer.session.store import resolve_session

    folder = resolve_session(ref, root)
    record = load_session(folder)
    settings = record.settings
    answered = len(record.answered())
    lines = [
        f"Session {record.id}",
        f"Folder:   {folder}",
        f"Started:  {when(record.started_at, record.started_at or '-')}",
        f"Track:    {settings.get('track') or '-'} (target level {settings.get('level') or '-'})",
        f"Duration: {mmss(record.duration)}, {len(record.turns)} turns, {answered} answered",
    ]
    if record.skipped_lines:
        lines.append(f"Note: {len(record.skipped_lines)} damaged journal line(s) skipped")
    for err in record.errors:
        lines.append(
            f"Error during the session ({err.get('where', '?')}): {err.get('message', '')}"
        )
    for turn in record.turns:
        q, a = turn.question, turn.answer
        lines += ["", f"Turn {turn.index} · {q.kind.replace('_', ' ')} · [{mmss(q.t)}]"]
        lines += _wrap(f"{INTERVIEWER}: ", question_text(q))
        if a is None:
            lines.append("  (no answer)")
        else:
            lines += _wrap(f"{CANDIDATE}: ", a.text or "(no words recognised)")
        for note in turn_notes(turn):
            lines += _wrap("  ", note)
    try:
        lines += ["", *report_summary(read_report(folder))]
    except UserError as exc:  # a broken report must not hide the transcript
        lines += ["", f"Report: {exc}"]
    return "\n".join(lines)


def report_summary(report: dict | None) -> list[str]:
    from voiceinterviewer.session.index import DIMENSIONS

    if report is None:
        return ["No report yet (run `voiceinterviewer score ID`)."]

    def d(value) -> dict:
        return value if isinstance(value, dict) else {}

    overall, dims, delivery, scorer = (
        d(report.get("overall")),
        d(report.get("dimensions")),
        d(report.get("delivery")),
        d(report.get("scorer")),
    )
    engine = scorer.get("model") or scorer.get("engine") or "unknown"
    lines = [f"Report v{report.get('version', '?')} (scorer: {engine})"]
    level = overall.get("level") or "-"
    label = f" ({overall['ladder_label']})" if overall.get("ladder_label") else ""
    target = f", target {overall['target_level']}" if overall.get("target_level") else ""
    lines.append(f"  Verdict: {level}{label}{target}; signal {overall.get('signal') or '-'}")
    for name in DIMENSIONS:
        dim = d(dims.get(name))
        score = dim.get("score", "-")
        lines += textwrap.wrap(
            f"{name.replace('_', ' ').capitalize():<16} {score}  {' '.join(str(dim.get('justification', '')).split())}",
            width=100,
            initial_indent="  ",
            subsequent_indent=" " * 21,
        )
    if delivery:
        wpm, fillers = delivery.get("wpm"), delivery.get("fillers_per_min")
        wpm_s = f"{wpm:.0f} words/min" if isinstance(wpm, (int, float)) else "- words/min"
        fil_s = (
            f"{fillers:.1f} fillers/min" if isinstance(fillers, (int, float)) else "- fillers/min"
        )
        lines.append(f"  Delivery: {wpm_s}, {fil_s}")
    tips = (
        [t for t in report.get("tips", []) if isinstance(t, str)]
        if isinstance(report.get("tips"), list)
        else []
    )
    if tips:
        lines.append("  Tips:")
        for tip in tips:
            lines += textwrap.wrap(
                tip, width=100, initial_indent="   - ", subsequent_indent="     "
            )
    return lines
