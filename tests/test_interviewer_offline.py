"""The offline interviewer: question choice, follow-up policy, time box, phrasing, history, text."""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voiceinterviewer.errors import UserError
from voiceinterviewer.interviewer.bank_files import load_bank
from voiceinterviewer.interviewer.base import Exchange, InterviewContext
from voiceinterviewer.interviewer.choice import effective_seed
from voiceinterviewer.interviewer.history import recent_question_ids
from voiceinterviewer.interviewer.offline import OfflineInterviewer
from voiceinterviewer.interviewer.planner import Planner
from voiceinterviewer.interviewer.policy import ThreadState, choose_move
from voiceinterviewer.interviewer.text import (
    guard_length,
    iter_sentences,
    split_sentences,
    strip_markdown,
)

DAY = date(2024, 5, 1)

NO_NUMBER = (
    "I took ownership of the checkout rewrite. I designed the new flow, I considered a gradual "
    "rollout versus a big bang, and I chose the gradual rollout. It went well."
)
WE_EVERYWHERE = (
    "We noticed our checkout was slow, so we profiled it and we rewrote the pricing service. We "
    "considered caching instead but we chose the rewrite over it. Our conversion went up 3%, "
    "worth $1M a year in revenue."
)
NO_ALTERNATIVES = (
    "I noticed our checkout was slow, so I profiled it and I rewrote the pricing service myself. "
    "Conversion went up 3%, worth about $1M a year in revenue."
)
STRONG_SENIOR = (
    "I led the redesign of payment processing with product and design. I considered extending "
    "the old system but chose a rewrite over it because of the compliance risk. It cut costs "
    "$2M a year and opened 3 markets."
)
SD_NO_NUMBERS = (
    "I'd put an API in front, store links in a key-value store, shard by the short code and put a "
    "cache in front. If a node fails we fail over to a replica."
)
SD_NO_FAILURE = (
    "Assume 100 million new links a month, about 40 writes per second and 4k redirects per second "
    "at peak, and 5 TB over five years. I'd shard by the short code and put Redis in front as a cache."
)
VAGUE = "I'm not sure, I guess it depends."


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def planner(bank, today=DAY):
    return Planner(bank, today=today)


def answered(bank, question_id: str, answer: str, **context) -> InterviewContext:
    """A context where ``question_id`` was asked first and answered with ``answer``."""
    ctx = InterviewContext(first_question=question_id, seed="fixed", **context)
    first = planner(bank).plan(ctx)
    assert first.kind == "greeting" and first.question_id == question_id
    ctx.history.append(
        Exchange(first.question_text, first.kind, first.question_id, "", first.track, answer)
    )
    return ctx


def run_interview(
    bank, ctx: InterviewContext, answer_for, turn_seconds: float = 60.0, limit: int = 40
):
    """Drive the offline interviewer to the closing; returns the (plan, sentences) of each turn."""
    iv = OfflineInterviewer(bank, today=DAY)
    turns = []
    for _ in range(limit):
        reply = iv.next_reply(ctx)
        sentences = list(reply)
        turns.append((reply.plan, sentences))
        if reply.plan.done:
            return turns
        plan = reply.plan
        ctx.history.append(
            Exchange(
                " ".join(sentences),
                plan.kind,
                plan.question_id,
                plan.gap,
                plan.track,
                answer_for(plan),
            )
        )
        ctx.elapsed_s += turn_seconds
    raise AssertionError("the interview never closed")


# --- question choice --------------------------------------------------------------------------


def test_per_day_seed_differs_across_days_and_is_stable_within_a_day(bank):
    ctx = InterviewContext(track="system-design")
    days = [DAY + timedelta(days=i) for i in range(10)]
    firsts = [planner(bank, d).sequence(ctx)[0].id for d in days]
    assert len(set(firsts)) >= 4
    assert [planner(bank, d).sequence(ctx)[0].id for d in days] == firsts
    assert (
        effective_seed(ctx, DAY)
        == effective_seed(ctx, DAY)
        != effective_seed(ctx, DAY + timedelta(days=1))
    )


def test_default_day_is_today(bank):
    ctx = InterviewContext(track="system-design")
    assert Planner(bank).sequence(ctx) == planner(bank, date.today()).sequence(ctx)


def test_explicit_seed_is_reproducible_on_any_day(bank):
    ctx = InterviewContext(track="senior-loop", seed="practice-7")
    ids = [q.id for q in planner(bank, DAY).sequence(ctx)]
    assert [q.id for q in planner(bank, DAY + timedelta(days=40)).sequence(ctx)] == ids
    others = {
        tuple(q.id for q in planner(bank).sequence(InterviewContext(seed=f"s{i}")))
        for i in range(8)
    }
    assert len(others) > 1


