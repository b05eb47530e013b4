"""Arguments shared by several commands, and turning them into Settings."""

from __future__ import annotations

import argparse
from typing import Any

from voiceinterviewer.config import Settings, load_settings
from voiceinterviewer.errors import UserError


def add_settings_args(p: argparse.ArgumentParser, names: list[str]) -> None:
    """Add --flag options for the named Settings fields (default None = not given)."""
    helps = {
        "out": "recordings folder (default ./recordings)",
        "track": "senior-loop, behavioral, leadership, system-design, career",
        "level": "target level: mid, senior, staff",
        "ladder": "generic, google, meta, amazon, microsoft",
        "voice": "auto, piper, system",
        "stt_model": "speech model: tiny.en (bundled) or a faster-whisper name/path",
        "model": "interviewer engine: offline or a litellm model string",
        "score_model": "scorer engine: offline or a litellm model string",
        "api_base": "base URL of an OpenAI-compatible server",
        "turn": "end of answer: vad (voice activity) or enter (press Enter)",
        "input_device": "input device index or name",
        "output_device": "output device index or name; none plays nothing",
        "questions": "number of main questions",
        "max_follow_ups": "follow-ups per question at most",
        "time_box": "interview length in minutes",
        "end_silence": "seconds of silence that end an answer that has reached its point",
        "open_silence": "seconds of silence after a finished sentence in an open answer still short of a result",
        "echo": "keep the interviewer's voice out of the mic: auto, webrtc, gate, headphones",
        "pause_silence": "seconds of silence that end an unfinished-sounding answer",
        "max_silence": "seconds of silence that always end an answer",
        "seed": "random seed for question choice (default: one per day)",
        "question": "question id to ask first",
        "job": "a job description file to tailor questions to",
        "stories": "your story notes file to tailor questions to",
        "llm_timeout": "seconds before an LLM call falls back to offline",
    }
    types = {
        "questions": int,
        "max_follow_ups": int,
        "time_box": float,
        "end_silence": float,
        "open_silence": float,
        "pause_silence": float,
        "max_silence": float,
        "llm_timeout": float,
    }
    for name in names:
        p.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            default=None,
            type=types.get(name, str),
            help=helps.get(name),
        )


def settings_from_args(args: argparse.Namespace, **overrides: Any) -> Settings:
    flags = {k: v for k, v in vars(args).items() if not k.startswith("_")}
    flags.update(overrides)
    return load_settings(flags)


def llm_models(settings: Settings, interviewer: bool = True, scorer: bool = True) -> list[str]:
    """The litellm model strings a command will call: the interviewer's and the scorer's."""
    models = []
    if interviewer:
        models.append(settings.model)
    if scorer:
        models.append(settings.score_model or settings.model)
    return [m for m in models if m and m != "offline"]


def require_llm_support(models: list[str]) -> None:
    """Stop (exit 2) before anything starts when an LLM is asked for and litellm is missing.

    Checked without importing litellm, so the path to the first question stays fast.
    """
    if not models:
        return
    from voiceinterviewer.llm.loader import litellm_available

    if not litellm_available():
        raise UserError(
            f'model {models[0]} needs litellm, which is not installed: pip install "voiceinterviewer[llm]"'
        )
