"""Building a live or scripted interview from settings: the edge where real adapters are made.

Start-up is ordered for a fast first question: the session folder and the
voice come first and the greeting is spoken at once, while the speech model,
the voice-activity model, the microphone (or the scripted answers) and, for an
LLM interviewer, litellm load in the background. The first listen waits for
them through :class:`DeferredListener`.
"""

from __future__ import annotations

import datetime as _dt
import platform
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from voiceinterviewer import __version__
from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.config import Settings
from voiceinterviewer.errors import DeviceError, UserError
from voiceinterviewer.interviewer.base import InterviewContext
from voiceinterviewer.listen.endpoint import EndpointOptions, Heard, TurnListener
from voiceinterviewer.session.journal import FORMAT_VERSION, JOURNAL_NAME, Journal
from voiceinterviewer.session.store import create_session_dir


class DeferredListener:
    """A listener still being built; ``listen`` waits for it."""

    def __init__(self, future: Future):
        self._future = future

    def get(self) -> TurnListener:
        return self._future.result()

    def listen(self, record=None, on_finished_words=None) -> Heard:
        return self.get().listen(record=record, on_finished_words=on_finished_words)


@dataclass
class AnswerScript:
    """Where a scripted candidate's answers come from: audio files or text to synthesise."""

    paths: list[Path]

    def load(self, voice) -> list[Clip]:
        from voiceinterviewer.audio.wavfile import read_audio

        clips = []
        for path in self.paths:
            if path.suffix.lower() == ".txt":
                try:
                    text = path.read_text(encoding="utf-8").strip()
                except (OSError, UnicodeDecodeError) as exc:
                    raise UserError(f"cannot read answer file {path}: {exc}") from None
                if not text:
                    raise UserError(f"answer file is empty: {path}")
                clips.append(voice.synthesize(text))
            else:
                clips.append(read_audio(path))
        return clips


def check_answer_files(paths: list[Path]) -> None:
    for path in paths:
        if not path.is_file():
            raise UserError(f"answer file not found: {path}")


def _read_optional(path: str, what: str) -> str:
    if not path:
        return ""
    try:
        return Path(path).read_text(encoding="utf-8")[:20000]
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(
            f"cannot read the {what} file {path}: {getattr(exc, 'strerror', None) or exc}"
        ) from None


def build_context(settings: Settings, avoid_recent: bool = True) -> InterviewContext:
    from voiceinterviewer.interviewer.history import recent_question_ids

    return InterviewContext(
        track=settings.track,
        level=settings.level,
        ladder=settings.ladder,
        max_follow_ups=settings.max_follow_ups,
        questions=settings.questions,
        time_box_s=settings.time_box * 60.0,
        job_text=_read_optional(settings.job, "job description"),
        stories_text=_read_optional(settings.stories, "stories"),
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
    from voiceinterviewer.interviewer.factory import build_interviewer
    from voiceinterviewer.session.loop import InterviewSession

    t0 = time.monotonic()
    if answers:
        check_answer_files(answers)
    context = build_context(settings, avoid_recent)
    if settings.model != "offline":
        from voiceinterviewer.llm.client import start_background_import

        start_background_import()
    folder = create_session_dir(settings.out)
    journal = Journal(folder / JOURNAL_NAME, t0=t0)
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
    loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="load")
    voice_ready = threading.Event()
    holder: dict = {}

    def load_listener() -> TurnListener:
        from voiceinterviewer.listen.vad import SileroVad
        from voiceinterviewer.stt.whisper import load_transcriber

        transcriber = load_transcriber(settings.stt_model)
        vad = SileroVad()
        if answers is not None:
            from voiceinterviewer.audio.scripted import ScriptedSource

            voice_ready.wait()
            source = ScriptedSource(AnswerScript(answers).load(holder["voice"]))
        else:
            from voiceinterviewer.audio.devices import MicSource

            source = MicSource(settings.input_device or None)
        transcriber.warm_up()
        options = EndpointOptions(
            end_silence=settings.end_silence,
            pause_silence=settings.pause_silence,
            max_silence=settings.max_silence,
            max_answer=settings.max_answer,
            mode=settings.turn if answers is None else "vad",
        )
        listener = TurnListener(source, vad, transcriber, options)
        if options.mode == "enter":
            _watch_enter(listener)
        return listener

    listener_future = loader.submit(load_listener)
    sink = None
    try:
        from voiceinterviewer.voice import build_voice

        voice = build_voice(settings.voice, settings.speech_rate)
        holder["voice"] = voice
        voice_ready.set()
        sink = _build_sink(settings, require_speaker, say)
        interviewer = build_interviewer(
            settings,
            context,
            on_error=lambda where, msg: journal.write("error", where=where, message=msg),
        )
        if settings.turn == "enter" and answers is None:
            say("Press Enter when you have finished each answer.")
        session = InterviewSession(
            folder,
            journal,
            interviewer,
            voice,
            sink,
            DeferredListener(listener_future),
            context,
            stt_model=settings.stt_model,
            speculate=settings.model == "offline",
            say=say,
        )
        failure: UserError | None = None
        try:
            session.run()
        except UserError as exc:
            failure = exc
    finally:
        voice_ready.set()
        loader.shutdown(wait=False, cancel_futures=True)
        if sink is not None and hasattr(sink, "close"):
            sink.close()
        _close_source(listener_future)
    summary = _score(folder, settings, journal, say)
    journal.close()
    if failure is not None:
        raise failure
    return 0 if summary else 1


def _close_source(future: Future) -> None:
    if future.done() and not future.cancelled() and future.exception() is None:
        source = future.result().source
        if hasattr(source, "close"):
            source.close()


def _build_sink(settings: Settings, require_speaker: bool, say):
    from voiceinterviewer.audio.devices import NullSink, SpeakerSink

    try:
        return SpeakerSink(settings.output_device or None)
    except DeviceError:
        if require_speaker or settings.output_device:
            raise
        say("No speaker found: the interview is recorded but not played aloud.")
        return NullSink()


def _watch_enter(listener: TurnListener) -> None:
    def watch() -> None:
        for _line in sys.stdin:
            listener.enter_pressed.set()

    threading.Thread(target=watch, daemon=True, name="enter").start()


def _score(folder: Path, settings: Settings, journal: Journal, say) -> str:
    from voiceinterviewer.scoring.run import score_session

    try:
        result = score_session(
            folder, score_model=settings.score_model or settings.model, settings=settings
        )
    except UserError as exc:
        journal.write("error", where="scoring", message=str(exc))
        say(f"Could not score the session: {exc}")
        return ""
    summary = getattr(result, "summary", None) or (
        result[-1] if isinstance(result, tuple) else str(result)
    )
    say(summary)
    say(f"Report: {folder / 'report.html'}")
    return summary
