"""Without litellm, asking for an LLM stops at once with the line that says how to install it.

The CLI runs through its real entry point in a child process where litellm
cannot be imported (``sys.modules["litellm"] = None``: ``import litellm`` fails
and ``importlib.util.find_spec`` finds nothing, as when it is not installed).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from reliability_helpers import NO_SPEAKER, REPO, cli_env
from scoring_helpers import SENIOR, Exchange, write_session

INSTALL = 'pip install "voiceinterviewer[llm]"'
WITHOUT_LITELLM = (
    "import sys; sys.modules['litellm'] = None; "
    "from voiceinterviewer.cli import main; sys.exit(main(sys.argv[1:]))"
)


def run_without_litellm(args, tmp_path, extra_env=None):
    env = cli_env({**NO_SPEAKER, **(extra_env or {})})
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_LITELLM, *map(str, args)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def answer(tmp_path):
    path = tmp_path / "answer.txt"
    path.write_text("I led the migration of our billing service to a sharded database.")
    return path


@pytest.mark.parametrize(
    "flags",
    [
        ["practice", "--model", "ollama/llama3.1"],
        ["practice", "--score-model", "openai/my-model", "--api-base", "http://127.0.0.1:9/v1"],
        ["demo", "--model", "ollama_chat/llama3.1"],
    ],
    ids=["practice-model", "practice-score-model", "demo-model"],
)
def test_an_interview_with_an_llm_stops_before_it_starts(tmp_path, answer, flags):
    out = tmp_path / "recordings"
    extra = ["--answers", answer] if flags[0] == "practice" else []
    done = run_without_litellm([*flags, "--out", out, *extra], tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "", "nothing of the interview started"
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and INSTALL in lines[0], done.stderr
    assert lines[0].startswith("voiceinterviewer: error: model ")
    assert not out.exists() or not any(out.iterdir()), "no session folder was made"


def test_a_model_from_the_config_file_is_checked_too(tmp_path, answer, app_home):
    app_home.mkdir(parents=True, exist_ok=True)
    (app_home / "config.toml").write_text('model = "ollama/llama3.1"\n')
    done = run_without_litellm(["practice", "--answers", answer, "--out", tmp_path / "r"], tmp_path)
    assert done.returncode == 2 and INSTALL in done.stderr and "ollama/llama3.1" in done.stderr


@pytest.mark.parametrize("command", ["score", "transcribe"])
def test_rescoring_with_an_llm_stops_before_it_starts(tmp_path, command):
    folder = write_session(tmp_path / "s", [Exchange("Tell me about a system.", SENIOR)]).folder
    before = sorted(p.name for p in folder.iterdir())
    done = run_without_litellm([command, folder, "--score-model", "ollama/llama3.1"], tmp_path)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1 and INSTALL in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == before, "nothing was written"


def test_the_offline_default_needs_no_litellm(tmp_path):
    folder = write_session(tmp_path / "s", [Exchange("Tell me about a system.", SENIOR)]).folder
    done = run_without_litellm(["score", folder], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (folder / "report.json").exists()
