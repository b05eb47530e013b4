"""Shared fixtures: every test gets its own app home and recordings folder."""

from __future__ import annotations

import os
import signal

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# Tests press Ctrl-C on the interviews they start, as a person at a terminal does. A
# background job of a non-interactive shell (`(pytest &)`) starts with SIGINT ignored,
# and every process it starts inherits that, so Ctrl-C would do nothing there.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def app_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("VOICEINTERVIEWER_HOME", str(home))
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    for key in list(os.environ):
        if key.startswith("VOICEINTERVIEWER_") and key not in (
            "VOICEINTERVIEWER_HOME",
            "VOICEINTERVIEWER_PROMPTS",
        ):
            monkeypatch.delenv(key, raising=False)
    return home


@pytest.fixture
def recordings(tmp_path):
    root = tmp_path / "recordings"
    root.mkdir()
    return root


def pytest_terminal_summary(terminalreporter):
    """Name the CPU at the end of the run: Whisper's output depends on the kernels it gets."""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        info = ""
    fields = {
        k.strip(): v.strip() for k, v in (ln.split(":", 1) for ln in info.splitlines() if ":" in ln)
    }
    model = fields.get("model name", "unknown")
    flags = fields.get("flags", "").split()
    isa = " ".join(x for x in ("avx2", "avx512f", "avx512_vnni") if x in flags) or "no avx2"
    terminalreporter.write_line(f"cpu: {model}, {os.cpu_count()} cores, {isa}")
