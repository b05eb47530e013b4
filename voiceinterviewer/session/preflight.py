"""Checks before a session exists: the person's files and devices, and holding Ctrl-C during set-up.

Everything the person supplies (answer files, job and story notes, the
prompts, the question asked first, the microphone and a chosen speaker) is
checked before the session folder is created, so bad input costs one line
and leaves nothing behind.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.config import Settings
from voiceinterviewer.errors import UserError
from voiceinterviewer.files import open_regular

MAX_TEXT_BYTES = 1_000_000  # answer scripts, job descriptions and story notes are read up to this
# A text answer is spoken by the voice (about 195 words a minute) and heard for at most
# `max_answer` seconds, so a longer one would be cut off: it is refused before the session
# starts. At this pace, the default 240 s holds 800 words.
WORDS_PER_MINUTE = 200
# Text answers longer than this in all take a while to synthesise (Piper makes about seven
# seconds of speech a second on two busy cores), so their progress is shown.
SHOW_PROGRESS_WORDS = 1500


def read_text_file(path: str | Path, what: str, limit: int = MAX_TEXT_BYTES) -> str:
    """A small UTF-8 text file given by the person, or a one-line UserError; never reads past ``limit``."""
    p = Path(path)
    try:
        with open_regular(p) as f:
            if f is None:
                raise UserError(f"the {what} {p} is not a regular file")
            raw = f.read(limit + 1)
    except FileNotFoundError:
        raise UserError(f"{what} not found: {p}") from None
    except IsADirectoryError:
        raise UserError(f"the {what} {p} is a folder, not a file") from None
    except OSError as exc:
        raise UserError(f"cannot read the {what} {p}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise UserError(f"the {what} {p} is too large (more than {limit // 1000} kB of text)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"the {what} {p} is not UTF-8 text") from None
    if "\x00" in text:
        raise UserError(f"the {what} {p} is not a text file")
    return text


@dataclass
class AnswerScript:
    """Where a scripted candidate's answers come from: audio files or text to synthesise.

    ``say`` (default: print) gets a line per text answer while they are
    synthesised, when there are more than :data:`SHOW_PROGRESS_WORDS` words in
    all, so a long script is never a silent wait.
    """

    paths: list[Path]
    say: Callable[[str], None] | None = print

    def load(self, voice) -> list[Clip]:
        """Text answers are spoken by ``voice``, held steady when it can be: same script, same audio."""
        from voiceinterviewer.audio.wavfile import read_audio

        speaker = voice.steady() if hasattr(voice, "steady") else voice
        texts = {p: _answer_text(p) for p in self.paths if p.suffix.lower() == ".txt"}
        total = sum(len(t.split()) for t in texts.values())
        show = self.say if self.say is not None and total > SHOW_PROGRESS_WORDS else None
        clips = []
        for number, path in enumerate(self.paths, start=1):
            if path in texts:
                if show is not None:
                    show(
                        f"Synthesising scripted answer {number} of {len(self.paths)} "
                        f"({len(texts[path].split())} words)..."
                    )
                clips.append(speaker.synthesize(texts[path]))
            else:
                clips.append(read_audio(path))
        return clips


def _answer_text(path: Path, max_words: int | None = None) -> str:
    text = read_text_file(path, "answer file").strip()
    if not text:
        raise UserError(f"answer file is empty: {path}")
    words = len(text.split())
    if max_words is not None and words > max_words:
        raise UserError(
            f"the answer file {path} holds {words:,} words; a text answer may hold at most "
            f"{max_words:,} (what max_answer allows to be heard, at {WORDS_PER_MINUTE} words "
            "a minute): shorten it or split it into several answers"
        )
    return text


def max_answer_words(max_answer_seconds: float) -> int:
    """The most words a text answer may hold: what ``max_answer`` seconds of speech hold."""
    return max(1, int(max_answer_seconds * WORDS_PER_MINUTE / 60))


def check_answer_files(paths: list[Path], max_answer_seconds: float | None = None) -> None:
    """Read every scripted answer once, so a bad file fails before a session is created.

    With ``max_answer_seconds``, a text answer too long to be heard in that
    time is refused (see :data:`WORDS_PER_MINUTE`).
    """
    from voiceinterviewer.audio.wavfile import read_audio

    limit = max_answer_words(max_answer_seconds) if max_answer_seconds else None
    for path in paths:
        if path.suffix.lower() == ".txt":
            _answer_text(path, limit)
        else:
            read_audio(path)


def check_prompts(settings: Settings) -> None:
    """Load and check ``prompts/`` for this interview before a session folder exists.

    A bad prompts file, an unknown track, ladder or ``--question`` id is one
    line and leaves nothing behind, instead of a session folder that holds
    only its start.
    """
    from voiceinterviewer.interviewer.bank_files import load_bank
    from voiceinterviewer.listen.turn_rules import turn_rules
    from voiceinterviewer.rubric import load_rubric
    from voiceinterviewer.stt.stock_phrases import stock_phrases
    from voiceinterviewer.stt.vocabulary import load_domain

    turn_rules()
    load_rubric()  # the scorer's, the planner's and the speech model's terms
    load_domain()
    stock_phrases()
    bank = load_bank()
    bank.track_plan(settings.track)
    bank.ladder(settings.ladder)
    if settings.question:
        bank.question(settings.question)
    if settings.model and settings.model != "offline":
        from voiceinterviewer.interviewer.verdicts import load_verdict_words

        load_verdict_words()


def read_optional(path: str, what: str) -> str:
    if not path:
        return ""
    return read_text_file(path, f"{what} file")[:20000]


class HeldInterrupt:
    """Ctrl-C noted, not raised, while the adapters load; :meth:`release` raises it afterwards.

    The voice loads in the main thread while the speech models load in
    another, so both import modules at once; a KeyboardInterrupt raised inside
    Python's import machinery can leave a module lock held and hang the
    process. Holding Ctrl-C for the second or two of set-up avoids that; from
    the first question on, it interrupts at once.
    """

    def __init__(self) -> None:
        self.pressed = False
        self._previous = None
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._note)
            except (ValueError, OSError):
                self._previous = None

    def _note(self, signum, frame) -> None:
        self.pressed = True

    def restore(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def release(self) -> None:
        self.restore()
        if self.pressed:
            raise KeyboardInterrupt


def check_devices(settings: Settings, require_speaker: bool) -> None:
    """Fail before the session starts when the microphone (or a chosen speaker) is unusable."""
    from voiceinterviewer.audio.devices import check_input, check_output

    wants = settings.output_device.strip()
    if wants.lower() != "none" and (wants or require_speaker):
        check_output(wants or None)
    check_input(settings.input_device or None)
