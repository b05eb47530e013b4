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

from bench.analysis import analyse, stt_rtf  # noqa: E402
from bench.answers import COMPLETE, END, MONOLOGUES, RESUMES, UNFINISHED  # noqa: E402
from bench.frames import FRAME, RATE, events, voiced_frames  # noqa: E402

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
