"""Checks before a session exists: the person's files and devices, and holding Ctrl-C during set-up.

Everything the person supplies (answer files, job and story notes, the
microphone and a chosen speaker) is checked before the session folder is
created, so bad input costs one line and leaves nothing behind.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from pathlib import Path

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.config import Settings
from voiceinterviewer.errors import UserError
from voiceinterviewer.session.journal import open_regular

MAX_TEXT_BYTES = 1_000_000  # answer scripts, job descriptions and story notes are read up to this


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
    """Where a scripted candidate's answers come from: audio files or text to synthesise."""

    paths: list[Path]

    def load(self, voice) -> list[Clip]:
        """Text answers are spoken by ``voice``, held steady when it can be: same script, same audio."""
        from voiceinterviewer.audio.wavfile import read_audio

        speaker = voice.steady() if hasattr(voice, "steady") else voice
        clips = []
        for path in self.paths:
            if path.suffix.lower() == ".txt":
                clips.append(speaker.synthesize(_answer_text(path)))
            else:
                clips.append(read_audio(path))
        return clips


def _answer_text(path: Path) -> str:
    text = read_text_file(path, "answer file").strip()
    if not text:
        raise UserError(f"answer file is empty: {path}")
    return text


def check_answer_files(paths: list[Path]) -> None:
    """Read every scripted answer once, so a bad file fails before a session is created."""
    from voiceinterviewer.audio.wavfile import read_audio

    for path in paths:
        if path.suffix.lower() == ".txt":
            _answer_text(path)
        else:
            read_audio(path)


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
