"""The session index and `voiceinterviewer sessions`: listing, showing, rebuilding, staying fresh."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import time

import pytest
from session_factory import STANDARD_TURNS, TurnSpec, make_report, make_session, write_report

from voiceinterviewer.cli import main
from voiceinterviewer.home import index_path
from voiceinterviewer.replay.export import mmss
from voiceinterviewer.session.index import SessionIndex
from voiceinterviewer.session.index_migrations import (
    MIGRATIONS,
    applied_migrations,
    m001_sessions,
)

FOOTER = "Scores: S/I/T/J/C = scope, influence, technical depth, judgment, communication."
HEAD = "ID                    DATE              TRACK          VERDICT     S/I/T/J/C  DURATION"


def _three(root):
    a = make_session(
        root,
        "20250106-100000-aaaa",
        STANDARD_TURNS,
        audio=False,
        report=make_report(
            {"scope": 2, "influence": 3, "technical_depth": 3, "judgment": 2, "communication": 4},
            level="mid",
        ),
    )
    b = make_session(
        root,
        "20250108-093000-bbbb",
        STANDARD_TURNS[:2],
        started_at="2025-01-08T09:30:00+01:00",
        track="system-design",
        audio=False,
    )
    c = make_session(
        root,
        "20250110-180000-cccc",
        STANDARD_TURNS,
        started_at="2025-01-10T18:00:00+00:00",
        track="senior-loop",
        audio=False,
        report=make_report(
            {"scope": 4, "influence": 4, "technical_depth": 5, "judgment": 4, "communication": 3},
            level="senior",
        ),
    )
    return a, b, c


def _expected_list(root, a, b, c):
    return "\n".join(
        [
            HEAD,
            f"20250106-100000-aaaa  2025-01-06 10:00  behavioral     mid         2 3 3 2 4  {mmss(a.duration):>8}",
            f"20250108-093000-bbbb  2025-01-08 09:30  system-design  -           - - - - -  {mmss(b.duration):>8}",
            f"20250110-180000-cccc  2025-01-10 18:00  senior-loop    senior      4 4 5 4 3  {mmss(c.duration):>8}",
            "",
            f"3 sessions in {root}. {FOOTER}",
            "",
        ]
    )


def test_sessions_lists_every_session_and_rebuilds_a_deleted_index(recordings, capsys):
    a, b, c = _three(recordings)
    assert main(["sessions", "--out", str(recordings)]) == 0
    first = capsys.readouterr().out
    assert first == _expected_list(recordings, a, b, c)

    path = index_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.unlink()
    assert main(["sessions", "--out", str(recordings)]) == 0
    assert capsys.readouterr().out == first
    assert path.exists()


def test_index_rereads_only_new_changed_and_removed_folders(recordings):
    a, b, c = _three(recordings)
    with SessionIndex() as index:
        assert index.refresh(recordings).read == 3
        again = index.refresh(recordings)
        assert (again.read, again.removed, again.unchanged) == (0, 0, 3)

        write_report(
            b.folder,
            make_report(
                {
                    "scope": 5,
                    "influence": 5,
                    "technical_depth": 5,
                    "judgment": 5,
                    "communication": 5,
                },
                level="staff",
            ),
        )
        changed = index.refresh(recordings)
        assert (changed.read, changed.unchanged) == (1, 2)
        row = {r.id: r for r in index.sessions(recordings)}["20250108-093000-bbbb"]
        assert row.level_verdict == "staff" and row.scores["scope"] == 5 and row.wpm == 140.0

        with open(a.folder / "session.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps({"type": "session_ended", "t": 999.0, "reason": "completed"}) + "\n")
        assert index.refresh(recordings).read == 1
        assert {r.id: r for r in index.sessions(recordings)}[
            "20250106-100000-aaaa"
        ].duration == 999.0

        shutil.rmtree(c.folder)
        make_session(
            recordings,
            "20250111-080000-dddd",
            STANDARD_TURNS[:1],
            started_at="2025-01-11T08:00:00+00:00",
            audio=False,
        )
        last = index.refresh(recordings)
        assert (last.read, last.removed, last.unchanged) == (1, 1, 2)
        assert [r.id for r in index.sessions(recordings)] == [
            "20250106-100000-aaaa",
            "20250108-093000-bbbb",
            "20250111-080000-dddd",
        ]


def test_index_keeps_roots_apart(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    make_session(one, "20250106-100000-aaaa", STANDARD_TURNS[:1], audio=False)
    make_session(two, "20250107-100000-bbbb", STANDARD_TURNS[:1], audio=False)
    with SessionIndex() as index:
        index.refresh(one)
        index.refresh(two)
        assert [r.id for r in index.sessions(one)] == ["20250106-100000-aaaa"]
        assert [r.id for r in index.sessions(two)] == ["20250107-100000-bbbb"]


def test_a_corrupt_index_file_is_rebuilt(recordings, capsys):
    a, b, c = _three(recordings)
    path = index_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 50)
    assert main(["sessions", "--out", str(recordings)]) == 0
    assert capsys.readouterr().out == _expected_list(recordings, a, b, c)


def test_unreadable_folders_are_listed_with_the_reason(recordings, capsys):
    good = make_session(recordings, "20250106-100000-aaaa", STANDARD_TURNS, audio=False)
    bad = recordings / "20250107-100000-bbbb"
    bad.mkdir()
    (bad / "session.jsonl").write_bytes(b"\x00\xff not json\n")
    broken_report = make_session(
        recordings,
        "20250108-100000-cccc",
        STANDARD_TURNS[:1],
        started_at="2025-01-08T10:00:00+00:00",
        audio=False,
    )
    (broken_report.folder / "report.json").write_text("{ half a report", encoding="utf-8")
    assert main(["sessions", "--out", str(recordings)]) == 0
    out = capsys.readouterr().out
    assert out == "\n".join(
        [
            HEAD,
            f"20250106-100000-aaaa  2025-01-06 10:00  behavioral     -           - - - - -  {mmss(good.duration):>8}",
            f"20250108-100000-cccc  2025-01-08 10:00  behavioral     -           - - - - -  {mmss(broken_report.duration):>8}",
            "20250107-100000-bbbb  -                 -              unreadable  - - - - -     00:00",
            "",
            f"3 sessions in {recordings}. {FOOTER}",
            "Could not read:",
            f"  20250108-100000-cccc: unreadable report: {broken_report.folder / 'report.json'}",
            f"  20250107-100000-bbbb: not a session: {bad / 'session.jsonl'} holds no readable events",
            "",
        ]
    )


def test_sessions_with_no_recordings_says_how_to_start(tmp_path, capsys):
    root = tmp_path / "nothing-here"
    assert main(["sessions", "--out", str(root)]) == 0
    assert (
        capsys.readouterr().out
        == f"No sessions in {root} yet. Start one with `voiceinterviewer practice`.\n"
    )


def test_sessions_show_prints_turns_and_the_report(recordings, capsys):
    report = make_report(
        {"scope": 4, "influence": 3, "technical_depth": 4, "judgment": 5, "communication": 4},
        level="senior",
        wpm=151.0,
        fillers_per_min=1.25,
    )
    report["overall"]["ladder_label"] = "L5"
    built = make_session(
        recordings, "20250106-100000-aaaa", STANDARD_TURNS, audio=False, report=report
    )
    assert main(["sessions", "show", "20250106-100000-aaaa", "--out", str(recordings)]) == 0
    out = capsys.readouterr().out
    with open(built.folder / "session.jsonl", encoding="utf-8") as f:
        events = [json.loads(line) for line in f]
    q_t = [e["t"] for e in events if e["type"] == "question"]
    assert out == "\n".join(
        [
            "Session 20250106-100000-aaaa",
            f"Folder:   {built.folder}",
            "Started:  2025-01-06 10:00",
            "Track:    behavioral (target level senior)",
            f"Duration: {mmss(built.duration)}, 3 turns, 2 answered",
            "",
            f"Turn 1 · greeting · [{mmss(q_t[0])}]",
            "  Interviewer: Hi, thanks for joining. Tell me about yourself.",
            "  You: I lead the payments platform team.",
            "",
            f"Turn 2 · question · [{mmss(q_t[1])}]",
            "  Interviewer: Tell me about a project where you changed the direction of your team.",
            "  You: I led the redesign of payment processing, which cut costs by two million dollars a year. We",
            "    moved to an event driven design. It opened three new markets for the business.",
            "",
            f"Turn 3 · closing · [{mmss(q_t[2])}]",
            "  Interviewer: Thanks, that is all I have for today.",
            "  (no answer)",
            "",
            "Report v1 (scorer: offline)",
            "  Verdict: senior (L5), target senior; signal lean-hire",
            "  Scope            4  scope justification",
            "  Influence        3  influence justification",
            "  Technical depth  4  technical_depth justification",
            "  Judgment         5  judgment justification",
            "  Communication    4  communication justification",
            "  Delivery: 151 words/min, 1.2 fillers/min",
            "  Tips:",
            "   - Lead with the business outcome.",
            "",
        ]
    )


def test_sessions_show_by_path_and_prefix_and_unknown(recordings, capsys):
    built = make_session(
        recordings,
        "20250106-100000-aaaa",
        [TurnSpec("Why not staff?", "I want more scope first.")],
        audio=False,
    )
    assert main(["sessions", "--out", str(recordings), "show", "20250106"]) == 0
    by_prefix = capsys.readouterr().out
    assert main(["sessions", "show", str(built.folder)]) == 0
    assert capsys.readouterr().out == by_prefix
    assert "No report yet (run `voiceinterviewer score ID`)." in by_prefix
    (built.folder / "report.json").write_text("[1, 2", encoding="utf-8")
    assert main(["sessions", "show", str(built.folder)]) == 0
    with_bad_report = capsys.readouterr().out
    assert with_bad_report.endswith(
        f"\n\nReport: unreadable report: {built.folder / 'report.json'}\n"
    )
    assert with_bad_report.startswith(by_prefix.rsplit("\n\n", 1)[0])
    assert main(["sessions", "show", "nope", "--out", str(recordings)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        captured.err
        == "voiceinterviewer: error: unknown session: nope (see `voiceinterviewer sessions`)\n"
    )


def test_an_old_index_is_migrated_and_refilled(recordings):
    make_session(
        recordings,
        "20250106-100000-aaaa",
        STANDARD_TURNS,
        audio=False,
        report=make_report(
            dict.fromkeys(
                ("scope", "influence", "technical_depth", "judgment", "communication"), 3
            ),
            wpm=123.0,
        ),
    )
    path = index_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    m001_sessions(db)
    db.execute("INSERT INTO _migrations VALUES ('m001_sessions', 'then')")
    db.execute(
        "INSERT INTO sessions (path, root, id, signature) VALUES (?, ?, ?, ?)",
        (
            str((recordings / "20250106-100000-aaaa").resolve()),
            str(recordings.resolve()),
            "20250106-100000-aaaa",
            "old",
        ),
    )
    db.commit()
    db.close()
    with SessionIndex() as index:
        assert applied_migrations(index.db) == [fn.__name__ for fn in MIGRATIONS]
        assert index.refresh(recordings).read == 1
        [row] = index.sessions(recordings)
    assert row.wpm == 123.0 and row.scores["judgment"] == 3 and row.turns == 3


@pytest.mark.parametrize("count", [200])
def test_listing_200_indexed_sessions_is_fast(recordings, capsys, count):
    for i in range(count):
        make_session(
            recordings,
            f"20250101-{i:06d}-x{i:03d}",
            STANDARD_TURNS[:2],
            started_at=f"2025-01-01T{i // 60 % 24:02d}:{i % 60:02d}:00+00:00",
            audio=False,
            report=make_report(
                dict.fromkeys(
                    ("scope", "influence", "technical_depth", "judgment", "communication"),
                    1 + i % 5,
                )
            ),
        )
    assert main(["sessions", "--out", str(recordings)]) == 0
    first = capsys.readouterr().out
    start = time.perf_counter()
    assert main(["sessions", "--out", str(recordings)]) == 0
    elapsed = time.perf_counter() - start
    assert capsys.readouterr().out == first
    assert first.count("\n") == count + 3
    assert elapsed < 0.5, f"listing {count} indexed sessions took {elapsed:.2f} s"
    os.utime(recordings / "20250101-000007-x007" / "session.jsonl", ns=(0, 0))
    with SessionIndex() as index:
        assert index.refresh(recordings).read == 1


# A readable index whose values have the wrong type: the index is a cache, so such rows are
# read again from their folders and the listing and the progress view stay right.
WRONG_TYPES = {
    "scope-text": "UPDATE sessions SET scope = 'abc'",
    "duration-text": "UPDATE sessions SET duration = 'x'",
    "turns-text": "UPDATE sessions SET turns = 'many'",
    "wpm-blob": "UPDATE sessions SET wpm = x'00ff'",
    "infinite-duration": "UPDATE sessions SET duration = 9e999",
    "verdict-blob": "UPDATE sessions SET level_verdict = x'00ff'",
    "path-number": "UPDATE sessions SET path = 7 WHERE id = '20250110-180000-cccc'",
    "track-blob": "UPDATE sessions SET track = x'01'",
    "version-text": "UPDATE sessions SET report_version = 'v1'",
    "signal-real": "UPDATE sessions SET signal = 1.5",
}


@pytest.mark.parametrize("name", sorted(WRONG_TYPES))
def test_rows_of_the_wrong_type_are_rebuilt_from_the_folders(recordings, capsys, name):
    a, b, c = _three(recordings)
    assert main(["sessions", "--out", str(recordings)]) == 0
    listing = capsys.readouterr().out
    assert main(["progress", "--out", str(recordings)]) == 0
    progress = capsys.readouterr().out
    db = sqlite3.connect(index_path())
    db.execute(WRONG_TYPES[name])
    db.commit()
    db.close()
    assert main(["sessions", "--out", str(recordings)]) == 0
    out, err = capsys.readouterr()
    assert out == listing and not err
    assert main(["progress", "--out", str(recordings), "--force"]) == 0
    out, err = capsys.readouterr()
    assert out == progress and not err
    with SessionIndex() as index:  # the rows were written again, with their own types
        rows = index.sessions(recordings)
    assert sorted(r.id for r in rows) == [a.id, b.id, c.id]
    assert all(isinstance(r.duration, float) and isinstance(r.turns, int) for r in rows)
