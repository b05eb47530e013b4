"""Words of the scripted answers against what reached the answers' transcripts.

A word is lost when it lines up with no word of any answer; the speech model's own
misses on the candidate's clean audio (its floor) are told apart from the words lost to
the conversation, and the candidate's speech that lies in no answer's recording is
measured from the session's ``mic.wav``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.frames import FRAME, RATE, events, locate, runs, voiced_frames

FILLERS = {"um", "uh", "er", "ah", "hmm"}


def norm_words(text: str) -> list[str]:
    from tests.audio_helpers import words

    return words(text)


def align(script: list[str], heard: list[str]) -> list[int | None]:
    """For each script word, the heard word it lines up with (None: it was never heard)."""
    n, m = len(script), len(heard)
    d = np.zeros((n + 1, m + 1), dtype=np.int32)
    d[:, 0] = np.arange(n + 1)
    d[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i, j] = min(
                d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (script[i - 1] != heard[j - 1])
            )
    pairs: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        if d[i, j] == d[i - 1, j - 1] + (script[i - 1] != heard[j - 1]):
            pairs[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif d[i, j] == d[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs


def script_words(items: list[dict]) -> tuple[list[str], list[int]]:
    """The scripted answers' words in order, and the item each belongs to."""
    script, which = [], []
    for k, item in enumerate(items):
        if item["kind"] == "end":
            continue
        w = norm_words(item["text"])
        script += w
        which += [k] * len(w)
    return script, which


def word_loss(items: list[dict], evs: list[dict], floor: set[int] | None = None) -> dict:
    """Words of the script that reach no answer, and answers whose words landed in two turns.

    ``floor``: the script words (by position) that the speech model misses even on the
    candidate's own clean audio (:func:`model_floor`); the words lost beyond those are
    ``lost_beyond_floor``.
    """
    answers: dict[int, str] = {}
    for e in evs:
        if e["type"] == "answer":
            answers[e["turn"]] = e.get("text", "")  # the last answer event of a turn wins
    turns = sorted(answers)
    heard, owner = [], []
    for turn in turns:
        w = norm_words(answers[turn])
        heard += w
        owner += [turn] * len(w)
    script, which = script_words(items)
    pairs = align(script, heard)
    lost = [i for i, j in enumerate(pairs) if j is None and script[i] not in FILLERS]
    lost_by_kind: dict[str, int] = {}
    for i in lost:
        kind = items[which[i]]["kind"]
        lost_by_kind[kind] = lost_by_kind.get(kind, 0) + 1
    # an answer is split when two or more of its words landed in another turn than the rest
    landed: dict[int, dict[int, int]] = {}
    for i, j in enumerate(pairs):
        if j is not None:
            turns_of = landed.setdefault(which[i], {})
            turns_of[owner[j]] = turns_of.get(owner[j], 0) + 1
    split = [k for k, t in landed.items() if len(t) > 1 and sorted(t.values())[-2] >= 2]
    lost3 = sum(1 for g in runs(lost) if len(g) >= 3)
    result = {"lost_words": len(lost), "lost_phrases_3plus": lost3, "lost_by_kind": lost_by_kind,
              "script_words": len(script), "split_answers": len(split),
              "lost_examples": [_in_context(script, i) for i in lost[:20]]}  # fmt: skip
    if floor is not None:
        beyond = [i for i in lost if i not in floor]
        result |= {
            "model_floor_words": len(floor),
            "lost_at_floor": len(lost) - len(beyond),
            "lost_beyond_floor": len(beyond),
            "lost_beyond_floor_examples": [_in_context(script, i) for i in beyond[:20]],
        }
    return result


def _in_context(script: list[str], i: int) -> str:
    """A lost word with two words either side: "one [key] per client"."""
    before = " ".join(script[max(0, i - 2) : i])
    after = " ".join(script[i + 1 : i + 3])
    return f"{before} [{script[i]}] {after}".strip()


def speech_outside_answers(items: list[dict], plays: list[dict], folder: Path | None) -> float:
    """Seconds of the candidate's speech that lie in no answer's recording.

    Each scripted play is found in the session's own ``mic.wav`` (near where the first
    one was, by the plays' clock), and its voiced 10 ms frames are checked against the
    spans the journal gives each answer's audio (``mic_offset``, ``duration``). A word
    missing from the transcripts while its speech lies inside an answer was recorded as
    part of the answer and misheard, not lost by the turn-taking.
    """
    if folder is None or not (folder / "mic.wav").exists() or not plays:
        return float("nan")
    from voiceinterviewer.audio.wavfile import read_audio

    mic = read_audio(folder / "mic.wav").resampled(RATE).samples
    spans = [
        (e["mic_offset"], e["mic_offset"] + e["duration"])
        for e in events(folder)
        if e["type"] == "answer" and e.get("mic_offset", -1) >= 0
    ]
    outside = 0
    shift = None  # app mic.wav sample = play time * RATE + shift
    for play in plays:
        clip = items[play["index"]]["segments"][play["part"]]["samples"]
        guess = 0 if shift is None else int(play["t_play"] * RATE) + shift
        at = locate(mic, clip, guess, len(mic) if shift is None else 2 * RATE)
        if shift is None:
            shift = at - int(play["t_play"] * RATE)
        for f in np.flatnonzero(voiced_frames(clip, 0.002)):
            t = (at + f * FRAME) / RATE
            outside += not any(a <= t <= b for a, b in spans)
    return outside * FRAME / RATE


def model_floor(items: list[dict], folder: Path) -> set[int]:
    """Script words (by position) the speech model misses on the candidate's clean audio.

    Each scripted answer, as synthesised and before any room, echo or turn-taking, is
    transcribed the way ``transcribe`` re-transcribes a recorded answer (the live
    listener's phrases and priming, with the session's vocabulary and the question it
    answered). A word missing there is one the model does not hear in that voice; a word
    lost live and heard here was lost to the conversation.
    """
    from voiceinterviewer.audio.clip import Clip
    from voiceinterviewer.listen.phrases import transcribe_audio
    from voiceinterviewer.listen.vad import SileroVad
    from voiceinterviewer.replay.transcribe import worker_threads
    from voiceinterviewer.session.record import load_session
    from voiceinterviewer.stt.vocabulary import interview_vocabulary
    from voiceinterviewer.stt.whisper import load_transcriber

    transcriber = load_transcriber("tiny.en", cpu_threads=worker_threads(1))
    record = load_session(folder)
    transcriber.set_vocabulary(interview_vocabulary(str(record.settings.get("track") or "")))
    turns = record.turns
    vad = SileroVad()
    script, which = script_words(items)
    missed: set[int] = set()
    gap = np.zeros(RATE, dtype=np.float32)  # a resume's second part, a second after the first
    for k, item in enumerate(items):
        if item["kind"] == "end":
            continue
        if k < len(turns):
            q = turns[k].question
            transcriber.set_question(q.text, q.question_id, q.gap)
        parts = [seg["samples"] for seg in item["segments"]]
        audio = np.concatenate([x for part in parts for x in (part, gap)][:-1])
        heard = norm_words(transcribe_audio(Clip(audio, RATE), transcriber, vad).text)
        positions = [i for i, owner in enumerate(which) if owner == k]
        pairs = align([script[i] for i in positions], heard)
        missed |= {positions[n] for n, j in enumerate(pairs) if j is None}
    return missed
