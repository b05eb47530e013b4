"""Report files: the schema round trip, versioned writes, transcript.md, the journal event, the CLI."""

from __future__ import annotations

import json
import stat

import pytest
from scoring_helpers import (
    DESIGN_GOOD,
    DESIGN_QUESTION,
    MID,
    QUESTION,
    SENIOR,
    Exchange,
    timed_words,
    write_session,
)

from voiceinterviewer.cli import main
from voiceinterviewer.errors import UserError
from voiceinterviewer.scoring.base import ScoreOptions
from voiceinterviewer.scoring.offline import OfflineScorer
from voiceinterviewer.scoring.report import SCHEMA, Report
from voiceinterviewer.scoring.report_files import load_report, report_versions, write_report
from voiceinterviewer.scoring.run import score_session
from voiceinterviewer.session.journal import load_journal
from voiceinterviewer.session.record import load_session


def session(tmp_path, name="20240501-100000-ab12"):
    return write_session(
        tmp_path / name,
        [
            Exchange(
                "Hi, tell me about yourself.",
                "I build payment systems.",
                kind="greeting",
                track="intro",
            ),
            Exchange(QUESTION, SENIOR, words=timed_words(SENIOR, pauses={12: 2.5})),
            Exchange(DESIGN_QUESTION, DESIGN_GOOD, track="system-design"),
            Exchange("Any questions for me?", "No, thank you.", kind="closing", track=""),
        ],
    ).folder


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_report_round_trips_through_json(tmp_path):
    report = OfflineScorer().score(load_session(session(tmp_path)), ScoreOptions(ladder="google"))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["schema"] == SCHEMA
    assert set(data["dimensions"]) == {
        "scope",
        "influence",
        "technical_depth",
        "judgment",
        "communication",
    }
    assert set(data["overall"]) >= {"level", "ladder_label", "reasons", "signal", "target_level"}
    assert set(data["delivery"]) >= {
        "wpm",
        "fillers_per_min",
        "filler_counts",
        "long_pauses",
        "answer_seconds",
        "talk_time_ratio",
    }
    assert Report.from_dict(data) == report
    assert Report.from_dict(data).to_dict() == data


def test_from_dict_refuses_other_schemas_and_tolerates_gaps():
    with pytest.raises(UserError):
        Report.from_dict({"schema": "something/2"})
    with pytest.raises(UserError):
        Report.from_dict([1, 2])
    sparse = Report.from_dict(
        {"schema": SCHEMA, "session_id": "x", "dimensions": {"scope": {"score": 4}}}
    )
    assert sparse.dimensions["scope"].score == 4 and sparse.dimensions["scope"].evidence == []
    assert sparse.overall.level == "below-mid" and sparse.delivery.wpm == 0.0


def test_versions_increase_and_old_reports_are_kept(tmp_path):
    folder = session(tmp_path)
    record = load_session(folder)
    written = []
    for model in ("a", "b", "c"):
        report = OfflineScorer().score(record, ScoreOptions())
        report.scorer.model = model
        path = write_report(folder, report)
        written.append(report.version)
    assert written == [1, 2, 3]
    assert load_report(path).version == 3 and load_report(path).scorer.model == "c"
    assert report_versions(folder) == [1, 2]
    for version, model in ((1, "a"), (2, "b")):
        old = load_report(folder / "reports" / f"report-v{version}.json")
        assert (old.version, old.scorer.model) == (version, model)
    assert mode(path) == 0o600
    assert mode(folder / "reports") == 0o700
    assert all(mode(p) == 0o600 for p in (folder / "reports").iterdir())


def test_an_unreadable_report_is_archived_not_lost(tmp_path):
    folder = session(tmp_path)
    (folder / "report.json").write_text("{ torn")
    report = OfflineScorer().score(load_session(folder), ScoreOptions())
    write_report(folder, report)
    assert report.version == 2
    assert (folder / "reports" / "report-v1.json").read_text() == "{ torn"
    # an earlier write that archived v2 but stopped before the swap is not archived twice
    (folder / "reports" / "report-v2.json").write_text((folder / "report.json").read_text())
    write_report(folder, OfflineScorer().score(load_session(folder), ScoreOptions()))
    assert report_versions(folder) == [1, 2]
    assert load_report(folder / "report.json").version == 3


