"""Keeping API keys out of everything stored or printed.

The keys this process could send are known: the configured one
(``api_key`` in the config file, ``VOICEINTERVIEWER_API_KEY``) and every
provider key litellm reads from the environment (``OPENAI_API_KEY``,
``ANTHROPIC_API_KEY``, ``GEMINI_API_KEY``, ``GROQ_API_KEY``,
``AWS_SECRET_ACCESS_KEY``, ``HF_TOKEN``, ... : any variable whose name says it
holds a key, a token, a secret or a password). Their *values* are what is
redacted, whatever their shape, so a Google key (``AIza...``) echoed back by
a server is caught as surely as an ``sk-...`` one.

- :func:`redact` is for messages (errors, fallback reasons, anything shown):
  every known key, the start of one cut off in a shortened message, and text shaped like a credential (``Bearer ...``, ``sk-...``,
  ``api_key=...``) become ``***``.
- :func:`redact_known` replaces only the known values; it is applied to
  every journal event, so a candidate's words are never rewritten by a
  shape that merely looks like a key.

:func:`remember` adds a key that came from elsewhere (the config file); it
is kept for the life of the process.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

MASK = "***"
MIN_SECRET = 8  # shorter values ("1", "true") are not keys and would mangle text
MIN_PREFIX = 8  # a key cut off in a shortened message is caught from this many characters

# Words in an environment variable's name that mark its value as a credential.
SECRET_NAME_WORDS = frozenset({"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIALS"})

_SHAPES = (
    re.compile(r"\b(sk|pk|rk|gsk|xai)[-_][A-Za-z0-9_\-]{6,}"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"),
    re.compile(r"(?i)(bearer\s+)\S+"),
    re.compile(r"(?i)(api[_\- ]?key[\"'\s:=]+)[^\s\"',}]+"),
)

_remembered: set[str] = set()


def remember(secret: str) -> None:
    """Treat ``secret`` as a key from now on (e.g. ``api_key`` from the config file)."""
    if secret and len(secret.strip()) >= 4:  # a key set on purpose, however short
        _remembered.add(secret.strip())


def is_secret_name(name: str) -> bool:
    """True for environment variables that hold credentials (OPENAI_API_KEY, HF_TOKEN, ...)."""
    upper = name.upper()
    words = set(upper.split("_"))
    return bool(words & SECRET_NAME_WORDS) or "APIKEY" in upper


def known_secrets(environ: dict[str, str] | None = None) -> list[str]:
    """Every key this process knows, longest first (so no key is half-replaced by another)."""
    environ = os.environ if environ is None else environ
    found = set(_remembered)
    for name, value in environ.items():
        value = value.strip()
        if len(value) >= MIN_SECRET and is_secret_name(name):
            found.add(value)
    return sorted(found, key=len, reverse=True)


def redact_known(text: str, extra: tuple[str, ...] = ()) -> str:
    """``text`` with every known key (and ``extra``) replaced by ``***``."""
    for secret in (*[e for e in extra if e and len(e) >= 4], *known_secrets()):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact(text: str, extra: tuple[str, ...] | str = ()) -> str:
    """A message fit to store or print: known keys, cut-off keys and key-shaped text masked."""
    extras = (extra,) if isinstance(extra, str) else tuple(extra)
    text = redact_known(text, extras)
    for secret in (*extras, *known_secrets()):
        text = _cut_off(text, secret)
    for pattern in _SHAPES:
        text = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + MASK, text)
    return text


def _cut_off(text: str, secret: str) -> str:
    """Mask where a shortened message holds the start of ``secret`` (a key cut off mid-way)."""
    if len(secret) < MIN_SECRET:
        return text
    head = secret[:MIN_PREFIX]
    at = text.find(head)
    while at >= 0:
        end = at + MIN_PREFIX
        while end < len(text) and end - at < len(secret) and text[end] == secret[end - at]:
            end += 1
        text = text[:at] + MASK + text[end:]
        at = text.find(head, at + len(MASK))
    return text


def mentions_secret(text: str) -> bool:
    """True when ``text`` (plain or JSON) holds a known key."""
    for secret in known_secrets():
        if secret in text or json.dumps(secret, ensure_ascii=False)[1:-1] in text:
            return True
    return False


def redact_data(value: Any) -> Any:
    """A JSON-like value with known keys masked in every string (keys of dicts included)."""
    secrets = known_secrets()
    if not secrets:
        return value
    return _walk(value, secrets)


def _walk(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {_walk(k, secrets): _walk(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(v, secrets) for v in value]
    return value


__all__ = ["MASK", "known_secrets", "mentions_secret", "redact", "redact_data", "redact_known"]
__all__ += ["remember"]
