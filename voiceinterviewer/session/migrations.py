"""Named migrations of the session journal format, applied on load, in order.

A journal's format is the ``format`` of its ``session_started`` event
(format 1 journals had none). Each migration takes the events of format N and
returns them in format N+1; files on disk are not rewritten, so an old session
stays exactly as it was recorded.

- ``m001_words_and_audio_keys`` (1 -> 2): format 1 stored an answer's words as
  ``[word, start, end]`` lists under ``word_timings``, the audio under ``wav``,
  and questions had ``question`` instead of ``text``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Events = list[dict[str, Any]]


def m001_words_and_audio_keys(events: Events) -> Events:
    out = []
    for event in events:
        event = dict(event)
        if event.get("type") == "session_started":
            event["format"] = 2
        if "wav" in event and "audio" not in event:
            event["audio"] = event.pop("wav")
        if event.get("type") == "question" and "text" not in event and "question" in event:
            event["text"] = event.pop("question")
        if event.get("type") == "answer" and "word_timings" in event:
            words = []
            for item in event.pop("word_timings") or []:
                if isinstance(item, (list, tuple)) and len(item) >= 3:
                    words.append(
                        {"word": str(item[0]), "start": float(item[1]), "end": float(item[2])}
                    )
            event["words"] = words
        out.append(event)
    return out


MIGRATIONS: list[tuple[int, Callable[[Events], Events]]] = [
    (1, m001_words_and_audio_keys),
]


def journal_format(events: Events) -> int:
    for event in events:
        if event.get("type") == "session_started":
            fmt = event.get("format", 1)
            return fmt if isinstance(fmt, int) else 1
    return 1


def migrate(events: Events) -> tuple[Events, int, list[str]]:
    fmt = journal_format(events)
    applied = []
    for from_version, fn in MIGRATIONS:
        if fmt == from_version:
            events = fn(events)
            fmt = from_version + 1
            applied.append(fn.__name__)
    return events, fmt, applied
