"""Settings: defaults, then the TOML config file, then environment variables, then flags.

Every setting is a field of :class:`Settings` with its default and a comment.
The config file (``$VOICEINTERVIEWER_HOME/config.toml``) uses the same names;
environment variables are ``VOICEINTERVIEWER_<NAME>`` in upper case. Unknown
keys, values of the wrong type and numbers outside their sane range
(:data:`RANGES`) are errors, reported as one line before anything starts.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from voiceinterviewer.errors import UserError
from voiceinterviewer.files import FileTooLarge, NotRegularFile, read_bytes
from voiceinterviewer.home import config_path
from voiceinterviewer.redaction import remember

SECRET_KEYS = ("api_key",)


@dataclass
class Settings:
    # Where session folders are written.
    out: str = "recordings"
    # Interview track: senior-loop, behavioral, leadership, system-design, career.
    track: str = "senior-loop"
    # Target level: mid, senior, staff.
    level: str = "senior"
    # Level ladder for labels: generic, google (L4-L6), meta (E4-E6).
    ladder: str = "generic"
    # Voice engine: auto (piper if installed, else system), piper, system.
    voice: str = "auto"
    # Speech model: tiny.en (bundled, offline), another faster-whisper name, or a path.
    stt_model: str = "tiny.en"
    # Interviewer engine: "offline" or a litellm model string (ollama/llama3.1, gpt-4o-mini, ...).
    model: str = "offline"
    # Scorer engine; empty means the same as `model`.
    score_model: str = ""
    # Base URL of an OpenAI-compatible server for the LLM (optional).
    api_base: str = ""
    # API key; read from config or environment only, never written to a session.
    api_key: str = ""
    # Seconds before an LLM call is abandoned for the offline fallback.
    llm_timeout: float = 8.0
    # Retries of a failed LLM call before falling back.
    llm_retries: int = 1
    # End of turn: "vad" (voice activity + silence) or "enter" (press Enter).
    turn: str = "vad"
    # Silence that ends an answer whose words sound finished, in seconds.
    end_silence: float = 0.8
    # Silence after a finished sentence in an answer to an open question ("Tell me about a
    # time...", "Design...") that has not reached a result yet, in seconds.
    open_silence: float = 3.2
    # Silence that ends an answer that sounds unfinished ("so...", "and", "um").
    pause_silence: float = 3.6
    # The wait after a complete answer grows each time you resume over the interviewer,
    # up to this many seconds.
    max_end_silence: float = 2.5
    # Silence that always ends an answer, in seconds.
    max_silence: float = 6.0
    # Longest single answer, in seconds.
    max_answer: float = 240.0
    # Main questions to ask (not counting follow-ups); 0 means the track's plan.
    questions: int = 0
    # Follow-ups per question at most.
    max_follow_ups: int = 2
    # Time box for the whole interview, in minutes.
    time_box: float = 45.0
    # Input and output devices (index or name substring); empty means the default;
    # output_device "none" plays nothing (the interview is still recorded).
    input_device: str = ""
    output_device: str = ""
    # Random seed for question choice; empty means one per day.
    seed: str = ""
    # A specific question id to ask first.
    question: str = ""
    # Files that tailor the interview: a job description and the person's story notes.
    job: str = ""
    stories: str = ""
    # Speak at this rate multiplier (1.0 is the voice's normal pace).
    speech_rate: float = 1.0
    # Keeping the interviewer's own voice out of the microphone: auto (WebRTC echo
    # cancellation when installed, else gate), webrtc, gate (only speech far louder than
    # the echo counts while the interviewer talks), headphones (no echo to cancel).
    echo: str = "auto"
    # Talking over the interviewer this soon (seconds) after its reply began to play (or
    # after the answer was decided, if later) continues that answer; later it is taken as
    # a new answer or a request.
    resume_window: float = 4.0
    # Talking over the interviewer pauses it; with no words within this many seconds
    # (a cough, a door) it goes on.
    false_interruption_timeout: float = 1.5

    def public(self) -> dict[str, Any]:
        """The settings as a dict with secrets removed, for the journal."""
        data = dataclasses.asdict(self)
        for key in SECRET_KEYS:
            data.pop(key, None)
        return data


FIELD_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(name: str, value: Any, source: str) -> Any:
    default = getattr(Settings, name, None)
    kind = type(default) if default is not None else str
    try:
        if kind is bool:
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind is float and isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return float(value)
        if kind is int and isinstance(value, (int, str)) and not isinstance(value, bool):
            return int(value)
        if kind is str and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
    except ValueError:
        pass
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise UserError(f"{source}: {name} must be a {kind.__name__}, got {shown}")


MAX_CONFIG_BYTES = 1_000_000


def load_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        raw = read_bytes(path, MAX_CONFIG_BYTES)  # a FIFO must not block
    except (NotRegularFile, FileTooLarge) as exc:
        raise UserError(f"bad config file {path}: {exc.strerror}") from None
    except OSError as exc:
        raise UserError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"bad config file {path}: {str(exc).splitlines()[0]}") from None
    except UnicodeDecodeError:
        raise UserError(f"bad config file {path}: not UTF-8 text") from None
    except RecursionError:
        raise UserError(f"bad config file {path}: values nested too deeply") from None
    out = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in FIELD_TYPES:
            raise UserError(f"bad config file {path}: unknown key {key!r}")
        out[name] = _coerce(name, value, f"config file {path}")
    return out


def load_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    out = {}
    for name in FIELD_TYPES:
        key = "VOICEINTERVIEWER_" + name.upper()
        if key in environ:
            out[name] = _coerce(name, environ[key], f"environment {key}")
    return out


def load_settings(flags: dict[str, Any] | None = None, path: Path | None = None) -> Settings:
    """Merge defaults < config file < environment < flags (flags that are None are unset)."""
    merged: dict[str, Any] = {}
    merged.update(load_file(path or config_path()))
    merged.update(load_env())
    for name, value in (flags or {}).items():
        if value is not None and name in FIELD_TYPES:
            merged[name] = _coerce(name, value, f"--{name.replace('_', '-')}")
    settings = Settings(**merged)
    validate(settings)
    remember(settings.api_key)  # never stored or printed from here on
    return settings


CHOICES = {
    "track": ("senior-loop", "behavioral", "leadership", "system-design", "career"),
    "level": ("mid", "senior", "staff"),
    "ladder": ("generic", "google", "meta", "amazon", "microsoft"),
    "voice": ("auto", "piper", "system"),
    "turn": ("vad", "enter"),
    "echo": ("auto", "webrtc", "gate", "headphones"),
}


# The sane range of every numeric setting, inclusive: a value outside it is refused at
# start-up with one line, before it can reach the voice, the listener or the planner.
RANGES: dict[str, tuple[float, float]] = {
    "llm_timeout": (0.5, 600.0),  # seconds
    "llm_retries": (0, 10),
    "end_silence": (0.1, 30.0),  # seconds
    "open_silence": (0.1, 60.0),  # seconds
    "pause_silence": (0.1, 60.0),  # seconds
    "max_end_silence": (0.1, 60.0),  # seconds
    "resume_window": (0.1, 60.0),  # seconds
    "false_interruption_timeout": (0.1, 30.0),  # seconds
    "max_silence": (0.1, 120.0),  # seconds
    "max_answer": (5.0, 3600.0),  # seconds
    "questions": (0, 50),
    "max_follow_ups": (0, 10),
    "time_box": (1.0, 600.0),  # minutes
    "speech_rate": (0.25, 4.0),  # times the voice's normal pace
}


def validate(settings: Settings) -> None:
    for name, allowed in CHOICES.items():
        value = getattr(settings, name)
        if value not in allowed:
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise UserError(f"{name} must be one of {', '.join(allowed)}; got {shown}")
    for name, (low, high) in RANGES.items():
        value = getattr(settings, name)
        if not (math.isfinite(value) and low <= value <= high):
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
            raise UserError(f"{name} must be between {low:g} and {high:g}; got {shown}")
    if not settings.out.strip():
        raise UserError("out must name the recordings folder; got an empty string")


def default_settings() -> Settings:
    return Settings()


__all__ = ["Settings", "load_settings", "load_file", "load_env", "default_settings", "field"]
