"""transcript.md: the interview as a readable, speaker-labelled, timestamped transcript.

Each utterance is ``**[mm:ss] Interviewer:**`` or ``**[mm:ss] You:**`` (time since
the session started: when the question began playing, when the answer's
speech began), followed by the scores, the level, the tips and the delivery
figures. Candidate text is kept as spoken; only ``<``, ``>`` and ``&`` are
escaped so a Markdown viewer never renders it as HTML.
"""

from __future__ import annotations

from voiceinterviewer.replay.notes import question_text, turn_notes
from voiceinterviewer.scoring.report import DIMENSIONS, DimensionScore, Report
from voiceinterviewer.session.record import SessionRecord

DIMENSION_TITLES = {
    "scope": "Scope",
    "influence": "Influence",
    "technical_depth": "Technical depth",
    "judgment": "Judgment",
    "communication": "Communication",
}


def stamp(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"[{s // 60:02d}:{s % 60:02d}]"


def _md(text: str) -> str:
    return " ".join(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split())


def score_text(dim: DimensionScore) -> str:
    """ "4/5", or "not assessed" for a dimension the session did not test."""
    return f"{dim.score}/5" if dim.assessed and dim.score is not None else "not assessed"


def level_line(report: Report) -> str:
    o = report.overall
    label = f" ({o.ladder_label})" if o.ladder_label else ""
    return f"{o.level}{label}; signal for {o.target_level}: {o.signal}"


def render_transcript(record: SessionRecord, report: Report) -> str:
    lines = [f"# Interview transcript: {record.id}", ""]
    facts = []
    if record.started_at:
        facts.append(f"started {record.started_at}")
    track = record.settings.get("track")
    if isinstance(track, str) and track:
        facts.append(f"track {track}")
    facts.append(f"target {report.overall.target_level}")
    facts.append(f"length {stamp(record.duration)[1:-1]}")
    lines += [", ".join(facts), ""]
    for turn in record.turns:
        q = turn.question
        lines += [f"**{stamp(q.t)} Interviewer:** {_md(question_text(q))}", ""]
        a = turn.answer
        if a is not None:
            start = a.t + (a.words[0].start if a.words else a.speech_start)
            text = _md(a.text) if a.text.strip() else "_(no words recognised)_"
            lines += [f"**{stamp(start)} You:** {text}", ""]
        lines += [f"_{_md(note)}_" for note in turn_notes(turn)] + (
            [""] if turn_notes(turn) else []
        )
    lines += ["---", "", "## Scores", "", "| Dimension | Score | Why |", "|---|---|---|"]
    for name in DIMENSIONS:
        dim = report.dimensions.get(name)
        if dim is None:
            continue
        why = _md(dim.justification).replace("|", "\\|")
        lines.append(f"| {DIMENSION_TITLES[name]} | {score_text(dim)} | {why} |")
    lines += ["", f"**Level:** {level_line(report)}", ""]
    for reason in report.overall.reasons:
        lines.append(f"- {_md(reason)}")
    if report.overall.reasons:
        lines.append("")
    if report.tips:
        lines += ["## Tips", ""]
        lines += [f"{i}. {_md(tip)}" for i, tip in enumerate(report.tips, start=1)]
        lines.append("")
    d = report.delivery
    lines += [
        "## Delivery",
        "",
        f"- Pace: {d.wpm:.0f} words a minute"
        + ("" if d.timed else " (estimated, no word timings)"),
        f"- Fillers: {d.fillers_per_min:.1f} a minute"
        + (
            " (" + ", ".join(f"{k} x{v}" for k, v in d.filler_counts.items()) + ")"
            if d.filler_counts
            else ""
        ),
        f"- Long pauses (over 2 s): {len(d.long_pauses)}",
        f"- Talk time: {d.talk_time_ratio * 100:.0f}% of the session",
    ]
    if d.over_time_box:
        lines.append(
            f"- Over the {d.answer_time_box:.0f} s time box: turns {', '.join(map(str, d.over_time_box))}"
        )
    lines += [
        "",
        f"_Scored by {report.scorer.engine} ({report.scorer.model}), report version {report.version}._",
        "",
    ]
    if report.scorer.fallback_reason:
        lines.insert(
            -1, f"_The LLM scorer fell back to offline: {_md(report.scorer.fallback_reason)}._"
        )
    return "\n".join(lines)
