"""How many CPU threads the speech model decodes with, while the interviewer speaks and not.

The session keeps two copies of the model (:class:`voiceinterviewer.stt.whisper.WhisperTranscriber`)
and picks one per clip with :func:`decode_threads`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiceinterviewer.stt.whisper import WhisperOptions


def decode_threads(speaking: bool, opt: WhisperOptions) -> int:
    """Threads for the next clip: ``quiet_threads`` while the interviewer is silent, if set."""
    return opt.quiet_threads if opt.quiet_threads and not speaking else opt.cpu_threads


def quiet_threads() -> int:
    """CTranslate2 threads while the interviewer is silent during an interview: every core.

    Nothing plays then, and the reply after an answer waits for its last phrase's words:
    on two AVX2 cores a 5 s phrase takes 0.84 s on one thread, 0.59-0.75 s on two. While it
    speaks, decoding keeps to :func:`live_threads`.
    """
    return max(1, os.cpu_count() or 2)


def live_threads() -> int:
    """CTranslate2 threads for transcribing while the interviewer speaks: all cores but one.

    The last core is the audio's: with every core decoding, the speaker's
    callback ran late and the device ran dry (4 times in 20 s on two busy
    cores, 1 with one thread), and each time the echo reference slips.
    """
    return max(1, (os.cpu_count() or 2) - 1)


__all__ = ["decode_threads", "live_threads", "quiet_threads"]
