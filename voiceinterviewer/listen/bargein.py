"""The candidate talking over the interviewer: pause, then stop or go on. A pure state machine.

While the interviewer speaks, every frame of the (echo-cancelled) microphone
goes through :func:`overlap_step`:

1. ``onset`` seconds of speech in a row *pause* the interviewer at once, with
   a short fade, so the candidate is never talked over for more than a moment;
2. while paused, the speech is transcribed; ``confirm_words`` words (or one
   word and ``confirm_speech`` seconds of speech, or ``long_speech`` seconds of
   speech whatever the words) make it a real interruption: the interviewer
   *stops* and the rest of its reply is dropped;
3. no words within ``false_timeout`` (a cough, a door, a "mm-hm") and a
   moment of quiet, and the interviewer *resumes* where it paused.

A real interruption soon after the end of an answer (``resume_window``) means
the candidate had not finished: :func:`interruption_kind` says so, unless the
words ask for the question again. After LiveKit Agents' false-interruption
handling (pause on speech, resume after a timeout without words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol

from voiceinterviewer.listen.turn_rules import TurnRules


class Playing(Protocol):
    """What the rules need of the reply being played (:class:`~voiceinterviewer.audio.playout.Playout`)."""

    played_s: float  # seconds of the reply pulled by the speaker so far
    first_audio_at: float | None  # monotonic time its first sample went out (None: not yet)


PAUSE, STOP, RESUME = "pause", "stop", "resume"


@dataclass
class BargeInOptions:
    # Voice probability that counts as the candidate over the interviewer, with an echo canceller.
    threshold: float = 0.5
    # ...and how far (dB) the cleaned sound may be below the echo it replaced: what the
    # canceller leaves of the interviewer is 15-25 dB below its echo, a person about level.
    echo_margin_db: float = -6.0
    # With no canceller (echo = "gate"), or before it has converged: only speech much more
    # certain, and louder than the echo by this much (dB).
    gate_threshold: float = 0.95
    gate_margin_db: float = 6.0
    # ...or speech at the usual threshold that stands this far (dB) above the echo of the
    # loudest block played in the last 0.3 s, and does not follow what was played.
    peak_margin_db: float = 0.0
    # ...or speech at this lower voice probability while the microphone itself, before the
    # canceller, stands this far (dB) above the echo of that loudest block: louder than the
    # room can send back is someone in it. AEC3 turns a person's first syllables over its
    # echo down by 20-40 dB while it sorts out the double talk, and a first "And I..." reads
    # 0.3-0.5 to the detector: each cost 0.2-0.3 s more talking over them (hears_candidate).
    talk_threshold: float = 0.3
    talk_margin_db: float = 10.0
    # A block this close to the interviewer's audio (normalised correlation, see
    # voiceinterviewer.audio.echo.coherence) is its voice coming back, unless it passes the
    # strict gate.
    max_echo_like: float = 0.8
    # Speech in a row (seconds) that pauses the interviewer.
    onset: float = 0.096
    # Words over the interviewer that make it a real interruption.
    confirm_words: int = 2
    # Or one word and at least this much speech (seconds).
    confirm_speech: float = 0.4
    # Speech this long (seconds) is an interruption before its words are known.
    long_speech: float = 1.5
    # Speech heard after the interviewer went quiet (seconds) before it can count at all.
    min_alone: float = 0.2
    # No words this long after the pause (seconds): the interviewer goes on.
    false_timeout: float = 1.5
    # ...once the candidate has been quiet this long (seconds).
    quiet_to_resume: float = 0.25
    # An interruption this soon (seconds) after an answer ended (since_answer_end) continues it.
    resume_window: float = 4.0


@dataclass(frozen=True)
class Overlap:
    """Where a reply stands with respect to the candidate's voice."""

    state: str = "clear"  # clear (no speech), paused (checking it), stopped (interrupted)
    run: float = 0.0  # current run of speech, seconds
    speech: float = 0.0  # speech heard since the pause with the interviewer quiet, seconds
    since_pause: float = 0.0  # seconds since the pause
    quiet: float = 0.0  # seconds since speech was last heard
    pauses: int = 0  # times this reply was paused


