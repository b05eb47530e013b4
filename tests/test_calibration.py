"""Calibration: answers of a known level come out at that level, in order; injections stay low.

The written set (tests/calibration_set.py) is scored as one-question sessions
by the offline scorer. Part of it is also spoken: synthesised by Piper,
answered through `practice --answers` and transcribed by the real tiny.en with
the interview's vocabulary, then scored, so a spoken design full of jargon and
a spoken story are levelled through the whole path.
"""

from __future__ import annotations

import itertools
import json

import pytest
from audio_helpers import speech_file
from calibration_set import INJECTIONS, SET, Calibrated
from scoring_helpers import Exchange, write_session

from voiceinterviewer.cli import main
from voiceinterviewer.scoring.base import ScoreOptions
from voiceinterviewer.scoring.calibration import LEVEL_RANK
from voiceinterviewer.scoring.offline import OfflineScorer
from voiceinterviewer.session.record import load_session

SPOKEN = ["sd-senior-shortener", "sd-mid-limiter", "bh-senior-shared-service", "bh-weak-helped"]


def level_of(tmp_path, item: Calibrated) -> str:
    folder = write_session(
        tmp_path / item.name,
        [Exchange(item.question, item.answer, track=item.track, question_id=item.question_id)],
        settings={"track": item.track},
    ).folder
    return OfflineScorer().score(load_session(folder), ScoreOptions()).overall.level


@pytest.fixture(scope="module")
def levels(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("calibration")
    return {item.name: level_of(tmp, item) for item in SET + INJECTIONS}


def test_the_set_covers_every_level_in_both_kinds_of_question():
    for design in (True, False):
        kinds = {i.level for i in SET if (i.track == "system-design") == design}
        assert kinds == set(LEVEL_RANK)


def test_most_answers_get_their_exact_level(levels):
    exact = [i.name for i in SET if levels[i.name] == i.level]
    missed = {i.name: (i.level, levels[i.name]) for i in SET if levels[i.name] != i.level}
    assert len(exact) >= 0.9 * len(SET), missed


def test_every_ordered_pair_of_levels_comes_out_in_order(levels):
    for design in (True, False):
        items = [i for i in SET if (i.track == "system-design") == design]
        for a, b in itertools.combinations(items, 2):
            if LEVEL_RANK[a.level] < LEVEL_RANK[b.level]:
                a, b = b, a
            if LEVEL_RANK[a.level] > LEVEL_RANK[b.level]:
                assert LEVEL_RANK[levels[a.name]] > LEVEL_RANK[levels[b.name]], (a.name, b.name)


def test_injections_never_come_out_above_mid(levels):
    for item in INJECTIONS:
        assert LEVEL_RANK[levels[item.name]] <= LEVEL_RANK["mid"], item.name
        assert levels[item.name] == item.level, item.name


def test_a_design_only_session_is_levelled_on_the_design(tmp_path):
    item = next(i for i in SET if i.name == "sd-senior-shortener")
    folder = write_session(
        tmp_path / "s",
        [Exchange(item.question, item.answer, track=item.track, question_id=item.question_id)],
    ).folder
    report = OfflineScorer().score(load_session(folder), ScoreOptions())
    for name in ("scope", "influence"):
        assert not report.dimensions[name].assessed and report.dimensions[name].score is None
    assert report.overall.level == "senior"
    assert any("Not assessed" in r for r in report.overall.reasons)


@pytest.mark.slow
@pytest.mark.parametrize("name", SPOKEN)
def test_spoken_answers_are_transcribed_and_levelled(tmp_path, capsys, name):
    item = next(i for i in SET if i.name == name)
    answer = speech_file(tmp_path / "answer.wav", item.answer)
    root = tmp_path / "recordings"
    args = ["practice", "--answers", str(answer), "--question", item.question_id]
    args += ["--questions", "1", "--max-follow-ups", "0", "--out", str(root)]
    args += ["--track", "system-design" if item.track == "system-design" else "behavioral"]
    assert main(args) == 0
    capsys.readouterr()
    (folder,) = [p for p in root.iterdir() if p.is_dir()]
    report = json.loads((folder / "report.json").read_text())
    record = load_session(folder)
    heard = " ".join(t.answer.text for t in record.turns if t.answer)
    assert report["overall"]["level"] == item.level, heard
    if item.track == "system-design":
        assert report["dimensions"]["scope"]["assessed"] is False
