"""Conversational latency, measured from outside the interview process on the virtual devices.

See bench/README.md for what each key means. The bench is the candidate: it
waits for each question to finish (the journal's ``question`` event), plays an
answer into the virtual microphone with ``paplay`` and records the microphone
and the speaker with two ``parec`` processes on one clock.
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

from bench.answers import CLEAN, END, PAUSED  # noqa: E402

RATE = 16000
FRAME = 160  # 10 ms


def ensure_pulse() -> str:
    """Start the virtual devices; add a sink that feeds the mic and the speaker at once (for markers)."""
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    subprocess.run(["bash", str(ROOT / "scripts" / "virtual-audio.sh")], check=True)
    out = subprocess.run(
        [
            "pactl",
            "load-module",
            "module-combine-sink",
            "sink_name=bench_both",
            "slaves=virtmic_src,virtspk",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def onsets(samples: np.ndarray, threshold: float = 0.005) -> list[int]:
    """10 ms frame indices where sound starts."""
    v = voiced_frames(samples, threshold).astype(int)
    return [int(i) + 1 for i in np.flatnonzero(np.diff(v) == 1)] + ([0] if len(v) and v[0] else [])


class Recorder:
    """Records a PulseAudio source with parec, placing its samples on this process's clock.

    parec starts with a variable delay and may deliver a first burst, so the
    recording's start time is taken from when its data arrives in steady state:
    for every chunk, arrival time minus the audio time recorded so far; the
    median over the second half of the run is the estimate. It includes the
    server's capture latency, the same for both recorders, so it cancels out of
    the mic-to-speaker latency.
    """

    def __init__(self, device: str, path: Path):
        self.path = path
        self.proc = subprocess.Popen(
            ["parec", "-d", device, "--format=s16le", f"--rate={RATE}", "--channels=1"],
            stdout=subprocess.PIPE,
        )
        self.chunks: list[bytes] = []
        self.starts: list[float] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        got = 0
        while True:
            data = (
                self.proc.stdout.read1(3200)
                if hasattr(self.proc.stdout, "read1")
                else self.proc.stdout.read(3200)
            )
            if not data:
                return
            now = time.monotonic()
            got += len(data)
            self.chunks.append(data)
            self.starts.append(now - got / 2 / RATE)

    def stop(self) -> np.ndarray:
        self.proc.terminate()
        self.proc.wait(timeout=5)
        self._thread.join(timeout=5)
        late = self.starts[len(self.starts) // 2 :] or [time.monotonic()]
        self.t0 = float(np.median(late))
        raw = b"".join(self.chunks)
        self.path.write_bytes(raw)
        return (
            np.frombuffer(raw[: len(raw) - len(raw) % 2], dtype="<i2").astype(np.float32) / 32768.0
        )


def voiced_frames(samples: np.ndarray, threshold: float = 0.005) -> np.ndarray:
    n = len(samples) // FRAME
    rms = np.sqrt(np.mean(samples[: n * FRAME].reshape(n, FRAME) ** 2, axis=1))
    return rms > threshold


def synthesise(tmp: Path, clean: int, paused: int) -> list[dict]:
    from voiceinterviewer.audio.clip import Clip
    from voiceinterviewer.audio.wavfile import write_wav
    from voiceinterviewer.voice.piper_voice import PiperVoiceEngine

    voice = PiperVoiceEngine(rate=0.95).steady()  # the same answers every run
    items = []
    rng = np.random.default_rng(7)
    for i in range(max(clean, paused)):
        if i < clean:
            items.append(
                {
                    "kind": "clean",
                    "text": CLEAN[i % len(CLEAN)],
                    "clip": voice.synthesize(CLEAN[i % len(CLEAN)]),
                }
            )
        if i < paused:
            before, after = PAUSED[i % len(PAUSED)]
            pause = float(rng.uniform(2.0, 3.0))
            a, b = voice.synthesize(before), voice.synthesize(after)
            gap = np.zeros(int(pause * a.rate), dtype=np.float32)
            items.append(
                {
                    "kind": "paused",
                    "text": f"{before} ... {after}",
                    "pause_s": round(pause, 2),
                    "clip": Clip(np.concatenate([a.samples, gap, b.samples]), a.rate),
                }
            )
    items.append({"kind": "end", "text": END, "clip": voice.synthesize(END)})
    for n, item in enumerate(items):
        item["wav"] = tmp / f"answer-{n:02d}.wav"
        write_wav(item["wav"], item["clip"])
        item["duration"] = item.pop("clip").duration
    return items


def write_tone(path: Path, seconds: float) -> None:
    from voiceinterviewer.audio.clip import Clip
    from voiceinterviewer.audio.wavfile import write_wav

    t = np.arange(int(seconds * RATE)) / RATE
    write_wav(path, Clip((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), RATE))


def play_marker() -> float:
    """Play a 0.2 s tone on the default speaker; return when its first sample went to the device."""
    from voiceinterviewer.audio.clip import Clip
    from voiceinterviewer.audio.devices import SpeakerSink

    sink = SpeakerSink()
    t = np.arange(int(0.2 * RATE)) / RATE
    first = sink.play(Clip((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), RATE))
    sink.close()
    return first


def events(folder: Path) -> list[dict]:
    out = []
    path = folder / "session.jsonl"
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def peak_rss_mb(pid: int, current: float) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return max(current, int(line.split()[1]) / 1024.0)
    except OSError:
        pass
    return current


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "n": 0}
    arr = np.array(values)
    return {
        "p50": round(float(np.percentile(arr, 50)), 1),
        "p95": round(float(np.percentile(arr, 95)), 1),
        "n": len(values),
    }


def run_interview(items: list[dict], out_root: Path, app_args: list[str]) -> dict:
    # One recording hears both voices on one clock: the candidate is played into a sink that
    # feeds the microphone and the speaker together; the interviewer plays on the speaker.
    spk = Recorder("virtspk.monitor", out_root / "speaker.raw")
    time.sleep(0.5)
    t_marker = play_marker()  # places the recording on this process's clock (for start-up time)
    time.sleep(0.6)
    n_answers = len(items) - 1
    cmd = [
        sys.executable, "-m", "voiceinterviewer", "practice", "--track", "behavioral",
        "--questions", str(n_answers), "--max-follow-ups", "1", "--time-box", "120",
        "--out", str(out_root / "sessions"), "--seed", "bench", *app_args,
    ]  # fmt: skip
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    t_start = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    rss = 0.0
    answered = 0
    folder = None
    plays = []
    deadline = t_start + 60 + 30 * len(items)
    sessions = out_root / "sessions"
    while proc.poll() is None and time.monotonic() < deadline:
        rss = peak_rss_mb(proc.pid, rss)
        if folder is None:
            found = [p for p in sessions.glob("*") if p.is_dir()] if sessions.exists() else []
            folder = found[0] if found else None
            time.sleep(0.05)
            continue
        questions = [e for e in events(folder) if e["type"] == "question"]
        if (
            len(questions) > answered
            and questions[-1]["kind"] != "closing"
            and answered < len(items)
        ):
            time.sleep(0.4)
            t_play = time.monotonic()
            subprocess.run(
                ["paplay", "--device=bench_both", str(items[answered]["wav"])], check=True
            )
            plays.append({"index": answered, "t_play": t_play, "t_done": time.monotonic()})
            answered += 1
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate(timeout=120)
    time.sleep(0.3)
    audio = spk.stop()
    first = sorted(onsets(audio))
    t0 = t_marker - first[0] / 100.0 if first else spk.t0
    return {"t_start": t_start, "t0": t0, "audio": audio, "plays": plays, "folder": folder,
            "rss": rss, "returncode": proc.returncode, "stderr": err[-2000:]}  # fmt: skip


def locate(recording: np.ndarray, clip: np.ndarray, expected: int, slack: int) -> int:
    """Sample offset of ``clip`` in ``recording`` near ``expected`` (cross-correlation by FFT)."""
    lo = max(0, expected - slack)
    hi = min(len(recording), expected + len(clip) + slack)
    segment = recording[lo:hi]
    if len(segment) < len(clip):
        return expected
    n = 1 << int(np.ceil(np.log2(len(segment) + len(clip))))
    corr = np.fft.irfft(np.fft.rfft(segment, n) * np.conj(np.fft.rfft(clip, n)), n)[
        : len(segment) - len(clip) + 1
    ]
    return lo + int(np.argmax(corr))


def analyse(items: list[dict], run: dict) -> dict:
    from voiceinterviewer.audio.wavfile import read_audio

    audio, t0 = run["audio"], run["t0"]
    voiced = voiced_frames(audio)
    marker_end = int(np.flatnonzero(voiced)[0]) + 30 if voiced.any() else 0
    per_answer = []
    for play in run["plays"]:
        item = items[play["index"]]
        if item["kind"] == "end":
            continue
        clip = read_audio(item["wav"]).resampled(RATE).samples
        offset = locate(audio, clip, int((play["t_play"] - t0) * RATE), 4 * RATE)
        own = voiced_frames(clip, 0.002)
        own_idx = np.flatnonzero(own)
        if not len(own_idx):
            continue
        f0 = offset // FRAME
        end = f0 + own_idx[-1] + 1
        # frames of the answer where the candidate is silent (with a margin) but the speaker is not
        quiet = ~np.convolve(own, np.ones(11), mode="same").astype(bool)
        span = voiced[f0 + own_idx[0] : f0 + own_idx[-1] + 1]
        overlap = int(np.sum(span & quiet[own_idx[0] : own_idx[-1] + 1][: len(span)]))
        after = np.flatnonzero(voiced[max(end + 2, marker_end) :])
        latency = float((after[0] + 2) * 10.0) if len(after) else None
        per_answer.append({"kind": item["kind"], "cut": bool(overlap >= 10 or (latency is not None and latency < 150)), "latency_ms": latency,
                           "speech_end_s": round(t0 + end / 100.0 - run["t_start"], 2)})  # fmt: skip

    evs = events(run["folder"]) if run["folder"] else []
    questions = [e for e in evs if e["type"] == "question"]
    answers = [e for e in evs if e["type"] == "answer"]
    processing = [q["latency_ms"] for q in questions if q.get("latency_ms") is not None]
    first_voice = np.flatnonzero(voiced[marker_end:])
    first = t0 + (marker_end + first_voice[0]) / 100.0 if len(first_voice) else None
    clean = [
        p["latency_ms"]
        for p in per_answer
        if p["kind"] == "clean" and p["latency_ms"] is not None and not p["cut"]
    ]
    every = [p["latency_ms"] for p in per_answer if p["latency_ms"] is not None and not p["cut"]]
    paused = [p for p in per_answer if p["kind"] == "paused"]
    window = [
        1000 * (a["duration"] - a["speech_end"])
        for a in answers
        if a.get("end_reason") == "silence"
    ]
    tail = [a.get("tail_wait_ms", 0.0) for a in answers]
    prepared = sum(1 for q in questions[1:] if q.get("prepared"))
    resp50 = percentiles(clean)["p50"] or 0
    proc50 = percentiles(processing)["p50"] or 0
    win50 = float(np.median(window)) if window else 0.0
    return {
        "response_latency_ms": percentiles(clean),
        "response_latency_all_ms": percentiles(every),
        "processing_latency_ms": percentiles(processing),
        "cutoffs": {"cut": sum(1 for p in paused if p["cut"]), "n": len(paused)},
        "cutoffs_clean": {
            "cut": sum(1 for p in per_answer if p["kind"] == "clean" and p["cut"]),
            "n": len(per_answer) - len(paused),
        },
        "startup_to_first_question_s": round(first - run["t_start"], 2) if first else None,
        "peak_rss_mb": round(run["rss"], 1),
        "breakdown_ms": {
            "silence_window_p50": round(win50, 1),
            "stt_tail_wait_p50": round(float(np.median(tail)), 1) if tail else None,
            "processing_p50": proc50,
            "vad_and_devices_p50": round(resp50 - win50 - proc50, 1),
            "replies_prepared": f"{prepared}/{max(0, len(questions) - 1)}",
        },
        "end_reasons": {
            r: sum(1 for a in answers if a.get("end_reason") == r)
            for r in {a.get("end_reason") for a in answers}
        },
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
    return {
        "stt_rtf": round(elapsed / total, 4) if total else None,
        "stt_audio_s": round(total, 1),
        "stt_seconds": round(elapsed, 2),
    }


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib import metadata

    versions = {}
    for dist in (
        "voiceinterviewer",
        "faster-whisper",
        "ctranslate2",
        "onnxruntime",
        "piper-tts",
        "sounddevice",
        "numpy",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return {
        "machine": {
            "cores": os.cpu_count(),
            "cpu": cpu,
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "versions": versions,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="write results here")
    parser.add_argument("--clean", type=int, default=10)
    parser.add_argument("--paused", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the recorded session")
    parser.add_argument(
        "--app-args", default="", help='extra practice flags, e.g. "--end-silence 0.6"'
    )
    args = parser.parse_args()
    module = ensure_pulse()
    tmp = Path(tempfile.mkdtemp(prefix="vi-bench-"))
    items = synthesise(tmp, args.clean, args.paused)
    try:
        run = run_interview(items, tmp, args.app_args.split())
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
        (
            "response latency p50/p95 (clean)",
            f"{results['response_latency_ms']['p50']} / {results['response_latency_ms']['p95']} ms (n={results['response_latency_ms']['n']})",
        ),
        (
            "response latency p50/p95 (all)",
            f"{results['response_latency_all_ms']['p50']} / {results['response_latency_all_ms']['p95']} ms",
        ),
        (
            "processing latency p50/p95",
            f"{results['processing_latency_ms']['p50']} / {results['processing_latency_ms']['p95']} ms",
        ),
        ("cut-offs (thinking pauses)", f"{results['cutoffs']['cut']} / {results['cutoffs']['n']}"),
        ("start-up to first question", f"{results['startup_to_first_question_s']} s"),
        (
            "speech-to-text RTF",
            f"{results.get('stt_rtf')} ({results.get('stt_audio_s')} s of audio)",
        ),
        ("peak RSS", f"{results['peak_rss_mb']} MB"),
    ] + [(f"  {k}", str(v)) for k, v in results["breakdown_ms"].items()]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    if args.keep and run["folder"]:
        print(f"session: {run['folder']}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
