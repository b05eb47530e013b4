"""litellm, imported once, in the background, quietly and without network access.

Importing litellm takes seconds, so :func:`start_background_import` runs it in a
daemon thread (the CLI calls it at startup) and calls wait for it with a
deadline. ``LITELLM_LOCAL_MODEL_COST_MAP`` is set first so the import never
fetches the model price list; litellm's loggers, banners and a pydantic typing
warning are silenced; and the modules a first call would load lazily are
loaded in the same thread, so the first question is not delayed by them.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import threading
import time
import warnings
from typing import Any

from voiceinterviewer.llm.errors import LLMError

_import_lock = threading.Lock()
_import_done = threading.Event()
_import_thread: threading.Thread | None = None
_litellm: Any = None
_import_error: str = ""

# Modules a first call imports lazily; loading them in the background saves ~0.5 s.
WARM_UP_MODULES = (
    "httpcore",
    "openai.resources.chat",
    "litellm.proxy.openai_files_endpoints.common_utils",
    "litellm.litellm_core_utils.streaming_handler",
)
QUIET_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm", "httpx", "openai")


def litellm_available() -> bool:
    """True when litellm is installed (checked without importing it)."""
    return importlib.util.find_spec("litellm") is not None


def _import_litellm() -> None:
    global _litellm, _import_error
    try:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        os.environ.setdefault("LITELLM_LOG", "CRITICAL")
        # litellm's pydantic models warn about typing details on first use; not the person's concern.
        warnings.filterwarnings("ignore", category=UserWarning, module=r"pydantic\._internal")
        import litellm

        litellm.suppress_debug_info = True
        litellm.set_verbose = False
        litellm.turn_off_message_logging = True
        litellm.drop_params = True
        litellm.telemetry = False
        litellm.num_retries = 0
        for name in QUIET_LOGGERS:
            logger = logging.getLogger(name)
            logger.setLevel(logging.CRITICAL)
            logger.propagate = False
        _warm_up(litellm)
        _litellm = litellm
    except ImportError:
        _import_error = 'litellm is not installed: pip install "voiceinterviewer[llm]"'
    except Exception as exc:  # a broken install must not crash the session
        _import_error = f"litellm failed to import: {type(exc).__name__}"
    finally:
        _import_done.set()


def _warm_up(litellm: Any) -> None:
    """Load what the first call would otherwise load lazily (about half a second)."""
    for name in WARM_UP_MODULES:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    for warm in (
        lambda: litellm.token_counter(model="gpt-4o-mini", text="warm up"),
        lambda: litellm.ModelResponse(),
        lambda: litellm.ModelResponseStream(),
    ):
        try:
            warm()
        except Exception:
            pass


def start_background_import() -> None:
    """Start importing litellm in a daemon thread (once); returns at once."""
    global _import_thread
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    with _import_lock:
        if _import_thread is None:
            _import_thread = threading.Thread(
                target=_import_litellm, name="litellm-import", daemon=True
            )
            _import_thread.start()


def import_ready(timeout: float | None = None) -> bool:
    """Start the import if needed and wait up to ``timeout`` s; True once litellm is usable."""
    start_background_import()
    return _import_done.wait(timeout) and _litellm is not None


def wait_for_litellm(deadline: float) -> Any:
    start_background_import()
    if not _import_done.wait(max(0.0, deadline - time.monotonic())):
        raise LLMError("litellm is still loading", "timeout")
    if _litellm is None:
        raise LLMError(_import_error or "litellm is not available", "unavailable")
    return _litellm
