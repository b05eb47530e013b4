"""How long the interviewer waits in a silence before it takes the turn: a pure rule.

A finished sentence is not a finished answer. People pause for seconds
between complete sentences while they think, and an interview answer is a
monologue. So the wait depends on what has been said:

- words that sound unfinished ("...and so", "um", a comma) wait
  ``pause_silence``;
- a finished sentence in an answer to an open question ("Tell me about a
  time...", "Design...") that has not yet reached a result (no impact, number
  or wrap-up; a number in its first sentence only sets the scene) waits
  ``open_silence``, and so does a first sentence with no
  result whatever the question ("What was the impact?" "I disagreed with my
  manager about the rewrite." is where a story starts, not an answer);
- a finished sentence once the answer has reached its point waits
  ``end_silence``, so a complete answer gets a prompt reply; so does an
  answer to a closed follow-up that goes beyond one sentence, unless this
  candidate is one who thinks for seconds between sentences: then it waits
  as long as their thinking pauses call for until a result is heard (a
  second sentence with no result is where their story goes on).

It also fits the candidate (:class:`Pauses`): waits grow with the pauses this
candidate takes inside answers (and the pauses after which they resumed over
the interviewer), and the wait after a complete answer grows each time they
had to resume over the interviewer after one (after LiveKit's dynamic
endpointing: a moving average of their pauses, clamped between the setting
and ``max_end_silence``). ``max_silence`` bounds every wait.

When a wait runs out on a frame where the voice detector is already rising
(:func:`holds_end`), the end is held a moment: that is the candidate going
on, heard 100-200 ms before the detector calls it speech.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from voiceinterviewer.listen.turn_rules import TurnRules


@dataclass
class PatienceOptions:
    # Silence that ends an answer that has reached its point (or answers a follow-up).
    end_silence: float = 0.8
    # Silence after a finished sentence in an open answer that has not reached a result yet.
    open_silence: float = 3.2
    # Silence after words that sound unfinished ("so...", "and", "um", a comma).
    pause_silence: float = 3.6
    # Silence that always ends an answer.
    max_silence: float = 6.0
    # An answer of fewer words than this sounds unfinished.
    min_words: int = 4
    # An answer of at most this many sentences that reached no result waits open_silence,
    # whatever the question (0: only answers to open questions do).
    brief_sentences: int = 1
    # Waits are at least this multiple of the candidate's typical thinking pause.
    thinking_factor: float = 1.25
    # How far a newly observed thinking pause moves the learned typical pause (0-1).
    learn_weight: float = 0.3
    # How far each resume over a reply moves the wait after a complete answer towards that
    # pause plus `resume_margin` (0-1). LiveKit's dynamic endpointing moves its delay by
    # 0.1 (its `alpha` of 0.9 on the history): one afterthought is not a new habit, and
    # the wait after every complete answer that follows pays for each step.
    resume_weight: float = 0.1
    # After the candidate resumed over a reply, later waits tend to that pause plus this.
    resume_margin: float = 0.5
    # The learned wait after a complete answer never grows past this.
    max_end_silence: float = 2.5
    # How far each answer the candidate let end brings that wait back to end_silence (0-1).
    ease_weight: float = 0.25
    # A silence inside an answer shorter than this is not a thinking pause.
    min_thinking: float = 0.5
    # A silence does not end the answer on a frame whose voice probability is at least
    # this: the detector takes 100-200 ms to rise from the start of a word to its speech
    # threshold, and a reply started then lands on the candidate going on.
    rising: float = 0.3
    # ...for at most this long (seconds): a sound that never becomes speech ends nothing.
    max_hold: float = 0.3


@dataclass(frozen=True)
class AnswerState:
    """What the rule sees of the answer so far."""

    text: str
    open_question: bool  # the question invites a monologue
    lost_word: bool = False  # speech went on after the last recognised word


@dataclass(frozen=True)
class Pauses:
    """What the interviewer has learned of this candidate's pauses during the session."""

    thinking: float = 0.0  # moving average of pauses inside answers (0: none seen yet)
    end_silence: float = 0.0  # learned wait after a complete answer (0: the setting)
    resumes: int = 0  # times the candidate resumed over a reply


@dataclass(frozen=True)
class Patience:
    wait: float  # seconds of silence that end the answer
    rule: str  # "complete", "open" or "unfinished"