def test_explicit_seed_ignores_avoid_ids(bank):
    ctx = InterviewContext(track="system-design", seed="abc")
    first = planner(bank).sequence(ctx)[0].id
    ctx.avoid_ids = [first]
    assert planner(bank).sequence(ctx)[0].id == first


def test_senior_loop_follows_the_track_plan_without_repeats(bank):
    for i in range(10):
        seq = planner(bank).sequence(InterviewContext(seed=f"loop{i}"))
        assert [q.track for q in seq] == ["intro", "behavioral", "system-design", "career"]
    seq = planner(bank).sequence(InterviewContext(track="behavioral", questions=6, seed="x"))
    assert len(seq) == 6 and len({q.id for q in seq}) == 6


def test_level_filtering(bank):
    for level in ("mid", "senior", "staff"):
        for i in range(12):
            for q in planner(bank).sequence(
                InterviewContext(track="senior-loop", level=level, seed=f"l{i}")
            ):
                assert level in q.levels, (level, q.id)


def test_first_question_is_asked_first_and_replaces_its_step(bank):
    ctx = InterviewContext(track="senior-loop", first_question="sd-chat", seed="q")
    seq = planner(bank).sequence(ctx)
    assert seq[0].id == "sd-chat"
    assert [q.track for q in seq].count("system-design") == 1
    assert "intro" not in [q.track for q in seq]
    assert len(seq) == 4
    plan = planner(bank).plan(ctx)
    assert (plan.kind, plan.question_id, plan.track) == ("greeting", "sd-chat", "system-design")
    assert planner(bank, DAY + timedelta(days=3)).plan(ctx).question_id == "sd-chat"


def test_unknown_first_question_is_a_user_error(bank):
    with pytest.raises(UserError, match="unknown question id"):
        planner(bank).plan(InterviewContext(first_question="sd-nope"))


def test_recent_ids_are_avoided(bank):
    suited = [q.id for q in bank.by_track("system-design") if "senior" in q.levels]
    for keep in suited[:4]:
        ctx = InterviewContext(
            track="system-design", questions=1, avoid_ids=[i for i in suited if i != keep]
        )
        assert planner(bank).sequence(ctx)[0].id == keep
    everything = InterviewContext(track="system-design", questions=1, avoid_ids=suited)
    assert planner(bank).sequence(everything)[0].id in suited


def test_job_text_steers_the_choice(bank):
    job = "You will own our payments ledger and billing systems."
    for i in range(6):
        ctx = InterviewContext(track="system-design", questions=1, seed=f"j{i}", job_text=job)
        assert planner(bank).sequence(ctx)[0].id == "sd-payments-ledger"


def test_story_notes_are_asked_about_by_name(bank):
    notes = (
        "# My stories\n- Drove the Kubernetes migration across 12 teams in 2023\n- Mentored Sam\n"
    )
    ctx = InterviewContext(track="behavioral", first_question="bh-migration", stories_text=notes)
    sentences = list(OfflineInterviewer(bank, today=DAY).next_reply(ctx))
    said = " ".join(sentences)
    assert "you drove the Kubernetes migration across 12 teams in 2023" in said
    assert not any("#" in s or s.startswith("-") for s in sentences)


def test_ladder_placeholders_are_filled(bank):
    ctx = InterviewContext(
        track="career", ladder="google", level="senior", first_question="career-why-not-next"
    )
    plan = planner(bank).plan(ctx)
    assert "L5" in plan.question_text and "not L6" in plan.question_text
    sentences = list(OfflineInterviewer(bank, today=DAY).next_reply(ctx))
    assert any("not L6?" in s for s in sentences)
    assert not any("{" in s for s in sentences)


# --- follow-up policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question_id, answer, gap",
    [
        ("bh-proud-project", NO_NUMBER, "impact"),
        ("bh-proud-project", WE_EVERYWHERE, "ownership"),
        ("bh-proud-project", NO_ALTERNATIVES, "alternatives"),
        ("bh-proud-project", STRONG_SENIOR, "staff"),
        ("sd-url-shortener", SD_NO_NUMBERS, "capacity"),
        ("sd-url-shortener", SD_NO_FAILURE, "failure_modes"),
        ("ld-cross-functional", NO_ALTERNATIVES, "influence"),
    ],
)
def test_follow_up_targets_the_gap(bank, question_id, answer, gap):
    ctx = answered(bank, question_id, answer)
    reply = OfflineInterviewer(bank, today=DAY).next_reply(ctx)
    assert (reply.plan.kind, reply.plan.gap, reply.plan.question_id) == (
        "follow_up",
        gap,
        question_id,
    )
    text = " ".join(reply)
    phrasings = (
        bank.follow_up_phrasings(bank.question(question_id), gap) + bank.phrases.follow_ups[gap]
    )
    values = bank.values("generic", "senior")
    assert any(p.replace("{next_level}", values["next_level"]) in text for p in phrasings)


