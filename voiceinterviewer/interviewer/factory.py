"""Building the interviewer the settings ask for: offline, or an LLM with the offline engine behind it."""

from __future__ import annotations

from voiceinterviewer.config import Settings
from voiceinterviewer.interviewer.base import ErrorSink, InterviewContext, Interviewer


def build_interviewer(
    settings: Settings, context: InterviewContext, on_error: ErrorSink | None = None
) -> Interviewer:
    from voiceinterviewer.interviewer.offline import OfflineInterviewer

    offline = OfflineInterviewer()
    if not settings.model or settings.model == "offline":
        return offline
    from voiceinterviewer.interviewer.llm import LLMInterviewer
    from voiceinterviewer.llm.client import LLMConfig

    config = LLMConfig(
        model=settings.model,
        api_base=settings.api_base,
        api_key=settings.api_key,
        timeout=settings.llm_timeout,
        retries=settings.llm_retries,
    )
    return LLMInterviewer(config, fallback=offline, on_error=on_error)
