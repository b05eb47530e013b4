"""Recorded sessions for scoring tests, built directly: session.jsonl events and WAV files.

``write_session(folder, [Exchange(...), ...])`` writes a format-2 journal with a
question and an answer event per exchange, timings laid out one after the
other, and (optionally) short WAVs for both speakers. ``timed_words`` gives
word timings at a known pace with chosen pauses, so delivery metrics have an
exact expected value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.audio.wavfile import write_wav

VAGUE = (
    "I worked on a lot of things at my last job. It was pretty interesting and I learned a lot. "
    "We did some backend stuff and it went well overall."
)
MID = (
    "At my last company our checkout API was slow. I profiled the service, found an N+1 query, "
    "and added a Redis cache in front of the product lookups. As a result I reduced p99 latency "
    "by 20%, from 400 ms to 320 ms."
)
SENIOR = (
    "At my last company payment processing was split across three legacy services. I led the "
    "redesign of payment processing with product, finance and two other teams. We considered "
    "patching the old services but chose a single ledger service over incremental fixes because "
    "reconciliation errors kept growing. I wrote the design doc and aligned the stakeholders. "
    "As a result we cut costs by $2M a year and opened 3 new markets."
)
STAFF = (
    "As the staff engineer for payments, I set the multi-year platform strategy across 6 teams "
    "and the 80 engineer org. I wrote the roadmap with product and finance leadership and aligned "
    "the VPs on it. I mentored three senior engineers who became tech leads and now run the "
    "ledger, risk and payouts teams. We considered buying a vendor platform instead of building, "
    "and chose to build the core ledger because of compliance. The strategy cut processing costs "
    "by $12M a year and opened 9 new markets."
)
SENIOR_NO_NUMBERS = (
    "At my last company payment processing was split across several legacy services. I led the "
    "redesign of payment processing with product, finance and other teams. We considered "
    "patching the old services but chose a single ledger service over incremental fixes because "
    "reconciliation errors kept growing. I wrote the design doc and aligned the stakeholders. "
    "As a result we cut costs and opened new markets."
)
DESIGN_GOOD = (
    "First the requirements: shorten URLs and redirect, read-heavy, 100 million new links a "
    "month. Back of the envelope that is about 40 writes per second and 4000 reads per second "
    "at peak, and 5 TB of storage over five years. The API is a POST to create a short link "
    "and a GET that redirects. The data model is a key-value table from short code to long URL. "
    "We shard by a hash of the short code with consistent hashing, and put a Redis cache in "
    "front for hot links with an LRU eviction. Each shard has a leader and two replicas, and "
    "failover uses leader election through etcd. The web tier is stateless behind a load "
    "balancer, so it scales horizontally. If the cache fails we fall back to the database and "
    "shed load. We monitor p99 latency and the error rate and alert on both. I chose base62 "
    "codes over hashing the URL because collisions would need retries."
)
DESIGN_THIN = "I would use a server and a database. The server saves the URL and returns a code."
QUESTION = "Tell me about a project where you had the most impact."
DESIGN_QUESTION = "Design a URL shortener like bit.ly."


@dataclass
class Exchange:
    question: str
    answer: str | None
    kind: str = "question"
    track: str = "behavioral"
    question_id: str = ""
    words: list[dict[str, Any]] | None = None  # default: timed_words(answer) at 150 wpm
    question_seconds: float = 4.0
    answer_audio_seconds: float | None = None


@dataclass
class Built:
    folder: Path
    events: list[dict[str, Any]] = field(default_factory=list)


def timed_words(
    text: str,
    wpm: float = 150.0,
    start: float = 0.5,
    pauses: dict[int, float] | None = None,
) -> list[dict[str, Any]]:
    """Word timings for ``text`` at ``wpm`` with extra silence before word index i (``pauses``)."""
    step = 60.0 / wpm
    out = []
    t = start
    for i, word in enumerate(text.split()):
        t += (pauses or {}).get(i, 0.0)
        out.append(
            {
                "word": " " + word,
                "start": round(t, 3),
                "end": round(t + step * 0.8, 3),
                "probability": 0.9,
            }
        )
        t += step
    return out


def _tone(seconds: float, rate: int, freq: float) -> Clip:
    n = max(1, int(seconds * rate))
    t = np.arange(n) / rate
    return Clip((0.2 * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate)


def write_session(
    folder: Path,
    exchanges: list[Exchange],
    settings: dict[str, Any] | None = None,
    wavs: bool = True,
    session_id: str | None = None,
    ended: bool = True,
) -> Built:
    folder.mkdir(parents=True, exist_ok=True)
    sid = session_id or folder.name
    events: list[dict[str, Any]] = [
        {
            "type": "session_started",
            "t": 0.0,
            "format": 2,
            "id": sid,
            "started_at": "2024-05-01T10:00:00+00:00",
            "settings": {
                "track": "senior-loop",
                "level": "senior",
                "ladder": "google",
                "time_box": 45.0,
                **(settings or {}),
            },
            "versions": {"voiceinterviewer": "0.1.0"},
        }
    ]
    t = 1.0
    for n, ex in enumerate(exchanges, start=1):
        q_audio = f"turn-{n:02d}-interviewer.wav"
        events.append(
            {
                "type": "question", "t": round(t, 3), "turn": n, "kind": ex.kind,
                "question_id": ex.question_id or f"q{n}", "gap": "", "track": ex.track,
                "text": ex.question, "audio": q_audio, "duration": ex.question_seconds, "engine": "offline",
            }
        )  # fmt: skip
        if wavs:
            write_wav(folder / q_audio, _tone(min(ex.question_seconds, 1.0), 22050, 220.0))
        t += ex.question_seconds
        if ex.answer is not None:
            words = ex.words if ex.words is not None else timed_words(ex.answer)
            speech_end = words[-1]["end"] if words else 2.0
            duration = ex.answer_audio_seconds or round(speech_end + 1.0, 3)
            a_audio = f"turn-{n:02d}-candidate.wav"
            events.append(
                {
                    "type": "answer", "t": round(t, 3), "turn": n, "text": ex.answer, "words": words,
                    "audio": a_audio, "duration": duration,
                    "speech_start": words[0]["start"] if words else 0.5, "speech_end": speech_end,
                    "end_reason": "silence", "stt_model": "tiny.en",
                }
            )  # fmt: skip
            if wavs:
                write_wav(folder / a_audio, _tone(min(duration, 1.0), 16000, 330.0))
            t += duration
    if ended:
        events.append({"type": "session_ended", "t": round(t + 1.0, 3), "reason": "completed"})
    with open(folder / "session.jsonl", "w", encoding="utf-8") as f:
        for event in events:
            f.write(json.dumps(event) + "\n")
    return Built(folder, events)


def one_answer_session(folder: Path, answer: str, question: str = QUESTION, **kwargs: Any) -> Path:
    return write_session(folder, [Exchange(question, answer, **kwargs)]).folder
