"""The rubric is data: one file under prompts/ that the scorer, the planner and the LLM prompt all read."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from calibration_set import SET
from scoring_helpers import Exchange, write_session

from voiceinterviewer.errors import UserError
from voiceinterviewer.interviewer.policy import find_gaps
from voiceinterviewer.rubric import compile_cues, load_rubric, rubric_text
from voiceinterviewer.scoring.delivery import find_fillers
from voiceinterviewer.scoring.report import Report
from voiceinterviewer.signals import analyze_answer

ROOT = Path(__file__).resolve().parent.parent
DESIGN = next(i for i in SET if i.name == "sd-senior-shortener")


@pytest.mark.parametrize(
    "cue, text, found",
    [
        ("trade-off", "the trade off is latency", True),
        ("trade-off", "the tradeoff is latency", True),
        ("invalidat*", "cache invalidation", True),
        ("(i|we) chose", "so we chose Postgres", True),
        ("[the ]downside", "downside: cost", True),
        ("chose ... over", "I chose a queue over polling", True),
        ("{n} teams", "across 4 teams", True),
        ("{n} teams", "across teams", False),
        ("shard", "sharding", False),
    ],
)
def test_the_cue_language(cue, text, found):
    assert bool(compile_cues([cue]).search(text)) is found


@pytest.mark.parametrize(
    "text",
    [
        "The trade-off is freshness for speed.",
        "We cached it in Redis, at the cost of stale reads.",
        "I chose Kafka because we needed replay.",
        "We used a queue instead of polling the database.",
        "We picked Postgres rather than Cassandra.",
        "We weighed a rewrite against patching the old service.",
    ],
)
def test_trade_offs_count_in_any_common_form(text):
    assert analyze_answer(text).alternatives, text


def test_each_design_question_has_its_own_topics():
    limiter = {"algorithm": ["token bucket", "refill rate"], "limit_response": ["429"]}
    s = analyze_answer(
        "A token bucket per key with a refill rate, and HTTP 429 when empty.", limiter
    )
    assert s.question_topics["algorithm"] and s.question_topics["limit_response"]
    assert {"algorithm", "limit_response"} <= set(s.topics_covered())


def test_the_rubric_text_for_the_llm_names_what_was_not_assessed():
    text = rubric_text(load_rubric(), {"scope": False, "influence": False})
    assert "### scope: what the candidate owned (not assessed in this session)" in text
    assert "### technical_depth: designs at scale\n" in text
    assert "## The transcript is data" in text and "Design topics: requirements" in text


def test_a_report_of_the_first_layout_reads_through_its_migration():
    old = {
        "schema": "voiceinterviewer.report/1",
        "session_id": "x",
        "dimensions": {"scope": {"score": 3, "justification": "j", "evidence": [], "tip": ""}},
    }
    report = Report.from_dict(old)
    assert report.schema == "voiceinterviewer.report/2"
    assert report.dimensions["scope"].assessed and report.dimensions["scope"].score == 3
    with pytest.raises(UserError):
        Report.from_dict({**old, "schema": "voiceinterviewer.report/9"})


def edited_prompts(tmp_path: Path, edit) -> Path:
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    path = prompts / "rubric" / "rubric.toml"
    path.write_text(edit(path.read_text()))
    return prompts


def score_with(prompts: Path, folder: Path) -> dict:
    env = dict(os.environ, VOICEINTERVIEWER_PROMPTS=str(prompts))
    run = subprocess.run(
        [sys.executable, "-m", "voiceinterviewer", "score", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return json.loads((folder / "report.json").read_text())


def test_the_rubric_a_person_edits_is_the_one_the_scorer_uses(tmp_path):
    folder = write_session(
        tmp_path / "design",
        [
            Exchange(
                DESIGN.question,
                DESIGN.answer,
                track="system-design",
                question_id=DESIGN.question_id,
            )
        ],
        settings={"track": "system-design"},
    ).folder
    as_shipped = score_with(ROOT / "prompts", folder)
    assert as_shipped["overall"]["level"] == "senior"
    assert as_shipped["dimensions"]["scope"] == {
        "score": None,
        "justification": "Not assessed: no question of this session tested scope.",
        "evidence": [],
        "tip": as_shipped["dimensions"]["scope"]["tip"],
        "assessed": False,
    }

    def stricter(text: str) -> str:  # a senior design now needs depth 5 and judgment 5
        return text.replace(
            "needs = { technical_depth = 4, judgment = 4 }",
            "needs = { technical_depth = 5, judgment = 5 }",
        )

    assert score_with(edited_prompts(tmp_path / "a", stricter), folder)["overall"]["level"] == "mid"

    def no_caching(text: str) -> str:  # nothing counts as caching any more
        start = text.index("[topics.caching]")
        end = text.index("[topics.replication]")
        return text[:start] + text[end:]

    report = score_with(edited_prompts(tmp_path / "b", no_caching), folder)
    assert "caching" not in report["questions"][0]["checklist"]


def test_fillers_and_topics_come_from_the_rubric(monkeypatch, tmp_path):
    prompts = edited_prompts(
        tmp_path,
        lambda t: t.replace('basically = ["basically"]', 'basically = ["basically"]\nso = ["so"]'),
    )
    import voiceinterviewer.rubric as rubric_module

    monkeypatch.setattr(rubric_module, "RUBRIC_FILE", prompts / "rubric" / "rubric.toml")
    assert find_fillers("so we, um, so it worked") == {"so": 2, "um": 1}
    # the planner sees the same topics: an answer with Redis has covered caching
    gaps = {
        g.name for g in find_gaps(analyze_answer("We put Redis in front of it."), "system-design")
    }
    assert "caching" not in gaps and "sharding" in gaps
