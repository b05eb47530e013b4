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
