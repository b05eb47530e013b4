"""What a bench run measured: latency, talking over, barge-ins, lost words, cost.

``analyse`` puts the microphone and speaker recordings on one clock (the marker tone
both heard) and reads them against the journal; see bench/README.md for each key.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from bench.frames import (
    FRAME,
    RATE,
    events,
    locate,
    marker,
    percentiles,
    quiet_after,
    runs,
    voiced_frames,
)
from bench.words import model_floor, speech_outside_answers, word_loss


def analyse(items: list[dict], run: dict) -> dict:
    from dataclasses import asdict

    from voiceinterviewer.audio.glitches import GlitchCounts

    mic, spk = run["mic"], run["spk"]
    offset = marker(mic) - marker(spk)  # spk sample s is mic sample s + offset
    spk_voiced = voiced_frames(spk)
    n = len(voiced_frames(mic))
    interviewer = np.zeros(n, dtype=bool)
    shift = offset // FRAME
    for f in np.flatnonzero(spk_voiced):
        if 0 <= f + shift < n:
            interviewer[f + shift] = True
    after_marker = (marker(mic) // FRAME) + 40
    interviewer[:after_marker] = False
    candidate = np.zeros(n, dtype=bool)
    per_answer = []
    evs = events(run["folder"])
    q1 = next((e for e in evs if e["type"] == "question"), None)
    first_q = np.flatnonzero(interviewer)
    # journal time -> mic-recording frame: the first question started playing at its first sound
    j2f = (first_q[0] - q1["t"] * 100) if q1 is not None and len(first_q) else None
    resume_stops = []
    for play in run["plays"]:
        item = items[play["index"]]
        clip = item["segments"][play["part"]]["samples"]
        approx = marker(mic) + int((play["t_play"] - run["t_marker"]) * RATE)
        at = locate(mic, clip, approx, 2 * RATE)
        own = voiced_frames(clip, 0.002)
        f0 = at // FRAME
        idx = np.flatnonzero(own)
        if not len(idx):
            continue
        for f in idx:
            if f0 + f < n:
                candidate[f0 + f] = True
        end = f0 + idx[-1] + 1
        if play["part"]:  # went on over the reply: how long until the interviewer was quiet
            onset = f0 + idx[0]
            if interviewer[max(0, onset - 5) : onset + 5].any():
                resume_stops.append(quiet_after(interviewer, onset) * 10.0)
            continue
        after = np.flatnonzero(interviewer[end + 2 :])
        latency = float((after[0] + 2) * 10.0) if len(after) else None
        span = slice(f0 + idx[0], end)
        both = candidate[span] & interviewer[span]
        episodes = [len(g) * 10.0 for g in runs(list(np.flatnonzero(both)))]
        per_answer.append({"kind": item["kind"], "latency_ms": latency, "talk_over_ms": episodes,
                           "pauses": item["pauses"]})  # fmt: skip
    # talk-over: episodes where both spoke, merged when less than 300 ms apart
    both_all = candidate & interviewer
    episodes = []
    for g in runs(list(np.flatnonzero(both_all))):
        if episodes and g[0] - episodes[-1][1] < 30:
            episodes[-1][1] = g[-1]
        else:
            episodes.append([g[0], g[-1]])
    talk_over = [float(np.sum(both_all[a : b + 1]) * 10.0) for a, b in episodes]
    barge = [e for e in evs if e["type"] == "barge_in"]
    false_barge = []
    for e in barge:
        if j2f is None:
            continue
        f = int(j2f + e.get("heard_at", e["t"]) * 100)  # when the voice paused it
        if not candidate[max(0, f - 250) : f + 20].any():
            false_barge.append({k: e.get(k) for k in ("t", "turn", "outcome", "text", "played_s")})
    questions = [e for e in evs if e["type"] == "question"]
    processing = [q["latency_ms"] for q in questions if q.get("latency_ms") is not None]
    complete = [p["latency_ms"] for p in per_answer if p["kind"] == "complete" and p["latency_ms"]]
    answers = [e for e in evs if e["type"] == "answer"]
    return {
        "response_latency_ms": percentiles(complete),
        "processing_latency_ms": percentiles(processing),
        "talk_over_ms": percentiles(talk_over),
        "talk_over_episodes_ms": talk_over,  # each, in session order: which one made the p95
        "resume_stop_ms": percentiles(resume_stops),
        "resume_stops_ms": resume_stops,
        "resumes_over_reply": len(resume_stops),
        # how long after its capture the block that paused the interviewer was read: a
        # listener behind the microphone talks over the candidate for that much longer
        "pause_behind_ms": percentiles([e["behind_ms"] for e in barge if "behind_ms" in e]),
        "false_barge_ins": {
            "n": len(false_barge),
            "interviewer_turns": len(questions),
            "barge_ins": len(barge),
            "examples": false_barge[:5],
        },  # fmt: skip
        **word_loss(items, evs, model_floor(items, run["folder"]) if run["folder"] else None),
        "speech_outside_answers_s": speech_outside_answers(items, run["plays"], run["folder"]),
        "end_reasons": {
            r: sum(1 for a in answers if a.get("end_reason") == r)
            for r in sorted({a.get("end_reason") for a in answers if a.get("end_reason")})
        },
        # the devices' running totals at their last entry: the speaker ran dry, the
        # microphone dropped audio, the echo's reference was re-paired
        "audio_glitches": next(
            (
                {k: e.get(k, 0) for k in asdict(GlitchCounts())}
                for e in reversed(evs)
                if e["type"] == "audio_glitch"
            ),
            asdict(GlitchCounts()),
        ),
        "reply_cuts": sum(1 for e in evs if e["type"] == "reply_cut"),
        "interrupted_questions": sum(1 for q in questions if q.get("interrupted")),
        # the marker reached the mic recording at t_marker; the process started t_start
        "startup_to_first_question_s": round(
            first_q[0] / 100.0 - marker(mic) / RATE - (run["t_start"] - run["t_marker"]), 2
        )
        if len(first_q)
        else None,
        "idle_listening_cpu_core_pct": round(100 * run["idle_cpu"], 1)
        if run["idle_cpu"] is not None
        else None,
        "peak_rss_mb": round(run["rss"], 1),
        "per_answer": per_answer,
    }


def stt_rtf(folder: Path) -> dict:
    from voiceinterviewer.audio.wavfile import read_audio
    from voiceinterviewer.stt.whisper import load_transcriber

    transcriber = load_transcriber("tiny.en")
    transcriber.warm_up()
    clips = [read_audio(p) for p in sorted(folder.glob("turn-*-candidate.wav"))]
    total = sum(c.duration for c in clips)
    t = time.monotonic()
    for clip in clips:
        transcriber.transcribe(clip)
    elapsed = time.monotonic() - t
    return {"stt_rtf": round(elapsed / total, 4) if total else None, "stt_audio_s": round(total, 1)}
