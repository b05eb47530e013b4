"""Progress across sessions: how each scored dimension and the delivery metrics moved.

Input is the session index (one row per session, oldest first); only sessions
with a report count. Each measure becomes a :class:`Series` of values per
scored session (None where a report lacks it), and a :class:`Trend`: first
and last value, and the least-squares slope per session, which is steadier
than last-minus-first when one session was an outlier. The slope is named
by what it means for that measure: a rising score is "improving", falling
fillers per minute is "improving", words per minute is only "faster" or
"slower" (a good pace is a range, not a direction).

The HTML page is self-contained (inline CSS and SVG, no scripts, no external
files): one line chart of the five scores on a fixed 1-5 scale, one each for
words and fillers per minute, and a table of the sessions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from voiceinterviewer.session.index import DIMENSIONS, IndexedSession

LABELS = {
    "scope": "Scope",
    "influence": "Influence",
    "technical_depth": "Technical depth",
    "judgment": "Judgment",
    "communication": "Communication",
    "wpm": "Words per minute",
    "fillers_per_min": "Fillers per minute",
}
# Which way is better: "higher", "lower", or "" (no better direction).
BETTER = {**{d: "higher" for d in DIMENSIONS}, "wpm": "", "fillers_per_min": "lower"}
# A fitted change across the sessions smaller than this reads as "steady".
STEADY = {**{d: 0.5 for d in DIMENSIONS}, "wpm": 8.0, "fillers_per_min": 0.5}
COLORS = {
    "scope": "#1f77b4",
    "influence": "#ff7f0e",
    "technical_depth": "#2ca02c",
    "judgment": "#d62728",
    "communication": "#9467bd",
    "wpm": "#17becf",
    "fillers_per_min": "#8c564b",
}


@dataclass
class Series:
    name: str
    values: list[float | None]  # one per scored session, oldest first

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    def points(self) -> list[tuple[int, float]]:
        return [(i, v) for i, v in enumerate(self.values) if v is not None]


@dataclass
class Trend:
    name: str
    first: float | None
    last: float | None
    slope: float | None  # change per session, least squares; None with fewer than 2 values
    word: str  # improving, slipping, steady, faster, slower, or "-" when there is too little data

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)


@dataclass
class Progress:
    sessions: list[IndexedSession]  # scored sessions, oldest first
    series: list[Series]
    trends: list[Trend]
    unscored: int = 0  # sessions without a report
    verdicts: list[str] = field(default_factory=list)


def slope(points: list[tuple[int, float]]) -> float | None:
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx


def trend_of(series: Series) -> Trend:
    points = series.points()
    first = points[0][1] if points else None
    last = points[-1][1] if points else None
    k = slope(points)
    if k is None:
        return Trend(series.name, first, last, None, "-")
    span = k * (points[-1][0] - points[0][0])
    better = BETTER.get(series.name, "")
    if abs(span) < STEADY.get(series.name, 0.5):
        word = "steady"
    elif not better:
        word = "faster" if span > 0 else "slower"
    else:
        word = "improving" if (span > 0) == (better == "higher") else "slipping"
    return Trend(series.name, first, last, k, word)


def build_progress(rows: list[IndexedSession]) -> Progress:
    scored = [r for r in rows if r.scored and not r.problem]
    series = [Series(d, [_f(r.scores.get(d)) for r in scored]) for d in DIMENSIONS]
    series.append(Series("wpm", [r.wpm for r in scored]))
    series.append(Series("fillers_per_min", [r.fillers_per_min for r in scored]))
    return Progress(
        sessions=scored,
        series=series,
        trends=[trend_of(s) for s in series],
        unscored=len(rows) - len(scored),
        verdicts=[r.level_verdict or "-" for r in scored],
    )


def _f(value: int | float | None) -> float | None:
    return float(value) if value is not None else None


def _num(value: float | None, name: str) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if name in DIMENSIONS or name == "wpm" else f"{value:.1f}"


def _slope_text(trend: Trend) -> str:
    if trend.slope is None:
        return trend.word
    digits = 1 if trend.name != "wpm" else 0
    return f"{trend.word} ({trend.slope:+.{digits}f} per session)"


def date_of(row: IndexedSession) -> str:
    return row.started_at[:10] if len(row.started_at) >= 10 else row.id[:8]


def format_table(progress: Progress) -> str:
    """The terminal view: one row per measure with first, last and trend."""
    n = len(progress.sessions)
    span = f"{date_of(progress.sessions[0])} to {date_of(progress.sessions[-1])}"
    lines = [f"Progress across {n} scored session{'s' if n != 1 else ''} ({span})", ""]
    lines.append(f"{'':<20}{'first':>6}{'last':>7}   trend")
    for trend in progress.trends:
        lines.append(
            f"{trend.label:<20}{_num(trend.first, trend.name):>6}{_num(trend.last, trend.name):>7}   {_slope_text(trend)}"
        )
    lines += ["", "Level verdicts, oldest first: " + ", ".join(progress.verdicts)]
    if progress.unscored:
        lines.append(
            f"{progress.unscored} session{'s' if progress.unscored != 1 else ''} without a report (score with `voiceinterviewer score ID`)"
        )
    return "\n".join(lines)


# Chart geometry (SVG user units).
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36


PAD = 20  # keeps the first and last points and their labels off the frame


def _x(i: int, n: int) -> float:
    inner = WIDTH - LEFT - RIGHT - 2 * PAD
    return LEFT + PAD + (inner / 2 if n <= 1 else inner * i / (n - 1))


def _y(v: float, lo: float, hi: float) -> float:
    inner = HEIGHT - TOP - BOTTOM
    return TOP + inner * (1 - (v - lo) / (hi - lo))


def _nice_step(span: float, parts: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) cutting ``span`` into about ``parts``."""
    raw = max(span / parts, 1e-9)
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def _axis(
    series: list[Series], fixed: tuple[float, float] | None
) -> tuple[float, float, list[float]]:
    """The y range and its tick values: ``fixed`` with whole-number ticks, else round numbers around the data."""
    if fixed:
        lo, hi = fixed
        return lo, hi, [float(v) for v in range(int(lo), int(hi) + 1)]
    values = [v for s in series for _, v in s.points()] or [0.0, 1.0]
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    step = _nice_step(hi - lo)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if lo < 0 <= min(values):
        lo = 0.0
    count = int(round((hi - lo) / step))
    return lo, hi, [round(lo + k * step, 6) for k in range(count + 1)]


