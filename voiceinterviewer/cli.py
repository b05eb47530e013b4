"""The command line: parses arguments, builds the real adapters, runs a command.

Each command lives in :mod:`voiceinterviewer.commands` as a module with
``add_parser(subparsers)`` that registers it with ``func=run``. Command modules
import only the standard library at top level, so ``--help`` and the path to the
first question stay fast; heavy libraries are imported inside the adapters.
Every :class:`~voiceinterviewer.errors.UserError` is printed as one line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from voiceinterviewer import __version__
from voiceinterviewer.errors import UserError

COMMANDS = [
    "practice",
    "demo",
    "devices",
    "sessions",
    "replay",
    "score",
    "transcribe",
    "export",
    "progress",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voiceinterviewer",
        description="A local, voice-based mock interviewer for senior engineering interviews.",
    )
    parser.add_argument("--version", action="version", version=f"voiceinterviewer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"voiceinterviewer.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"voiceinterviewer.commands.{name}":
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"voiceinterviewer: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("voiceinterviewer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