def hears_candidate(frame, mode: str, opt: BargeInOptions) -> bool:
    """Whether this frame is the candidate's voice while the interviewer may be talking.

    ``frame`` has ``speech`` (voice probability), ``far`` (the interviewer was
    sounding), ``over_echo`` and ``over_peak`` (dB above the expected echo, and
    above the echo of the loudest recent block), ``settled`` (the canceller
    has converged) and ``echo_like`` (how closely it follows what was played);
    ``mode`` is webrtc, gate or headphones.

    Speech that follows what was played is the interviewer's own voice, even
    with the canceller settled: after the echo path moved, AEC3 passed it and
    it paused the interviewer. Without a settled canceller, speech counts at
    the usual threshold when it also stands above the loudest echo the room
    can still be sending back; only then the strict gate. A candidate who went
    on just as a reply started (the canceller settling again after the
    silence) was unheard for up to 1.6 s by the strict gate alone. Measured on
    simulated rooms (8 replies each: echo only, echo path moved 25 ms, and a
    candidate starting from 0.2 s before to 1 s after the reply), before ->
    after: talk-over p95 1612 -> 660 ms with AEC3 (2130 -> 1360 in a room
    that rings for 0.5 s), 1307 -> 572 ms with no canceller; pauses for its
    own voice 2 -> 0 of 16 replies with AEC3, in either room.

    Speech also counts at a lower voice probability when the microphone
    itself, before the canceller, is far louder than any echo the room can
    send back (``raw_over_peak``). AEC3 turns a person's first syllables over
    its echo down by 20-40 dB while it sorts out the double talk, and a first
    "And I..." reads 0.3-0.5 to the detector; judged by the cleaned sound
    alone, the reply went on over one afterthought in eight for 0.34-0.46 s.
    Measured by ``bench/afterthoughts.py`` (the simulated room; the bench's 8
    afterthoughts, each said 0.2-1.0 s into the reply, 48 runs), how long the
    reply played past the candidate's first sound: p50 158 -> 153 ms, p95 382
    -> 219 ms, slowest 460 -> 277 ms, none slower than before; no pause for
    its own voice in the room tests or over 40 replies on the laptop echo
    path (``bench/run.py``).
    """
    if not frame.far or mode == "headphones":
        return frame.speech >= opt.threshold
    apart = frame.echo_like < opt.max_echo_like  # it does not follow what was played
    voice = frame.speech >= opt.threshold and apart
    # louder than any echo: someone is talking, whatever the canceller left of them
    talking = (
        frame.speech >= opt.talk_threshold and apart and frame.raw_over_peak >= opt.talk_margin_db
    )
    if mode == "webrtc" and frame.settled:
        return talking or (voice and frame.over_echo >= opt.echo_margin_db)
    strict = frame.speech >= opt.gate_threshold and frame.over_echo >= opt.gate_margin_db
    return strict or talking or (voice and frame.over_peak >= opt.peak_margin_db)


