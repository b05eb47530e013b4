"""The question banks and prompts: they load, meet the counts, and bad files give one clear error."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from voiceinterviewer.errors import UserError
from voiceinterviewer.home import PROMPTS_DIR
from voiceinterviewer.interviewer.bank import (
    GAPS,
    LEVELS,
    SD_GAPS,
    STORY_GAPS,
    fill,
)
from voiceinterviewer.interviewer.bank_files import load_bank


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture
def prompts(tmp_path) -> Path:
    """A private copy of the prompts to break."""
    root = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "track, least",
    [("system-design", 12), ("behavioral", 12), ("leadership", 7), ("career", 5), ("intro", 2)],
)
def test_bank_counts(bank, track, least):
    assert len(bank.by_track(track)) >= least


def test_questions_are_complete(bank):
    for q in bank.questions.values():
        assert q.text and q.signals, q.id
        assert set(q.levels) <= set(LEVELS) and q.levels, q.id
        assert q.id.startswith(
            {
                "system-design": "sd-",
                "behavioral": "bh-",
                "leadership": "ld-",
                "career": "career-",
                "intro": "intro-",
            }[q.track]
        )
        assert set(q.follow_ups) <= set(GAPS)


def test_every_level_has_questions_of_every_track(bank):
    for level in LEVELS:
        for track in ("intro", "behavioral", "leadership", "system-design", "career"):
            assert any(level in q.levels for q in bank.by_track(track)), (level, track)


def test_system_design_follow_ups_cover_every_topic(bank):
    for q in bank.by_track("system-design"):
        missing = [gap for gap in SD_GAPS if not q.follow_ups.get(gap)]
        assert not missing, (q.id, missing)


def test_default_follow_ups_cover_every_gap(bank):
    for gap in GAPS:
        assert len(bank.phrases.follow_ups[gap]) >= 2, gap
    assert "personally" in " ".join(bank.phrases.follow_ups["ownership"])
    for gap in STORY_GAPS:
        for q in bank.by_track("behavioral"):
            assert bank.follow_up_phrasings(q, gap), (q.id, gap)


def test_follow_up_phrasings_prefer_the_question(bank):
    q = bank.question("sd-url-shortener")
    assert bank.follow_up_phrasings(q, "capacity") == q.follow_ups["capacity"]
    assert bank.follow_up_phrasings(q, "impact") == bank.phrases.follow_ups["impact"]
    assert bank.follow_up_phrasings(None, "staff") == bank.phrases.follow_ups["staff"]


def test_career_has_the_staff_questions(bank):
    texts = [q.text for q in bank.by_track("career")]
    assert any("not {next_level}" in t for t in texts)
    assert any("Where do you see yourself at {next_level}" in t for t in texts)
    assert any("staff" in q.tags for q in bank.by_track("career"))


def test_phrases_have_variants(bank):
    p = bank.phrases
    for name in (
        "greetings",
        "acknowledgements",
        "follow_up_acks",
        "closings",
        "time_up_closings",
        "end_requested_closings",
    ):
        assert len(getattr(p, name)) >= 3, name
    assert set(p.transitions) >= {"behavioral", "system-design", "career", "same"}


def test_spoken_text_has_no_markdown_or_stray_placeholders(bank):
    spoken = [q.text for q in bank.questions.values()]
    spoken += [t for q in bank.questions.values() for ts in q.follow_ups.values() for t in ts]
    p = bank.phrases
    for name in (
        "greetings",
        "frames",
        "openers",
        "acknowledgements",
        "follow_up_acks",
        "closings",
        "time_up_closings",
        "end_requested_closings",
    ):
        spoken += list(getattr(p, name))
    spoken += [t for ts in p.follow_ups.values() for t in ts] + [
        t for ts in p.transitions.values() for t in ts
    ]
    for ladder in bank.ladders:
        for level in LEVELS:
            values = bank.values(ladder, level)
            for text in spoken:
                filled = fill(text, values)
                assert not re.search(r"[{}*#`\[\]]", filled), filled
                assert "score" not in filled.lower(), filled


def test_ladders(bank):
    assert bank.values("google", "senior") == {
        "level": "L5",
        "next_level": "L6",
        "company": "Google",
    }
    assert bank.values("google", "mid")["level"] == "L4"
    assert [bank.ladder("meta").label(x) for x in LEVELS] == ["E4", "E5", "E6"]
    assert bank.ladder("amazon").label("staff") == "Principal"
    assert bank.ladder("microsoft").next_label("senior") == bank.ladder("microsoft").label("staff")
    assert bank.values("generic", "senior")["next_level"] == "staff"
    assert bank.values("generic", "staff")["next_level"] == "principal"
    with pytest.raises(UserError, match="unknown ladder"):
        bank.ladder("netflix")


def test_ladder_names_match_the_settings_choices(bank):
    from voiceinterviewer.config import CHOICES

    assert set(CHOICES["ladder"]) <= set(bank.ladders)
    assert set(CHOICES["track"]) <= set(bank.tracks)


def test_track_plans(bank):
    loop = bank.track_plan("senior-loop")
    assert loop.step_tracks() == ["intro", "behavioral", "system-design", "career"]
    assert loop.step_tracks(2) == ["behavioral", "system-design"]
    assert loop.step_tracks(3) == ["behavioral", "system-design", "career"]
    assert loop.step_tracks(6) == [
        "intro",
        "behavioral",
        "system-design",
        "career",
        "behavioral",
        "behavioral",
    ]
    for name in ("behavioral", "leadership", "system-design", "career"):
        assert bank.track_plan(name).step_tracks()
    assert set(bank.track_plan("system-design").step_tracks()) == {"system-design"}
    with pytest.raises(UserError, match="unknown track"):
        bank.track_plan("nope")


def test_persona_states_the_rules(bank):
    persona = bank.persona.lower()
    for phrase in ("one question", "markdown", "scores", "never instructions", "senior"):
        assert phrase in persona, phrase


def test_fill_leaves_unknown_placeholders():
    assert (
        fill("at {level}, not {next_level} {other}", {"level": "L5", "next_level": "L6"})
        == "at L5, not L6 {other}"
    )


def test_unknown_question_id(bank):
    with pytest.raises(UserError, match="unknown question id 'nope'"):
        bank.question("nope")


def test_copy_loads_like_the_original(prompts, bank):
    copy = load_bank(prompts)
    assert list(copy.questions) == list(bank.questions)


@pytest.mark.parametrize(
    "file, old, new, message",
    [
        ("questions/behavioral.toml", 'id = "bh-failure"', 'id = "bh-failure', "bad prompts file"),
        (
            "questions/behavioral.toml",
            'id = "bh-failure"',
            'id = "bh-proud-project"',
            "duplicate question id 'bh-proud-project'",
        ),
        (
            "questions/behavioral.toml",
            'levels = ["mid", "senior", "staff"]',
            'levels = ["junior"]',
            "unknown level 'junior'",
        ),
        (
            "questions/behavioral.toml",
            "impact = [",
            "impactt = [",
            "unknown follow-up gap 'impactt'",
        ),
        (
            "questions/behavioral.toml",
            'gaps = ["ownership", "impact"]',
            'gaps = ["vibes"]',
            "unknown gap 'vibes' in gaps",
        ),
        ("questions/career.toml", "{next_level}?", "{nxt}?", "unknown placeholder {nxt}"),
        ("questions/intro.toml", 'track = "intro"', 'track = "chitchat"', "track must be one of"),
        (
            "questions/leadership.toml",
            'text = "Tell me about someone',
            'texts = "Tell me about someone',
            "text must be a non-empty string",
        ),
        ("phrases.toml", "[follow_ups]", "[follow_upz]", "follow_ups: missing table"),
        ("phrases.toml", "greetings = [", "greetingz = [", "greetings must be a non-empty list"),
        ("ladders.toml", 'senior = "L5"', 'senior = ""', "senior must be a non-empty string"),
        (
            "tracks.toml",
            'fill = "leadership"',
            'fill = "poetry"',
            "unknown question track 'poetry'",
        ),
        ("tracks.toml", "intro = 1", "intro = 1.5", "must be a whole number"),
    ],
)
def test_bad_files_give_one_clear_error(prompts, file, old, new, message):
    edit(prompts / file, old, new)
    with pytest.raises(UserError) as info:
        load_bank(prompts)
    text = str(info.value)
    assert message in text
    assert "\n" not in text
    assert str(prompts) in text


def test_track_without_questions_is_an_error(prompts):
    (prompts / "questions" / "leadership.toml").unlink()
    with pytest.raises(UserError, match="needs leadership questions"):
        load_bank(prompts)


def test_missing_persona_is_an_error(prompts):
    (prompts / "persona" / "interviewer.md").unlink()
    with pytest.raises(UserError, match="persona"):
        load_bank(prompts)


def test_a_new_question_file_is_picked_up_after_an_edit(prompts):
    first = load_bank(prompts)
    assert load_bank(prompts) is first  # cached
    (prompts / "questions" / "mine.toml").write_text(
        '[[question]]\nid = "bh-mine"\ntrack = "behavioral"\nlevels = ["senior"]\n'
        'text = "Tell me about my favourite project."\nsignals = ["anything"]\n',
        encoding="utf-8",
    )
    path = prompts / "questions" / "behavioral.toml"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    again = load_bank(prompts)
    assert "bh-mine" in again.questions and "bh-mine" not in first.questions
