"""`voiceinterviewer replay ID|PATH`: play a recorded interview with its transcript.

Each turn plays the interviewer's audio and then yours, printing each line
as it starts. Space or Enter pauses and resumes (at the next clip) when run
in a terminal; --no-audio prints the transcript only; --turn N plays one turn.
"""

from __future__ import annotations

import argparse
import sys

from voiceinterviewer.commands.common import add_settings_args, settings_from_args


def add_parser(sub) -> None:
    p = sub.add_parser(
        "replay", help="play a recorded interview with its transcript", description=__doc__
    )
    p.add_argument("session", metavar="ID|PATH", help="session id (or a unique prefix) or folder")
    p.add_argument(
        "--turn", dest="turn_number", type=int, default=None, metavar="N", help="play only turn N"
    )
    p.add_argument(
        "--no-audio", action="store_true", help="print the transcript without playing audio"
    )
    add_settings_args(p, ["out", "output_device"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from voiceinterviewer.replay.export import mmss
    from voiceinterviewer.replay.player import KeyPause, replay, replay_items
    from voiceinterviewer.session.record import load_session
    from voiceinterviewer.session.store import resolve_session

    settings = settings_from_args(args)
    record = load_session(resolve_session(args.session, settings.out))
    replay_items(record, args.turn_number)  # an unknown turn fails before any device is opened
    if not record.turns:
        print(f"Session {record.id} has no recorded turns.")
        return 0
    if args.no_audio:
        replay(record, sys.stdout, sink=None, turn=args.turn_number)
        return 0
    from voiceinterviewer.audio.devices import SpeakerSink

    sink = SpeakerSink(device=settings.output_device or None)
    try:
        with KeyPause(sys.stdin, sys.stdout) as pause:
            hint = " Space or Enter pauses." if pause.enabled else ""
            print(
                f"Replaying {record.id} ({len(record.turns)} turns, {mmss(record.duration)}).{hint}",
                flush=True,
            )
            result = replay(record, sys.stdout, sink=sink, turn=args.turn_number, pause=pause)
    finally:
        close = getattr(sink, "close", None)
        if close:
            close()
    if result.missing:
        print(f"{len(result.missing)} clip(s) had no playable audio.")
    return 0
