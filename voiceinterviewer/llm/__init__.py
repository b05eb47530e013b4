"""LLM access through litellm: a lazily imported client with hard time limits.

Importing this package is cheap; litellm itself is imported on first use or by
:func:`start_background_import`.
"""

from voiceinterviewer.llm.client import (
    ChatStream,
    LLMConfig,
    LLMError,
    chat,
    import_ready,
    litellm_available,
    start_background_import,
    stream_chat,
)

__all__ = [
    "ChatStream",
    "LLMConfig",
    "LLMError",
    "chat",
    "import_ready",
    "litellm_available",
    "start_background_import",
    "stream_chat",
]
