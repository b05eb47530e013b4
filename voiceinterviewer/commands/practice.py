"""`voiceinterviewer practice`: a live spoken interview on the microphone and speaker."""

from __future__ import annotations

import argparse
from pathlib import Path

from voiceinterviewer.commands.common import (
    add_settings_args,
    llm_models,
    require_llm_support,
    settings_from_args,
)

INTERVIEW_SETTINGS = [
    "track",
    "level",
    "ladder",
    "model",
    "score_model",
    "api_base",
    "voice",
    "stt_model",
    "turn",
    "input_device",
    "output_device",
    "questions",
    "max_follow_ups",
    "time_box",
    "end_silence",
    "open_silence",
    "pause_silence",
    "echo",
    "max_silence",
    "seed",
    "question",
    "job",
    "stories",
    "llm_timeout",
    "out",
]


def add_parser(sub) -> None:
    p = sub.add_parser("practice", help="hold a spoken mock interview", description=__doc__)
    add_settings_args(p, INTERVIEW_SETTINGS)
    p.add_argument(
        "--answers",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="scripted answers: WAV/FLAC files or .txt to synthesise",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from voiceinterviewer.session.runner import run_interview

    settings = settings_from_args(args)
    require_llm_support(llm_models(settings))
    return run_interview(settings, answers=args.answers)