def test_staff_follow_up_uses_the_ladder(bank):
    ctx = answered(bank, "bh-proud-project", STRONG_SENIOR, ladder="meta")
    reply = OfflineInterviewer(bank, today=DAY).next_reply(ctx)
    assert reply.plan.gap == "staff"
    assert "E6" in " ".join(reply)


def test_a_question_can_narrow_the_gaps(bank):
    mentoring = bank.question("ld-mentoring")
    assert mentoring.gaps and "influence" not in mentoring.gaps
    ctx = answered(
        bank, "ld-mentoring", "I mentored Sam and I met with him every week.", max_follow_ups=3
    )
    p = planner(bank)
    probed = []
    for _ in range(3):
        plan = p.plan(ctx)
        if plan.kind != "follow_up":
            break
        probed.append(plan.gap)
        ctx.history.append(Exchange("q", plan.kind, plan.question_id, plan.gap, plan.track, VAGUE))
    assert probed and set(probed) <= set(mentoring.gaps)
    assert probed == [g for g in mentoring.gaps if g in probed]


def test_strong_story_for_a_mid_target_is_not_pushed_to_staff(bank):
    ctx = answered(bank, "bh-proud-project", STRONG_SENIOR, level="mid")
    assert planner(bank).plan(ctx).gap != "staff"


def test_a_gap_is_probed_once_then_the_next_one(bank):
    ctx = answered(bank, "sd-url-shortener", VAGUE)
    p = planner(bank)
    first = p.plan(ctx)
    ctx.history.append(Exchange("q", first.kind, first.question_id, first.gap, first.track, VAGUE))
    second = p.plan(ctx)
    assert (first.gap, second.gap) == ("capacity", "failure_modes")


def test_covered_gap_moves_on(bank):
    complete = STRONG_SENIOR + " I personally wrote the plan."
    ctx = answered(bank, "bh-proud-project", complete, level="senior", max_follow_ups=2)
    p = planner(bank)
    first = p.plan(ctx)
    assert first.gap == "staff"
    ctx.history.append(
        Exchange(
            "q", first.kind, first.question_id, first.gap, first.track, "Because I like coding."
        )
    )
    assert p.plan(ctx).kind == "question"


@pytest.mark.parametrize("max_follow_ups", [0, 1, 2, 3])
def test_max_follow_ups_respected(bank, max_follow_ups):
    ctx = InterviewContext(
        track="senior-loop", seed="m", max_follow_ups=max_follow_ups, time_box_s=3 * 3600
    )
    turns = run_interview(bank, ctx, lambda plan: VAGUE)
    counts: dict[str, int] = {}
    for plan, _ in turns:
        if plan.kind == "follow_up":
            counts[plan.question_id] = counts.get(plan.question_id, 0) + 1
    mains = [plan for plan, _ in turns if plan.kind in ("greeting", "question")]
    assert len(mains) == 4
    for main in mains:
        cap = min(max_follow_ups, bank.follow_up_caps.get(main.track, max_follow_ups))
        assert counts.get(main.question_id, 0) == cap, (main.question_id, counts)


def test_end_requested_closes(bank):
    ctx = answered(bank, "bh-proud-project", NO_NUMBER)
    assert planner(bank).plan(ctx).kind == "follow_up"
    ctx.end_requested = True
    reply = OfflineInterviewer(bank, today=DAY).next_reply(ctx)
    assert reply.plan.kind == "closing" and reply.plan.done
    text = " ".join(reply)
    assert any(line.split(".")[0] in text for line in bank.phrases.end_requested_closings)
    empty = InterviewContext(end_requested=True)
    assert planner(bank).plan(empty).kind == "closing"


def test_time_box_near_the_end_closes(bank):
    ctx = answered(bank, "bh-proud-project", NO_NUMBER, time_box_s=600.0)
    ctx.elapsed_s = 580.0
    decision = planner(bank).decide(ctx)
    assert decision.plan.kind == "closing" and decision.reason == "time"
    text = " ".join(OfflineInterviewer(bank, today=DAY).render(decision, ctx))
    assert any(line.split(",")[0] in text for line in bank.phrases.time_up_closings)


