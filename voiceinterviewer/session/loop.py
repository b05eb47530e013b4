"""The interview loop: ask, listen, transcribe, decide, speak; journal everything as it happens.

The loop only sees seams (interviewer, voice, sink, listener), built by the
CLI. A live interview, a scripted demo and a test differ only in the adapters
passed in. Each turn is journalled the moment it completes and each WAV is
written while it is recorded or played, so an interrupted session keeps
everything up to the interruption.

Latency: while the candidate is still silent but the words already sound
finished, the next reply is prepared (planned and its first sentence
synthesised) in the background; if the final words match, it is spoken at
once when the turn ends.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.audio.ports import AudioSink
from voiceinterviewer.audio.wavfile import StreamingWav
from voiceinterviewer.errors import UserError
from voiceinterviewer.interviewer.base import Exchange, InterviewContext, Interviewer, Reply
from voiceinterviewer.listen.endpoint import Heard, Listener
from voiceinterviewer.session.journal import Journal
from voiceinterviewer.session.speaking import speak
from voiceinterviewer.stt.whisper import Transcript
from voiceinterviewer.voice.base import Voice


@dataclass
class Prepared:
    text: str  # the answer text this reply was prepared for
    reply: Reply
    sentences: list[str]
    first: tuple[str, Clip] | None


@dataclass
class SessionResult:
    folder: Path
    turns: int
    end_reason: str
    latencies_ms: list[float] = field(default_factory=list)
    first_question_at: float | None = None


class InterviewSession:
    def __init__(
        self,
        folder: Path,
        journal: Journal,
        interviewer: Interviewer,
        voice: Voice,
        sink: AudioSink,
        listener: Listener,
        context: InterviewContext,
        stt_model: str = "",
        speculate: bool = True,
        say: Callable[[str], None] = print,
    ):
        self.folder = folder
        self.journal = journal
        self.interviewer = interviewer
        self.voice = voice
        self.sink = sink
        self.listener = listener
        self.context = context
        self.stt_model = stt_model
        self.speculate = speculate
        self.say = say
        self._spec_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare")
        self._spec: Future | None = None
        self._lock = threading.Lock()

    # -- preparing the next reply while the candidate is silent ------------
    def _prepare(self, text: str) -> Prepared:
        ctx = copy.deepcopy(self.context)
        ctx.history[-1].answer = text
        ctx.elapsed_s = self.journal.now()
        reply = self.interviewer.next_reply(ctx)
        sentences = [s for s in reply.sentences if s.strip()]
        first = (sentences[0], self.voice.synthesize(sentences[0])) if sentences else None
        return Prepared(text, reply, sentences, first)

    def _on_finished_words(self, transcript: Transcript) -> None:
        if self.speculate:
            self._spec = self._spec_pool.submit(self._prepare, transcript.text)

    def _take_prepared(self, text: str) -> Prepared | None:
        spec, self._spec = self._spec, None
        if spec is None:
            return None
        try:
            prepared = spec.result(timeout=10)
        except Exception:
            return None
        return prepared if prepared.text == text else None

    # -- one turn -----------------------------------------------------------
    def _speak_turn(
        self, turn: int, reply: Reply, prepared: Prepared | None, decided_at: float | None
    ) -> float | None:
        plan = reply.plan
        name = f"turn-{turn:02d}-interviewer.wav"
        t_start = self.journal.now()
        said: list[str] = []
        try:
            if prepared is not None:
                spoken = speak(
                    prepared.sentences[1:],
                    self.voice,
                    self.sink,
                    self.folder / name,
                    first_clip=prepared.first,
                    on_sentence=said.append,
                )
            else:
                spoken = speak(
                    reply.sentences,
                    self.voice,
                    self.sink,
                    self.folder / name,
                    on_sentence=said.append,
                )
        except BaseException:
            # Stopped mid-question (Ctrl-C, a device failure): keep what had started playing.
            self.journal.write(
                "question", t=t_start, turn=turn, kind=plan.kind, question_id=plan.question_id,
                gap=plan.gap, track=plan.track, text=" ".join(said), audio=name,
                engine=reply.engine, interrupted=True,
            )  # fmt: skip
            raise
        latency = None
        if decided_at is not None and spoken.first_audio_at is not None:
            latency = round((spoken.first_audio_at - decided_at) * 1000, 1)
        self.say(f"Interviewer: {spoken.text}")
        self.journal.write(
            "question",
            t=t_start,
            turn=turn,
            kind=plan.kind,
            question_id=plan.question_id,
            gap=plan.gap,
            track=plan.track,
            text=spoken.text,
            audio=name,
            duration=spoken.duration,
            engine=reply.engine,
            latency_ms=latency,
            prepared=prepared is not None,
        )
        if spoken.error:
            self.journal.write("error", where="interviewer", message=spoken.error)
        if reply.engine == "offline-fallback":
            self.journal.write("llm_fallback", turn=turn, where="interviewer")
        self.context.history.append(
            Exchange(spoken.text, plan.kind, plan.question_id, plan.gap, plan.track)
        )
        return latency

    def _listen_turn(self, turn: int) -> Heard:
        name = f"turn-{turn:02d}-candidate.wav"
        t_listen = self.journal.now()
        wav = StreamingWav(self.folder / name, 16000)
        try:
            heard = self.listener.listen(
                record=wav.write, on_finished_words=self._on_finished_words
            )
        except BaseException:
            # Stopped mid-answer: the audio so far is on disk; say so in the journal.
            wav.close()
            self.journal.write(
                "answer", t=t_listen, turn=turn, text="", words=[], audio=name,
                duration=round(wav.duration, 3), end_reason="interrupted", stt_model=self.stt_model,
            )  # fmt: skip
            raise
        finally:
            wav.close()
        words = [
            {"word": w.word, "start": w.start, "end": w.end, "probability": w.probability}
            for w in heard.transcript.words
        ]
        self.journal.write(
            "answer",
            t=t_listen,
            turn=turn,
            text=heard.transcript.text,
            words=words,
            audio=name,
            duration=round(heard.audio.duration, 3),
            speech_start=round(heard.speech_start, 3),
            speech_end=round(heard.speech_end, 3),
            end_reason=heard.end_reason,
            stt_model=self.stt_model,
            tail_wait_ms=round(heard.tail_wait_ms, 1),
        )
        if heard.transcript.text:
            self.say(f"You: {heard.transcript.text}")
        self.context.history[-1].answer = heard.transcript.text
        return heard

    def run(self) -> SessionResult:
        turn = 0
        reason = "completed"
        latencies: list[float] = []
        first_at = None
        prepared: Prepared | None = None
        decided_at: float | None = None
        try:
            while True:
                turn += 1
                self.context.elapsed_s = self.journal.now()
                if prepared is not None:
                    reply = prepared.reply
                else:
                    reply = self.interviewer.next_reply(self.context)
                latency = self._speak_turn(turn, reply, prepared, decided_at)
                if latency is not None:
                    latencies.append(latency)
                if first_at is None:
                    first_at = time.monotonic()
                if reply.plan.done:
                    reason = "ended_by_candidate" if self.context.end_requested else "completed"
                    break
                heard = self._listen_turn(turn)
                decided_at = heard.decided_at
                if heard.end_reason == "source_ended" or heard.wants_end:
                    self.context.end_requested = True
                    prepared = None
                    self._spec = None
                    continue
                prepared = self._take_prepared(heard.transcript.text)
        except KeyboardInterrupt:
            reason = "interrupted"
            try:
                self.sink.stop()
            except Exception:
                pass
            self.say("Interview stopped; writing your report.")
        except UserError as exc:
            reason = "error"
            self.journal.write("error", where="session", message=str(exc))
            self.journal.write("session_ended", reason=reason, turns=turn)
            raise
        finally:
            # A reply being prepared may be inside the voice's native code: let it finish
            # (one planned turn and one sentence) so the process never exits under it.
            self._spec_pool.shutdown(wait=True, cancel_futures=True)
        self.journal.write("session_ended", reason=reason, turns=turn)
        return SessionResult(self.folder, turn, reason, latencies, first_at)
