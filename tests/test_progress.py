"""`voiceinterviewer progress`: first/last/trend per measure and a self-contained HTML chart page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from session_factory import STANDARD_TURNS, make_report, make_session

from voiceinterviewer.cli import main
from voiceinterviewer.replay.progress import Series, trend_of

DIMS = ("scope", "influence", "technical_depth", "judgment", "communication")
# (scope..judgment, communication, wpm, fillers/min, verdict) per session, oldest first
HISTORY = [
    (2, 5, 118.0, 6.5, "mid"),
    (3, 4, 126.0, 5.0, "mid"),
    (3, 3, 135.0, 3.25, "senior"),
    (4, 2, 142.0, 2.0, "senior"),
]


@pytest.fixture
def history(recordings):
    for i, (score, comm, wpm, fillers, level) in enumerate(HISTORY):
        scores = {d: score for d in DIMS} | {"communication": comm}
        make_session(
            recordings,
            f"2025010{i + 1}-100000-aaa{i}",
            STANDARD_TURNS[:2],
            started_at=f"2025-01-0{i + 1}T10:00:00+00:00",
            audio=False,
            report=make_report(scores, level=level, wpm=wpm, fillers_per_min=fillers),
        )
    make_session(
        recordings,
        "20250109-100000-bbbb",
        STANDARD_TURNS[:1],
        started_at="2025-01-09T10:00:00+00:00",
        audio=False,
    )
    return recordings


def test_progress_table_and_default_html_page(history, capsys):
    assert main(["progress", "--out", str(history)]) == 0
    page = history / "progress.html"
    assert capsys.readouterr().out == "\n".join(
        [
            "Progress across 4 scored sessions (2025-01-01 to 2025-01-04)",
            "",
            "                     first   last   trend",
            "Scope                    2      4   improving (+0.6 per session)",
            "Influence                2      4   improving (+0.6 per session)",
            "Technical depth          2      4   improving (+0.6 per session)",
            "Judgment                 2      4   improving (+0.6 per session)",
            "Communication            5      2   slipping (-1.0 per session)",
            "Words per minute       118    142   faster (+8 per session)",
            "Fillers per minute     6.5    2.0   improving (-1.5 per session)",
            "",
            "Level verdicts, oldest first: mid, mid, senior, senior",
            "1 session without a report (score with `voiceinterviewer score ID`)",
            f"Chart: {page}",
            "",
        ]
    )
    html = page.read_text(encoding="utf-8")
    parsed = PageParser()
    parsed.feed(html)
    assert parsed.external == [] and parsed.scripts == 0
    assert parsed.svgs == 3
    lines = dict(parsed.polylines)
    assert sorted(lines) == sorted([*DIMS, "wpm", "fillers_per_min"])
    for name, points in lines.items():
        assert len(points) == 4, name
        xs = [x for x, _ in points]
        assert xs == sorted(xs)
    # Higher values sit higher on the chart (smaller y in SVG).
    assert _ys(lines["scope"]) == sorted(_ys(lines["scope"]), reverse=True)
    assert _ys(lines["communication"]) == sorted(_ys(lines["communication"]))
    assert _ys(lines["wpm"])[0] > _ys(lines["wpm"])[-1]
    assert _ys(lines["fillers_per_min"])[0] < _ys(lines["fillers_per_min"])[-1]
    for row_id in ("20250101-100000-aaa0", "20250104-100000-aaa3"):
        assert row_id in html
    assert "20250109-100000-bbbb" not in html


def _ys(points):
    return [y for _, y in points]


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external, self.scripts, self.svgs, self.polylines = [], 0, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if key in attrs:
                self.external.append(attrs[key])
        if tag == "link":
            self.external.append(str(attrs))
        self.scripts += tag == "script"
        self.svgs += tag == "svg"
        if tag == "polyline":
            pts = [tuple(float(v) for v in p.split(",")) for p in attrs["points"].split()]
            self.polylines.append((attrs["data-series"], pts))


def test_progress_writes_the_page_where_asked(history, capsys, tmp_path):
    target = tmp_path / "mine.html"
    assert main(["progress", "--out", str(history), "--html", str(target)]) == 0
    assert capsys.readouterr().out.endswith(f"Chart: {target}\n")
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not (history / "progress.html").exists()


def test_progress_without_scored_sessions_writes_nothing(recordings, capsys):
    make_session(recordings, "20250109-100000-bbbb", STANDARD_TURNS[:1], audio=False)
    assert main(["progress", "--out", str(recordings)]) == 0
    assert capsys.readouterr().out == (
        f"No scored sessions in {recordings} yet (1 without a report: score them with `voiceinterviewer score ID`).\n"
    )
    assert not (recordings / "progress.html").exists()


def test_a_single_session_has_no_trend_yet(recordings, capsys):
    make_session(
        recordings,
        "20250101-100000-aaaa",
        STANDARD_TURNS[:1],
        audio=False,
        report=make_report(dict.fromkeys(DIMS, 3)),
    )
    assert main(["progress", "--out", str(recordings)]) == 0
    out = capsys.readouterr().out
    assert "Scope                    3      3   -\n" in out
    assert re.search(
        r'points="[\d.]+,[\d.]+"', (recordings / "progress.html").read_text(encoding="utf-8")
    )


@pytest.mark.parametrize(
    ("name", "values", "word"),
    [
        ("scope", [3, 2, 3, 3], "steady"),
        ("scope", [2, 2, 2, 3], "improving"),
        ("scope", [4, 3, 2, 2], "slipping"),
        ("fillers_per_min", [2.0, 3.0, 4.5], "slipping"),
        ("fillers_per_min", [6.0, None, 2.0], "improving"),
        ("wpm", [160.0, 150.0, 130.0], "slower"),
        ("wpm", [130.0, 134.0, 132.0], "steady"),
    ],
)
def test_trend_words_follow_which_way_is_better(name, values, word):
    trend = trend_of(Series(name, values))
    assert trend.word == word
    assert trend.first == values[0] and trend.last == values[-1]
