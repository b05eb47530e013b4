"""Conversation on a laptop, measured from outside the interview process on the virtual devices.

See bench/README.md for what each key means. The bench is the candidate: it
waits for each question to finish (the journal's ``question`` event), then
speaks an answer into the virtual microphone with ``paplay``, to its end,
pauses and all, whatever the interviewer does meanwhile. It records the
microphone and the speaker with two ``parec`` processes, put on one clock by a
marker tone both hear. With ``--echo`` (the default) the speaker leaks into
the microphone like a laptop's (-15 dB, 40 ms, room noise).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.answers import COMPLETE, END, MONOLOGUES, RESUMES, UNFINISHED  # noqa: E402

RATE = 16000
FRAME = 160  # 10 ms
FILLERS = {"um", "uh", "er", "ah", "hmm"}
RESUME_AFTER = 0.5  # seconds of the interviewer's reply before a "resume" answer goes on


def leftovers(listing: str) -> list[str]:
    """Modules of `pactl list short modules` that an earlier, killed bench or test left loaded.

    A second echo loopback doubles the echo the interviewer hears (and a second marker sink
    doubles the markers): a run on top of one measures another room.
    """
    found = []
    for line in listing.splitlines():
        parts = line.split(None, 2)
        if len(parts) < 3:
            continue
        index, name, args = parts
        if name == "module-loopback" and "source=virtspk.monitor" in args:
            found.append(index)
        elif name == "module-combine-sink" and "sink_name=bench_both" in args:
            found.append(index)
    return found


def ensure_pulse() -> str:
    """Start the virtual devices; add a sink that feeds the mic and the speaker at once (for markers)."""
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    subprocess.run(["bash", str(ROOT / "scripts" / "virtual-audio.sh")], check=True)
    listing = subprocess.run(
        ["pactl", "list", "short", "modules"], capture_output=True, text=True, check=True
    ).stdout
    for index in leftovers(listing):
        print(f"bench: unloading module {index}, left by an earlier run", file=sys.stderr)
        subprocess.run(["pactl", "unload-module", index], check=False)
    out = subprocess.run(
        ["pactl", "load-module", "module-combine-sink", "sink_name=bench_both",
         "slaves=virtmic_src,virtspk"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


class Recorder:
    """Records a PulseAudio source with parec into memory."""

    def __init__(self, device: str):
        self.proc = subprocess.Popen(
            ["parec", "-d", device, "--format=s16le", f"--rate={RATE}", "--channels=1",
             "--latency-msec=20"],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        self.chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while True:
            data = self.proc.stdout.read1(3200)
            if not data:
                return
            self.chunks.append(data)

    def sounding_since(self, chunk: int, threshold: float = 0.005) -> bool:
        """Whether anything recorded after the first ``chunk`` chunks is voiced."""
        raw = b"".join(self.chunks[chunk:])
        samples = np.frombuffer(raw[: len(raw) - len(raw) % 2], dtype="<i2") / 32768
        return bool(len(samples) >= FRAME and voiced_frames(samples, threshold).any())

    def stop(self) -> np.ndarray:
        self.proc.terminate()
        self.proc.wait(timeout=5)
        self._thread.join(timeout=5)
        raw = b"".join(self.chunks)
        return np.frombuffer(raw[: len(raw) - len(raw) % 2], dtype="<i2").astype(np.float32) / 32768


def voiced_frames(samples: np.ndarray, threshold: float = 0.005) -> np.ndarray:
    n = len(samples) // FRAME
    rms = np.sqrt(np.mean(samples[: n * FRAME].reshape(n, FRAME) ** 2, axis=1))
    return rms > threshold


def marker(samples: np.ndarray) -> int:
    """Sample where the 880 Hz marker tone starts (the first loud 100 ms of it)."""
    loud = np.flatnonzero(np.abs(samples) > 0.2)
    return int(loud[0]) if len(loud) else 0


def synthesise(
    tmp: Path,
    n_complete: int,
    n_monologue: int,
    n_unfinished: int,
    n_resume: int = 0,
    n_late: int = 0,
    seed=7,
):
    from voiceinterviewer.audio.clip import Clip
    from voiceinterviewer.audio.wavfile import write_wav
    from voiceinterviewer.voice.piper_voice import PiperVoiceEngine

    voice = PiperVoiceEngine(rate=0.95).steady()  # the same answers every run
    rng = np.random.default_rng(seed)
    plan = []
    for i in range(max(n_complete, n_monologue, n_unfinished, n_resume, n_late)):
        if i < n_monologue:
            plan.append(("monologue", MONOLOGUES[i % len(MONOLOGUES)]))
        if i < n_late:  # a monologue paused about as long as an open answer is waited for
            # (from the middle of the list, so that a run with both kinds opens with others)
            plan.append(("late", MONOLOGUES[(i + 5) % len(MONOLOGUES)]))
        if i < n_complete:
            plan.append(("complete", [COMPLETE[i % len(COMPLETE)]]))
        if i < n_unfinished:
            plan.append(("unfinished", list(UNFINISHED[i % len(UNFINISHED)])))
        if i < n_resume:
            plan.append(("resume", list(RESUMES[i % len(RESUMES)])))
    plan.append(("end", [END]))
    items = []
    for n, (kind, parts) in enumerate(plan):
        if kind == "resume":  # two plays: the answer, then more over the reply
            segments = []
            for k, part in enumerate(parts):
                clip = voice.synthesize(part).resampled(RATE)
                wav = tmp / f"answer-{n:02d}-{k}.wav"
                write_wav(wav, clip)
                segments.append({"wav": wav, "samples": clip.samples})
            items.append({"kind": kind, "text": " ".join(parts), "pauses": [],
                          "segments": segments})  # fmt: skip
            continue
        audio, pauses = [], []
        for k, part in enumerate(parts):
            if k:
                if kind == "late" and k == 1:
                    # about open_silence (3.2 s) with the detector's late onset: the interviewer
                    # takes the turn as the candidate goes on, its reply starting over them
                    pause = float(rng.uniform(2.95, 3.25))
                elif kind in ("monologue", "late"):
                    pause = float(rng.uniform(1.5, 3.0))
                else:
                    pause = float(rng.uniform(2.0, 3.0))
                pauses.append(round(pause, 2))
                audio.append(np.zeros(int(pause * RATE), dtype=np.float32))
            audio.append(voice.synthesize(part).resampled(RATE).samples)
        clip = Clip(np.concatenate(audio), RATE)
        wav = tmp / f"answer-{n:02d}.wav"
        write_wav(wav, clip)
        items.append({"kind": kind, "text": " ".join(parts), "pauses": pauses,
                      "segments": [{"wav": wav, "samples": clip.samples}]})  # fmt: skip
    return items


def events(folder: Path | None) -> list[dict]:
    out = []
    path = folder / "session.jsonl" if folder else None
    if path and path.exists():
        for line in path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def peak_rss_mb(pid: int, current: float) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return max(current, int(line.split()[1]) / 1024.0)
    except OSError:
        pass
    return current


def run_interview(
    items, out_root: Path, app_args: list[str], idle: float, echo: bool, app_root: Path | None
) -> dict:
    from voiceinterviewer.audio.clip import Clip
    from voiceinterviewer.audio.wavfile import write_wav

    sessions = out_root / "sessions"
    mic, spk = Recorder("virtmic"), Recorder("virtspk.monitor")
    time.sleep(0.5)
    t = np.arange(int(0.2 * RATE)) / RATE
    tone = out_root / "marker.wav"
    write_wav(tone, Clip((0.5 * np.sin(2 * np.pi * 880 * t)).astype(np.float32), RATE))
    t_marker = time.monotonic()  # the marker reaches both recordings at once
    subprocess.run(["paplay", "--device=bench_both", str(tone)], check=True)
    time.sleep(0.5)
    echo_ctx = None
    if echo:
        from tests.pulse_helpers import LaptopEcho

        echo_ctx = LaptopEcho(out_root)
        echo_ctx.__enter__()
    cmd = [
        sys.executable, "-m", "voiceinterviewer", "practice", "--track", "behavioral",
        "--questions", str(len(items) - 1), "--max-follow-ups", "1", "--time-box", "240",
        "--out", str(sessions), "--seed", "bench", *app_args,
    ]  # fmt: skip
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if app_root is not None:  # another checkout's code (before/after), imported first
        env["PYTHONPATH"] = str(app_root)
    t_start = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        cwd=app_root or None,
    )  # fmt: skip
    rss, answered, folder, plays, idle_cpu = 0.0, 0, None, [], None
    deadline = t_start + 120 + 40 * len(items)
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            rss = peak_rss_mb(proc.pid, rss)
            if folder is None:
                found = [p for p in sessions.glob("*") if p.is_dir()] if sessions.exists() else []
                folder = found[0] if found else None
                time.sleep(0.05)
                continue
            done = [
                e for e in events(folder)
                if e["type"] == "question" and not e.get("interrupted")
            ]  # fmt: skip
            if len(done) > answered and done[-1]["kind"] != "closing" and answered < len(items):
                if answered == 0 and idle > 0:  # listening to silence: what it costs
                    time.sleep(1.0)
                    c0, w0 = cpu_seconds(proc.pid), time.monotonic()
                    time.sleep(idle)
                    idle_cpu = (cpu_seconds(proc.pid) - c0) / (time.monotonic() - w0)
                time.sleep(0.4)
                for part, segment in enumerate(items[answered]["segments"]):
                    if part:  # more to say: once the interviewer has begun to reply
                        heard_from, wait_until = len(spk.chunks), time.monotonic() + 8.0
                        while time.monotonic() < wait_until and not spk.sounding_since(heard_from):
                            time.sleep(0.02)
                        time.sleep(RESUME_AFTER)
                    t_play = time.monotonic()
                    subprocess.run(
                        ["paplay", "--device=virtmic_src", str(segment["wav"])], check=True
                    )
                    plays.append({"index": answered, "part": part, "t_play": t_play})
                answered += 1
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            proc.kill()
        out, err = proc.communicate(timeout=120)
        if echo_ctx is not None:
            echo_ctx.__exit__()
    time.sleep(0.3)
    mic_audio, spk_audio = mic.stop(), spk.stop()
    return {"t_start": t_start, "t_marker": t_marker, "mic": mic_audio, "spk": spk_audio, "plays": plays,
            "folder": folder, "rss": rss, "idle_cpu": idle_cpu, "returncode": proc.returncode,
            "stderr": err[-2000:]}  # fmt: skip


def locate(recording: np.ndarray, clip: np.ndarray, expected: int, slack: int) -> int:
    """Sample offset of ``clip`` in ``recording`` near ``expected`` (cross-correlation by FFT)."""
    lo = max(0, expected - slack)
    hi = min(len(recording), expected + len(clip) + slack)
    segment = recording[lo:hi]
    if len(segment) < len(clip):
        return expected
    n = 1 << int(np.ceil(np.log2(len(segment) + len(clip))))
    corr = np.fft.irfft(np.fft.rfft(segment, n) * np.conj(np.fft.rfft(clip, n)), n)
    return lo + int(np.argmax(corr[: len(segment) - len(clip) + 1]))


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    arr = np.array(values, dtype=float)
    return {"p50": round(float(np.percentile(arr, 50)), 1),
            "p95": round(float(np.percentile(arr, 95)), 1), "n": len(values)}  # fmt: skip


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
    lost3 = sum(1 for g in _runs(lost) if len(g) >= 3)
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


def _in_context(script: list[str], i: int) -> str:
    """A lost word with two words either side: "one [key] per client"."""
    before = " ".join(script[max(0, i - 2) : i])
    after = " ".join(script[i + 1 : i + 3])
    return f"{before} [{script[i]}] {after}".strip()


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


def _runs(indices: list[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    for i in indices:
        if groups and i == groups[-1][-1] + 1:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def quiet_after(interviewer: np.ndarray, onset: int, gap: int = 30) -> int:
    """Frames from ``onset`` until the interviewer is quiet for ``gap`` frames (300 ms)."""
    quiet = 0
    for f in range(onset, len(interviewer)):
        quiet = 0 if interviewer[f] else quiet + 1
        if quiet >= gap:
            return f - gap + 1 - onset
    return len(interviewer) - onset


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
        episodes = [len(g) * 10.0 for g in _runs(list(np.flatnonzero(both)))]
        per_answer.append({"kind": item["kind"], "latency_ms": latency, "talk_over_ms": episodes,
                           "pauses": item["pauses"]})  # fmt: skip
    # talk-over: episodes where both spoke, merged when less than 300 ms apart
    both_all = candidate & interviewer
    episodes = []
    for g in _runs(list(np.flatnonzero(both_all))):
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
        "resume_stop_ms": percentiles(resume_stops),
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


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"machine": {"cores": os.cpu_count(), "cpu": cpu, "load_1min": load,
                        "platform": platform.platform(), "python": platform.python_version()}}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="write results here")
    parser.add_argument("--complete", type=int, default=10)
    parser.add_argument("--monologues", type=int, default=10)
    parser.add_argument(
        "--late", type=int, default=0, help="monologues that go on just as the reply starts"
    )
    parser.add_argument("--unfinished", type=int, default=10)
    parser.add_argument("--resumes", type=int, default=8)
    parser.add_argument(
        "--idle", type=float, default=8.0, help="seconds of silence measured for CPU"
    )
    parser.add_argument("--no-echo", action="store_true", help="no leak from speaker to microphone")
    parser.add_argument("--keep", action="store_true", help="keep the recorded session")
    parser.add_argument("--app-args", default="", help='extra practice flags, e.g. "--echo gate"')
    parser.add_argument(
        "--app-root", type=Path, help="run the interview from this checkout (e.g. an older commit)"
    )
    args = parser.parse_args()
    module = ensure_pulse()
    tmp = Path(tempfile.mkdtemp(prefix="vi-bench-"))
    items = synthesise(
        tmp, args.complete, args.monologues, args.unfinished, args.resumes, args.late
    )
    try:
        run = run_interview(
            items, tmp, args.app_args.split(), args.idle, not args.no_echo, args.app_root
        )
    finally:
        subprocess.run(["pactl", "unload-module", module], check=False)
    if run["returncode"] != 0:
        print(f"interview exited {run['returncode']}: {run['stderr']}", file=sys.stderr)
    results = {
        **analyse(items, run),
        **(stt_rtf(run["folder"]) if run["folder"] else {}),
        **machine(),
    }
    rows = [
        ("response latency p50/p95 (complete)", _pct(results["response_latency_ms"])),
        ("processing latency p50/p95", _pct(results["processing_latency_ms"])),
        ("talk-over p50/p95", _pct(results["talk_over_ms"])),
        ("going on over a reply: stop p50/p95", _pct(results["resume_stop_ms"])),
        ("listener behind the mic at a pause", _pct(results["pause_behind_ms"])),
        ("false barge-ins", f"{results['false_barge_ins']['n']} over {results['false_barge_ins']['interviewer_turns']} interviewer turns"),
        ("lost words", f"{results['lost_words']} of {results['script_words']} ({results['lost_by_kind']}), runs of 3+: {results['lost_phrases_3plus']}"),
        ("  of them missed on the clean audio", f"{results.get('lost_at_floor')} (the model misses {results.get('model_floor_words')} there)"),
        ("  lost beyond that", f"{results.get('lost_beyond_floor')} {results.get('lost_beyond_floor_examples', [])}"),
        ("speech in no answer's recording", f"{results.get('speech_outside_answers_s')} s"),
        ("answers split in two", str(results["split_answers"])),
        ("device glitches", json.dumps(results["audio_glitches"])),
        ("replies cut / questions interrupted", f"{results['reply_cuts']} / {results['interrupted_questions']}"),
        ("idle listening CPU", f"{results['idle_listening_cpu_core_pct']}% of a core"),
        ("start-up to first question", f"{results['startup_to_first_question_s']} s"),
        ("speech-to-text RTF", f"{results.get('stt_rtf')}"),
        ("peak RSS", f"{results['peak_rss_mb']} MB"),
        ("end reasons", json.dumps(results["end_reasons"])),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=str))
    if args.keep and run["folder"]:
        print(f"session: {run['folder']}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _pct(p: dict) -> str:
    return f"{p['p50']} / {p['p95']} ms (n={p['n']})"


if __name__ == "__main__":
    raise SystemExit(main())
