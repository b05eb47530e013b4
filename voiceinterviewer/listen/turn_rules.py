"""The word lists that tell the shape of an answer, read once from ``prompts/turns.toml``.

Which words leave a sentence unfinished, which questions invite a monologue,
which words show an answer has reached its result, and what talking over the
interviewer means (a request to repeat, or just "mm-hm"). The lists are data
so they can be tuned without code; the timings that go with them are settings.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from voiceinterviewer.errors import UserError

LISTS = (
    "unfinished_endings",
    "open_question_cues",
    "result_cues",
    "quantity_cues",
    "clarification_cues",
    "backchannels",
)


_FIRST_SENTENCE = re.compile(r"^.*?(?:[.!?](?=\s|$)|$)", re.S)


def _matcher(cues: list[str]) -> re.Pattern[str]:
    """One pattern matching any cue as whole words (symbols like % and $ anywhere).

    The last word of a cue also matches with an ``s`` after it ("promotion"
    matches "promotions", "the lesson" "the lessons"), so the lists need not
    spell out plurals.
    """
    parts = []
    for cue in sorted(set(cues), key=len, reverse=True):
        if re.fullmatch(r"\W+", cue):
            parts.append(re.escape(cue))
        else:
            words = [re.escape(w) for w in cue.lower().split()]
            parts.append(r"(?<![\w'])" + r"[\s,.;:!?-]+".join(words) + r"s?(?![\w'])")
    return re.compile("|".join(parts) or r"(?!x)x", re.I)


@dataclass(frozen=True)
class TurnRules:
    unfinished_endings: frozenset[str]
    open_question: re.Pattern[str]
    result: re.Pattern[str]
    quantity: re.Pattern[str]
    clarification: re.Pattern[str]
    backchannel_words: frozenset[str]

    def is_open_question(self, text: str) -> bool:
        return bool(self.open_question.search(text))

    def reached_result(self, text: str, open_question: bool = False) -> bool:
        """An outcome anywhere, or a quantity (outside the scene an open answer's first
        sentence sets)."""
        if self.result.search(text):
            return True
        if open_question:
            text = _FIRST_SENTENCE.sub("", text, count=1)
        return bool(self.quantity.search(text))

    def is_clarification(self, text: str) -> bool:
        return bool(self.clarification.search(text))

    def is_backchannel(self, text: str) -> bool:
        """Nothing but listening sounds ("mm-hm", "right", "okay, sure")."""
        spoken = " ".join(re.findall(r"[a-z'-]+", text.lower()))
        if not spoken:
            return False
        rest = spoken
        for phrase in sorted(self.backchannel_words, key=len, reverse=True):
            rest = re.sub(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", " ", rest)
        return not rest.strip()


def parse_rules(data: dict, where: str = "turns.toml") -> TurnRules:
    lists = {}
    for name in LISTS:
        value = data.get(name)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise UserError(f"bad prompts file {where}: {name} must be a list of words")
        lists[name] = [v.strip().lower() for v in value]
    return TurnRules(
        unfinished_endings=frozenset(lists["unfinished_endings"]),
        open_question=_matcher(lists["open_question_cues"]),
        result=_matcher(lists["result_cues"]),
        quantity=_matcher(lists["quantity_cues"]),
        clarification=_matcher(lists["clarification_cues"]),
        backchannel_words=frozenset(lists["backchannels"]),
    )


@functools.lru_cache(maxsize=8)
def _load(path: str, stamp: tuple) -> TurnRules:
    from voiceinterviewer.prompt_files import read_toml

    return parse_rules(read_toml(Path(path)), path)


def turn_rules(root: Path | None = None) -> TurnRules:
    """The rules under ``root`` (default: the prompts folder in use); cached until the file changes."""
    from voiceinterviewer.home import PROMPTS_DIR

    path = Path(root or PROMPTS_DIR) / "turns.toml"
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = (0, 0)
    return _load(str(path), stamp)
