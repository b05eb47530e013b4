"""Text from words: numbers, decimals, hyphenated words and contractions read as one token everywhere."""

from __future__ import annotations

import json
import re

import pytest
from fakes import ScriptedTranscriber, transcript_of
from scoring_helpers import Exchange, write_session

from voiceinterviewer.audio.clip import Clip
from voiceinterviewer.cli import main
from voiceinterviewer.listen.recover import transcribe_recovering
from voiceinterviewer.session.record import Word, load_session
from voiceinterviewer.stt.words import join_words, merge_words, tidy_text

# How Whisper splits written tokens into words (pieces of a real tiny.en run).
PIECES = [
    ("At", 0.0, 0.2), ("peak", 0.2, 0.5), ("we", 0.5, 0.6), ("see", 0.6, 0.8),
    ("3", 0.8, 1.0), (",000", 1.0, 1.3), ("writes", 1.3, 1.7), ("and", 1.7, 1.8),
    ("p99", 1.8, 2.2), ("of", 2.2, 2.3), ("1", 2.3, 2.5), (".2", 2.5, 2.7),
    ("seconds.", 2.7, 3.2), ("Our", 3.4, 3.6), ("back", 3.6, 3.8), ("-end", 3.8, 4.0),
    ("team", 4.0, 4.3), ("made", 4.3, 4.5), ("a", 4.5, 4.6), ("multi", 4.6, 4.9),
    ("-year", 4.9, 5.2), ("plan,", 5.2, 5.5), ("but", 5.5, 5.7), ("we", 5.7, 5.8),
    ("didn", 5.8, 6.0), ("'t", 6.0, 6.1), ("ship", 6.1, 6.3), ("it", 6.3, 6.4),
    ("to", 6.4, 6.5), ("40", 6.5, 6.7), ("%", 6.7, 6.8), ("of", 6.8, 6.9),
    ("users.", 6.9, 7.3),
]  # fmt: skip
JOINED = (
    "At peak we see 3,000 writes and p99 of 1.2 seconds. Our back-end team made a multi-year "
    "plan, but we didn't ship it to 40% of users."
)
# What a reader would see if a renderer joined the pieces with spaces.
SPLIT = re.compile(r"\d [,.]\d|\w -\w|\w '(?:t|s|re|ve|ll|d|m)\b|\d %")


def words() -> list[Word]:
    return [Word(w, s, e, 0.9) for w, s, e in PIECES]


@pytest.mark.parametrize(
    "pieces, text",
    [
        (["3", ",000"], "3,000"),
        (["1", ".2", "seconds"], "1.2 seconds"),
        (["$", "2", "million"], "$2 million"),
        (["back", "-end"], "back-end"),
        (["back-", "end"], "back-end"),
        (["multi", "-year", "plan"], "multi-year plan"),
        (["we", "didn", "'t"], "we didn't"),
        (["it", "'s", "done", "."], "it's done."),
        (["the", "cost", "-", "maybe"], "the cost - maybe"),  # a dash between words stays
        (["about", ".5"], "about .5"),  # no number before: not a decimal of it
        (["40", "%"], "40%"),
    ],
)
def test_pieces_are_written_as_one_token(pieces, text):
    assert join_words(pieces) == text


def test_merged_words_keep_the_first_start_and_the_last_end():
    merged = merge_words(words())
    three = next(w for w in merged if w.word == "3,000")
    assert (three.start, three.end) == (0.8, 1.3)
    assert [w.word for w in merged if "-" in w.word] == ["back-end", "multi-year"]
    assert join_words(merged) == join_words(words()) == JOINED


def test_old_text_is_mended():
    assert tidy_text("we see 3 ,000 writes on the back -end in 1 .2 seconds") == (
        "we see 3,000 writes on the back-end in 1.2 seconds"
    )


def test_the_transcript_of_a_chunk_is_joined_right():
    transcriber = ScriptedTranscriber()
    rows = [(w, s, e, 0.9) for w, s, e in PIECES]
    transcriber.enqueue(transcript_of(rows))
    heard = transcribe_recovering(transcriber, Clip.silence(7.5), "", [(0.0, 7.3)], spoken=7.3)
    assert heard.text == JOINED


def test_no_output_has_split_tokens(tmp_path, recordings, capsys):
    """Journal text, transcript.md, report quotes, VTT, SRT, Markdown and HTML exports."""
    session = recordings / "20240501-100000-aaaa"
    raw = [{"word": w, "start": s, "end": e, "probability": 0.9} for w, s, e in PIECES]
    split_text = " ".join(w for w, _, _ in PIECES)  # how older versions wrote the answer text
    assert SPLIT.search(split_text)
    write_session(
        session,
        [
            Exchange("Tell me about a plan you owned.", split_text, words=raw),
            Exchange("Thanks, that's all.", None, kind="closing"),
        ],
    )
    record = load_session(session)
    assert record.turns[0].answer.text == JOINED
    assert main(["score", str(session)]) == 0
    outputs = {
        "transcript.md": (session / "transcript.md").read_text(),
        "report.html": (session / "report.html").read_text(),
        "report.json": json.dumps(json.loads((session / "report.json").read_text())),
    }
    for fmt in ("vtt", "srt", "md", "json"):
        target = tmp_path / f"out.{fmt}"
        assert main(["export", str(session), "--format", fmt, "-o", str(target)]) == 0
        outputs[fmt] = target.read_text()
    capsys.readouterr()
    for name, text in outputs.items():
        assert not SPLIT.search(text), (name, SPLIT.search(text))
    assert "3,000" in outputs["vtt"] and "back-end" in outputs["srt"]
    quotes = [
        e["quote"]
        for d in json.loads(outputs["report.json"])["dimensions"].values()
        for e in d["evidence"]
    ]
    assert quotes and all(not SPLIT.search(q) for q in quotes)
