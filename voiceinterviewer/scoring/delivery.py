"""Delivery metrics from the answers' word timings: pace, fillers, long pauses, length, talk time.

Design: everything is computed from the session record alone (no audio), so a
re-scored or re-transcribed session gives the same figures. An answer's
speaking time is the span from its first word's start to its last word's end
when word timings exist, else ``speech_end - speech_start``, else its audio
duration. Pace and fillers per minute divide by the summed speaking time.

Fillers (the rubric's ``[fillers]``) are counted from the answer text by
:func:`find_fillers`, which reads a little context so that only filler uses count: "like" in "I would
like to" or "looks like a cache" is a verb or a comparison, "like, we just"
is a filler; "you know" in "do you know how" is a question; "kind of" in
"what kind of store" is a noun phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voiceinterviewer.rubric import load_rubric
from voiceinterviewer.scoring.report import Delivery, Pause
from voiceinterviewer.session.record import Answer, SessionRecord

LONG_PAUSE_SECONDS = 2.0


def filler_names() -> tuple[str, ...]:
    """Every filler counted: the rubric's sounds ("um", "uh") and phrases ("you know")."""
    rubric = load_rubric()
    return tuple(rubric.fillers) + tuple(p.lower() for p in rubric.filler_phrases)


def _sounds() -> dict[str, str]:
    """Each written form of a filler sound -> its name ("umm" -> "um")."""
    rubric = load_rubric()
    return {form.lower(): name for name, forms in rubric.fillers.items() for form in forms}


_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[,.;:!?\u2014\u2013]|-{1,2}")
_BREAK = {",", ".", ";", ":", "!", "?", "\u2014", "\u2013", "-", "--"}
_END = {".", "!", "?"}
# "like" is a verb after these: "I like", "would like", "don't like", "I'd like".
_LIKE_VERB_BEFORE = set(
    "i you we they he she people users customers would wouldn't i'd we'd you'd they'd "
    "to do does did don't doesn't didn't not really also might may could should will "
    "i'll we'll who".split()
)
# "like" is a comparison after these: "looks like", "something like", "just like the old one".
_LIKE_COMPARE_BEFORE = set(
    "look looks looked looking feel feels felt seem seems seemed sound sounds sounded "
    "something anything nothing things stuff more much exactly just behaves acts "
    "worked works is was are were be been it's that's systems tools companies teams".split()
)
# "like" is a filler after these when no comparison follows: "and like we had", "so like".
_LIKE_FILLER_BEFORE = set("and so but or then um uh er ah like know mean".split())
_LIKE_COMPARE_AFTER = set("a an the this that these those how what when".split())
_DETERMINERS = set(
    "a the what which this that some any one every each same different new another "
    "these those all many no our my their your its his her that's what's".split()
)
_YOU_KNOW_QUESTION_BEFORE = set("do did don't didn't if would whether might what".split())
_YOU_KNOW_OBJECT_AFTER = set(
    "how what where why when who whether if that about it them him her this those "
    "these the a an my our your their".split()
)
_I_MEAN_NOT_BEFORE = set("what which do did don't didn't".split())
_I_MEAN_NOT_AFTER = set("is that it to the by when".split())


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def _is_like_filler(toks: list[str], i: int) -> bool:
    prev = toks[i - 1] if i > 0 else "."
    nxt = toks[i + 1] if i + 1 < len(toks) else "."
    if prev in _LIKE_VERB_BEFORE:
        return False
    if nxt in _BREAK:  # "like," or "like." is a filler once the verb uses are excluded
        return True
    if nxt.isdigit() or nxt in {"about", "around", "maybe"}:
        return False  # "like 20 percent": an approximation
    if prev in _BREAK and prev not in _END:  # ", like we had to" but ", like the old one"
        return nxt not in _LIKE_COMPARE_AFTER
    if prev in _LIKE_COMPARE_BEFORE:
        return False
    # "and like we had to"; a sentence start without a comma ("Like most teams, ...") or
    # a noun before ("systems like Kafka") is a comparison.
    return prev in _LIKE_FILLER_BEFORE


def _is_you_know_filler(toks: list[str], i: int) -> bool:
    prev = toks[i - 1] if i > 0 else "."
    nxt = toks[i + 2] if i + 2 < len(toks) else "."
    if prev in _YOU_KNOW_QUESTION_BEFORE:
        return False
    return nxt in _BREAK or nxt not in _YOU_KNOW_OBJECT_AFTER


def _is_i_mean_filler(toks: list[str], i: int) -> bool:
    prev = toks[i - 1] if i > 0 else "."
    nxt = toks[i + 2] if i + 2 < len(toks) else "."
    if prev in _I_MEAN_NOT_BEFORE:
        return False
    if nxt in _BREAK:
        return True
    return nxt not in _I_MEAN_NOT_AFTER


def _is_hedge_filler(toks: list[str], i: int) -> bool:
    """ "kind of"/"sort of" as a hedge ("it was kind of slow"), not "what kind of store"."""
    prev = toks[i - 1] if i > 0 else "."
    return prev not in _DETERMINERS


