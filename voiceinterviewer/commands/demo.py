"""`voiceinterviewer demo`: a full interview with a built-in scripted candidate; no microphone or network."""

from __future__ import annotations

import argparse

from voiceinterviewer.commands.common import (
    add_settings_args,
    llm_models,
    require_llm_support,
    settings_from_args,
)
from voiceinterviewer.home import PROMPTS_DIR


def demo_answers():
    folder = PROMPTS_DIR / "demo"
    return sorted(folder.glob("answer-*.txt"))


def add_parser(sub) -> None:
    p = sub.add_parser(
        "demo", help="run a full simulated interview (no microphone needed)", description=__doc__
    )
    add_settings_args(
        p,
        [
            "track",
            "level",
            "ladder",
            "model",
            "score_model",
            "api_base",
            "voice",
            "stt_model",
            "output_device",
            "out",
            "seed",
        ],
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from voiceinterviewer.errors import UserError
    from voiceinterviewer.session.runner import run_interview

    overrides = {}
    if args.seed is None:
        overrides["seed"] = "demo"
    settings = settings_from_args(args, **overrides)
    require_llm_support(llm_models(settings))
    answers = demo_answers()
    if not answers:
        raise UserError(f"no demo answers found in {PROMPTS_DIR / 'demo'}")
    return run_interview(settings, answers=answers, avoid_recent=False)
