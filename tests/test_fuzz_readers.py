"""Fuzzing the two readers every command relies on: the journal and the WAV reader.

Hypothesis writes journals (valid events with values of any JSON type, torn
lines, random bytes, old-format events) and audio files (random bytes, WAV
headers with arbitrary fields and sizes, real files of every encoding cut
short or with bytes flipped). Each reader must either raise
:class:`UserError` or return something every consumer can use: a session that
replays, exports and scores; a clip of finite float32 samples at a usable
rate. Neither may change the file it reads. Each property runs a bounded
number of cases (printed with ``-s``) and checks that it ran them.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import struct
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voiceinterviewer.audio.wavfile import MAX_RATE, MIN_RATE, read_audio, repair_wav
from voiceinterviewer.errors import UserError
from voiceinterviewer.replay.captions import build_cues, to_vtt
from voiceinterviewer.replay.export import build_timeline, mmss, session_json, transcript_markdown
from voiceinterviewer.replay.player import replay
from voiceinterviewer.scoring.base import ScoreOptions
from voiceinterviewer.scoring.offline import OfflineScorer
from voiceinterviewer.session.journal import load_journal
from voiceinterviewer.session.record import load_session

EXAMPLES = 300
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
counts: Counter[str] = Counter()

# -- journals ----------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["turn-01-candidate.wav", "../x.wav", "/etc/passwd", "", "NaN", "\x00"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
words = st.lists(
    st.fixed_dictionaries(
        {"word": st.text(max_size=10) | st.integers(), "start": scalars, "end": scalars},
        optional={"probability": scalars},
    ),
    max_size=6,
)
KEYS = ["turn", "t", "text", "audio", "duration", "speech_start", "speech_end", "kind",
        "question_id", "format", "settings", "id", "started_at", "end_reason", "engine",
        "word_timings", "wav", "question", "reason", "message", "where", "version"]  # fmt: skip
TYPES = ["session_started", "question", "answer", "transcribed", "error", "session_ended",
         "report_written", "note", "llm_fallback", "unknown"]  # fmt: skip
events = st.builds(
    lambda kind, fields, w: {"type": kind, **fields, **({"words": w} if w is not None else {})},
    st.sampled_from(TYPES),
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8),
    st.none() | words | json_values,
)
sane_events = st.builds(  # mostly well-formed turns, so the consumers get real work
    lambda n, text, t, dur, w: [
        {
            "type": "question",
            "turn": n,
            "t": t,
            "text": text,
            "audio": f"turn-{n:02d}-interviewer.wav",
            "duration": dur,
            "kind": "question",
        },
        {
            "type": "answer",
            "turn": n,
            "t": t + dur,
            "text": text,
            "words": w,
            "audio": f"turn-{n:02d}-candidate.wav",
            "duration": dur,
        },
    ],  # fmt: skip
    st.integers(min_value=-2, max_value=40),
    st.text(max_size=80),
    st.floats(min_value=-10, max_value=1e6, allow_nan=False),
    st.floats(min_value=0, max_value=1e4, allow_nan=False),
    words,
)


def _line(item) -> bytes:
    if isinstance(item, bytes):
        return item
    return json.dumps(item, allow_nan=True).encode()


lines = st.lists(
    st.one_of(
        events,
        sane_events.map(lambda pair: pair[0]),
        sane_events.map(lambda pair: pair[1]),
        st.binary(max_size=60).filter(lambda b: b"\n" not in b),
        events.map(lambda e: _line(e)[: max(1, len(_line(e)) // 2)]),  # torn
        st.just(b'{"type": "session_started", "t": 0, "format": 1}'),
    ),
    max_size=25,
)


def _consume(record) -> None:
    """Everything a command does with a loaded session, short of playing audio."""
    assert math.isfinite(record.duration)
    mmss(record.duration)
    for turn in record.turns:
        assert isinstance(turn.index, int) and isinstance(turn.question.text, str)
        for name in (turn.question.audio, turn.answer.audio if turn.answer else ""):
            assert "/" not in name and ".." != name
    transcript_markdown(record)
    session_json(record, None)
    to_vtt(build_cues(build_timeline(record)))
    replay(record, io.StringIO())
    OfflineScorer().score(record, ScoreOptions())


def test_fuzz_the_journal_reader():
    counts["journal"] = 0
    wav = io.BytesIO()
    sf.write(wav, np.zeros(1600, dtype=np.float32), 16000, format="WAV", subtype="PCM_16")

    @FUZZ
    @given(lines)
    def journal(items):
        counts["journal"] += 1
        folder = Path(tempfile.mkdtemp(prefix="fuzz-journal-"))
        try:
            (folder / "turn-01-candidate.wav").write_bytes(wav.getvalue())
            data = b"\n".join(_line(i) for i in items)
            (folder / "session.jsonl").write_bytes(data)
            try:
                loaded = load_journal(folder / "session.jsonl")
            except UserError as exc:
                assert "\n" not in str(exc)
            else:
                assert all(
                    isinstance(e, dict) and isinstance(e["type"], str) for e in loaded.events
                )
            try:
                record = load_session(folder)
            except UserError:
                pass
            else:
                _consume(record)
            assert (folder / "session.jsonl").read_bytes() == data
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    journal()
    print(f"\njournal reader: {counts['journal']} fuzzed journals")
    assert counts["journal"] >= EXAMPLES * 0.9


# -- audio files ---------------------------------------------------------------------------


def _header(fmt, channels, rate, bits, data_bytes, riff) -> bytes:
    align = (channels * bits // 8) & 0xFFFF
    return (
        b"RIFF"
        + struct.pack("<I", riff & 0xFFFFFFFF)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, fmt, channels, rate, (rate * align) & 0xFFFFFFFF, align, bits)
        + b"data"
        + struct.pack("<I", data_bytes & 0xFFFFFFFF)
    )


headers = st.builds(
    lambda fmt, ch, rate, bits, payload, declared, riff: (
        _header(
            fmt,
            ch,
            rate,
            bits,
            len(payload) if declared is None else declared,
            36 + len(payload) if riff is None else riff,
        )
        + payload
    ),  # fmt: skip
    st.sampled_from([1, 3, 0xFFFE, 2, 0, 6]),
    st.integers(min_value=0, max_value=9),
    st.sampled_from([0, 1, 100, 3999, 8000, 16000, 44100, 384000, 384001, 2**31 - 1, 2**32 - 1])
    | st.integers(min_value=0, max_value=2**32 - 1),
    st.sampled_from([0, 4, 8, 12, 16, 24, 32, 64, 65535]),
    st.binary(max_size=3000),
    st.none() | st.integers(min_value=0, max_value=2**32 - 1),
    st.none() | st.integers(min_value=0, max_value=2**32 - 1),
)
SUBTYPES = [("WAV", "PCM_16"), ("WAV", "PCM_U8"), ("WAV", "PCM_24"), ("WAV", "PCM_32"),
            ("WAV", "FLOAT"), ("WAV", "DOUBLE"), ("FLAC", "PCM_16"), ("OGG", "VORBIS"),
            ("AIFF", "PCM_16"), ("WAV", "ULAW")]  # fmt: skip


@st.composite
def real_files(draw) -> bytes:
    container, subtype = draw(st.sampled_from(SUBTYPES))
    rate = draw(st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000]))
    channels = draw(st.integers(min_value=1, max_value=3))
    n = draw(st.integers(min_value=1, max_value=2000))
    data = np.sin(np.arange(n * channels) / 7.0).reshape(n, channels).astype(np.float32) * 0.5
    buf = io.BytesIO()
    sf.write(buf, data, rate, format=container, subtype=subtype)
    raw = buf.getvalue()
    cut = draw(st.none() | st.integers(min_value=0, max_value=len(raw)))
    if cut is not None:
        raw = raw[:cut]
    flips = draw(st.lists(st.tuples(st.integers(0, 80), st.integers(0, 255)), max_size=4))
    mutable = bytearray(raw)
    for offset, value in flips:
        if offset < len(mutable):
            mutable[offset] = value
    return bytes(mutable)


audio_bytes = st.one_of(st.binary(max_size=3000), headers, real_files())


def test_fuzz_the_wav_reader():
    counts["audio"] = counts["audio_read"] = 0

    @FUZZ
    @given(audio_bytes, st.sampled_from([".wav", ".flac", ".ogg", ".aiff"]))
    def audio(data, suffix):
        counts["audio"] += 1
        folder = Path(tempfile.mkdtemp(prefix="fuzz-wav-"))
        try:
            path = folder / f"clip{suffix}"
            path.write_bytes(data)
            try:
                clip = read_audio(path)
            except UserError as exc:
                assert "\n" not in str(exc)
                clip = None
            assert path.read_bytes() == data, "reading changed the file"
            if clip is None:
                return
            counts["audio_read"] += 1
            samples = clip.samples
            assert samples.dtype == np.float32 and samples.ndim == 1 and len(samples) > 0
            assert np.all(np.isfinite(samples)) and np.all(np.abs(samples) <= 1.0)
            assert MIN_RATE <= clip.rate <= MAX_RATE
            clip.resampled(16000)
            if repair_wav(path):  # a repaired header reads the same audio
                again = read_audio(path)
                assert len(again.samples) == len(samples)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    audio()
    print(f"\nWAV reader: {counts['audio']} fuzzed files, {counts['audio_read']} read as audio")
    assert counts["audio"] >= EXAMPLES * 0.9
    assert counts["audio_read"] > 0