def find_fillers(text: str) -> dict[str, int]:
    """Filler counts in ``text`` by the rubric's names (um, uh, er, ah, like, you know, ...)."""
    toks = _tokens(text)
    sounds = _sounds()
    phrases = [p.lower() for p in load_rubric().filler_phrases]
    checks = {
        "like": _is_like_filler,
        "you know": _is_you_know_filler,
        "i mean": _is_i_mean_filler,
        "sort of": _is_hedge_filler,
        "kind of": _is_hedge_filler,
    }
    counts: dict[str, int] = {}
    i = 0
    while i < len(toks):
        tok = toks[i]
        name = None
        step = 1
        if tok in sounds:
            name = sounds[tok]
        else:
            for phrase in phrases:
                size = len(phrase.split())
                if " ".join(toks[i : i + size]) == phrase:
                    check = checks.get(phrase)
                    if check is None or check(toks, i):
                        name, step = phrase, size
                    break
        if name:
            counts[name] = counts.get(name, 0) + 1
        i += step
    return counts


def word_count(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)?", text))


@dataclass
class AnswerTiming:
    speaking_seconds: float
    timed: bool  # from word timings


def answer_timing(answer: Answer) -> AnswerTiming:
    words = [w for w in answer.words if w.end >= w.start]
    if words:
        return AnswerTiming(max(0.0, words[-1].end - words[0].start), True)
    if answer.speech_end > answer.speech_start:
        return AnswerTiming(answer.speech_end - answer.speech_start, False)
    return AnswerTiming(max(0.0, answer.duration), False)


def compute_delivery(
    record: SessionRecord,
    answer_time_box: float = 180.0,
    long_pause: float = LONG_PAUSE_SECONDS,
) -> Delivery:
    """Delivery metrics over every answered turn of ``record``."""
    total_words = 0
    speaking = 0.0
    fillers: dict[str, int] = {}
    pauses: list[Pause] = []
    seconds: list[float] = []
    turns: list[int] = []
    over: list[int] = []
    timed = False
    for turn in record.answered():
        answer = turn.answer
        assert answer is not None
        timing = answer_timing(answer)
        timed = timed or timing.timed
        total_words += len(answer.words) if answer.words else word_count(answer.text)
        speaking += timing.speaking_seconds
        for name, n in find_fillers(answer.text).items():
            fillers[name] = fillers.get(name, 0) + n
        for prev, cur in zip(answer.words, answer.words[1:], strict=False):
            gap = cur.start - prev.end
            if gap > long_pause:
                pauses.append(Pause(turn.index, round(answer.t + prev.end, 2), round(gap, 2)))
        seconds.append(round(timing.speaking_seconds, 2))
        turns.append(turn.index)
        if timing.speaking_seconds > answer_time_box:
            over.append(turn.index)
    minutes = speaking / 60.0
    total = record.duration
    return Delivery(
        wpm=round(total_words / minutes, 1) if minutes > 0 else 0.0,
        fillers_per_min=round(sum(fillers.values()) / minutes, 2) if minutes > 0 else 0.0,
        filler_counts=dict(sorted(fillers.items(), key=lambda kv: (-kv[1], kv[0]))),
        long_pauses=pauses,
        answer_seconds=seconds,
        talk_time_ratio=round(min(1.0, speaking / total), 3) if total > 0 else 0.0,
        answer_turns=turns,
        answer_time_box=answer_time_box,
        over_time_box=over,
        timed=timed,
    )


def delivery_tips(delivery: Delivery) -> list[str]:
    """Specific delivery advice, most useful first (empty when delivery was fine)."""
    tips = []
    if delivery.over_time_box:
        longest = max(
            zip(delivery.answer_seconds, delivery.answer_turns, strict=False),
            key=lambda pair: pair[0],
        )
        tips.append(
            f"Your answer in turn {longest[1]} ran {_mmss(longest[0])}; keep answers under "
            f"{_mmss(delivery.answer_time_box)}: headline first, then two or three key details."
        )
    if delivery.fillers_per_min >= 4 and delivery.filler_counts:
        top = next(iter(delivery.filler_counts))
        tips.append(
            f'You used {delivery.fillers_per_min:.1f} fillers a minute, mostly "{top}"; '
            "pause silently instead: a short pause sounds more senior than a filler."
        )
    if delivery.long_pauses:
        p = max(delivery.long_pauses, key=lambda x: x.duration)
        tips.append(
            f"You paused {p.duration:.1f} s at {_mmss(p.start)} (turn {p.turn}); when you need to "
            'think, say so ("let me think about the write path for a second").'
        )
    if delivery.timed and delivery.wpm > 185:
        tips.append(
            f"You spoke at {delivery.wpm:.0f} words a minute; slow to about 150 so key numbers land."
        )
    elif delivery.timed and 0 < delivery.wpm < 100:
        tips.append(
            f"You spoke at {delivery.wpm:.0f} words a minute; aim for 130-160 with fewer restarts."
        )
    return tips


def _mmss(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"
