"""The interview loop: ask, listen the whole time, decide, reply; journal everything as it happens.

The microphone is never closed. While the interviewer speaks, every frame
goes through the barge-in rule (:mod:`voiceinterviewer.listen.bargein`, kept
for each reply by :class:`~voiceinterviewer.session.overlap_watch.OverlapWatch`):
the candidate's voice pauses the interviewer at once; words make it stop;
a cough lets it go on. Speech that interrupts a reply soon after an answer
ended continues that answer (the cut reply is journalled as
``reply_cut`` with what was played, and the next reply is planned again from
the whole answer); later speech is the answer to the question it cut off.

The loop only sees seams (interviewer, voice, transcriber, the audio
:class:`~voiceinterviewer.session.duplex.Duplex`), built by the runner. A
live interview, a scripted demo and a test differ only in the adapters.
Each turn is journalled the moment it completes; audio is written while it
is recorded or played, so an interrupted session keeps everything up to the
interruption.

Latency: while the candidate is silent but the words already sound
finished, the next reply is prepared (planned and its first sentence
synthesised) in the background; if the final words match, it is spoken at
once when the turn ends.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.scripted import QUESTION_ENDED, QUESTION_STARTED
from voiceinterviewer.audio.wavfile import StreamingWav
from voiceinterviewer.errors import UserError
from voiceinterviewer.interviewer.base import Exchange, InterviewContext, Interviewer, Reply
from voiceinterviewer.listen.answer import (
    Answer,
    Heard,
    Question,
    frames_to_samples,
)
from voiceinterviewer.listen.bargein import (
    STOP,
    interruption_kind,
    reply_audible,
    since_answer_end,
)
from voiceinterviewer.listen.ear import BLOCK_S, Frame
from voiceinterviewer.listen.endpoint import wants_to_end
from voiceinterviewer.listen.patience import Pauses, asks_to_repeat, learn_ended
from voiceinterviewer.listen.turn_rules import TurnRules, turn_rules
from voiceinterviewer.session.duplex import Duplex
from voiceinterviewer.session.journal import Journal
from voiceinterviewer.session.options import Outcome, SessionOptions, SessionResult
from voiceinterviewer.session.overlap_watch import OverlapWatch
from voiceinterviewer.session.planning import Planner, Prepared
from voiceinterviewer.session.speaking import Spoken, Utterance
from voiceinterviewer.session.turn_journal import AnswerPlace, TurnJournal, planned_text
from voiceinterviewer.stt.whisper import Transcriber
from voiceinterviewer.voice.base import Voice


class InterviewSession:
    def __init__(
        self,
        folder: Path,
        journal: Journal,
        interviewer: Interviewer,
        voice: Voice,
        duplex: Duplex,
        transcriber: Transcriber | Future,
        context: InterviewContext,
        options: SessionOptions | None = None,
        stt_model: str = "",
        speculate: bool = True,
        say: Callable[[str], None] = print,
        enter_pressed: Callable[[], bool] = lambda: False,
        on_question: Callable[[str, str, str], None] = lambda text, qid, topic: None,
        warm_voice: Callable[[Callable[[], bool]], object] | None = None,
    ):
        self.folder = folder
        self.journal = journal
        self.interviewer = interviewer
        self.voice = voice
        self.duplex = duplex
        self._transcriber = transcriber
        self.context = context
        self.options = options or SessionOptions()
        self.stt_model = stt_model
        self.speculate = speculate
        self.say = say
        self.enter_pressed = enter_pressed
        self.on_question = on_question  # (text, bank id, gap) of each question heard
        # Synthesises the voice's stock sentences in the background (given a "stop?" check);
        # started once the first words play, so it is never on the path to them.
        self._warm_voice = warm_voice
        self._closing = False
        self.rules: TurnRules = turn_rules()
        self.turns = TurnJournal(journal, folder, stt_model, say)
        self.pauses = Pauses()
        self.latencies: list[float] = []
        self._stt = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stt")
        self._work = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare")
        self.planner = Planner(
            interviewer, voice, context, journal.now,
            lambda fn: self._submit(self._work, fn), speculate,
        )  # fmt: skip
        self._answer: Answer | None = None  # the answer being heard, or decided but not sealed
        self._answer_turn = 0
        self._answer_t = 0.0
        self._answer_mic = 0.0
        self._answer_audio = ""
        self._decided_index = -1  # ear frame at which the open answer was decided
        self._reply_t = 0.0  # journal time the current reply started playing

    # -- background work, counted for a scripted clock ----------------------------
    def _submit(self, pool: ThreadPoolExecutor, fn) -> Future:
        return self.duplex.pending.submit(pool, fn)

    @property
    def transcriber(self) -> Transcriber:
        if isinstance(self._transcriber, Future):
            self._transcriber = self._transcriber.result()
        return self._transcriber

    # -- answers ----------------------------------------------------------------------
    def _open_answer(self, turn: int, question: str, frames: list[Frame] = ()) -> Answer:
        """Begin listening to the answer of ``turn`` (with frames already heard, if any)."""
        name = f"turn-{turn:02d}-candidate.wav"
        self._answer_turn = turn
        self._answer_audio = name
        first = frames[0] if frames else None
        self._answer_t = self.journal.now() - (len(frames) * BLOCK_S)
        self._answer_mic = first.t if first else self._ear_time()
        answer = Answer(
            self.transcriber,
            lambda fn: self._submit(self._stt, fn),
            self.rules,
            self.pauses,
            Question(question, self.rules.is_open_question(question)),
            self.options.listen,
            wav=StreamingWav(self.folder / name, 16000),
            on_finished_words=lambda t: self.planner.words_sound_finished(t.text),
            wants_end=wants_to_end,
        )
        if not frames and self.duplex.ready:
            self.duplex.get_ear().fresh()
        self.enter_pressed()  # an Enter pressed while the question played ends nothing
        for frame in frames:
            answer.feed(frame)
        self._answer = answer
        return answer

    def _ear_time(self) -> float:
        last = self.duplex.ring[-1] if self.duplex.ring else None
        return last.t + BLOCK_S if last else 0.0

    def _listen(self, answer: Answer) -> Heard:
        """Feed frames to ``answer`` until it is over."""
        try:
            while True:
                frame = self.duplex.read(self.journal.now)
                if self.duplex.ended:
                    answer._decide("source_ended")
                    break
                answer.enter_pressed = self.enter_pressed()
                if answer.feed(frame) == "decided":
                    self._decided_index = frame.index
                    break
        except BaseException:
            answer.close()
            self.turns.stopped_answer(
                self._place(), answer.phrases.transcript(), answer.phrases.pos / 16000
            )
            raise
        self.pauses = answer.pauses
        assert answer.heard is not None
        return answer.heard

    def _place(self) -> AnswerPlace:
        return AnswerPlace(self._answer_turn, self._answer_audio, self._answer_t, self._answer_mic)

    def _played(self, utter: Utterance | None) -> float:
        return self.duplex.playout.played_s if utter is not None else 0.0

    def _seal(self) -> None:
        if self._answer is not None:
            self.pauses = self._answer.pauses
            self._answer.seal()
            self._answer = None

    def _let_end(self) -> None:
        """The reply after a complete answer was heard in full: the candidate was done."""
        answer = self._answer
        if answer is not None and answer.heard is not None and answer.heard.rule == "complete":
            answer.pauses = learn_ended(answer.pauses, self.options.listen.patience)

    def _asks_to_repeat(self, text: str) -> bool:
        return asks_to_repeat(text, self.rules)

    # -- replies ------------------------------------------------------------------------
    def _reply(self, turn: int, plan: Future) -> Outcome:
        """Say the planned reply while listening; end when it was heard, or when it was cut."""
        name = f"turn-{turn:02d}-interviewer.wav"
        utter: Utterance | None = None
        watch = OverlapWatch(
            turn, self.options.barge_in, self.duplex.echo, self.rules, self.duplex.playout,
            self.turns, self._probe, self._playing_text, lambda: self._played(utter),
            self.options.probe_every,
        )  # fmt: skip
        reply: Reply | None = None
        audible = -1  # ear index where the reply was first heard
        prepared: Prepared | None = None
        open_answer = self._answer
        try:
            while True:
                if reply is None and plan.done():
                    reply, prepared = self.planner.result(plan)
                if utter is None and reply is not None and watch.state == "clear":
                    utter = self._start(reply, prepared, name)
                if utter is not None:
                    utter.pump()
                    if utter.done and watch.state != "stopped":
                        early = watch.onset if watch.state == "paused" else -1
                        return Outcome(
                            "completed", utter.close(), reply, onset=early, prepared=bool(prepared)
                        )
                    self.duplex.check()
                if not self.duplex.ready and self.duplex.self_clocked:
                    self.duplex.wait_a_moment()
                    continue
                frame = self.duplex.read(self.journal.now)
                if (
                    audible < 0
                    and utter is not None
                    and reply_audible(self.duplex.playout, frame.captured_at)
                ):
                    audible = frame.index
                    if self._warm_voice is not None:  # the session's first words are playing
                        warm, self._warm_voice = self._warm_voice, None
                        self._work.submit(warm, lambda: self._closing)
                if open_answer is not None:
                    open_answer.feed(frame)
                if watch.step(frame) == STOP:
                    return self._cut(
                        turn, plan, reply, utter, watch.onset, watch.text, open_answer, audible
                    )
        except BaseException:
            if utter is not None:  # stopped mid-question: keep what had started playing
                utter.stop()
                spoken = utter.close()
                if reply is not None:
                    self.turns.question(turn, self._reply_t, reply, spoken, None, interrupted=True)
            raise
        finally:
            self.duplex.speaking.clear()

    def _playing_text(self) -> str:
        """The sentence being played and the one before it (to recognise its own echo)."""
        part = self.duplex.playout.played()
        return " ".join(part.sentences[-1:] + [part.cut_sentence])

    def _start(self, reply: Reply, prepared: Prepared | None, name: str) -> Utterance:
        sentences, first = reply.sentences, None
        if prepared is not None and prepared.reply is reply:  # its first sentence is ready
            sentences, first = prepared.sentences[1:], prepared.first
        utter = Utterance(
            sentences, self.voice, self.duplex.playout, self.folder / name,
            first_clip=first, pending=self.duplex.pending,
        )  # fmt: skip
        self.duplex.speaking.set()
        utter.start()
        self._reply_t = self.journal.now()
        self.duplex.cue(QUESTION_STARTED)
        return utter

    def _with_preroll(self, onset: int) -> list[Frame]:
        """The frames of speech that began at ear frame ``onset``, with the preroll before it."""
        return self.duplex.since(onset - int(round(self.options.preroll / BLOCK_S)))

    def _probe(self, onset: int) -> Future:
        """Transcribe the interrupting speech so far, to find out whether it has words."""
        frames, transcriber = self._with_preroll(onset), self.transcriber
        return self._submit(
            self._stt, lambda: transcriber.transcribe(Clip(frames_to_samples(frames), STT_RATE))
        )

    def _cut(self, turn, plan, reply, utter, onset, text, open_answer, audible) -> Outcome:
        """The candidate interrupted the reply: stop it, and decide whose answer the speech is."""
        if utter is not None:
            utter.stop()
            spoken = utter.close(cut=True)
        else:
            spoken = Spoken("", "", 0.0, None, cut=True)
        if reply is None:
            reply, _ = self.planner.result(plan)
        since = (
            since_answer_end(onset, self._decided_index, audible, BLOCK_S)
            if open_answer is not None
            else None
        )
        kind = interruption_kind(since, text, self.rules, self.options.barge_in)
        self.turns.barge_in(turn, "stopped", text, self._played(utter), kind)
        if kind == "resume" and open_answer is not None:
            open_answer.resume()
            return Outcome("resumed", spoken, reply)
        frames = self._with_preroll(onset)
        self._seal()
        question = spoken.planned or " ".join(reply.plan.question_text.split())
        answer = self._open_answer(turn, question, frames)
        return Outcome("interjection", spoken, reply, answer)

    # -- the whole interview -------------------------------------------------------------
    def run(self) -> SessionResult:
        turn = 1
        reason = "completed"
        first_at = None
        answer_text: str | None = None
        repeat = False
        decided_at: float | None = None
        try:
            while True:
                plan = self.planner.next(answer_text, repeat)
                outcome = self._reply(turn, plan)
                reply, spoken = outcome.reply, outcome.spoken
                if outcome.kind == "resumed":
                    self.turns.cut_reply(self._answer_turn, turn, self._reply_t, reply, spoken)
                else:
                    latency = self.turns.question(
                        turn, self._reply_t, reply, spoken, decided_at, prepared=outcome.prepared
                    )
                    if latency is not None:
                        self.latencies.append(latency)
                    first_at = first_at or spoken.first_audio_at
                    self.say(f"Interviewer: {spoken.text}")
                    plan_ = reply.plan
                    self.context.history.append(
                        Exchange(spoken.text, plan_.kind, plan_.question_id, plan_.gap, plan_.track)
                    )
                    if reply.engine != "repeat" or self.planner.last_question is None:
                        self.planner.last_question = (plan_, planned_text(reply, spoken))
                    if outcome.kind == "completed":
                        self._let_end()
                        self._seal()
                        self.duplex.cue(QUESTION_ENDED)
                        if reply.plan.done:
                            reason = (
                                "ended_by_candidate" if self.context.end_requested else "completed"
                            )
                            break
                        early = self._with_preroll(outcome.onset) if outcome.onset >= 0 else []
                        # the speech model expects the terms of the question as it was heard
                        # (as `transcribe` does later, from the journal)
                        self.on_question(spoken.text, reply.plan.question_id, reply.plan.gap)
                        self._open_answer(turn, planned_text(reply, spoken), early)
                answer = self._answer
                assert answer is not None
                heard = self._listen(answer)
                decided_at = heard.decided_at
                self.turns.answer(self._place(), heard, self._asks_to_repeat(heard.transcript.text))
                text = heard.transcript.text
                if text:
                    self.say(f"You: {text}")
                self.context.history[-1].answer = text
                repeat = self._asks_to_repeat(text)
                answer_text = None if repeat else text
                if heard.end_reason == "source_ended" or heard.wants_end:
                    self.context.end_requested = True
                    self.planner.forget()
                    answer_text = None
                turn = self._answer_turn + 1
        except KeyboardInterrupt:
            reason = "interrupted"
            self.duplex.playout.stop()
            self.say("Interview stopped; writing your report.")
        except UserError as exc:
            reason = "error"
            self.journal.write("error", where="session", message=str(exc))
            self.journal.write("session_ended", reason=reason, turns=turn)
            raise
        finally:
            if self._answer is not None:
                self._answer.close()
            # A reply being prepared may be inside the voice's native code: let it finish
            # (one planned turn and one sentence) so the process never exits under it.
            self._closing = True
            self._work.shutdown(wait=True, cancel_futures=True)
            self._stt.shutdown(wait=True, cancel_futures=True)
        self.journal.write("session_ended", reason=reason, turns=turn)
        return SessionResult(self.folder, turn, reason, self.latencies, first_at)
