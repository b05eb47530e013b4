"""Scoring one session folder end to end: load, score, write the files, journal it.

:func:`score_session` is what the ``score`` command and the end of a live
session call. It loads the record, picks the scorer (``offline`` or a litellm
model string), writes ``report.json`` (versioned, see
:func:`~voiceinterviewer.scoring.report_files.write_report`), ``transcript.md`` and
``report.html`` (all 0600), appends a ``report_written`` event to the
session's journal (``t`` is the session's end, ``at`` the wall-clock time), and returns a :class:`ScoreResult`: unpacks as
``(report, paths)`` and carries the terminal summary as ``.summary``.

The target level and ladder are the ones the session was recorded with
(from its ``session_started`` settings) unless ``level``/``ladder`` are
given; ``settings`` supplies the LLM connection (api_base, api_key, timeouts).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from voiceinterviewer.config import Settings
from voiceinterviewer.errors import UserError
from voiceinterviewer.redaction import redact
from voiceinterviewer.scoring.base import ScoreOptions, Scorer
from voiceinterviewer.scoring.html import render_html
from voiceinterviewer.scoring.markdown import render_transcript
from voiceinterviewer.scoring.report import REPORT_NAME, Report
from voiceinterviewer.scoring.report_files import MAX_REPORT_BYTES, write_private_text, write_report
from voiceinterviewer.scoring.summary import format_summary
from voiceinterviewer.session.journal import JOURNAL_NAME, Journal
from voiceinterviewer.session.lock import session_lock
from voiceinterviewer.session.record import load_session
from voiceinterviewer.session.store import check_subfolders

TRANSCRIPT_NAME = "transcript.md"
HTML_NAME = "report.html"
LLM_SCORING_TIMEOUT = 120.0  # seconds; scoring a whole transcript takes longer than one reply


@dataclass
class ReportPaths:
    json: Path
    markdown: Path
    html: Path


class ScoreResult(NamedTuple):
    report: Report
    paths: ReportPaths

    @property
    def summary(self) -> str:
        return format_summary(self.report)


def make_scorer(score_model: str, settings: Settings | None = None) -> Scorer:
    """``offline`` (or empty) gives the offline scorer; anything else is a litellm model string."""
    from voiceinterviewer.scoring.offline import OfflineScorer

    if not score_model or score_model == "offline":
        return OfflineScorer()
    from voiceinterviewer.scoring.llm import LLMScorer

    settings = settings or Settings()
    return LLMScorer(model=score_model, api_base=settings.api_base, api_key=settings.api_key)


def check_outputs(folder: Path) -> None:
    """Refuse a session whose report files are in the way (a folder named report.json, a FIFO, a link).

    Checked before ``score`` and ``transcribe`` change anything, so such a
    session costs one line and keeps every file as it was.
    """
    for name in (REPORT_NAME, TRANSCRIPT_NAME, HTML_NAME):
        path = folder / name
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise UserError(f"cannot score {folder}: cannot read {path}: {exc.strerror}") from None
        if not stat.S_ISREG(mode):
            raise UserError(f"cannot score {folder}: {path} is in the way (expected a file)")
    check_subfolders(folder)
    try:
        size = (folder / REPORT_NAME).stat().st_size
    except OSError:
        return
    if size > MAX_REPORT_BYTES:
        raise UserError(
            f"cannot score {folder}: {folder / REPORT_NAME} is too large to be a report"
        )


def score_session(
    folder: str | os.PathLike,
    score_model: str | None = None,
    settings: Settings | None = None,
    level: str | None = None,
    ladder: str | None = None,
) -> ScoreResult:
    """Score the session in ``folder`` and write its report files.

    ``score_model``: "offline" or a litellm model string; None means
    ``settings.score_model`` or ``settings.model`` (offline without settings).
    """
    folder = Path(folder)
    record = load_session(folder)
    check_outputs(folder)
    if score_model is None:
        score_model = (settings.score_model or settings.model) if settings else "offline"
    timeout = max(LLM_SCORING_TIMEOUT, settings.llm_timeout if settings else 0.0)
    options = ScoreOptions.from_session_settings(
        record.settings,
        level=level,
        ladder=ladder,
        llm_timeout=timeout,
        llm_retries=settings.llm_retries if settings else None,
    )
    report = make_scorer(score_model, settings).score(record, options)
    if report.scorer.fallback_reason:
        report.scorer.fallback_reason = redact(report.scorer.fallback_reason)
    # One writer at a time: the version is claimed, and report.json, transcript.md,
    # report.html and the journal event written, before another command may start.
    with session_lock(folder):
        check_outputs(folder)
        json_path = write_report(folder, report)
        md_path = write_private_text(folder / TRANSCRIPT_NAME, render_transcript(record, report))
        html_path = write_private_text(folder / HTML_NAME, render_html(record, report))
        try:
            journal = Journal(folder / JOURNAL_NAME)
        except OSError as exc:
            raise UserError(
                f"cannot append to the session journal in {folder}: {exc.strerror}", 1
            ) from None
        try:
            journal.write(
                "report_written",
                t=round(record.duration, 3),
                at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                version=report.version,
                path=json_path.name,
                engine=report.scorer.engine,
                model=report.scorer.model,
                fallback_reason=report.scorer.fallback_reason,
            )
        finally:
            journal.close()
    return ScoreResult(report, ReportPaths(json_path, md_path, html_path))
