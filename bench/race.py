"""A candidate going on just as the interviewer takes the turn, in a simulated room.

``python bench/race.py`` runs the interview of ``tests/test_session_echo.py``
(the real canceller, Silero and Whisper, with the room's echo computed from
exactly what was played, on the script's clock) once per pause: a story's
first sentence, a thinking pause of about the interviewer's wait after it
(``open_silence``, 3.2 s), then its result. Around that wait the reply starts
just before or just after the candidate goes on. For each pause it prints
how the reply was stopped (the ``barge_in`` events: ``echo`` is the
interviewer taking the candidate for its own voice and going on over them),
how much of the reply had played when it stopped, and the words of the
script that the answer's transcript lacks. The run is the same on any
machine: the timings are the script's, not the CPU's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PAUSES = (3.0, 3.1, 3.15, 3.2, 3.25, 3.3, 3.4, 3.6)


def run_once(pause: float) -> dict:
    from tests.audio_helpers import words
    from tests.test_session_echo import RESULT, STORY, run_race
    from voiceinterviewer.session.record import load_session

    folder, events = run_race(Path(tempfile.mkdtemp()), pause, "I wrote the fix myself.")
    heard = load_session(folder).turns[0].answer.text
    said = words(heard)
    return {
        "pause_s": pause,
        "barge_ins": [(e["outcome"], e.get("kind", "")) for e in events if e["type"] == "barge_in"],
        "played_s": [e["played_s"] for e in events if e["type"] == "barge_in"],
        "lost": [w for w in words(f"{STORY} {RESULT}") if w not in said],
        "answer": heard,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pauses", default=",".join(map(str, PAUSES)), help="seconds, comma-separated"
    )
    parser.add_argument("--json", type=Path, help="write results here")
    args = parser.parse_args()
    results = [run_once(float(p)) for p in args.pauses.split(",")]
    for r in results:
        print(
            f"pause {r['pause_s']:.2f} s  barge-ins {r['barge_ins']}  played {r['played_s']} s  "
            f"lost {r['lost']}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
