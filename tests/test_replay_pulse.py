"""`voiceinterviewer replay` through a real output device: the PulseAudio virtual speaker."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.pulse_helpers import SpeakerRecorder, requires_pulse
from tests.session_factory import TurnSpec, make_session

pytestmark = [requires_pulse, pytest.mark.pulse]


def test_replay_plays_every_turn_on_the_speaker(tmp_path):
    turns = (
        TurnSpec(
            "Tell me about a system you own.", "I own the checkout service and its payment flow."
        ),
        TurnSpec(
            "What was the business impact?",
            "We cut payment failures by half, which saved a million a year.",
        ),
    )
    built = make_session(tmp_path / "recordings", "20250106-100000-beef", turns)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with SpeakerRecorder(tmp_path / "speaker.raw") as speaker:
        result = subprocess.run(
            [sys.executable, "-m", "voiceinterviewer", "replay", str(built.folder)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    lines = [
        line for line in result.stdout.splitlines() if "Interviewer:" in line or "You:" in line
    ]
    assert len(lines) == 4
    assert "Interviewer: Tell me about a system you own." in lines[0]
    assert "You:" in lines[1] and "checkout" in lines[1]
    total = sum(built.clip_seconds)
    # everything was heard: voiced audio on the speaker covers most of the recorded clips
    assert speaker.voiced_seconds() > 0.6 * total
    assert len(speaker.samples) / speaker.rate >= total
