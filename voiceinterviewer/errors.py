"""Errors a person sees as one line and an exit code, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a missing resource the person can fix; the CLI prints it as one line.

    ``exit_code`` is 2 for bad input (files, config, arguments) and 1 for a
    failure at run time (a device that vanished, a full disk).
    """

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


class DeviceError(UserError):
    """An audio device is missing or failed; the fix is `voiceinterviewer devices`."""

    def __init__(self, message: str):
        super().__init__(
            f"{message} (check `voiceinterviewer devices`, or use --input-device/--output-device)",
            1,
        )


class MissingDependency(UserError):
    """An optional package is not installed; the message says how to install it."""

    def __init__(self, package: str, extra: str | None = None):
        hint = f'pip install "voiceinterviewer[{extra}]"' if extra else f"pip install {package}"
        super().__init__(f"{package} is not installed: {hint}", 2)