def test_time_box_skips_follow_ups_when_questions_remain(bank):
    ctx = answered(bank, "bh-proud-project", NO_NUMBER, track="behavioral", questions=2)
    p = planner(bank)
    assert p.plan(ctx).kind == "follow_up"  # plenty of time
    ctx.time_box_s = (
        ctx.elapsed_s + 45 + 180 + 30
    )  # the closing and one more question fit, a follow-up doesn't
    assert p.plan(ctx).kind == "question"
    ctx.time_box_s = ctx.elapsed_s + 45 + 60  # not even the next question fits
    decision = p.decide(ctx)
    assert decision.plan.kind == "closing" and decision.reason == "time"


def test_short_time_box_whole_interview_fits(bank):
    ctx = InterviewContext(track="senior-loop", seed="t", time_box_s=15 * 60.0)
    turns = run_interview(bank, ctx, lambda plan: VAGUE, turn_seconds=90.0)
    assert turns[-1][0].kind == "closing"
    assert ctx.elapsed_s <= ctx.time_box_s
    assert sum(1 for plan, _ in turns if plan.kind == "follow_up") < 5


def test_policy_is_a_pure_function():
    state = ThreadState(
        track="system-design",
        answer_text=SD_NO_FAILURE,
        questions_left=1,
        next_question_s=180,
        later_questions_s=180,
    )
    assert choose_move(state).gap == "failure_modes"
    state.probed = ("failure_modes",)
    assert choose_move(state).gap == "replication"  # sharding and caching were covered
    state.follow_ups = state.max_follow_ups
    assert choose_move(state).action == "next"
    state.questions_left = 0
    assert (choose_move(state).action, choose_move(state).reason) == ("close", "plan_done")


def test_staff_question_asked_once_per_interview(bank):
    def fits(seq):  # a story question that may lead to the staff probe, then the staff question
        return seq[3].id == "career-why-not-next" and (not seq[1].gaps or "staff" in seq[1].gaps)

    seed = next(
        f"s{i}" for i in range(300) if fits(planner(bank).sequence(InterviewContext(seed=f"s{i}")))
    )
    ctx = InterviewContext(track="senior-loop", seed=seed, ladder="google")
    turns = run_interview(
        bank, ctx, lambda plan: STRONG_SENIOR if plan.track == "behavioral" else VAGUE
    )
    plans = [plan for plan, _ in turns]
    assert sum(1 for p in plans if p.gap == "staff") == 1
    career = [p for p in plans if p.kind == "question" and p.track == "career"]
    assert len(career) == 1 and "staff" not in bank.question(career[0].question_id).tags


def test_full_senior_loop(bank):
    ctx = InterviewContext(track="senior-loop", seed="full")
    turns = run_interview(bank, ctx, lambda plan: VAGUE)
    kinds = [plan.kind for plan, _ in turns]
    assert kinds[0] == "greeting" and kinds[-1] == "closing" and kinds.count("closing") == 1
    mains = [plan for plan, _ in turns if plan.kind in ("greeting", "question")]
    assert [m.track for m in mains] == ["intro", "behavioral", "system-design", "career"]
    assert len({m.question_id for m in mains}) == 4
    for plan, sentences in turns:
        assert sentences and all(s.strip() and "\n" not in s for s in sentences)
        if plan.kind in ("greeting", "question"):
            assert plan.question_text and plan.question_text.split(".")[0] in " ".join(sentences)
    again = planner(bank).plan(ctx)
    assert again.kind == "closing"


def test_phrasing_is_deterministic_and_varies_with_the_seed(bank):
    def transcript(seed):
        ctx = InterviewContext(track="senior-loop", seed=seed)
        return [" ".join(s) for _, s in run_interview(bank, ctx, lambda plan: NO_NUMBER)]

    assert transcript("a") == transcript("a")
    assert transcript("a") != transcript("b")


def test_follow_up_acknowledgements_do_not_repeat_back_to_back(bank):
    ctx = InterviewContext(
        track="behavioral", seed="r", max_follow_ups=3, questions=4, time_box_s=7200
    )
    turns = run_interview(bank, ctx, lambda plan: VAGUE)
    texts = [" ".join(s) for _, s in turns]
    assert all(a != b for a, b in zip(texts, texts[1:], strict=False))
    follow_ups = [" ".join(s) for plan, s in turns if plan.kind == "follow_up"]
    assert len(set(follow_ups)) == len(follow_ups)


