"""voiceinterviewer: a local, voice-based mock interviewer for senior engineering interviews."""

__version__ = "0.1.0"
