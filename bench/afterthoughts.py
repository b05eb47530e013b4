"""How long the interviewer talks over a candidate who goes on once it has begun to reply.

``python bench/afterthoughts.py`` runs the simulated room of
``tests/test_session_echo.py`` (the real canceller, Silero and Whisper, with
the room's echo computed from exactly what was played, on the script's clock)
once per afterthought of the bench's candidate (``bench/answers.RESUMES``: a
complete answer, then "And one more thing, ..." and the like) and per delay:
the afterthought starts that many seconds into the interviewer's reply, from
just as the canceller starts settling after the silence to well after. For
each run it prints how long the reply played past the candidate's first sound
(the reply holds still from the pause on, so that is the talking over, its
30 ms fade included) and the ``barge_in`` events; then p50, p95 and the
slowest. It leaves out what a real device adds (the speaker's buffer,
PulseAudio's callbacks: see ``bench/run.py``'s ``resume_stop_ms``), and the
run is the same on any machine: the timings are the script's, not the CPU's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DELAYS = (0.2, 0.35, 0.5, 0.65, 0.8, 1.0)


def main() -> None:
    import numpy as np

    from bench.answers import RESUMES
    from tests.test_session_echo import run_afterthought

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--delays", default=",".join(map(str, DELAYS)), help="seconds, comma-separated"
    )
    parser.add_argument("--json", type=Path, help="write results here")
    args = parser.parse_args()
    results = []
    for k, (first, more) in enumerate(RESUMES):
        for delay in (float(d) for d in args.delays.split(",")):
            _, events, over = run_afterthought(Path(tempfile.mkdtemp()), first, more, delay)
            barge = [(e["outcome"], e.get("kind", "")) for e in events if e["type"] == "barge_in"]
            results.append(
                {
                    "afterthought": k,
                    "delay_s": delay,
                    "over_ms": over and round(over * 1000),
                    "barge_ins": barge,
                }
            )
            print(
                f"afterthought {k} at {delay:.2f} s: over {results[-1]['over_ms']} ms  {barge}",
                flush=True,
            )
    over = [r["over_ms"] for r in results if r["over_ms"] is not None]
    summary = {
        "runs": len(results),
        "over_ms_p50": float(np.percentile(over, 50)),
        "over_ms_p95": float(np.percentile(over, 95)),
        "over_ms_max": max(over),
        "not_one_resume": sum(1 for r in results if r["barge_ins"] != [("stopped", "resume")]),
    }
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": results}, indent=2))


if __name__ == "__main__":
    main()
