"""Re-transcribing recorded answers with another (or the same) speech model, then re-scoring.

Nothing recorded is lost. The journal is append-only, so each new
transcript of an answer is a ``transcribed`` event (text, word timings, model)
and readers take the latest; the earlier ones stay in the journal. Before
anything changes, the current ``transcript.md`` is kept as
``transcripts/transcript-vN.md`` (N counts up from 1). Then the session is
scored again, which rewrites ``transcript.md`` and archives the previous
report (``reports/report-vN.json``); without re-scoring, or if scoring fails,
``transcript.md`` is rewritten as the transcript alone.

Batches: sessions are shared among ``jobs`` worker threads, each with its own
model (one model decodes one clip at a time); CTranslate2's threads are split
between the workers so two jobs on two cores use one core each. A session
that cannot be read or has unreadable audio is reported and the rest go on.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from voiceinterviewer.errors import UserError
from voiceinterviewer.session.journal import JOURNAL_NAME
from voiceinterviewer.session.record import SessionRecord
from voiceinterviewer.stt.threads import quiet_threads

if TYPE_CHECKING:
    from voiceinterviewer.config import Settings
    from voiceinterviewer.stt.whisper import Transcriber, Transcript

TRANSCRIPT_NAME = "transcript.md"
TRANSCRIPTS_DIR = "transcripts"


@dataclass
class TranscribeOptions:
    # Speech model: tiny.en (bundled, offline), another faster-whisper name, or a model folder.
    stt_model: str = "tiny.en"
    # Sessions transcribed at once, each by its own model instance.
    jobs: int = 1
    # Score again after transcribing (the previous report is archived).
    rescore: bool = True
    # Scorer engine: "offline" or a litellm model string.
    score_model: str = "offline"
    # Settings for an LLM scorer's connection (api_base, api_key, timeouts); None: defaults.
    settings: Settings | None = None


@dataclass
class SessionTranscription:
    folder: Path
    session_id: str = ""
    answers: int = 0  # answers transcribed anew
    changed: int = 0  # of those, how many read differently from before
    kept_transcript: Path | None = None  # the previous transcript.md, as kept
    report: dict[str, Any] | None = None  # the new report, when re-scored
    problems: list[str] = field(default_factory=list)
    failed: str = ""  # why the session was not transcribed at all


class ProgressBar:
    """A text progress bar on stderr: redrawn in place on a terminal, one line per step elsewhere."""

    def __init__(
        self, total: int, label: str = "transcribing", stream: TextIO | None = None, width: int = 28
    ):
        self.total = max(total, 0)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.done = 0
        self._lock = threading.Lock()
        try:
            self.tty = self.stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False

    def render(self) -> str:
        filled = int(self.width * self.done / self.total) if self.total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        return f"{self.label} [{bar}] {self.done}/{self.total} answers"

    def advance(self, steps: int = 1) -> None:
        with self._lock:
            self.done = min(self.total, self.done + steps)
            if self.tty:
                self.stream.write("\r" + self.render())
            else:
                self.stream.write(self.render() + "\n")
            self.stream.flush()

    def close(self) -> None:
        with self._lock:
            if self.tty:
                self.stream.write("\n")
                self.stream.flush()


def answers_with_audio(record: SessionRecord) -> list[int]:
    """Turn numbers whose answer has a recorded audio file name."""
    return [t.index for t in record.turns if t.answer is not None and t.answer.audio]


def _words(transcript: Transcript) -> list[dict[str, Any]]:
    return [
        {
            "word": w.word,
            "start": round(float(w.start), 3),
            "end": round(float(w.end), 3),
            "probability": round(float(w.probability), 3),
        }
        for w in transcript.words
    ]


def next_transcript_version(folder: Path) -> int:
    found = [0]
    directory = folder / TRANSCRIPTS_DIR
    if directory.is_dir() and not directory.is_symlink():
        for p in directory.glob("transcript-v*.md"):
            number = p.stem.removeprefix("transcript-v")
            if number.isdigit():
                found.append(int(number))
    return max(found) + 1


def keep_transcript(folder: Path, before: SessionRecord) -> Path:
    """Copy the current transcript.md (or render it, if never written) to transcripts/transcript-vN.md.

    N is claimed under the session's lock and the file created only if the
    name is free, so transcriptions running at once each keep their own copy.
    """
    from voiceinterviewer.replay.export import transcript_markdown
    from voiceinterviewer.scoring.report_files import read_session_text, write_private_text
    from voiceinterviewer.session.lock import session_lock
    from voiceinterviewer.session.store import session_subfolder

    try:
        text = read_session_text(folder / TRANSCRIPT_NAME)
    except OSError:
        text = transcript_markdown(before)
    with session_lock(folder):
        directory = session_subfolder(folder, TRANSCRIPTS_DIR)
        version = next_transcript_version(folder)
        while True:
            try:
                return write_private_text(
                    directory / f"transcript-v{version}.md", text, exclusive=True
                )
            except FileExistsError:
                version += 1


def retranscribe_session(
    folder: Path,
    transcriber: Transcriber,
    options: TranscribeOptions,
    on_answer: Callable[[], None] = lambda: None,
) -> SessionTranscription:
    """Transcribe every recorded answer of one session again and journal the results."""
    from voiceinterviewer.audio.wavfile import read_audio
    from voiceinterviewer.listen.phrases import transcribe_audio
    from voiceinterviewer.listen.vad import SileroVad
    from voiceinterviewer.replay.export import transcript_markdown
    from voiceinterviewer.scoring.report_files import write_private_text
    from voiceinterviewer.scoring.run import check_outputs
    from voiceinterviewer.session.journal import Journal
    from voiceinterviewer.session.record import load_session

    vad = SileroVad()
    result = SessionTranscription(folder=folder, session_id=folder.name)
    try:
        before = load_session(folder)
        check_outputs(folder)  # a FIFO named transcript.md, a linked transcripts/, ...
    except UserError as exc:
        result.failed = str(exc)
        return result
    result.session_id = before.id
    events = []
    primed = _primed(transcriber, before)
    for turn in before.turns:
        answer = turn.answer
        if answer is None or not answer.audio:
            continue
        try:
            clip = read_audio(folder / answer.audio)
        except UserError as exc:
            result.problems.append(f"turn {turn.index}: {exc}")
            on_answer()
            continue
        if primed:
            q = turn.question
            transcriber.set_question(q.text, q.question_id, q.gap)  # type: ignore[attr-defined]
        # the live listener's way: phrase by phrase at its pauses, each primed with the text
        # before it, lost speech transcribed again, words after the speech dropped
        transcript = transcribe_audio(clip, transcriber, vad)
        text = transcript.text.strip()
        events.append(
            {
                "turn": turn.index,
                "text": text,
                "words": _words(transcript),
                "stt_model": options.stt_model,
            }
        )
        result.answers += 1
        result.changed += text != answer.text.strip()
        on_answer()
    if not events:
        if not result.problems:
            result.failed = "no recorded answers to transcribe"
        return result
    result.kept_transcript = keep_transcript(folder, before)
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    journal = Journal(folder / JOURNAL_NAME)
    try:
        for event in events:
            journal.write("transcribed", t=round(before.duration, 3), at=stamp, **event)
    finally:
        journal.close()
    if options.rescore:
        result.report = rescore(folder, options, result)
    if result.report is None:
        write_private_text(folder / TRANSCRIPT_NAME, transcript_markdown(load_session(folder)))
    return result


def _primed(transcriber: Transcriber, record: SessionRecord) -> bool:
    """Give the transcriber the session's vocabulary (its track, job description and notes)."""
    if not hasattr(transcriber, "set_vocabulary"):
        return False
    from voiceinterviewer.session.preflight import read_optional
    from voiceinterviewer.stt.vocabulary import interview_vocabulary

    texts = []
    for key, what in (("job", "job description"), ("stories", "stories")):
        try:
            texts.append(read_optional(str(record.settings.get(key) or ""), what))
        except UserError:  # moved or gone since the session: the track's terms still apply
            texts.append("")
    track = str(record.settings.get("track") or "")
    transcriber.set_vocabulary(interview_vocabulary(track, *texts))  # type: ignore[attr-defined]
    return True


