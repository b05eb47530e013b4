"""Helpers for the reliability tests: the CLI in a child process, journals, file hashes, devices.

``start_cli``/``run_cli`` run ``python -m voiceinterviewer`` with the test's
environment (its app home included). ``NO_SPEAKER`` points PulseAudio at
nothing, so a scripted interview plays to no device and runs faster than
real time. ``PrivateAudio`` loads a microphone and a speaker of the test's
own into the PulseAudio daemon (``PULSE_SOURCE``/``PULSE_SINK`` select them
in the child), so live tests hear only what the test plays, even while other
programs use the shared virtual devices. ``reap`` kills any CLI process a
failed test left running.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
NO_SPEAKER = {"PULSE_SERVER": "unix:/nonexistent/pulse-socket"}
ERROR_PREFIX = "voiceinterviewer: error:"


# -- the CLI in a child process ------------------------------------------------


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    env.update(extra or {})
    return env


STARTED: list[subprocess.Popen] = []


def start_cli(args: list[str], env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceinterviewer", *[str(a) for a in args]],
        cwd=kwargs.pop("cwd", REPO),
        env=env or cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )
    STARTED.append(proc)
    return proc


def reap() -> None:
    """Kill every CLI process a test started and left running (a failed test's leftovers)."""
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def run_cli(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 180, **kwargs
) -> subprocess.CompletedProcess:
    proc = start_cli(args, env, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"voiceinterviewer {' '.join(map(str, args))} did not finish: {err[-2000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


def assert_clean_failure(rc: int, stderr: str, expected_rc: int | None = None) -> str:
    """A non-zero exit with exactly one error line and no traceback; returns that line."""
    assert rc != 0, stderr
    if expected_rc is not None:
        assert rc == expected_rc, stderr
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith(ERROR_PREFIX)]
    assert len(errors) == 1, stderr
    return errors[0]


def assert_no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


# -- sessions on disk -----------------------------------------------------------


def journal_events(folder: Path) -> list[dict]:
    """The journal's events, skipping lines that do not parse (a line being written)."""
    path = folder / "session.jsonl"
    if not path.exists():
        return []
    events = []
    for line in path.read_bytes().split(b"\n"):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def session_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "session.jsonl").exists())


def wait_until(
    predicate: Callable[[], object],
    timeout: float,
    proc: subprocess.Popen | None = None,
    what: str = "",
):
    """Poll ``predicate`` until it returns something truthy; fail on timeout or a dead process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the process ended (rc {proc.returncode}) before {what}: {err[-3000:]}")
        time.sleep(0.05)
    if proc is not None:
        proc.kill()
        proc.communicate()
    pytest.fail(f"timed out waiting for {what}")


def events_of(folder: Path, kind: str) -> list[dict]:
    return [e for e in journal_events(folder) if e.get("type") == kind]


def tree_hashes(path: Path) -> dict[str, str]:
    """sha256 of every file under ``path`` (or of ``path`` itself), by relative name."""
    path = Path(path)
    if path.is_file():
        return {path.name: _sha(path)}
    out = {}
    for p in sorted(path.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(path))] = _sha(p)
    return out


def _sha(p: Path) -> str:
    """Content hash; files over 64 MB (sparse test files) hash their size, head and tail."""
    h = hashlib.sha256()
    size = p.stat().st_size
    with open(p, "rb") as f:
        if size > 64 << 20:
            h.update(str(size).encode() + f.read(1 << 20))
            f.seek(size - (1 << 20))
            h.update(f.read())
            return h.hexdigest()
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def write_answers(folder: Path, texts: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, text in enumerate(texts, start=1):
        path = folder / f"answer-{i:02d}.txt"
        path.write_text(text + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def voiced_span(samples: np.ndarray, rate: int, threshold: float = 0.01) -> tuple[float, float]:
    """Seconds of the first and last 20 ms block louder than ``threshold`` (RMS); (-1, -1) if none."""
    block = rate // 50
    n = len(samples) // block
    if n == 0:
        return -1.0, -1.0
    rms = np.sqrt(np.mean(samples[: n * block].reshape(n, block) ** 2, axis=1))
    loud = np.nonzero(rms > threshold)[0]
    if len(loud) == 0:
        return -1.0, -1.0
    return loud[0] * block / rate, (loud[-1] + 1) * block / rate


# -- PulseAudio -------------------------------------------------------------------


def pactl(*args: str) -> str:
    return subprocess.run(
        ["pactl", *args], capture_output=True, text=True, check=True, timeout=20
    ).stdout.strip()


def pulse_up() -> bool:
    if not shutil.which("pactl"):
        return False
    return subprocess.run(["pactl", "info"], capture_output=True, timeout=20).returncode == 0


def restart_pulse() -> None:
    """Start the virtual-audio daemon again (the script does nothing if one answers)."""
    subprocess.run(["bash", str(REPO / "scripts" / "virtual-audio.sh")], check=True, timeout=60)


class PrivateAudio:
    """A microphone and a speaker of the test's own, inside the running PulseAudio daemon."""

    def __init__(self, tag: str):
        self.tag = f"vi_{tag}_{os.getpid()}"
        self.source_sink = f"{self.tag}_src"  # play into this...
        self.mic = f"{self.tag}_mic"  # ...and the interview hears it here
        self.speaker = f"{self.tag}_spk"
        self.modules: list[str] = []

    def __enter__(self) -> PrivateAudio:
        self.modules.append(pactl("load-module", "module-null-sink", f"sink_name={self.speaker}"))
        self.modules.append(
            pactl("load-module", "module-null-sink", f"sink_name={self.source_sink}")
        )
        self.modules.append(
            pactl(
                "load-module",
                "module-remap-source",
                f"master={self.source_sink}.monitor",
                f"source_name={self.mic}",
            )
        )
        return self

    def __exit__(self, *exc) -> None:
        if not pulse_up():
            return  # the daemon was restarted: its modules went with it
        for module in reversed(self.modules):
            subprocess.run(["pactl", "unload-module", module], capture_output=True, timeout=20)

    @property
    def env(self) -> dict[str, str]:
        return {"PULSE_SOURCE": self.mic, "PULSE_SINK": self.speaker}

    def play(self, wav: Path) -> subprocess.Popen:
        """Start playing ``wav`` into the microphone; returns the player process."""
        return subprocess.Popen(["paplay", f"--device={self.source_sink}", str(wav)])
