"""Answer signals: numbers, ownership, reach, trade-offs, system design topics, scope level."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voiceinterviewer.signals import AnswerSignals, analyze_answer, merge_signals, sd_topics

VAGUE = [
    "I worked on a lot of different things and helped the team out where I could. It went well.",
    "Um, I guess I just tried to do my best, you know, and things got better over time.",
    "We did a project on the backend and it was pretty successful and everyone liked it a lot.",
    "I think communication is really important and I always try to be a good teammate.",
]
MID = [
    "I reduced latency by 20%.",
    "At my last job our checkout API was slow. I profiled it, found an N plus one query, and added "
    "a batch loader. That reduced p99 latency from 800 ms to 300 ms.",
    "Our build took 40 minutes. I parallelised the test suite and cached dependencies, and got it "
    "down to 12 minutes for the whole team.",
    "I rewrote the image resizing worker in Go and it now handles 3x the throughput on the same "
    "machines.",
]
SENIOR = [
    "I led the redesign of payment processing with product and design, cut costs $2M/year, "
    "opened 3 markets.",
    "At my previous company I drove the migration of our billing platform, working with product, "
    "finance and two other teams. We considered patching the old system but I chose a rewrite over "
    "that because of compliance risk. It saved $1.5 million a year and let us launch in four new "
    "countries.",
    "I owned the redesign of our search ranking with the product manager and the data science "
    "team; conversion went up 4% which was about $10M in annual revenue.",
]
STAFF = [
    "I set the multi-year platform strategy for our 80-engineer org, aligned five teams and the VP "
    "on the roadmap, and mentored two senior engineers who became tech leads. It cut "
    "infrastructure costs by 30 percent.",
    "I defined the reliability strategy across the organization with the directors of three "
    "groups, grew three engineers into tech leads who now own its parts, and availability went "
    "from 99.5% to 99.95%, which cut churn among enterprise customers.",
    "Across the company I drove the roadmap for our data platform, hired and grew two managers, "
    "and the shared platform saved 12 teams about $4M a year.",
]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It went up 20% in a quarter.", "20%"),
        ("That cut costs by $2M a year.", "$2M"),
        ("We opened 3 markets.", "3 markets"),
        ("Peak load was 10k rps.", "10k rps"),
        ("Latency dropped to 40 ms.", "40 ms"),
        ("Errors fell twenty percent.", "twenty percent"),
        ("Throughput doubled after that.", "doubled"),
    ],
)
def test_metrics_are_found_as_said(text, expected):
    assert any(expected.lower() in m.lower() for m in analyze_answer(text).metrics)


def test_no_metrics_in_an_answer_without_quantities():
    s = analyze_answer("I improved the service a lot and made it much faster for everyone.")
    assert s.metrics == []
    assert s.scale == []


def test_years_ago_is_not_a_result():
    assert analyze_answer("This was 3 years ago at my previous job.").metrics == []


def test_business_outcomes_found_only_when_present():
    senior = analyze_answer(SENIOR[0])
    assert {"costs", "markets"} <= {b.lower() for b in senior.business_outcomes}
    assert analyze_answer(MID[1]).business_outcomes == []


def test_first_person_counts_and_ownership_ratio():
    s = analyze_answer(
        "I wrote the design and I shipped it; we reviewed it and our team tested it."
    )
    assert (s.i_count, s.we_count) == (2, 2)
    assert s.ownership_ratio == pytest.approx(0.5)
    assert analyze_answer("We built it and we launched it.").ownership_ratio == 0.0
    assert analyze_answer("I built it.").ownership_ratio == 1.0
    assert analyze_answer("The service was rebuilt.").ownership_ratio == 0.5


def test_cross_team_and_alternatives():
    s = analyze_answer(SENIOR[1])
    assert any("product" in c.lower() for c in s.cross_team)
    assert any("two other teams" == c.lower() for c in s.cross_team)
    assert any("chose" in a.lower() for a in s.alternatives)
    assert "considered" in [a.lower() for a in s.alternatives]
    plain = analyze_answer(MID[1])
    assert plain.cross_team == [] and plain.alternatives == []


def test_trade_off_words_are_alternatives():
    s = analyze_answer(
        "The trade-off was consistency versus latency, so we picked Postgres rather than Cassandra."
    )
    found = {a.lower() for a in s.alternatives}
    assert {"trade-off", "versus", "rather than"} <= found


def test_scale_needs_a_load_or_size_unit():
    s = analyze_answer("Assume 100 million users, 10k rps at peak and 5 TB of new data a year.")
    joined = " | ".join(s.scale).lower()
    assert "100 million users" in joined and "10k rps" in joined and "5 tb" in joined
    assert analyze_answer("It got 20% faster.").scale == []


@pytest.mark.parametrize(
    "topic, phrase",
    [
        ("requirements", "First let me clarify the functional requirements."),
        ("capacity", "A back of the envelope estimate gives the peak throughput."),
        ("api", "The API has a POST endpoint to create a link."),
        ("data_model", "The schema has a links table with the short code as primary key."),
        ("sharding", "I'd shard by user id using consistent hashing."),
        ("caching", "Put Redis in front as a cache with a TTL."),
        ("replication", "Each shard has a leader and two followers using Raft for consensus."),
        ("scaling", "The web tier is stateless behind a load balancer, so it scales horizontally."),
        ("failure_modes", "If a node goes down we fail over and retry with a timeout."),
        ("monitoring", "We'd alert on the error rate and p99 latency on a dashboard."),
    ],
)
def test_each_system_design_topic(topic, phrase):
    s = analyze_answer(phrase)
    assert s.sd_topics[topic], (topic, s.sd_topics)


def test_sd_topics_has_every_key_in_order():
    s = analyze_answer("nothing technical here")
    assert tuple(s.sd_topics) == sd_topics()
    assert len(sd_topics()) == 10
    assert all(v == [] for v in s.sd_topics.values())


def test_star_structure():
    story = (
        "At my last company the situation was that checkout kept timing out. My goal was to fix it "
        "before the holiday peak. I profiled the service and added a cache. As a result errors "
        "dropped by 90%."
    )
    assert analyze_answer(story).structure == {
        "situation": True,
        "task": True,
        "action": True,
        "result": True,
    }
    assert not any(analyze_answer("It was fine I guess.").structure.values())


def test_leadership_words():
    s = analyze_answer(STAFF[0])
    found = {w.lower() for w in s.leadership}
    assert {"strategy", "roadmap", "mentored", "aligned"} <= found


@pytest.mark.parametrize("level, answers", [(0, VAGUE), (1, MID), (2, SENIOR), (3, STAFF)])
def test_scope_level_per_level(level, answers):
    for answer in answers:
        assert analyze_answer(answer).scope_level == level, answer


def test_scope_level_orders_the_example_answers():
    levels = [analyze_answer(a).scope_level for a in (VAGUE[0], MID[0], SENIOR[0], STAFF[0])]
    assert levels == sorted(levels) and len(set(levels)) == 4


def test_same_text_same_signals():
    assert analyze_answer(SENIOR[1]) == analyze_answer(SENIOR[1])


def test_fast_on_a_long_answer():
    long_answer = " ".join(SENIOR + STAFF + MID) * 8  # about 1,800 words
    analyze_answer(long_answer)
    start = time.perf_counter()
    for _ in range(5):
        analyze_answer(long_answer)
    assert (time.perf_counter() - start) / 5 < 0.05


def test_empty_answer():
    s = analyze_answer("")
    assert isinstance(s, AnswerSignals)
    assert (s.word_count, s.scope_level, s.metrics) == (0, 0, [])


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_sane_signals(text):
    s = analyze_answer(text)
    assert 0 <= s.scope_level <= 3
    assert 0.0 <= s.ownership_ratio <= 1.0
    assert set(s.sd_topics) == set(sd_topics())
    for phrase in s.metrics + s.alternatives + s.cross_team:
        assert phrase and phrase.lower() in " ".join(text.split()).lower()


def test_merged_signals_agree_with_the_joined_text():
    samples = [
        VAGUE[0],
        MID[1],
        SENIOR[1],
        STAFF[0],
        "We'd shard by user id and cache hot keys in Redis.",
    ]
    for a in samples:
        for b in samples:
            merged = merge_signals([analyze_answer(a), analyze_answer(b)])
            joined = analyze_answer(f"{a} {b}")
            for name in (
                "metrics",
                "business_outcomes",
                "cross_team",
                "alternatives",
                "scale",
                "leadership",
            ):
                assert {x.lower() for x in getattr(merged, name)} == {
                    x.lower() for x in getattr(joined, name)
                }, name
            assert {t: bool(v) for t, v in merged.sd_topics.items()} == {
                t: bool(v) for t, v in joined.sd_topics.items()
            }
            assert (merged.i_count, merged.we_count, merged.word_count) == (
                joined.i_count,
                joined.we_count,
                joined.word_count,
            )
            assert merged.scope_level >= max(
                analyze_answer(a).scope_level, analyze_answer(b).scope_level
            )


def test_a_number_given_in_a_follow_up_completes_the_story():
    story = analyze_answer("I led the redesign of checkout with product and design.")
    follow_up = analyze_answer("It cut costs by $2M a year and lifted conversion 3%.")
    assert story.scope_level < 2
    assert merge_signals([story, follow_up]).scope_level == 2
    assert merge_signals([]).word_count == 0
    assert merge_signals([story]) is story
