"""Building a live or scripted interview from settings: the edge where real adapters are made.

Start-up is ordered for a fast first question: the session folder, the
speaker (whose stream warms up meanwhile) and the voice come first and the
greeting is spoken at once, while the speech model,
the voice-activity model, the microphone (or the scripted answers) and, for an
LLM interviewer, litellm load in the background. The first listen waits for
them through :class:`DeferredListener`.

Reliability: the person's files and devices are checked first
(:mod:`voiceinterviewer.session.preflight`). Once
the folder exists, every way the interview can stop (its end, Ctrl-C, a
device that vanishes, a full disk) is journalled with ``session_ended`` and
the session is scored; Ctrl-C is a normal end (exit 0) and a failure is
raised again as one line after the report is written. Ctrl-C during the
second of set-up is held until the adapters have loaded (see
:class:`HeldInterrupt`).
"""

from __future__ import annotations

import datetime as _dt
import errno
import os
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from voiceinterviewer import __version__
from voiceinterviewer.config import Settings
from voiceinterviewer.errors import UserError
from voiceinterviewer.interviewer.base import InterviewContext
from voiceinterviewer.session.journal import FORMAT_VERSION, JOURNAL_NAME, Journal
from voiceinterviewer.session.preflight import (
    HeldInterrupt,
    check_answer_files,
    check_devices,
    check_prompts,
    read_optional,
)
from voiceinterviewer.session.question_hook import QuestionHook
from voiceinterviewer.session.store import create_session_dir


def build_context(settings: Settings, avoid_recent: bool = True) -> InterviewContext:
    from voiceinterviewer.interviewer.history import recent_question_ids

    return InterviewContext(
        track=settings.track,
        level=settings.level,
        ladder=settings.ladder,
        max_follow_ups=settings.max_follow_ups,
        questions=settings.questions,
        time_box_s=settings.time_box * 60.0,
        job_text=read_optional(settings.job, "job description"),
        stories_text=read_optional(settings.stories, "stories"),
        avoid_ids=recent_question_ids(Path(settings.out)) if avoid_recent else [],
        seed=settings.seed,
        first_question=settings.question,
    )


