"""Commands that write the same session at once: every report version and kept transcript survives.

Real ``voiceinterviewer`` processes run in parallel on one recorded session
(real espeak-ng speech in its WAVs): eight ``score`` runs, then ``transcribe``
and ``score`` runs mixed. Afterwards each version number is on disk exactly
once (``reports/report-vN.json`` and the latest in ``report.json``), the
journal has one ``report_written`` event per version, and each process printed
the version it wrote itself, whatever the others wrote meanwhile.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from reliability_helpers import NO_SPEAKER, cli_env, events_of, reap, run_cli, start_cli
from session_factory import STANDARD_TURNS, make_session

PRINTED_VERSION = re.compile(r"report v(\d+)")


@pytest.fixture(autouse=True)
def _no_leftover_processes():
    yield
    reap()


@pytest.fixture
def session(recordings) -> Path:
    folder = make_session(recordings, "20250106-100000-conc", STANDARD_TURNS).folder
    first = run_cli(["score", folder], cli_env(NO_SPEAKER))
    assert first.returncode == 0, first.stderr
    return folder


def run_together(commands: list[list], timeout: float = 600) -> list[tuple[int, str, str]]:
    """Start every command at once, then wait for all of them; (rc, stdout, stderr) each."""
    procs = [start_cli(args, cli_env(NO_SPEAKER)) for args in commands]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        results.append((proc.returncode, out, err))
    return results


def versions_on_disk(folder: Path) -> list[int]:
    """The version written inside every report file of the session, one entry per file."""
    found = []
    for path in sorted((folder / "reports").glob("report-v*.json")):
        version = json.loads(path.read_text())["version"]
        assert path.name == f"report-v{version}.json", "an archive holds another version"
        found.append(version)
    found.append(json.loads((folder / "report.json").read_text())["version"])
    return sorted(found)


def printed_version(stdout: str) -> int:
    (version,) = PRINTED_VERSION.findall(stdout)
    return int(version)


def test_eight_scores_at_once_each_write_their_own_version(session):
    results = run_together([["score", session] for _ in range(8)])
    for rc, _out, err in results:
        assert rc == 0, err
        assert "Traceback" not in err
    printed = sorted(printed_version(out) for _, out, _ in results)
    assert printed == list(range(2, 10)), "each run printed the version it wrote"
    assert versions_on_disk(session) == list(range(1, 10)), "every version exactly once"
    written = sorted(e["version"] for e in events_of(session, "report_written"))
    assert written == list(range(1, 10))
    # the files written with the latest report belong to it
    assert "version 9" in (session / "report.html").read_text()
    assert sorted(p.name for p in session.glob(".*")) == [], "no temporary files left"


def test_transcribe_and_score_at_once_keep_every_version(session):
    commands = [["transcribe", session] for _ in range(4)] + [["score", session] for _ in range(4)]
    results = run_together(commands)
    for rc, _out, err in results:
        assert rc == 0, err
        assert "Traceback" not in err
    printed = sorted(printed_version(out) for _, out, _ in results)
    assert printed == list(range(2, 10)), [out for _, out, _ in results]
    assert versions_on_disk(session) == list(range(1, 10))
    assert sorted(e["version"] for e in events_of(session, "report_written")) == list(range(1, 10))
    kept = sorted(p.name for p in (session / "transcripts").iterdir())
    assert kept == [f"transcript-v{n}.md" for n in (1, 2, 3, 4)], "each run kept its own copy"
    assert len(events_of(session, "transcribed")) == 4 * 2  # two recorded answers, four runs
