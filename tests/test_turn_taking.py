"""The turn-taking rules as pure functions: patience after a silence, and talking over the interviewer.

No audio here: the end-of-turn rule sees the words so far and the question,
and the barge-in rule sees one speech/no-speech flag per 32 ms frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from voiceinterviewer.listen.bargein import (
    PAUSE,
    RESUME,
    STOP,
    BargeInOptions,
    Overlap,
    interruption_kind,
    overlap_step,
    reply_audible,
    since_answer_end,
)
from voiceinterviewer.listen.patience import (
    AnswerState,
    PatienceOptions,
    Pauses,
    asks_to_repeat,
    holds_end,
    learn_resumed,
    learn_thinking,
    patience,
    sentence_count,
)
from voiceinterviewer.listen.turn_rules import turn_rules

RULES = turn_rules()
OPT = PatienceOptions()
BLOCK = 0.032


NO_PAUSES = Pauses()
BARGE = BargeInOptions()


def wait(text, open_question=True, pauses=NO_PAUSES, lost_word=False):
    return patience(AnswerState(text, open_question, lost_word), pauses, RULES, OPT)


# -- patience ---------------------------------------------------------------------------


def test_a_first_complete_sentence_of_a_story_is_a_thinking_pause():
    p = wait("I led the migration of our billing system to an event-driven design.")
    assert p.rule == "open" and p.wait == OPT.open_silence


def test_an_answer_that_reached_its_result_gets_a_prompt_reply():
    text = (
        "I led the migration of our billing system to an event-driven design. "
        "In the end we cut invoice errors by ninety percent."
    )
    p = wait(text)
    assert p.rule == "complete" and p.wait == OPT.end_silence


@pytest.mark.parametrize(
    "text",
    [
        "The hardest part was convincing finance, and",
        "So the first thing we did was",
        "I think, um",
        "We sharded it by tenant...",
    ],
)
def test_unfinished_words_wait_longest(text):
    p = wait(text)
    assert p.rule == "unfinished" and p.wait == OPT.pause_silence


def test_a_closed_follow_up_is_answered_promptly_once_it_says_more_than_a_sentence():
    text = "I wrote the design document myself. I also ran the review with both teams."
    p = wait(text, open_question=False)
    assert p.rule == "complete" and p.wait == OPT.end_silence


def test_a_closed_answer_with_no_result_waits_out_the_candidates_own_thinking_pauses():
    """A candidate who thinks for 2.5 s between sentences is still telling the story."""
    thinker = Pauses()
    for pause in (2.4, 2.6, 2.5):
        thinker = learn_thinking(thinker, pause, OPT)
    text = "I wrote the design document myself. I also ran the review with both teams."
    p = wait(text, open_question=False, pauses=thinker)
    assert p.rule == "complete" and p.wait == pytest.approx(thinker.thinking * OPT.thinking_factor)
    assert p.wait > 3.0
    # once it has reached its result, the same candidate gets a prompt reply
    done = text + " It shipped in six weeks."
    assert wait(done, open_question=False, pauses=thinker).wait == OPT.end_silence


def test_result_cues_match_plurals_and_common_outcome_phrases():
    for text in (
        "I mentored two engineers through their promotions.",
        "The postmortem cut repeat incidents by half.",
        "A failed primary was replaced in under ten seconds.",
        "The page got twice as fast.",
    ):
        assert RULES.reached_result(text), text
    assert not RULES.reached_result("I noticed that half of our queries were the same.")


def test_a_number_that_sets_the_scene_of_a_story_is_not_its_result():
    scene = "Our mobile app was crashing for about one percent of sessions."
    p = wait(scene)  # "Tell me about a time...": the story has only begun
    assert p.rule == "open" and p.wait == OPT.open_silence
    told = scene + " After the fixes, it was a tenth of a percent."
    assert wait(told).rule == "complete"
    # an answer to "What were the numbers?" is its numbers
    assert wait("About fifteen percent more conversions.", open_question=False).rule == "complete"
    # and an outcome counts in the first sentence too
    assert wait("We cut the crash rate by half in a month.").rule == "complete"


def test_a_first_sentence_with_no_result_is_a_thinking_pause_whatever_the_question():
    p = wait("I disagreed with my manager about the rewrite.", open_question=False)
    assert p.rule == "open" and p.wait == OPT.open_silence
    # ...but one that reaches its result is an answer
    p = wait("We cut the cloud bill by thirty percent.", open_question=False)
    assert p.rule == "complete"
    assert sentence_count("One. Two? Three") == 3 and sentence_count("") == 0


def test_speech_after_the_last_recognised_word_is_unfinished():
    p = wait("We cut costs by thirty percent.", lost_word=True)
    assert p.rule == "unfinished"


def test_a_request_to_repeat_the_question_is_answered_promptly():
    p = wait("Sorry, could you repeat the question?")
    assert p.rule == "complete"
    assert asks_to_repeat("Sorry, could you repeat that?", RULES)
    assert not asks_to_repeat(
        "We had to repeat the migration twice because the first attempt corrupted a lot of "
        "the ledger data and nobody had noticed it for a week.",
        RULES,
    )
    for request in (
        "Could you repeat?",
        "Can you repeat the question, please?",
        "Sorry, can you say that one more time?",
        "Pardon?",
    ):
        assert asks_to_repeat(request, RULES), request
    # short answers with the same words are answers: the question is not asked again
    for answer in (
        "I ran the incident review with three teams, and repeat outages dropped by half.",
        "We ran the load test one more time and it held.",
    ):
        assert not asks_to_repeat(answer, RULES), answer


def test_waits_grow_with_the_candidates_own_thinking_pauses():
    pauses = Pauses()
    for pause in (3.0, 3.4, 3.6):
        pauses = learn_thinking(pauses, pause, OPT)
    assert 3.0 < pauses.thinking < 3.6
    open_wait = wait("I led the migration of our billing system.", pauses=pauses).wait
    assert open_wait == pytest.approx(pauses.thinking * OPT.thinking_factor)
    assert open_wait > OPT.open_silence
    # a short breath is not a thinking pause
    assert learn_thinking(Pauses(), 0.2, OPT) == Pauses()


def test_each_resume_over_the_interviewer_makes_it_wait_longer_after_complete_answers():
    done = "It cut our costs by two million dollars a year."
    pauses = Pauses()
    waits = [wait(done, pauses=pauses).wait]
    for _ in range(3):
        pauses = learn_resumed(pauses, 1.6, OPT)
        waits.append(wait(done, pauses=pauses).wait)
    assert waits == sorted(waits) and waits[-1] > waits[0]
    assert pauses.resumes == 3
    # clamped
    for _ in range(20):
        pauses = learn_resumed(pauses, 10.0, OPT)
    assert wait(done, pauses=pauses).wait == OPT.max_end_silence


def test_one_afterthought_moves_the_wait_a_little_a_habit_of_them_moves_it_far():
    # the wait after every complete answer pays for each step, so one resume over a reply
    # is not taken as the candidate's habit; many are
    done = "It cut our costs by two million dollars a year."
    once = learn_resumed(Pauses(), 1.6, OPT)
    assert OPT.end_silence < wait(done, pauses=once).wait < OPT.end_silence + 0.2
    habit = Pauses()
    for _ in range(15):
        habit = learn_resumed(habit, 1.6, OPT)
    assert wait(done, pauses=habit).wait > 1.6


def test_a_resume_after_an_open_wait_teaches_the_open_wait_not_the_prompt_one():
    # "...lifted conversion by four percent." waited out as a story's first sentence (3.5 s),
    # then "And one more thing..." over the reply: the open wait was the one too short
    done = "It cut our costs by two million dollars a year."
    story = "I led the migration of our billing system."
    pauses = Pauses(thinking=2.6)
    after = learn_resumed(pauses, 4.1, OPT, rule="open")
    assert after.resumes == 1
    assert wait(done, pauses=after).wait == OPT.end_silence
    assert wait(story, pauses=after).wait > wait(story, pauses=pauses).wait
    # after a complete one, the prompt wait is the one that learns
    assert wait(done, pauses=learn_resumed(pauses, 1.6, OPT)).wait > OPT.end_silence


def test_a_voice_rising_at_the_end_of_the_wait_holds_the_end_a_moment():
    # Silero rises 0.14, 0.45, 0.49 over the first 100 ms of "After the fixes...": ending
    # the answer there starts the reply on top of the candidate going on
    assert not holds_end(0.02, 0.0, OPT)  # silence: the answer ends now
    assert holds_end(0.45, 0.0, OPT)
    held, frames = 0.0, 0
    while holds_end(0.45, held, OPT):  # a hum that never becomes speech ends it in time
        held, frames = held + BLOCK, frames + 1
    assert (frames - 1) * BLOCK < OPT.max_hold <= frames * BLOCK


def test_every_wait_is_bounded_by_max_silence():
    pauses = Pauses(thinking=20.0)
    assert wait("So the first thing we did was", pauses=pauses).wait == OPT.max_silence


# -- barge-in ------------------------------------------------------------------------------


def run(frames, words_at=None, backchannel=False, opt=BARGE):
    """Feed speech flags; ``words_at`` maps frame index -> words recognised by then."""
    o, actions, words = Overlap(), [], 0
    for i, speech in enumerate(frames):
        words = (words_at or {}).get(i, words)
        o, action = overlap_step(o, speech, BLOCK, words, backchannel, opt)
        if action:
            actions.append((i, action))
    return o, actions


def test_speech_over_the_interviewer_pauses_it_within_a_few_frames():
    o, actions = run([False] * 5 + [True] * 3)
    assert actions == [(7, PAUSE)]  # 3 frames = 96 ms of speech
    assert o.state == "paused"


def test_a_blip_shorter_than_the_onset_changes_nothing():
    o, actions = run([True, True, False, True, False] * 10)
    assert actions == [] and o.state == "clear"


def test_words_over_the_interviewer_stop_it():
    o, actions = run([True] * 20, words_at={10: 2})
    assert actions == [(2, PAUSE), (10, STOP)] and o.state == "stopped"


def test_one_word_stops_it_once_there_is_enough_speech():
    frames = [True] * 20
    _, actions = run(frames, words_at={5: 1})
    stop = [i for i, a in actions if a == STOP]
    assert stop and (stop[0] + 1) * BLOCK >= BargeInOptions().confirm_speech


def test_a_cough_without_words_lets_the_interviewer_resume():
    frames = [True] * 6 + [False] * 60
    o, actions = run(frames)
    assert [a for _, a in actions] == [PAUSE, RESUME] and o.state == "clear"
    resume = actions[1][0]
    assert (resume - actions[0][0]) * BLOCK >= BargeInOptions().false_timeout - BLOCK


def test_mm_hm_never_stops_the_interviewer():
    frames = [True] * 12 + [False] * 60
    _, actions = run(frames, words_at={8: 1}, backchannel=True)
    assert [a for _, a in actions] == [PAUSE, RESUME]


def test_long_speech_stops_the_interviewer_before_its_words_are_known():
    _, actions = run([True] * 60)
    assert [a for _, a in actions] == [PAUSE, STOP]
    assert (actions[1][0] - actions[0][0] + 3) * BLOCK >= BargeInOptions().long_speech - BLOCK


def test_the_interviewer_waits_while_the_candidate_is_still_making_noise():
    frames = [True] * 3 + [True, False] * 40 + [False] * 20
    opt = BargeInOptions(long_speech=100)
    _, actions = run(frames, opt=opt)
    resume = [i for i, a in actions if a == RESUME]
    assert resume and resume[0] >= 3 + 80  # only after the noise stopped


def test_an_interruption_soon_after_the_answer_continues_it():
    opt = BargeInOptions()
    assert interruption_kind(1.5, "and the second thing was", RULES, opt) == "resume"
    assert interruption_kind(opt.resume_window + 1, "yes, so the", RULES, opt) == "interjection"
    assert interruption_kind(None, "well I think", RULES, opt) == "interjection"
    # a request to repeat is never the rest of the answer
    assert interruption_kind(0.5, "Sorry, could you repeat that?", RULES, opt) == "interjection"


def test_the_answer_ends_for_the_candidate_when_they_hear_the_reply():
    opt = BargeInOptions()
    block = 0.032
    # decided at frame 100, the reply heard 5 s later (a slow transcription, a slow start);
    # the candidate goes on 0.5 s into it: the answer goes on
    since = since_answer_end(onset=272, decided=100, audible=256, block_s=block)
    assert since == pytest.approx(0.512)
    assert interruption_kind(since, "and one more thing, I also", RULES, opt) == "resume"
    # counted from the decision alone, that was 5.5 s: a new answer
    assert interruption_kind((272 - 100) * block, "and one more thing", RULES, opt) == (
        "interjection"
    )
    # speech before the reply was heard (or with none heard yet) counts from the decision
    assert since_answer_end(onset=150, decided=100, audible=-1, block_s=block) == pytest.approx(1.6)
    assert since_answer_end(onset=150, decided=100, audible=256, block_s=block) < 0


@dataclass
class _Playing:
    played_s: float = 0.0
    first_audio_at: float | None = None


def test_the_reply_is_heard_from_the_first_block_captured_after_it_started():
    # the listener is 5 s behind the microphone (it waited on a slow transcription): the
    # blocks it reads as the reply starts were captured before it, and do not hold it
    playing = _Playing(played_s=0.2, first_audio_at=100.0)
    assert not reply_audible(playing, captured_at=95.0)
    assert not reply_audible(playing, captured_at=99.99)
    assert reply_audible(playing, captured_at=100.0)
    assert reply_audible(playing, captured_at=100.5)
    # nothing played yet: no block holds it
    assert not reply_audible(_Playing(0.0, None), captured_at=101.0)
    # a source without capture times (a scripted one): the block read as it starts
    assert reply_audible(playing, captured_at=None)


@pytest.mark.parametrize(
    "text,expected",
    [("Mm-hm.", True), ("Right, okay.", True), ("um,", True), ("Right, but the cache", False)],
)
def test_backchannels(text, expected):
    assert RULES.is_backchannel(text) is expected


@pytest.mark.parametrize(
    "heard,expected",
    [
        ("we're at...", True),
        ("today.", True),
        ("thanks for making it", True),
        ("uh,", False),
        ("Right.", False),
        ("the hardest part was getting finance on board", False),
        ("that takes it.", False),  # the candidate's "After the fixes" under the reply
        ("the end, so let's wrap up", True),
    ],
)
def test_the_interviewers_own_words_heard_back_are_echo(heard, expected):
    from voiceinterviewer.listen.bargein import own_echo

    playing = "Hi, thanks for making the time today. We're at the end of it, so let's wrap up."
    assert own_echo(heard, playing, common=RULES.unfinished_endings) is expected


def test_the_learned_wait_eases_back_after_answers_the_candidate_let_end():
    from voiceinterviewer.listen.patience import learn_ended

    done = "It cut our costs by two million dollars a year."
    pauses = learn_resumed(Pauses(), 2.0, OPT)
    raised = wait(done, pauses=pauses).wait
    for _ in range(12):
        pauses = learn_ended(pauses, OPT)
    assert OPT.end_silence < raised and wait(done, pauses=pauses).wait == OPT.end_silence


def test_a_cut_over_is_not_a_result():
    assert not RULES.reached_result(
        "The hardest part was convincing finance the cut over was safe."
    )
    assert RULES.reached_result("It cut our costs by thirty percent.")


def test_echo_that_stops_with_the_interviewer_never_stops_it():
    # speech while the interviewer sounds (its echo), gone the moment it pauses
    o, actions, far = Overlap(), [], True
    for i in range(80):
        speech = i < 12  # "speech" for 12 frames: the echo of the first ones, then its tail
        far = i < 12  # the interviewer's voice (and its echo) is in the frame until it fades
        o, action = overlap_step(o, speech, BLOCK, 3, False, BARGE, far=far)
        if action:
            actions.append(action)
    assert actions == [PAUSE, RESUME]
    # the candidate, who goes on once the interviewer is quiet, stops it
    o, actions = Overlap(), []
    for i in range(40):
        o, action = overlap_step(o, True, BLOCK, 3 if i > 10 else 0, False, BARGE, far=i < 12)
        if action:
            actions.append(action)
    assert actions == [PAUSE, STOP]


def playing(speech, over=0.0, peak=0.0, settled=False, echo_like=0.3, raw=-120.0):
    """A block heard while the interviewer plays: the detector's voice probability, dB over
    the echo and over the loudest echo (cleaned), dB of the raw microphone over that echo."""
    from voiceinterviewer.listen.ear import Frame

    return Frame(
        0, None, speech, far=True, over_echo=over, settled=settled, echo_like=echo_like,
        over_peak=peak, raw_over_peak=raw,
    )  # fmt: skip


def test_the_candidate_over_an_unsettled_canceller_counts_unless_it_follows_the_reply():
    from voiceinterviewer.listen.bargein import hears_candidate
    from voiceinterviewer.listen.ear import Frame

    # a reply just started after a silence: the canceller has not shown it removes the echo
    going_on = playing(0.8, over=10.0, peak=3.0)
    assert hears_candidate(going_on, "webrtc", BARGE)  # was only the 0.95 gate before
    assert hears_candidate(going_on, "gate", BARGE)
    # as loud, but no louder than the loudest echo the room may still be sending back
    assert not hears_candidate(playing(0.8, over=10.0, peak=-3.0), "webrtc", BARGE)
    # the interviewer's own voice, passed by a canceller that lost the echo
    own = playing(0.8, over=10.0, peak=3.0, echo_like=0.9)
    assert not hears_candidate(own, "webrtc", BARGE)
    assert not hears_candidate(playing(0.8, settled=True, echo_like=0.9), "webrtc", BARGE)
    assert hears_candidate(playing(0.8, settled=True), "webrtc", BARGE)
    # the strict gate still lets through speech that is sure and loud, whatever it follows
    assert hears_candidate(playing(0.97, over=8.0, echo_like=0.9), "gate", BARGE)
    # nothing plays: the usual threshold
    assert hears_candidate(Frame(0, None, 0.6), "webrtc", BARGE)


def test_a_voice_louder_than_any_echo_counts_whatever_the_canceller_left_of_it():
    """AEC3 turns a person's first syllables over its echo down by 20-40 dB while it sorts out
    the double talk, and the detector reads a first "And I..." at 0.3-0.5: measured on the
    microphone before the canceller, that voice is far louder than the echo could be."""
    from voiceinterviewer.listen.bargein import hears_candidate

    def frame(speech, raw, settled=True, echo_like=0.3):  # cleaned 20 dB under the echo
        return playing(speech, -20.0, -25.0, settled, echo_like, raw)

    for mode in ("webrtc", "gate"):
        for settled in (True, False):
            ducked = frame(0.8, raw=15.0, settled=settled)  # cleaned 20 dB under the echo
            assert hears_candidate(ducked, mode, BARGE), (mode, settled)
            assert hears_candidate(frame(0.35, raw=15.0, settled=settled), mode, BARGE)
            # no louder than the echo may be: what the canceller left decides, as before
            assert not hears_candidate(frame(0.8, raw=5.0, settled=settled), mode, BARGE)
            # loud, but not a voice: a door, a cup on the desk
            assert not hears_candidate(frame(0.1, raw=25.0, settled=settled), mode, BARGE)
            # loud and following what was played: the echo itself, louder than learned
            own = frame(0.8, raw=15.0, settled=settled, echo_like=0.9)
            assert not hears_candidate(own, mode, BARGE)
    # until the room's coupling is learned the microphone's level says nothing
    assert not hears_candidate(playing(0.8, -20.0, -25.0, settled=True), "webrtc", BARGE)