def test_score_session_writes_everything_and_journals_it(tmp_path):
    folder = session(tmp_path)
    result = score_session(folder, score_model="offline")
    report, paths = result
    assert paths.json == folder / "report.json" and paths.markdown.exists() and paths.html.exists()
    for p in (paths.json, paths.markdown, paths.html):
        assert mode(p) == 0o600
    assert load_report(paths.json) == report
    assert (
        report.overall.target_level == "senior" and report.overall.ladder_label == "L5"
    )  # from the session
    events = load_journal(folder / "session.jsonl").events
    written = [e for e in events if e["type"] == "report_written"]
    assert written and written[-1]["version"] == 1 and written[-1]["path"] == "report.json"
    assert written[-1]["engine"] == "offline"
    again = score_session(folder, score_model="offline", level="staff", ladder="meta")
    assert again.report.version == 2 and again.report.overall.target_level == "staff"
    assert again.report.overall.ladder_label.startswith("E")
    assert [
        e["version"]
        for e in load_journal(folder / "session.jsonl").events
        if e["type"] == "report_written"
    ] == [1, 2]
    assert len(load_session(folder).turns) == 4  # the journal still loads as a session


def test_summary_has_scores_level_and_three_tips(tmp_path):
    result = score_session(session(tmp_path), score_model="offline")
    text = result.summary
    assert result.report.overall.level in text
    for title in ("Scope", "Influence", "Technical depth", "Judgment", "Communication"):
        assert title in text
    assert "3." in text and "4." not in text
    assert result.report.tips[0] in text and result.report.tips[3] not in text


def test_transcript_markdown_is_labelled_and_timestamped(tmp_path):
    folder = session(tmp_path)
    result = score_session(folder, score_model="offline")
    md = result.paths.markdown.read_text()
    record = load_session(folder)
    assert md.count("Interviewer:**") == 4 and md.count("You:**") == 4
    answer = record.turns[1].answer
    start = int(answer.t + answer.words[0].start)
    assert f"**[{start // 60:02d}:{start % 60:02d}] You:** At my last company" in md
    assert "## Scores" in md and "## Tips" in md
    assert f"{result.report.dimensions['scope'].score}/5" in md
    assert result.report.tips[0] in md
    assert result.report.overall.level in md


def test_markdown_escapes_html(tmp_path):
    folder = write_session(
        tmp_path / "s", [Exchange(QUESTION, MID + " <img src=x onerror=alert(1)>")]
    ).folder
    md = score_session(folder, score_model="offline").paths.markdown.read_text()
    assert "<img" not in md and "&lt;img" in md


def test_cli_scores_one_session_by_id(tmp_path, capsys):
    root = tmp_path / "recordings"
    folder = session(root, "20240501-100000-ab12")
    assert main(["score", "20240501-100000", "--out", str(root)]) == 0
    out = capsys.readouterr().out
    assert "Scope" in out and str(folder / "report.html") in out
    assert (folder / "report.json").exists()


def test_cli_scores_a_folder_of_sessions_with_progress(tmp_path, capsys):
    root = tmp_path / "recordings"
    folders = [session(root, f"20240501-10000{i}-ab1{i}") for i in range(3)]
    assert main(["score", str(root), "--jobs", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("/3]") == 3
    assert captured.out.count("Top tips:") == 3
    assert all((f / "report.json").exists() for f in folders)


def test_cli_errors_are_one_line(tmp_path, capsys):
    root = tmp_path / "recordings"
    root.mkdir()
    assert main(["score", "nope", "--out", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown session" in err
    (root / "empty").mkdir()
    assert main(["score", str(root / "empty")]) == 2
    assert "no sessions" in capsys.readouterr().err


def test_cli_carries_on_past_a_broken_session(tmp_path, capsys):
    root = tmp_path / "recordings"
    good = session(root, "20240501-100000-aaaa")
    bad = root / "20240501-100001-bbbb"
    bad.mkdir()
    (bad / "session.jsonl").write_text("not json\n")
    assert main(["score", str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "bbbb: error:" in captured.err and "Top tips:" in captured.out
