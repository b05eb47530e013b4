"""`voiceinterviewer export ID|PATH --format md|json|vtt|srt|wav [-o FILE]`: a session in another form.

md is the transcript, json the session record with its report, vtt/srt
speaker-labelled captions, and wav one 16 kHz track of the whole interview
(each turn's interviewer then candidate audio, 0.5 s apart). The captions
follow the wav's timeline, so the two play together in a media player. Text
formats go to stdout unless -o is given; wav defaults to interview.wav in
the session folder. -o never writes over a session's own files (its journal,
audio, reports), nor over any existing file unless --force is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voiceinterviewer.commands.common import add_settings_args, settings_from_args
from voiceinterviewer.replay.export import FORMATS


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export", help="export a session as md, json, vtt, srt or wav", description=__doc__
    )
    p.add_argument("session", metavar="ID|PATH", help="session id (or a unique prefix) or folder")
    p.add_argument(
        "--format",
        "-f",
        dest="export_format",
        required=True,
        choices=FORMATS,
        help="what to export",
    )
    p.add_argument(
        "-o",
        "--output",
        dest="output",
        type=Path,
        default=None,
        metavar="FILE",
        help="file to write (never one of a session's own files)",
    )
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    add_settings_args(p, ["out"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from voiceinterviewer.replay.export import WAV_NAME, export_session
    from voiceinterviewer.session.owned import check_output
    from voiceinterviewer.session.store import resolve_session

    settings = settings_from_args(args)
    folder = resolve_session(args.session, settings.out)
    output: Path | None = args.output
    if output is not None:
        default = folder / WAV_NAME if args.export_format == "wav" else None
        check_output(output, force=args.force, default=default)
    result = export_session(folder, args.export_format, wav_path=output)
    for note in result.missing:
        print(f"note: silence in place of missing audio ({note})", file=sys.stderr)
    if result.path is not None:
        print(f"wrote {result.path} ({result.duration:.3f} s)")
        return 0
    text = result.text or ""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return 0
    from voiceinterviewer.scoring.report_files import write_private_text

    write_private_text(output, text)  # a transcript is personal: 0600, written atomically
    print(f"wrote {output}")
    return 0