def test_planner_decides_fast(bank):
    ctx = InterviewContext(
        track="senior-loop",
        seed="fast",
        max_follow_ups=3,
        time_box_s=7200,
        job_text="payments " * 400,
        stories_text="- Led the migration\n" * 50,
    )
    p = planner(bank)
    iv = OfflineInterviewer(bank, planner=p)
    timings = []
    for _ in range(30):
        start = time.perf_counter()
        reply = iv.next_reply(ctx)
        sentences = list(reply)
        timings.append(time.perf_counter() - start)
        if reply.plan.done:
            break
        ctx.history.append(
            Exchange(
                " ".join(sentences),
                reply.plan.kind,
                reply.plan.question_id,
                reply.plan.gap,
                reply.plan.track,
                STRONG_SENIOR * 3,
            )
        )
    assert len(timings) > 6
    assert statistics.median(timings) < 0.010


# --- recent questions ---------------------------------------------------------------------------


def _session(root, started: datetime, events, name=None, extra_lines=()):
    folder = root / (name or started.strftime("%Y%m%d-%H%M%S") + "-abcd")
    folder.mkdir()
    lines = [json.dumps(e) for e in events] + list(extra_lines)
    (folder / "session.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _q(qid, kind="question"):
    return {"type": "question", "t": 1.0, "turn": 1, "kind": kind, "question_id": qid, "text": "x"}


def test_recent_question_ids(recordings):
    now = datetime(2024, 5, 20, 12, 0, 0)
    _session(
        recordings,
        now - timedelta(hours=2),
        [
            {"type": "session_started", "t": 0},
            _q("intro-about-you", "greeting"),
            _q("intro-about-you", "follow_up"),
            _q("bh-failure"),
            _q("", "closing"),
        ],
        extra_lines=[
            '{"type": "question", "question_id": "torn',
            "not json at all",
            '["question_id", "question"]',
        ],
    )
    _session(recordings, now - timedelta(days=2), [_q("sd-chat"), _q("bh-failure")])
    _session(recordings, now - timedelta(days=30), [_q("sd-news-feed")])
    odd = _session(recordings, now, [_q("ld-hiring")], name="my-session")
    os.utime(odd / "session.jsonl", (now.timestamp() - 3 * 86400,) * 2)
    (recordings / "empty-folder").mkdir()
    (recordings / "stray.txt").write_text("hi")
    _session(recordings, now - timedelta(days=1), [], extra_lines=["\x00\xff garbage"])
    ids = recent_question_ids(recordings, days=14, now=now.timestamp())
    assert ids == ["intro-about-you", "bh-failure", "sd-chat", "ld-hiring"]
    assert recent_question_ids(recordings, days=1, now=now.timestamp()) == [
        "intro-about-you",
        "bh-failure",
    ]


def test_recent_question_ids_of_a_missing_folder(tmp_path):
    assert recent_question_ids(tmp_path / "nope") == []


# --- text ---------------------------------------------------------------------------------------


def test_split_sentences():
    text = "Thanks, e.g. the cache helps. It costs $1.2M a year! Why?  Dr. Lee said 2.5 ms... Next"
    assert split_sentences(text) == [
        "Thanks, e.g. the cache helps.",
        "It costs $1.2M a year!",
        "Why?",
        "Dr. Lee said 2.5 ms...",
        "Next",
    ]
    assert split_sentences("   ") == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=120), max_size=8))
def test_streamed_sentences_match_the_whole_text(cuts):
    text = "Okay. Let's talk about scale, e.g. 10k rps. How would you shard it? What about a 2.5 TB index!"
    points = sorted({min(c, len(text)) for c in cuts})
    chunks = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    assert list(iter_sentences(chunks)) == split_sentences(text)


def test_strip_markdown():
    md = "## Next question\n**Great.** Here's *one* thing:\n- Tell me about `caching`\n1. [the docs](http://x.y)\n\n> quoted"
    plain = strip_markdown(md)
    for mark in ("#", "*", "`", "[", "](", "http", ">"):
        assert mark not in plain
    assert "Tell me about caching" in plain and "the docs" in plain and "Next question" in plain


def test_guard_length_keeps_one_question():
    long = [
        "Thanks.",
        "That was interesting.",
        "Let me say a few more things here.",
        "One more note.",
        "What would you do?",
        "And then?",
    ]
    assert guard_length(long) == ["Thanks.", "What would you do?"]
    assert guard_length(["Okay.", "How many requests per second?", "And storage?"]) == [
        "Okay.",
        "How many requests per second?",
    ]
    one_long = "word " * 100 + "end."
    assert guard_length([one_long, "Next."], max_words=60) == [one_long]  # never cut mid-sentence
    assert guard_length(["One.", "Two.", "Three.", "Four."], max_sentences=2) == ["One.", "Two."]
    assert guard_length([]) == []
