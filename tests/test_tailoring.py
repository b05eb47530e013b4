"""--job and --stories are heard: the role's systems in a question, the person's stories by name."""

from __future__ import annotations

import json

import pytest

from voiceinterviewer.cli import main
from voiceinterviewer.interviewer.base import Exchange, InterviewContext
from voiceinterviewer.interviewer.offline import OfflineInterviewer
from voiceinterviewer.interviewer.planner import Planner
from voiceinterviewer.interviewer.tailoring import read_job, read_stories

JOB = """Senior Software Engineer, Search Infrastructure

About the team: we run product search for 40 million shoppers.
You will build and scale our indexing pipeline and query serving on Elasticsearch and Kafka.
Own the relevance ranking service and lead design reviews across teams.
Requirements: 5+ years of backend experience, Java or Go.
"""
STORIES = """My stories
- Led the rewrite of the ingestion service from Python to Go.
- Mentored two junior engineers through their first on-call rotation.
- Disagreed with the data team about who owns the event schema, and we agreed on a contract.
"""


def test_the_job_description_gives_the_role_its_systems_and_what_it_owns():
    job = read_job(JOB)
    assert job.role == "Senior Software Engineer, Search Infrastructure"
    assert {"Elasticsearch", "Kafka"} <= set(job.systems)
    assert job.responsibilities[0].startswith("build and scale our indexing pipeline")
    assert read_job("").empty


def test_each_story_note_is_said_back_and_knows_what_it_lacks():
    notes = read_stories(STORIES)
    assert [n.said for n in notes] == [
        "you led the rewrite of the ingestion service from Python to Go",
        "you mentored two junior engineers through their first on-call rotation",
        "you disagreed with the data team about who owns the event schema",
    ]
    assert notes[0].gaps[0] == "impact"  # no number, no outcome in the note


def answered(context: InterviewContext, interviewer: OfflineInterviewer, answer: str):
    reply = interviewer.next_reply(context)
    text = " ".join(reply.sentences)
    plan = reply.plan
    context.history.append(Exchange(text, plan.kind, plan.question_id, plan.gap, plan.track))
    context.history[-1].answer = answer
    return plan, text


def test_a_story_question_names_the_story_and_its_follow_up_probes_what_it_lacks():
    context = InterviewContext(track="behavioral", seed="stories", stories_text=STORIES)
    interviewer = OfflineInterviewer()
    plan, text = answered(
        context, interviewer, "I rewrote it in Go with two others and we shipped it in March."
    )
    assert plan.kind == "greeting"
    told = [n.said for n in read_stories(STORIES)]
    asked = next(said for said in told if said in text)  # the question is about one story
    follow_up, follow_text = answered(context, interviewer, "It went well.")
    assert follow_up.kind == "follow_up" and follow_up.gap == "impact"
    assert asked in follow_text  # the follow-up names the same story


def test_the_role_frames_an_early_question_and_the_design_question_fits_it():
    context = InterviewContext(track="senior-loop", seed="job", job_text=JOB)
    planner = Planner()
    sequence = planner.sequence(context)
    design = next(q for q in sequence if q.track == "system-design")
    assert design.id in ("sd-typeahead", "sd-web-crawler")  # search questions fit the role
    story = next(q for q in sequence if q.track == "behavioral")
    assert planner.framed_by_job(context) == story.id  # the first question after the intro
    design_only = InterviewContext(track="system-design", seed="job", job_text=JOB)
    assert planner.framed_by_job(design_only) == planner.sequence(design_only)[0].id


@pytest.mark.slow
def test_practice_with_a_job_and_stories_asks_about_them(tmp_path, capsys):
    job, stories = tmp_path / "jd.txt", tmp_path / "stories.txt"
    job.write_text(JOB)
    stories.write_text(STORIES)
    answers = []
    for i, text in enumerate(
        [
            "I'm a backend engineer, mostly on data pipelines for the last six years.",
            "I rewrote the ingestion service in Go with two other engineers.",
            "It was a lot faster afterwards.",
        ]
    ):
        path = tmp_path / f"answer-{i}.txt"
        path.write_text(text)
        answers.append(str(path))
    root = tmp_path / "recordings"
    args = ["practice", "--answers", *answers, "--job", str(job), "--stories", str(stories)]
    args += ["--out", str(root), "--seed", "tailored", "--track", "senior-loop"]
    assert main(args) == 0
    capsys.readouterr()
    (folder,) = [p for p in root.iterdir() if p.is_dir()]
    events = [json.loads(line) for line in (folder / "session.jsonl").read_text().splitlines()]
    asked = [e["text"] for e in events if e["type"] == "question"]
    role = read_job(JOB)
    named = [q for q in asked if any(s in q for s in role.systems + role.responsibilities)]
    assert named, asked  # the role's systems or responsibilities are heard in a question
    stories_said = [n.said for n in read_stories(STORIES)]
    assert any(said in q for q in asked for said in stories_said), asked
