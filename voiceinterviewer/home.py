"""Where the app keeps its own files: config, the session index, the question history.

``VOICEINTERVIEWER_HOME`` overrides the default ``~/.config/voiceinterviewer``.
Session folders live under the recordings root (``./recordings`` by default),
not here; the home only holds what can be rebuilt or is personal settings.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROMPTS_DIR = Path(os.environ.get("VOICEINTERVIEWER_PROMPTS", PACKAGE_DIR.parent / "prompts"))


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
