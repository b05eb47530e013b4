"""The real audio side of an interview, built from settings: speaker, microphone or script, ear.

Which clock the interview runs on follows from what is there:

- a microphone: real time. The speaker (when there is one) plays on its own
  and hands what it played to the echo canceller; with no speaker the
  microphone's blocks play the interviewer's audio into the void at the same
  pace, so the recording still keeps time;
- a script with a speaker: the script is read at real time, so what the
  speaker plays and what the candidate says share one timeline;
- a script with no speaker (the demo on a machine without sound): the script
  is the clock and is read as fast as the session can go, waiting for the
  session's background work before each block, so the run is the same on
  any machine.

The speech model, the voice activity detector, the microphone or script
and the ear load in the background while the greeting is spoken; the
session waits for them (``Future``) only when it first needs them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from voiceinterviewer.config import Settings
from voiceinterviewer.errors import DeviceError
from voiceinterviewer.session.duplex import Duplex
from voiceinterviewer.session.journal import Journal
from voiceinterviewer.session.preflight import AnswerScript
from voiceinterviewer.session.work import NothingPending, Pending

MIC_WAV = "mic.wav"


def no_speaker(settings: Settings) -> bool:
    return settings.output_device.strip().lower() == "none"


def build_sink(settings: Settings, require_speaker: bool, say: Callable[[str], None]):
    """The speaker, or None when there is none (or ``--output-device none``)."""
    from voiceinterviewer.audio.devices import SpeakerSink

    if no_speaker(settings):
        return None
    try:
        return SpeakerSink(settings.output_device or None)
    except DeviceError:
        if require_speaker or settings.output_device:
            raise
        say("No speaker found: the interview is recorded but not played aloud.")
        return None


class EnterKey:
    """Enter pressed on the terminal; :meth:`pressed` reports it once."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def watch(self, stream) -> None:
        def run() -> None:
            for _line in stream:
                self._event.set()

        threading.Thread(target=run, daemon=True, name="enter").start()

    def pressed(self) -> bool:
        if self._event.is_set():
            self._event.clear()
            return True
        return False


@dataclass
class Hearing:
    """What loads in the background: the speech model and the ear."""

    transcriber: Future
    ear: Future


def build_duplex(
    settings: Settings,
    answers: list[Path] | None,
    sink,
    voice_future: Future,
    folder: Path,
    journal: Journal,
    loader: ThreadPoolExecutor,
) -> tuple[Duplex, Hearing]:
    from voiceinterviewer.audio.farend import ClockedOutput
    from voiceinterviewer.audio.playout import Playout

    scripted = answers is not None
    pending = Pending() if scripted and sink is None else NothingPending()
    playout = sink.playout if sink is not None else Playout(16000)
    far = sink.far if sink is not None else ClockedOutput(playout)
    echo_mode = settings.echo if sink is not None and not scripted else "headphones"

    speaking = threading.Event()  # set by the session while a reply is under way

    def load_transcriber():
        from voiceinterviewer.stt.threads import live_threads, quiet_threads
        from voiceinterviewer.stt.whisper import load_transcriber

        transcriber = load_transcriber(
            settings.stt_model, cpu_threads=live_threads(), quiet_threads=quiet_threads()
        )
        transcriber.warm_up()
        transcriber.speaking = speaking.is_set
        return transcriber

    transcriber = loader.submit(load_transcriber)
    mic = None
    if not scripted:  # opened at once: from here on nothing said is lost, even during set-up
        from voiceinterviewer.audio.devices import MicSource

        mic = MicSource(settings.input_device or None)
    opened_at = journal.now()  # where mic.wav begins (a script begins when first read)

    def load_ear():
        from voiceinterviewer.audio.echo import build_echo
        from voiceinterviewer.audio.wavfile import StreamingWav
        from voiceinterviewer.listen.ear import Ear
        from voiceinterviewer.listen.vad import SileroVad

        vad = SileroVad()
        if scripted:
            from voiceinterviewer.audio.scripted import ScriptedSource

            clips = AnswerScript(answers).load(voice_future.result())
            source = ScriptedSource(clips, speed=1.0 if sink is not None else 0.0, idle=pending)
            latency = 0.0
        else:
            source = mic
            latency = mic.latency
        delay_ms = int(round((latency + (sink.latency if sink is not None else 0.0)) * 1000))
        echo, mode = build_echo(echo_mode, delay_ms)
        duplex.echo = mode
        track = StreamingWav(folder / MIC_WAV, 16000)
        journal.write(
            "mic_started", t=opened_at, audio=MIC_WAV, rate=16000, echo=mode, delay_ms=delay_ms
        )
        transcriber.result()  # the first answer needs both; the greeting is playing meanwhile
        debug, closers, record = None, [track.close], track.write
        if sink is not None or mic is not None:
            from voiceinterviewer.audio.glitches import GlitchWatch, counts_of

            watch = GlitchWatch(
                counts=lambda: counts_of(sink, mic, far),
                dropped=getattr(far, "glitch", lambda: None),
                journal=lambda news: journal.write("audio_glitch", **news),
                clock=journal.now,
            )

            def record(block) -> None:
                track.write(block)
                watch.check()

        if os.environ.get("VOICEINTERVIEWER_DEBUG_AUDIO", "") in ("1", "true"):
            # what the canceller was given as the speaker's audio, and what it left
            far_wav = StreamingWav(folder / "debug-far.wav", 16000)
            clean_wav = StreamingWav(folder / "debug-mic-clean.wav", 16000)
            closers += [far_wav.close, clean_wav.close]

            if getattr(far, "log", False) is None:  # a speaker's far end: every lag it measured
                far.log = []
                closers.append(lambda: _write_lines(folder / "debug-far-lag.jsonl", far.log))

            def debug(far_block, clean_block):
                far_wav.write(far_block)
                clean_wav.write(clean_block)

        def close() -> None:
            for closer in closers:
                closer()

        return Ear(source, vad, far, echo, record=record, on_close=close, debug=debug)

    duplex = Duplex(
        ear=loader.submit(load_ear),
        playout=playout,
        self_clocked=sink is not None,
        check=sink.check if sink is not None else (lambda: None),
        cue=(lambda event: _cue(duplex, event)) if scripted else (lambda event: None),
        pending=pending,
        echo=echo_mode,
        speaking=speaking,
    )
    return duplex, Hearing(transcriber, duplex.ear)


def _write_lines(path: Path, rows: list[dict]) -> None:
    """``rows`` as JSON lines, private like every file of the session."""
    import json

    from voiceinterviewer.scoring.report_files import write_private_text

    write_private_text(path, "".join(json.dumps(r) + "\n" for r in rows))


def _cue(duplex: Duplex, event: str) -> None:
    """Tell a scripted candidate a question started or ended (waits for the script to load)."""
    source = duplex.get_ear().source
    if hasattr(source, "cue"):
        source.cue(event)
