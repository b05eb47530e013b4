"""The command line: parses arguments, builds the real adapters, runs a command.

Each command lives in :mod:`voiceinterviewer.commands` as a module with
``add_parser(subparsers)`` that registers it with ``func=run``. Command modules
import only the standard library at top level, so ``--help`` and the path to the
first question stay fast; heavy libraries are imported inside the adapters.
Every :class:`~voiceinterviewer.errors.UserError` is printed as one line, and
so is an ``OSError`` that no command turned into one (exit 1) and a mistake in
the arguments (exit 2); API keys are masked in all of them.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys

from voiceinterviewer import __version__
from voiceinterviewer.errors import UserError
from voiceinterviewer.redaction import redact

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


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (the usage is in ``--help``), exit 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"voiceinterviewer: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
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
        print(f"voiceinterviewer: error: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("voiceinterviewer: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the system refused: a full disk, a permission, a vanished file
        print(f"voiceinterviewer: error: {redact(describe_os_error(exc))}", file=sys.stderr)
        return 1
    except MemoryError:
        print("voiceinterviewer: error: out of memory", file=sys.stderr)
        return 1


def describe_os_error(exc: OSError) -> str:
    """One line for an OSError that reached the top: what failed and on which file."""
    what = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        what = f"the disk is full ({what}); everything written before is kept"
    name = exc.filename if exc.filename is not None else ""
    return f"{what}: {name}" if name else what


if __name__ == "__main__":
    raise SystemExit(main())
