"""Where the app keeps its own files: config, the session index, the question history.

``VOICEINTERVIEWER_HOME`` overrides the default ``~/.config/voiceinterviewer``.
Session folders live under the recordings root (``./recordings`` by default),
not here; the home only holds what can be rebuilt or is personal settings.

The prompts (personas, question banks, rubric, demo answers) are edited in the
checkout's top-level ``prompts/`` folder, which the build ships inside the
package as ``voiceinterviewer/prompts`` (see setup.py). ``PROMPTS_DIR`` is,
in order: ``VOICEINTERVIEWER_PROMPTS``, the package's own copy (an installed
wheel), or the checkout's folder (running from source, editable installs).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def find_prompts_dir() -> Path:
    """Where the prompts are read from; see the module docstring for the order."""
    override = os.environ.get("VOICEINTERVIEWER_PROMPTS")
    if override:
        return Path(override)
    packaged = resources.files("voiceinterviewer") / "prompts"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / "prompts"


PROMPTS_DIR = find_prompts_dir()


def app_home() -> Path:
    env = os.environ.get("VOICEINTERVIEWER_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "voiceinterviewer"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the user only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.chmod(path, 0o700)
    except OSError:
        pass
    return path


def config_path() -> Path:
    return app_home() / "config.toml"


def index_path() -> Path:
    return app_home() / "index.sqlite"