def svg_chart(
    series: list[Series], dates: list[str], title: str, fixed: tuple[float, float] | None = None
) -> str:
    """A line chart of ``series`` over the sessions, with a y grid, date labels and a legend."""
    n = len(dates)
    lo, hi, ticks = _axis(series, fixed)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in ticks:
        y = _y(tick, lo, hi)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>'
        )
    every = max(1, -(-n // 10))
    for i, date in enumerate(dates):
        if i % every == 0 or i == n - 1:
            parts.append(
                f'<text class="tick" x="{_x(i, n):.1f}" y="{HEIGHT - 12}" text-anchor="middle">{escape(date[5:] or date)}</text>'
            )
    for s in series:
        points = s.points()
        if not points:
            continue
        color = COLORS.get(s.name, "#333")
        coords = " ".join(f"{_x(i, n):.1f},{_y(v, lo, hi):.1f}" for i, v in points)
        parts.append(
            f'<polyline data-series="{s.name}" fill="none" stroke="{color}" stroke-width="2" points="{coords}"/>'
        )
        for i, v in points:
            parts.append(
                f'<circle cx="{_x(i, n):.1f}" cy="{_y(v, lo, hi):.1f}" r="3.5" fill="{color}">'
                f"<title>{escape(s.label)} {v:g} ({escape(dates[i])})</title></circle>"
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><span class="swatch" style="background:{COLORS.get(s.name, "#333")}"></span>{escape(s.label)}</span>'
        for s in series
    )
    return f'<figure><figcaption>{escape(title)}</figcaption>{"".join(parts)}<div class="legend">{legend}</div></figure>'


CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 780px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.4rem; } figure { margin: 1.5rem 0; } figcaption { font-weight: 600; margin-bottom: .3rem; }
svg { width: 100%; height: auto; background: #fcfcfc; border: 1px solid #e5e5e5; }
.grid { stroke: #e5e5e5; } .tick { font-size: 11px; fill: #666; }
.legend { font-size: 13px; margin-top: .3rem; } .key { margin-right: 1rem; white-space: nowrap; }
.swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; } th, td { padding: .25rem .5rem; border-bottom: 1px solid #eee; text-align: left; }
td { white-space: nowrap; } td.n { text-align: right; font-variant-numeric: tabular-nums; } .scroll { overflow-x: auto; }
"""


def render_html(progress: Progress) -> str:
    """The progress page: three charts, the trend table and the sessions table, in one file."""
    dates = [date_of(r) for r in progress.sessions]
    by_name = {s.name: s for s in progress.series}
    charts = [
        svg_chart(
            [by_name[d] for d in DIMENSIONS], dates, "Scores by dimension (1-5)", fixed=(1.0, 5.0)
        ),
        svg_chart([by_name["wpm"]], dates, "Words per minute"),
        svg_chart([by_name["fillers_per_min"]], dates, "Fillers per minute"),
    ]
    trend_rows = "".join(
        f"<tr><td>{escape(t.label)}</td><td class='n'>{_num(t.first, t.name)}</td>"
        f"<td class='n'>{_num(t.last, t.name)}</td><td>{escape(_slope_text(t))}</td></tr>"
        for t in progress.trends
    )
    session_rows = []
    for row, date in zip(progress.sessions, dates, strict=True):
        scores = "".join(f"<td class='n'>{_num(_f(row.scores.get(d)), d)}</td>" for d in DIMENSIONS)
        session_rows.append(
            f"<tr><td>{escape(date)}</td><td>{escape(row.id)}</td><td>{escape(row.track)}</td>"
            f"<td>{escape(row.level_verdict or '-')}</td>{scores}"
            f"<td class='n'>{_num(row.wpm, 'wpm')}</td><td class='n'>{_num(row.fillers_per_min, 'fillers_per_min')}</td></tr>"
        )
    heads = "".join(f"<th title='{escape(LABELS[d])}'>{d[0].upper()}</th>" for d in DIMENSIONS)
    key = "<p>S, I, T, J, C: scope, influence, technical depth, judgment, communication (1-5).</p>"
    unscored = (
        f"<p>{progress.unscored} more session(s) have no report yet.</p>"
        if progress.unscored
        else ""
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Interview practice progress</title><style>{CSS}</style></head><body>"
        f"<h1>Interview practice progress</h1><p>{len(progress.sessions)} scored sessions, "
        f"{escape(dates[0])} to {escape(dates[-1])}.</p>{unscored}"
        + "".join(charts)
        + "<h2>Trends</h2><table><tr><th>Measure</th><th>First</th><th>Last</th><th>Trend</th></tr>"
        + trend_rows
        + "</table><h2>Sessions</h2><div class='scroll'><table><tr><th>Date</th><th>Session</th><th>Track</th><th>Verdict</th>"
        + heads
        + "<th>WPM</th><th>Fillers/min</th></tr>"
        + "".join(session_rows)
        + "</table></div>"
        + key
        + "</body></html>\n"
    )
