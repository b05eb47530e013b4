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

import errno
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
    """Create ``path`` (and missing parents) readable by the user only.

    Only the folders created here are made 0700: a folder that already exists
    keeps its mode (a shared home with the sticky bit stays as it is), and
    nothing is ever changed through a symbolic link.
    """
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.exists() or folder.is_symlink():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made at the same moment by someone else: theirs, not ours
        private_mode(folder, 0o700)
    if not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
    return path


def private_mode(path: Path, mode: int) -> None:
    """Set ``mode`` on a file or folder just created here, never following a symbolic link."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fchmod(fd, mode)
    except OSError:
        pass
    finally:
        os.close(fd)


def config_path() -> Path:
    return app_home() / "config.toml"


def index_path() -> Path:
    return app_home() / "index.sqlite"
