"""One answer, heard frame by frame: when it is over, and how it goes on if the candidate resumes.

An :class:`Answer` starts when the interviewer finishes a question (or when
the candidate talks over it) and is fed every :class:`~.ear.Frame` after
that. It transcribes phrase by phrase (:mod:`.phrases`) and, in each silence,
asks the pure rule in :mod:`.patience` how long to wait; when the silence has
lasted that long the answer is *decided* and :meth:`Answer.feed` returns
``"decided"`` with the :class:`Heard` result.

A decided answer is not closed. Its frames after the decision are kept
aside, and if the candidate turns out not to have finished (they talk over
the interviewer's reply), :meth:`resume` takes them back in and the answer
goes on: one answer, one transcript, in order. :meth:`seal` closes it for
good once the reply was heard in full. The answer's WAV holds its audio up to
the decision, then everything after a resume.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.wavfile import StreamingWav
from voiceinterviewer.listen.ear import BLOCK_S, Frame
from voiceinterviewer.listen.patience import (
    AnswerState,
    PatienceOptions,
    Pauses,
    holds_end,
    learn_resumed,
    learn_thinking,
    patience,
    sounds_finished,
)
from voiceinterviewer.listen.phrases import PhraseOptions, Phrases
from voiceinterviewer.listen.turn_rules import TurnRules
from voiceinterviewer.stt.whisper import Transcriber, Transcript

# The journal's end reason for each patience rule.
END_REASONS = {"complete": "silence", "open": "open", "unfinished": "pause"}
END_PHRASES_WORDS = 12  # "end the interview" is looked for in the last words only


@dataclass
class ListenOptions:
    # Longest answer (seconds); it ends here even mid-sentence.
    max_answer: float = 240.0
    # How long to wait for the candidate to start speaking (seconds).
    no_speech_timeout: float = 60.0
    # Speech this long after the last recognised word means a word was lost: unfinished.
    lost_word_gap: float = 0.6
    # "vad" (voice activity and silence end an answer) or "enter" (pressing Enter does).
    mode: str = "vad"
    patience: PatienceOptions = field(default_factory=PatienceOptions)
    phrases: PhraseOptions = field(default_factory=PhraseOptions)


@dataclass
class Heard:
    """What one answer captured, as of its latest decision."""

    audio: Clip
    transcript: Transcript
    speech_start: float = 0.0
    speech_end: float = 0.0
    end_reason: str = "silence"
    rule: str = ""  # the patience rule that ended it: complete, open, unfinished
    waited: float = 0.0  # the silence that ended it (seconds)
    decided_at: float = 0.0  # monotonic time of the end-of-turn decision
    tail_wait_ms: float = 0.0  # time spent waiting for the last transcription
    chunks: int = 0
    wants_end: bool = False  # the candidate asked to end the interview
    resumed: int = 0  # times the candidate went on after the interviewer took the turn


@dataclass
class Question:
    """What the answer is an answer to, as the end-of-turn rule needs it."""

    text: str = ""
    open: bool = True


class Answer:
    def __init__(
        self,
        transcriber: Transcriber,
        submit: Callable[[Callable[[], Transcript]], Future],
        rules: TurnRules,
        pauses: Pauses,
        question: Question | None = None,
        options: ListenOptions | None = None,
        wav: StreamingWav | None = None,
        on_finished_words: Callable[[Transcript], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wants_end: Callable[[str], bool] | None = None,
    ):
        self.options = options or ListenOptions()
        self.rules = rules
        self.pauses = pauses  # updated as the candidate pauses; read back by the session
        self.question = question or Question()
        self.phrases = Phrases(transcriber, submit, self.options.phrases)
        self.wav = wav
        self.on_finished_words = on_finished_words
        self.clock = clock
        self.wants_end = wants_end or (lambda text: False)
        self.state = "listening"  # listening, decided, sealed
        self.enter_pressed = False
        self.heard: Heard | None = None
        self.resumed = 0
        self._aside: list[Frame] = []  # frames after the decision, until resumed or sealed
        self._silence_run = 0.0
        self._speculated_for = ""
        self._tail_wait = 0.0  # seconds spent waiting for transcriptions in this silence
        self._held = 0.0  # seconds the end was held in this silence for a rising voice

    # -- frames in --------------------------------------------------------------
    def feed(self, frame: Frame) -> str:
        """Take one frame; "decided" when this frame ended the answer, else ""."""
        if self.state == "sealed":
            return ""
        if self.state == "decided":
            self._aside.append(frame)
            return ""
        return self._listen(frame)

    def _listen(self, frame: Frame) -> str:
        opt = self.options
        speech = frame.speech >= opt.phrases.threshold
        if speech and self._silence_run > 0 and self.phrases.first_speech >= 0:
            self.pauses = learn_thinking(self.pauses, self._silence_run, opt.patience)
        self._silence_run = 0.0 if speech else self._silence_run + BLOCK_S
        if speech:
            self._tail_wait = 0.0
            self._held = 0.0
        self.phrases.add(frame.samples, speech)
        if self.wav is not None:
            self.wav.write(frame.samples)
        self.phrases.step()
        seconds = self.phrases.pos / STT_RATE
        if self.phrases.first_speech < 0:
            if opt.mode == "enter" and self.enter_pressed:
                return self._decide("enter")
            if seconds >= opt.no_speech_timeout:
                return self._decide("no_answer")
            return ""
        if seconds >= opt.max_answer:
            return self._decide("max_answer")
        if opt.mode == "enter":
            return self._decide("enter") if self.enter_pressed else ""
        silence = self.phrases.silence
        if silence < opt.phrases.chunk_pause:
            return ""
        if silence < opt.patience.end_silence - BLOCK_S / 2:
            self._maybe_speculate()
            return ""
        # the words before this pause must be known to judge it
        if self.phrases.pending:
            t_wait = self.clock()
            self.phrases.collect(wait=True)
            self._tail_wait += self.clock() - t_wait
        rule = patience(self._state(), self.pauses, self.rules, opt.patience)
        if silence >= rule.wait - BLOCK_S / 2:
            if silence >= opt.patience.max_silence - BLOCK_S / 2:
                return self._decide("max_silence", rule.rule, rule.wait)
            if holds_end(frame.speech, self._held, opt.patience):
                self._held += BLOCK_S
                return ""
            return self._decide(END_REASONS[rule.rule], rule.rule, rule.wait)
        self._maybe_speculate()
        return ""

    def _state(self) -> AnswerState:
        return AnswerState(
            self.phrases.text,
            self.question.open,
            self.phrases.lost_word(self.options.lost_word_gap),
        )

    def _maybe_speculate(self) -> None:
        if self.on_finished_words is None or self.phrases.pending:
            return
        text = self.phrases.text
        if text == self._speculated_for or self.phrases.lost_word(self.options.lost_word_gap):
            return
        if sounds_finished(text, self.rules, self.options.patience.min_words):
            self._speculated_for = text
            self.on_finished_words(self.phrases.transcript())

    def _decide(self, reason: str, rule: str = "", waited: float = 0.0) -> str:
        decided = self.clock()
        self.phrases.submit()
        t_wait = self.clock()
        self.phrases.collect(wait=True)
        tail_ms = (self.clock() - t_wait + self._tail_wait) * 1000
        p = self.phrases
        transcript = p.transcript()
        tail = " ".join(transcript.text.split()[-END_PHRASES_WORDS:])
        self.heard = Heard(
            audio=p.audio(),
            transcript=transcript,
            speech_start=max(0, p.first_speech) / STT_RATE,
            speech_end=max(0, p.last_speech) / STT_RATE,
            end_reason=reason,
            rule=rule,
            waited=waited,
            decided_at=decided,
            tail_wait_ms=tail_ms,
            chunks=len(p.parts),
            wants_end=self.wants_end(tail),
            resumed=self.resumed,
        )
        self.state = "decided"
        return "decided"

    # -- after the decision -----------------------------------------------------------
    @property
    def aside_seconds(self) -> float:
        return len(self._aside) * BLOCK_S

    def recent(self, seconds: float) -> list[Frame]:
        """The last ``seconds`` of frames kept since the decision."""
        n = int(round(seconds / BLOCK_S))
        return self._aside[-n:] if n else []

    def resume(self) -> None:
        """The candidate went on: take back the frames since the decision and keep listening."""
        if self.state != "decided":
            return
        frames, self._aside = self._aside, []
        assert self.heard is not None  # set by the decision
        pause = self._pause_before(frames)
        self.pauses = learn_resumed(self.pauses, pause, self.options.patience, self.heard.rule)
        self.resumed += 1
        self.state = "listening"
        self._silence_run = 0.0
        self._held = 0.0
        self._speculated_for = ""
        threshold = self.options.phrases.threshold
        for frame in frames:
            speech = frame.speech >= threshold
            self.phrases.add(frame.samples, speech)
            if self.wav is not None:
                self.wav.write(frame.samples)
            self.phrases.step()

    def _pause_before(self, frames: list[Frame]) -> float:
        """The silence from the end of speech to where the candidate went on."""
        threshold = self.options.phrases.threshold
        first = next((i for i, f in enumerate(frames) if f.speech >= threshold), len(frames))
        return self.phrases.silence + first * BLOCK_S

    def seal(self) -> None:
        """Close the answer: the reply after it was heard, or something new began."""
        self.state = "sealed"
        self._aside = []
        if self.wav is not None:
            self.wav.close()

    def close(self) -> None:
        """Stop mid-answer (Ctrl-C, a failure): what was recorded stays on disk."""
        if self.wav is not None:
            self.wav.close()


def frames_to_samples(frames: list[Frame]) -> np.ndarray:
    if not frames:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate([f.samples for f in frames])
