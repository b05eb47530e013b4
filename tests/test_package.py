"""The built wheel, installed into a fresh virtualenv outside the checkout, runs the demo.

The wheel is built from a copy of the checkout's files (so the build leaves nothing in
the checkout) with the build backend already installed, and installed with pip
--no-index --no-deps into a new virtualenv in a temporary folder. That virtualenv
sees the test environment's installed dependencies through a path entry placed
after its own site-packages, so nothing is downloaded, and only the wheel's copy
of voiceinterviewer can be imported: the checkout is not on its path, and the run
happens in an unrelated folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "recordings",
    "bench",
    "tests",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source") / "voiceinterviewer"
    shutil.copytree(REPO, source, ignore=NOT_SOURCES)
    out = tmp_path_factory.mktemp("dist")
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(out), str(source)]
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("voiceinterviewer-*.whl")
    return path


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory, wheel) -> Path:
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    made = run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
        ).stdout.strip()
    )
    # The test environment's dependencies, after the venv's own packages.
    (site / "zz-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    installed = run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
         "--no-deps", "-q", str(wheel)]
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    return venv


def test_the_wheel_carries_the_prompts(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    prompts = sorted(
        p.relative_to(REPO / "prompts").as_posix()
        for p in (REPO / "prompts").rglob("*")
        if p.is_file()
    )
    assert prompts, "the checkout has prompts"
    assert (
        sorted(
            n.removeprefix("voiceinterviewer/prompts/")
            for n in names
            if n.startswith("voiceinterviewer/prompts/")
        )
        == prompts
    )
    assert not any(n.startswith("prompts/") for n in names)


def test_the_installed_wheel_runs_the_demo_from_any_folder(fresh_venv, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    python = str(fresh_venv / "bin" / "python")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VOICEINTERVIEWER_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        VOICEINTERVIEWER_HOME=str(tmp_path / "home"),
        VOICEINTERVIEWER_QUESTIONS="1",
        VOICEINTERVIEWER_MAX_FOLLOW_UPS="0",
        PULSE_SERVER="unix:/nonexistent",
        XDG_RUNTIME_DIR=str(tmp_path),
    )
    where = run(
        [python, "-c", "import voiceinterviewer, voiceinterviewer.home as h; "
         "print(voiceinterviewer.__file__); print(h.PROMPTS_DIR)"],
        cwd=elsewhere, env=env,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    module, prompts = where.stdout.split()
    assert Path(module).is_relative_to(fresh_venv)
    assert Path(prompts) == Path(module).parent / "prompts"

    demo = run([str(fresh_venv / "bin" / "voiceinterviewer"), "demo"], cwd=elsewhere, env=env)
    assert demo.returncode == 0, demo.stderr
    assert "Traceback" not in demo.stderr
    (folder,) = (elsewhere / "recordings").iterdir()
    report = json.loads((folder / "report.json").read_text())
    assert report["overall"]["level"]
    assert "Interviewer: " in demo.stdout and "You: " in demo.stdout

    helps = run([str(fresh_venv / "bin" / "voiceinterviewer"), "--help"], cwd=elsewhere, env=env)
    assert helps.returncode == 0 and "practice" in helps.stdout
    listed = run([str(fresh_venv / "bin" / "voiceinterviewer"), "sessions"], cwd=elsewhere, env=env)
    assert listed.returncode == 0, listed.stderr
    assert folder.name in listed.stdout