def _versions() -> dict[str, str]:
    out = {"voiceinterviewer": __version__, "python": platform.python_version()}
    from importlib import metadata

    for dist in ("faster-whisper", "ctranslate2", "piper-tts", "litellm", "sounddevice"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def run_interview(
    settings: Settings,
    answers: list[Path] | None = None,
    require_speaker: bool = False,
    say: Callable[[str], None] = print,
    avoid_recent: bool = True,
) -> int:
    """Run one interview in a new session folder and score it; the exit code for the CLI.

    Everything the person gave (answer files, job and story notes, prompts, devices)
    is checked before the folder is created, so bad input fails with one
    line and leaves nothing behind.
    """
    t0 = time.monotonic()
    if answers:
        check_answer_files(answers, settings.max_answer)
    context = build_context(settings, avoid_recent)
    check_prompts(settings)  # a bad prompts file or --question: said before any device problem
    if answers is None:
        check_devices(settings, require_speaker)
    if settings.model != "offline":
        from voiceinterviewer.llm.client import start_background_import

        start_background_import()
    folder = create_session_dir(settings.out)
    journal = Journal(folder / JOURNAL_NAME, t0=t0)
    try:
        return _run_session(folder, journal, settings, context, answers, require_speaker, say)
    finally:
        journal.close()


def _run_session(
    folder: Path,
    journal: Journal,
    settings: Settings,
    context: InterviewContext,
    answers: list[Path] | None,
    require_speaker: bool,
    say: Callable[[str], None],
) -> int:
    """Hold the interview in ``folder``, then score it.

    Whatever stops the interview (its end, Ctrl-C, a device or disk failure)
    the session is closed in the journal and scored. Ctrl-C is a normal end
    (exit 0); a failure is raised again once the report is written.
    """
    journal.write(
        "session_started",
        format=FORMAT_VERSION,
        id=folder.name,
        started_at=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        settings=settings.public(),
        mode="scripted" if answers is not None else "live",
        versions=_versions(),
        platform=f"{platform.system()} {platform.machine()}",
    )
    say(f"Session {folder.name} (recording to {folder})")
    failure: UserError | None = None
    try:
        interview(folder, journal, settings, context, answers, require_speaker, say)
    except KeyboardInterrupt as exc:
        say("Interview stopped; writing your report.")
        if not getattr(exc, "loop_started", False):
            _journal_end(journal, "interrupted")
    except UserError as exc:
        failure = exc
        if not getattr(exc, "loop_started", False):
            _journal_end(journal, "error", str(exc))
    try:
        scored = _score(folder, settings, journal, say)
    except KeyboardInterrupt:
        _journal_error(journal, "scoring", "scoring was interrupted")
        raise UserError(
            "stopped before the report was written; score the session later with "
            f"`voiceinterviewer score {folder.name}`",
            130,
        ) from None
    if failure is not None:
        raise failure
    if isinstance(scored, UserError):
        if any(os.strerror(code) in str(scored) for code in DISK_FULL):
            raise UserError(
                f"the disk is full: the interview is kept in {folder}, but its report could not "
                f"be written; free some space, then run `voiceinterviewer score {folder.name}`",
                1,
            )
        raise UserError(
            f"the interview is kept in {folder}, but it could not be scored: {scored}",
            scored.exit_code,
        )
    return 0


DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def _journal_error(journal: Journal, where: str, message: str) -> None:
    try:
        journal.write("error", where=where, message=message)
    except UserError:
        pass  # the disk is full: the journal keeps what it has


def _journal_end(journal: Journal, reason: str, error: str = "") -> None:
    """Close a session whose loop never started (set-up failed or was interrupted)."""
    if error:
        _journal_error(journal, "session", error)
    try:
        journal.write("session_ended", reason=reason, turns=0)
    except UserError:
        pass


def interview(
    folder: Path,
    journal: Journal,
    settings: Settings,
    context: InterviewContext,
    answers: list[Path] | None,
    require_speaker: bool,
    say: Callable[[str], None],
) -> None:
    """Build the adapters and run the interview loop.

    The loop journals its own end (``session_ended``); an exception raised
    from inside it carries ``loop_started = True``, so the caller journals
    the end only of a session whose set-up failed or was interrupted.
    """
    from voiceinterviewer.interviewer.factory import build_interviewer
    from voiceinterviewer.session.adapters import EnterKey, build_duplex, build_sink
    from voiceinterviewer.session.loop import InterviewSession

    held = HeldInterrupt()  # until the loop starts: imports run in two threads
    loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load")
    voice_future: Future = Future()
    questions = QuestionHook()  # each question's terms, to the transcriber once it exists
    sink = None
    duplex = None
    try:
        from voiceinterviewer.voice import build_voice

        sink = build_sink(settings, require_speaker, say)  # its stream warms up meanwhile
        duplex, hearing = build_duplex(
            settings, answers, sink, voice_future, folder, journal, loader
        )
        hearing.transcriber.add_done_callback(lambda done: _prime(done, context, questions))
        voice = build_voice(settings.voice, settings.speech_rate)
        voice_future.set_result(voice)
        interviewer = build_interviewer(
            settings, context, on_error=_llm_errors(journal, context, say)
        )
        # Live sessions only: warming costs 2-3 s of CPU, and a scripted run's clock waits
        # for synthesis anyway.
        stock = getattr(interviewer, "stock_sentences", None)
        warm = None
        if settings.model == "offline" and stock is not None and answers is None:
            from voiceinterviewer.voice.cache import CachedVoice

            voice = CachedVoice(voice, stock())
            warm = voice.warm
        enter = EnterKey()
        if settings.turn == "enter" and answers is None:
            say("Press Enter when you have finished each answer.")
            enter.watch(sys.stdin)
        session = InterviewSession(
            folder,
            journal,
            interviewer,
            voice,
            duplex,
            hearing.transcriber,
            context,
            session_options(settings, scripted=answers is not None),
            stt_model=settings.stt_model,
            speculate=settings.model == "offline",
            say=say,
            enter_pressed=enter.pressed,
            on_question=questions,
            warm_voice=warm,
        )
        held.release()
        try:
            session.run()
        except (UserError, KeyboardInterrupt) as exc:
            exc.loop_started = True  # type: ignore[union-attr]
            raise
    finally:
        held.restore()
        if not voice_future.done():
            voice_future.cancel()
        loader.shutdown(wait=False, cancel_futures=True)
        if sink is not None:
            sink.close()
        if duplex is not None:
            duplex.close()


def _prime(done: Future, context: InterviewContext, questions: QuestionHook) -> None:
    """Give the loaded transcriber the interview's vocabulary and the question being asked."""
    from voiceinterviewer.stt.vocabulary import interview_vocabulary

    if done.cancelled() or done.exception() is not None:
        return
    transcriber = done.result()
    try:
        vocabulary = interview_vocabulary(context.track, context.job_text, context.stories_text)
    except UserError:  # a broken prompts file: plain transcription; scoring will say why
        return
    transcriber.set_vocabulary(vocabulary)
    questions.attach(transcriber)


def _llm_errors(journal: Journal, context: InterviewContext, say: Callable[[str], None]):
    """Where the LLM interviewer reports a failure: the journal, and the person once."""
    told: list[str] = []

    def report(where: str, message: str) -> None:
        # the turn being prepared: its question is journalled after the error
        journal.write("error", where=where, message=message, turn=len(context.history) + 1)
        if not told:
            told.append(message)
            say(f"Note: {message}")  # later failures go to the journal only

    return report


def session_options(settings: Settings, scripted: bool):
    """The turn-taking options from the settings."""
    from voiceinterviewer.listen.answer import ListenOptions
    from voiceinterviewer.listen.bargein import BargeInOptions
    from voiceinterviewer.listen.patience import PatienceOptions
    from voiceinterviewer.session.options import SessionOptions

    return SessionOptions(
        listen=ListenOptions(
            max_answer=settings.max_answer,
            mode=settings.turn if not scripted else "vad",
            patience=PatienceOptions(
                end_silence=settings.end_silence,
                open_silence=settings.open_silence,
                pause_silence=settings.pause_silence,
                max_silence=settings.max_silence,
                max_end_silence=max(settings.end_silence, settings.max_end_silence),
            ),
        ),
        barge_in=BargeInOptions(
            resume_window=settings.resume_window,
            false_timeout=settings.false_interruption_timeout,
        ),
    )


def _score(folder: Path, settings: Settings, journal: Journal, say) -> str | UserError:
    """Score the finished session; the summary, or the error that stopped scoring."""
    from voiceinterviewer.scoring.run import score_session

    try:
        result = score_session(
            folder, score_model=settings.score_model or settings.model, settings=settings
        )
    except UserError as exc:
        _journal_error(journal, "scoring", str(exc))
        return exc
    summary = getattr(result, "summary", None) or (
        result[-1] if isinstance(result, tuple) else str(result)
    )
    say(summary)
    say(f"Report: {folder / 'report.html'}")
    return summary
