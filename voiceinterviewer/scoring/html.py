"""report.html: the whole report as one self-contained page next to the session's WAVs.

Design: one file, inline CSS and an inline SVG bar chart, no scripts, no
fonts, no external assets, so it opens from the folder (or an archive of it)
anywhere. A Content-Security-Policy allows only inline styles and local
media. Every piece of text that came from the session (candidate words,
questions, quotes, tips that may echo them) goes through :func:`html.escape`.
Each turn links its recording with ``<audio controls src="turn-01-...wav">``
(relative, and only for a plain file name that exists in the folder), and
evidence quotes are highlighted in the transcript with ``<mark>``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from voiceinterviewer.replay.notes import question_text, turn_notes
from voiceinterviewer.scoring.evidence import is_injection, sentences
from voiceinterviewer.scoring.markdown import DIMENSION_TITLES, score_text, stamp
from voiceinterviewer.scoring.report import DIMENSIONS, Report
from voiceinterviewer.session.record import SessionRecord

_SAFE_AUDIO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.(?:wav|flac|ogg|mp3)$")


def _topic_title(topic: str) -> str:
    from voiceinterviewer.scoring.feedback import topic_name

    name = topic_name(topic)
    return name[:1].upper() + name[1:]


CSS = """
:root{--ink:#1d2330;--muted:#5b6475;--line:#e3e6ec;--bg:#f6f7f9;--card:#fff;--accent:#3558d6;
--good:#1f8a4c;--warn:#b26a00;--bad:#b3261e}
*{box-sizing:border-box}body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--ink);background:var(--bg)}main{max-width:960px;margin:0 auto;padding:28px 20px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:0 0 12px}h3{font-size:16px;margin:0 0 6px}
.muted{color:var(--muted)}.card{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:18px 20px;margin:18px 0}.badges{display:flex;flex-wrap:wrap;gap:8px;margin-top:12px}
.badge{border-radius:999px;padding:3px 12px;font-weight:600;font-size:14px;background:#eef1f8}
.hire{background:#e3f4ea;color:var(--good)}.lean-hire{background:#fff3df;color:var(--warn)}
.no-hire{background:#fbe7e6;color:var(--bad)}.grid{display:grid;grid-template-columns:340px 1fr;gap:20px;
align-items:start}@media(max-width:760px){.grid{grid-template-columns:1fr}}
.dim{border-top:1px solid var(--line);padding:12px 0}.dim:first-of-type{border-top:0;padding-top:0}
.score{float:right;font-weight:700;color:var(--accent)}blockquote{margin:6px 0;padding:4px 12px;
border-left:3px solid #f0c541;background:#fffbea}.tip{margin:6px 0 0;color:#234}.tip b{color:var(--accent)}
ol.tips li{margin:6px 0}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:5px 8px;
border-bottom:1px solid var(--line);vertical-align:top}th{font-weight:600;color:var(--muted);width:38%}
.turn{border-top:1px solid var(--line);padding:12px 0}.who{font-weight:700}.who.you{color:var(--accent)}
.ts{font-family:ui-monospace,monospace;color:var(--muted);font-size:13px;margin-right:6px}
audio{display:block;width:100%;max-width:420px;height:34px;margin:6px 0}mark{background:#ffe58a;padding:0 2px}
ul.check{list-style:none;padding:0;columns:2;margin:8px 0}ul.check li{margin:2px 0}.yes{color:var(--good)}
.no{color:var(--bad)}.small{font-size:13px}del.ignored{color:var(--muted)}
del.ignored::after{content:" (ignored by the scorer)";font-size:12px;text-decoration:none;display:inline-block}
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _audio(folder: Path, name: str) -> str:
    if name and _SAFE_AUDIO.match(name) and (folder / name).is_file():
        return f'<audio controls preload="none" src="{esc(name)}"></audio>'
    return '<div class="small muted">(no recording)</div>'


def bar_chart(report: Report) -> str:
    """An inline SVG with one horizontal bar per dimension on a 0-5 scale."""
    row, label_w, bar_w = 34, 130, 170
    height = row * len(DIMENSIONS) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Scores by dimension" '
        f'width="{label_w + bar_w + 40}" height="{height}" viewBox="0 0 {label_w + bar_w + 40} {height}">'
    ]
    for i in range(6):
        x = label_w + bar_w * i / 5
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="#e3e6ec"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 4}" font-size="11" fill="#5b6475" text-anchor="middle">{i}</text>'
        )
    colours = {1: "#d9534f", 2: "#ec8b3a", 3: "#e6b422", 4: "#5bb974", 5: "#2f8f5b"}
    for i, name in enumerate(DIMENSIONS):
        dim = report.dimensions.get(name)
        score = dim.score if dim and dim.score is not None else 0
        y = i * row + 6
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="13" fill="#1d2330">{esc(DIMENSION_TITLES[name])}</text>'
        )
        parts.append(
            f'<rect class="bar" data-dimension="{name}" data-score="{score}" x="{label_w}" y="{y}" '
            f'width="{bar_w * score / 5:.1f}" height="20" rx="4" fill="{colours.get(score, "#999")}"/>'
        )
        parts.append(
            f'<text x="{label_w + bar_w * score / 5 + 6:.1f}" y="{y + 15}" font-size="13" font-weight="700" fill="#1d2330">{score or "not assessed"}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def highlight(text: str, quotes: list[str]) -> str:
    """``text`` escaped, quotes wrapped in ``<mark>``, sentences aimed at the scorer struck out."""
    spans: list[tuple[int, int]] = []
    ignored: set[tuple[int, int]] = set()
    for sentence in sentences(text):
        if is_injection(sentence.text):
            span = (sentence.start, sentence.start + len(sentence.text))
            spans.append(span)
            ignored.add(span)
    lowered = text.lower()
    for quote in sorted({q.strip() for q in quotes if q.strip()}, key=len, reverse=True):
        start = lowered.find(quote.lower())
        while start >= 0:
            end = start + len(quote)
            if not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
            start = lowered.find(quote.lower(), end)
    out, pos = [], 0
    for start, end in sorted(spans):
        out.append(esc(text[pos:start]))
        if (start, end) in ignored:
            out.append(
                f'<del class="ignored" title="ignored by the scorer">{esc(text[start:end])}</del>'
            )
        else:
            out.append(f"<mark>{esc(text[start:end])}</mark>")
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def _dimensions(report: Report) -> str:
    parts = []
    for name in DIMENSIONS:
        dim = report.dimensions.get(name)
        if dim is None:
            continue
        quotes = "".join(
            f'<blockquote>&ldquo;{esc(e.quote)}&rdquo; <span class="small muted">turn {e.turn}, {esc(stamp(e.t))}</span></blockquote>'
            for e in dim.evidence
        )
        parts.append(
            f'<div class="dim"><span class="score">{score_text(dim)}</span><h3>{esc(DIMENSION_TITLES[name])}</h3>'
            f"<div>{esc(dim.justification)}</div>{quotes}"
            f'<p class="tip"><b>Tip:</b> {esc(dim.tip)}</p></div>'
        )
    return "".join(parts)


def _delivery(report: Report) -> str:
    d = report.delivery
    fillers = ", ".join(f"{esc(k)} &times;{v}" for k, v in d.filler_counts.items()) or "none"
    pauses = (
        ", ".join(
            f"{p.duration:.1f} s at {esc(stamp(p.start))} (turn {p.turn})" for p in d.long_pauses
        )
        or "none"
    )
    lengths = (
        ", ".join(
            f"turn {t}: {s:.0f} s" + (" (over)" if t in d.over_time_box else "")
            for t, s in zip(d.answer_turns, d.answer_seconds, strict=False)
        )
        or "none"
    )
    rows = [
        ("Pace", f"{d.wpm:.0f} words a minute" + ("" if d.timed else " (estimated)")),
        ("Fillers", f"{d.fillers_per_min:.1f} a minute ({fillers})"),
        ("Long pauses (&gt; 2 s)", pauses),
        (f"Answer length (box {d.answer_time_box:.0f} s)", lengths),
        ("Talk time", f"{d.talk_time_ratio * 100:.0f}% of the session"),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<section class="card" id="delivery"><h2>Delivery</h2><table>{body}</table></section>'


def _questions(report: Report) -> str:
    parts = []
    for q in report.questions:
        check = ""
        if q.checklist is not None:
            items = "".join(
                f'<li class="{"yes" if q.checklist.get(t) else "no"}">{"&#10003;" if q.checklist.get(t) else "&#10007;"} '
                f'{esc(_topic_title(t))} <span class="small muted">{"covered" if q.checklist.get(t) else "missed"}</span></li>'
                for t in q.checklist
            )
            check = f'<ul class="check" data-checklist="{q.turn}">{items}</ul>'
        parts.append(
            f'<div class="turn"><h3>Turn {q.turn}: {esc(q.question)}</h3>'
            f'<div>{esc(q.summary)}</div><p class="tip">{esc(q.stronger_answer)}</p>{check}</div>'
        )
    if not parts:
        return ""
    return f'<section class="card" id="questions"><h2>Question by question</h2>{"".join(parts)}</section>'


def _transcript(record: SessionRecord, report: Report) -> str:
    quotes: dict[int, list[str]] = {}
    for dim in report.dimensions.values():
        for e in dim.evidence:
            quotes.setdefault(e.turn, []).append(e.quote)
    parts = []
    for turn in record.turns:
        q = turn.question
        parts.append(
            f'<div class="turn" id="turn-{turn.index}"><div><span class="ts">{esc(stamp(q.t))}</span>'
            f'<span class="who">Interviewer</span></div>{_audio(record.path, q.audio)}<div>{esc(question_text(q))}</div>'
        )
        a = turn.answer
        if a is not None:
            start = a.t + (a.words[0].start if a.words else a.speech_start)
            text = (
                highlight(a.text, quotes.get(turn.index, []))
                if a.text.strip()
                else "<i>(no words recognised)</i>"
            )
            parts.append(
                f'<div style="margin-top:10px"><span class="ts">{esc(stamp(start))}</span><span class="who you">You</span></div>'
                f"{_audio(record.path, a.audio)}<div>{text}</div>"
            )
        for cut in turn.cut_replies:
            parts.append(_audio(record.path, cut.audio))
        parts += [f'<div class="small muted">{esc(note)}</div>' for note in turn_notes(turn)]
        parts.append("</div>")
    return f'<section class="card" id="transcript"><h2>Transcript</h2>{"".join(parts)}</section>'


def render_html(record: SessionRecord, report: Report) -> str:
    o = report.overall
    label = f" ({o.ladder_label})" if o.ladder_label else ""
    scorer = f"{report.scorer.engine} ({report.scorer.model})"
    fallback = (
        f'<div class="small muted">The LLM scorer fell back to offline: {esc(report.scorer.fallback_reason)}</div>'
        if report.scorer.fallback_reason
        else ""
    )
    reasons = "".join(f"<li>{esc(r)}</li>" for r in o.reasons)
    tips = "".join(f"<li>{esc(t)}</li>" for t in report.tips)
    started = f" &middot; {esc(record.started_at)}" if record.started_at else ""
    csp = "default-src 'none'; style-src 'unsafe-inline'; media-src 'self' file:; img-src data:"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Interview report {esc(record.id)}</title><style>{CSS}</style></head>
<body><main>
<header><h1>Interview report</h1><div class="muted">Session {esc(record.id)}{started} &middot; scored by {esc(scorer)}, version {report.version}</div>{fallback}
<div class="badges"><span class="badge" id="level">Level: {esc(o.level)}{esc(label)}</span>
<span class="badge {esc(o.signal)}" id="signal">{esc(o.signal)} for {esc(o.target_level)}</span></div></header>
<section class="card grid" id="scores"><div>{bar_chart(report)}</div><div><h2>Why this level</h2><ul>{reasons}</ul>
<h2>Top tips</h2><ol class="tips">{tips}</ol></div></section>
<section class="card" id="dimensions"><h2>Scores and evidence</h2>{_dimensions(report)}</section>
{_delivery(report)}
{_questions(report)}
{_transcript(record, report)}
</main></body></html>
"""