def overlap_step(
    o: Overlap,
    speech: bool,
    block_s: float,
    words: int,
    backchannel: bool,
    opt: BargeInOptions,
    far: bool = False,
) -> tuple[Overlap, str]:
    """One frame: the new state and the action for the player ("", pause, stop, resume).

    ``words`` counts the words recognised in the speech since the pause;
    ``backchannel`` is true when they are only listening sounds ("mm-hm");
    ``far`` is true while the interviewer's voice (or its echo in the room) is
    still in the frame. Once paused, only speech heard after the interviewer
    has gone quiet counts: a person goes on, an echo the canceller missed
    stops with the voice that made it.
    """
    if o.state == "stopped":
        return o, ""
    run = o.run + block_s if speech else 0.0
    if o.state == "clear":
        if run >= opt.onset - 1e-9:
            paused = Overlap("paused", run, 0.0, 0.0, 0.0, o.pauses + 1)
            return paused, PAUSE
        return replace(o, run=run), ""
    alone = speech and not far  # the candidate's voice with the interviewer silent
    heard = o.speech + (block_s if alone else 0.0)
    quiet = 0.0 if alone else o.quiet + block_s
    since = o.since_pause + block_s
    o = replace(o, run=run, speech=heard, quiet=quiet, since_pause=since)
    spoken = words if not backchannel else 0
    if heard >= opt.min_alone - 1e-9 and (
        spoken >= opt.confirm_words
        or (spoken >= 1 and heard >= opt.confirm_speech)
        or heard >= opt.long_speech
    ):
        return replace(o, state="stopped"), STOP
    if since >= opt.false_timeout and quiet >= opt.quiet_to_resume:
        return Overlap("clear", 0.0, 0.0, 0.0, 0.0, o.pauses), RESUME
    return o, ""


def reply_audible(playout: Playing, captured_at: float | None) -> bool:
    """True when a microphone block captured at ``captured_at`` could hold the reply.

    The reply has started (``played_s`` > 0) and the block was captured after its first
    sample went out (``first_audio_at``; both monotonic). The listener may read blocks
    seconds after their capture, having waited on a slow transcription: the first block
    read once the reply plays can be one captured long before it. Without capture times
    (a scripted source) the block read when the reply starts counts.
    """
    if playout.played_s <= 0:
        return False
    if captured_at is None or playout.first_audio_at is None:
        return True
    return captured_at >= playout.first_audio_at


def since_answer_end(onset: int, decided: int, audible: int, block_s: float) -> float:
    """Seconds from the end of the answer to speech that began at ear frame ``onset``.

    The answer ended at the later of the frame where it was decided (``decided``)
    and the frame where the reply became audible (``audible``, -1: not yet): the
    candidate cannot react to a reply before hearing it, and a decision that
    waited on a slow transcription, or a reply slow to start, must not turn their
    "and one more thing" into a new answer.
    """
    return (onset - max(decided, audible)) * block_s


def interruption_kind(
    since_answer_end: float | None, text: str, rules: TurnRules, opt: BargeInOptions
) -> str:
    """ "resume" (the previous answer goes on) or "interjection" (something new, said over the reply).

    ``since_answer_end`` is the time from the end-of-turn decision to the
    interruption, or None when there is no answer to go back to.
    """
    if rules.is_clarification(text):
        return "interjection"
    if since_answer_end is not None and since_answer_end <= opt.resume_window:
        return "resume"
    return "interjection"


def own_echo(
    heard: str, playing: str, share: float = 0.6, common: frozenset[str] = frozenset()
) -> bool:
    """The words heard over the interviewer are its own: the echo got past the canceller.

    ``playing`` is the text of the sentence being played and the one before.
    Most of the heard words coming from it (or the one word heard, if it is a
    word of four letters or more) is echo, not a candidate. Only words of
    three letters or more that are not in ``common`` (the function words of
    prompts/turns.toml) are compared: the candidate's "After the fixes" under
    the reply, heard as "that takes it.", shares "that" and "it" with any
    question, and was taken for echo while the candidate went on unheard.
    """
    heard_words = [
        w for w in re.findall(r"[a-z0-9']+", heard.lower()) if len(w) > 2 and w not in common
    ]
    said = set(re.findall(r"[a-z0-9']+", playing.lower()))
    if not heard_words or not said:
        return False
    if len(heard_words) == 1:  # one word: echo only if it is a word of the sentence, not a filler
        return len(heard_words[0]) >= 4 and heard_words[0] in said
    return sum(w in said for w in heard_words) / len(heard_words) >= share