def rescore(
    folder: Path, options: TranscribeOptions, result: SessionTranscription
) -> dict[str, Any] | None:
    """Score the session again (which rewrites transcript.md); a failure is noted, not fatal."""
    from voiceinterviewer.scoring.run import score_session

    try:
        scored = score_session(folder, score_model=options.score_model, settings=options.settings)
    except Exception as exc:  # the new transcript is journalled either way
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        result.problems.append(f"not re-scored: {detail}")
        return None
    return scored.report.to_dict()  # the version this run wrote, whatever others wrote since


def worker_threads(jobs: int) -> int:
    """CTranslate2 threads for each of ``jobs`` workers: the cores shared among them.

    No interview runs while sessions are re-transcribed, so nothing needs a core kept
    free: one job decodes as the live interview does while the interviewer is silent
    (:func:`quiet_threads`), whose words match its one-core copy's.
    """
    return max(1, quiet_threads() // max(1, jobs))


def transcribe_sessions(
    folders: list[Path],
    options: TranscribeOptions,
    load: Callable[[int], Transcriber],
    progress: ProgressBar | None = None,
    on_done: Callable[[SessionTranscription], None] = lambda r: None,
) -> list[SessionTranscription]:
    """Re-transcribe ``folders`` with ``options.jobs`` workers; ``load(cpu_threads)`` builds a model.

    Every worker's model is loaded before any work starts, so a bad model
    name fails the command before a single session is touched.
    """
    jobs = max(1, min(options.jobs, len(folders)))
    threads = worker_threads(jobs)
    models = [load(threads) for _ in range(jobs)]
    work: queue.Queue[tuple[int, Path]] = queue.Queue()
    for item in enumerate(folders):
        work.put(item)
    results: list[SessionTranscription | None] = [None] * len(folders)
    step = progress.advance if progress is not None else (lambda: None)

    def worker(transcriber: Transcriber) -> None:
        while True:
            try:
                position, folder = work.get_nowait()
            except queue.Empty:
                return
            try:
                result = retranscribe_session(folder, transcriber, options, on_answer=step)
            except Exception as exc:  # one broken session must not stop the batch
                detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                result = SessionTranscription(folder=folder, session_id=folder.name, failed=detail)
            results[position] = result
            on_done(result)

    pool = [threading.Thread(target=worker, args=(model,), daemon=True) for model in models]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if progress is not None:
        progress.close()
    return [r for r in results if r is not None]


def count_answers(folders: list[Path]) -> int:
    """How many answers with audio the folders hold (for the progress bar); unreadable ones count 0."""
    from voiceinterviewer.session.record import load_session

    total = 0
    for folder in folders:
        try:
            total += len(answers_with_audio(load_session(folder)))
        except UserError:
            continue
    return total