def sounds_finished(text: str, rules: TurnRules, min_words: int = 4) -> bool:
    """True when the words so far end like a finished sentence."""
    stripped = text.strip()
    if not stripped:
        return False
    words = re.findall(r"[A-Za-z0-9']+", stripped.lower())
    if len(words) < min_words:
        return False
    if stripped.endswith(("...", "…", ",", "-", "—", ":", ";")):
        return False
    if words[-1] in rules.unfinished_endings:
        return False
    return stripped[-1] in ".!?" or stripped[-1].isalnum() and len(words) >= min_words * 3


def sentence_count(text: str) -> int:
    """Finished sentences in ``text`` (a trailing one without its full stop counts too)."""
    ends = re.findall(r"[.!?]+(?=\s|$)", text.strip())
    tail = bool(re.search(r"[A-Za-z0-9]\s*$", text))
    return len(ends) + tail


def asks_to_repeat(text: str, rules: TurnRules, max_words: int = 14) -> bool:
    """A short request to hear the question again ("Sorry, could you repeat that?")."""
    words = re.findall(r"[A-Za-z0-9']+", text)
    return 0 < len(words) <= max_words and rules.is_clarification(text)


def patience(
    answer: AnswerState, pauses: Pauses, rules: TurnRules, opt: PatienceOptions
) -> Patience:
    """The silence after which the answer is over, and which rule set it."""
    thinking = pauses.thinking * opt.thinking_factor
    # an answer still going: no result yet, and not a request to hear the question again
    reached = rules.reached_result(answer.text, answer.open_question)
    going = not reached and not asks_to_repeat(answer.text, rules)
    if answer.lost_word or not sounds_finished(answer.text, rules, opt.min_words):
        wait, rule = max(opt.pause_silence, thinking), "unfinished"
    elif going and (answer.open_question or sentence_count(answer.text) <= opt.brief_sentences):
        wait, rule = max(opt.open_silence, thinking), "open"
    else:
        wait, rule = max(opt.end_silence, pauses.end_silence), "complete"
        if going:
            wait = max(wait, thinking)
    return Patience(min(wait, opt.max_silence), rule)


def holds_end(voice: float, held: float, opt: PatienceOptions) -> bool:
    """The wait is over, but the candidate may be starting to talk: wait one more frame.

    ``voice`` is the voice probability of the frame that would end the answer;
    ``held`` is how long (seconds) the end has been held already in this silence.
    """
    return voice >= opt.rising and held < opt.max_hold - 1e-9


def learn_thinking(pauses: Pauses, pause: float, opt: PatienceOptions) -> Pauses:
    """The candidate went on after ``pause`` seconds of silence inside an answer."""
    if pause < opt.min_thinking:
        return pauses
    if pauses.thinking <= 0:
        return replace(pauses, thinking=pause)
    w = opt.learn_weight
    return replace(pauses, thinking=(1 - w) * pauses.thinking + w * pause)


def learn_resumed(
    pauses: Pauses, pause: float, opt: PatienceOptions, rule: str = "complete"
) -> Pauses:
    """The candidate went on after ``pause`` seconds, though the interviewer had taken the turn.

    ``rule`` is the one that had ended the answer: the wait that proved too short is the
    one that learns. After a complete-sounding answer that is the wait after complete
    answers; after an open or unfinished one (already seconds long) it is the candidate's
    typical pause, which those waits follow, and the prompt reply after a finished answer
    stays prompt.
    """
    learned = learn_thinking(pauses, pause, opt)
    if rule != "complete":
        return replace(learned, resumes=pauses.resumes + 1)
    current = pauses.end_silence or opt.end_silence
    target = pause + opt.resume_margin
    w = opt.resume_weight
    raised = max(current, (1 - w) * current + w * target)
    return replace(
        learned, end_silence=min(opt.max_end_silence, raised), resumes=pauses.resumes + 1
    )


def learn_ended(pauses: Pauses, opt: PatienceOptions) -> Pauses:
    """The interviewer took the turn and the candidate let it: the learned wait eases back."""
    if pauses.end_silence <= opt.end_silence:
        return pauses
    w = opt.ease_weight
    eased = (1 - w) * pauses.end_silence + w * opt.end_silence
    return replace(pauses, end_silence=eased if eased > opt.end_silence + 0.05 else 0.0)
