"""`voiceinterviewer devices`: list audio devices and show a live microphone level (a mic check)."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "devices", help="list audio devices and check the microphone level", description=__doc__
    )
    p.add_argument("--input-device", default=None, help="device to check (index or name)")
    p.add_argument(
        "--seconds", type=float, default=3.0, help="how long to show the input level (0 to skip)"
    )
    p.set_defaults(func=run)


def _bar(db: float, width: int = 40) -> str:
    filled = int(max(0.0, min(1.0, (db + 60.0) / 60.0)) * width)
    return "#" * filled + "-" * (width - filled)


def run(args: argparse.Namespace) -> int:
    from voiceinterviewer.audio.devices import list_devices, measure_input_level
    from voiceinterviewer.errors import DeviceError

    devices = list_devices()
    if not devices:
        raise DeviceError("no audio devices found")
    print(f"{'':2}{'#':>3}  {'name':40} {'in':>3} {'out':>3} {'rate':>7}")
    for d in devices:
        mark = ("<" if d.is_default_input else " ") + (">" if d.is_default_output else " ")
        print(
            f"{mark}{d.index:>3}  {d.name[:40]:40} {d.inputs:>3} {d.outputs:>3} {int(d.default_rate):>7}"
        )
    print("< default input, > default output")
    if args.seconds <= 0:
        return 0
    print(f"Microphone level for {args.seconds:g} s (speak now):")
    tty = sys.stdout.isatty()

    def show(db: float) -> None:
        if tty:
            print(f"\r  {_bar(db)} {db:6.1f} dB", end="", flush=True)

    peak = measure_input_level(args.input_device, args.seconds, show)
    if tty:
        print()
    verdict = "ok" if peak > -50 else "very quiet: check the microphone is not muted"
    print(f"peak {peak:.1f} dB: {verdict}")
    return 0
