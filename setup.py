"""Packaging beyond what pyproject.toml can say: prompts/ ships inside the package.

The editable prompts live once, in the top-level ``prompts/`` folder. The
wheel and the sdist carry them as ``voiceinterviewer/prompts/`` (package
data, found with importlib.resources; see :mod:`voiceinterviewer.home`), so
an installed copy runs from any directory.
"""

from pathlib import Path

from setuptools import find_packages, setup

PROMPTS = Path(__file__).resolve().parent / "prompts"
prompt_packages = ["voiceinterviewer.prompts"] + [
    "voiceinterviewer.prompts." + ".".join(folder.relative_to(PROMPTS).parts)
    for folder in sorted(PROMPTS.rglob("*"))
    if folder.is_dir()
]

setup(
    packages=[*find_packages(include=["voiceinterviewer*"]), *prompt_packages],
    package_dir={"voiceinterviewer.prompts": "prompts"},
    package_data={"voiceinterviewer": ["py.typed"], **{name: ["*"] for name in prompt_packages}},
)
