"""The playout (pause, resume, stop with fades; exactly what was played) and the echo canceller.

The canceller is the real WebRTC AEC3 from pywebrtc-audio, on speech played
back through a simulated room: delayed, attenuated and smeared, with the
candidate speaking over it, and judged by the real Silero detector.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_helpers import speech
from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.audio.echo import (
    EchoMeter,
    NoEcho,
    WebRtcEcho,
    build_echo,
    webrtc_available,
)
from voiceinterviewer.audio.farend import ClockedOutput, FarBuffer, echo_lag
from voiceinterviewer.audio.playout import Playout
from voiceinterviewer.audio.scripted import (
    QUESTION_ENDED,
    QUESTION_STARTED,
    ScriptedAnswer,
    ScriptedSource,
)
from voiceinterviewer.listen.bargein import BargeInOptions, hears_candidate
from voiceinterviewer.listen.ear import Ear
from voiceinterviewer.listen.vad import SileroVad


def ramp(seconds: float, rate: int = STT_RATE) -> Clip:
    return Clip(np.full(int(seconds * rate), 0.5, dtype=np.float32), rate)


def pull_all(playout: Playout, frames: int, block: int = 160):
    outs, fars = [], []
    for _ in range(frames // block):
        out, far = playout.pull(block)
        outs.append(out)
        fars.append(far)
    return np.concatenate(outs), np.concatenate(fars)


def test_playout_plays_sentences_in_order_and_keeps_a_16k_twin():
    playout = Playout(48000)
    playout.begin()
    playout.say(ramp(0.5, 24000), "One.")
    playout.say(ramp(0.25, 24000), "Two.")
    out, far = pull_all(playout, 48000, 480)
    assert np.count_nonzero(out) == int(0.75 * 48000)
    assert np.count_nonzero(far) == pytest.approx(0.75 * STT_RATE, abs=2)
    assert len(far) == STT_RATE  # one second of output is one second of reference
    assert playout.finished and playout.played().sentences == ["One.", "Two."]


def test_pause_fades_out_holds_the_place_and_resume_goes_on_from_there():
    playout = Playout(STT_RATE)
    playout.begin()
    playout.say(ramp(1.0), "A long sentence of several words here.")
    pull_all(playout, 3200)  # 0.2 s
    playout.pause()
    out, far = pull_all(playout, 3200)
    fade = int(playout.options.fade_out_ms * STT_RATE / 1000)
    assert 0 < np.count_nonzero(out) <= fade + 1  # a fade, not a click...
    assert np.all(np.diff(out[: fade - 1]) <= 1e-6)  # ...that only goes down
    np.testing.assert_allclose(far, out, atol=1e-6)  # the reference is what was played
    held = playout.played_s
    pull_all(playout, 8000)
    assert playout.played_s == held and not playout.finished
    playout.resume()
    out, _ = pull_all(playout, STT_RATE)
    assert np.count_nonzero(out) > 0.7 * STT_RATE
    assert playout.finished


def test_stop_drops_the_rest_and_reports_what_was_heard():
    playout = Playout(STT_RATE)
    playout.begin()
    playout.say(ramp(0.5), "What was the business impact?")
    playout.say(ramp(1.0), "And what did you do versus the team?")
    pull_all(playout, int(0.5 * STT_RATE) + 4000)  # the first sentence and a quarter of the second
    playout.stop()
    pull_all(playout, 3200)
    assert playout.finished
    heard = playout.played()
    assert heard.sentences == ["What was the business impact?"]
    assert heard.cut_sentence.startswith("And what") and 0.2 < heard.cut_fraction < 0.35
    assert heard.text.startswith("What was the business impact? And what")
    assert heard.text.endswith("…")
    out, _ = pull_all(playout, 3200)
    assert not np.any(out)


def test_the_clocked_output_plays_one_block_per_microphone_block():
    playout = Playout(STT_RATE)
    playout.begin()
    playout.say(ramp(0.1), "Hi.")
    out = ClockedOutput(playout)
    assert np.count_nonzero(out.take(512)) == 512
    assert playout.played_s == pytest.approx(0.032)


def test_far_buffer_pairs_a_block_with_what_was_heard_when_it_was_captured():
    buf = FarBuffer(margin=0.0)
    ramp_ = np.arange(STT_RATE, dtype=np.float32)
    buf.push(ramp_[:8000], heard_at=10.0)  # sample 0 is heard at t = 10.0
    buf.push(ramp_[8000:], heard_at=10.5)
    assert np.array_equal(buf.take(100, at=10.25), ramp_[4000:4100])
    assert np.array_equal(buf.take(100, at=10.3), ramp_[4100:4200])  # then sample by sample
    assert not np.any(FarBuffer().take(10))  # nothing played yet: silence


def test_a_script_answers_on_the_interviewers_timeline():
    clip = ramp(0.2)
    src = ScriptedSource([clip, ScriptedAnswer(clip, after=QUESTION_STARTED, delay=0.1)])
    src.cue(QUESTION_STARTED)  # the first answer waits for the end of a question
    assert not np.any(src.read())
    src.cue(QUESTION_ENDED)
    blocks = [src.read() for _ in range(20)]
    first = next(i for i, b in enumerate(blocks) if np.any(b))
    assert first * 512 / STT_RATE == pytest.approx(0.3, abs=0.04)
    src.cue(QUESTION_STARTED)  # the second talks over the next question, 0.1 s in
    assert src.started_at[1] == pytest.approx(src.position + 0.1, abs=0.04)
    for _ in range(20):
        src.read()
    src.cue(QUESTION_ENDED)  # the script has run out: the next read ends it
    assert src.read() is None


def room(far: np.ndarray, delay_s: float = 0.04, gain_db: float = -15.0) -> np.ndarray:
    """A laptop's echo: delayed, quieter, with a few reflections."""
    rng = np.random.default_rng(0)
    d = int(delay_s * STT_RATE)
    h = np.zeros(d + 1600, dtype=np.float32)
    h[d] = 1.0
    for k in range(20):
        h[d + int(rng.integers(20, 1500))] += rng.normal() * 0.3 * np.exp(-k / 6)
    return (np.convolve(far, h)[: len(far)] * 10 ** (gain_db / 20)).astype(np.float32)


def speech_blocks(samples: np.ndarray) -> np.ndarray:
    vad = SileroVad()
    return np.array(
        [vad.voice_confidence(samples[i : i + 512]) for i in range(0, len(samples) - 511, 512)]
    )


@pytest.mark.skipif(not webrtc_available(), reason="pywebrtc-audio is not installed")
def test_the_interviewers_echo_is_not_speech_after_cancellation_but_the_candidate_is():
    question = speech(
        "Tell me about a time you led a project across several teams, and what you did."
    ).resampled(STT_RATE)
    answer = speech("The second part was the migration itself.").resampled(STT_RATE)
    n = len(question.samples) + 3 * STT_RATE
    far = np.zeros(n, dtype=np.float32)
    far[STT_RATE // 2 : STT_RATE // 2 + len(question.samples)] = question.samples
    near = np.zeros(n, dtype=np.float32)
    at = len(question.samples) + STT_RATE  # the candidate speaks after the question
    near[at : at + len(answer.samples)] = answer.samples[: n - at]
    noise = np.random.default_rng(1).normal(size=n).astype(np.float32) * 3e-4
    mic = room(far) + near + noise

    def heard(canceller) -> np.ndarray:
        out = [canceller.cancel(mic[i : i + 512], far[i : i + 512]) for i in range(0, n - 511, 512)]
        return np.concatenate(out)

    echo_only = slice(STT_RATE // 2 // 512 + 16, at // 512 - 4)  # after the canceller's first 0.5 s
    raw = speech_blocks(heard(NoEcho()))
    clean = speech_blocks(heard(WebRtcEcho(delay_ms=40)))
    assert np.sum(raw[echo_only] > 0.5) > 50  # without it, the echo is speech
    assert np.sum(clean[echo_only] > 0.5) <= 1
    candidate = slice(at // 512 + 4, (at + len(answer.samples)) // 512 - 4)
    assert np.mean(clean[candidate] > 0.5) > 0.7  # the candidate is still heard


def test_echo_modes():
    assert build_echo("headphones")[1] == "headphones"
    assert build_echo("gate")[1] == "gate"
    assert build_echo("auto")[1] == ("webrtc" if webrtc_available() else "gate")


def test_the_ear_records_the_raw_microphone_and_cleans_what_it_hears():
    playout = Playout(STT_RATE)
    src = ScriptedSource([ramp(0.2)], lead_in=0.0)
    src.cue(QUESTION_ENDED)
    recorded = []
    ear = Ear(src, SileroVad(), ClockedOutput(playout), record=recorded.append)
    frames = [ear.read() for _ in range(10)]
    assert [f.index for f in frames] == list(range(10))
    assert len(np.concatenate(recorded)) == 10 * 512
    assert frames[1].t == pytest.approx(0.032)


def test_far_buffer_follows_the_echo_when_the_stamps_are_wrong():
    """Stamps 300 ms off (as PulseAudio's are at start-up): the pairing is corrected from the signal."""
    rng = np.random.default_rng(5)
    played = (rng.standard_normal(STT_RATE * 12) * 0.1).astype(np.float32)
    delay = int(0.07 * STT_RATE)  # the room and the devices: the echo is 70 ms late
    echo = np.concatenate([np.zeros(delay, dtype=np.float32), played])[: len(played)] * 0.2
    buf = FarBuffer()
    t0 = 100.0
    for i in range(0, len(played), 480):  # what the speaker played, stamped 300 ms early
        buf.push(played[i : i + 480], heard_at=t0 + i / STT_RATE - 0.3)
    paired, heard = [], []
    for i in range(0, len(played) - 512, 512):
        paired.append(buf.take(512, at=t0 + i / STT_RATE))
        heard.append(echo[i : i + 512])
        buf.heard(heard[-1])
    assert buf.shifts == 1
    # at the end the echo lags the reference it is paired with by the target: causal, steady
    tail = slice(-3 * STT_RATE // 512, None)
    mic, far = np.concatenate(heard[tail]), np.concatenate(paired[tail])
    m = STT_RATE // 2
    lag, sure = echo_lag(mic[m:-m], far, m)
    assert sure > 0.9 and abs(lag - buf.target) <= 16


def test_echo_lag_finds_the_delay_either_way():
    rng = np.random.default_rng(0)
    far = rng.standard_normal(STT_RATE * 6).astype(np.float32)
    start, width, search = 2 * STT_RATE, 2 * STT_RATE, STT_RATE
    for lag in (0, 640, -800, 5000):
        mic = far[start - lag : start - lag + width] * 0.1
        assert echo_lag(mic, far[start - search : start + width + search], search) == (
            lag,
            pytest.approx(1.0),
        )


def echo_with_lag(played: np.ndarray, lag_ms) -> np.ndarray:
    """The echo of ``played`` 14 dB down, lagging it by ``lag_ms(t)`` at each moment t (s)."""
    t = np.arange(len(played)) / STT_RATE
    src = np.arange(len(played)) - np.round(lag_ms(t) * STT_RATE / 1000).astype(int)
    out = np.where(src >= 0, played[np.clip(src, 0, None)], 0.0)
    return (out * 0.2).astype(np.float32)


def follow(buf: FarBuffer, played: np.ndarray, echo: np.ndarray) -> list[np.ndarray]:
    """Play ``played`` through ``buf`` with exact stamps and let it hear ``echo``."""
    for i in range(0, len(played), 480):
        buf.push(played[i : i + 480], heard_at=100.0 + i / STT_RATE)
    paired = []
    for i in range(0, len(played) - 512, 512):
        paired.append(buf.take(512, at=100.0 + i / STT_RATE))
        buf.heard(echo[i : i + 512])
    return paired


def test_far_buffer_leaves_an_echo_moving_inside_the_band_to_the_canceller():
    """The echo goes from 66 to 100 to 140 ms late: no shift (AEC3 follows it), still aligned."""
    rng = np.random.default_rng(6)
    played = (rng.standard_normal(STT_RATE * 18) * 0.1).astype(np.float32)
    buf = FarBuffer(margin=0.0, keep=30.0)
    follow(buf, played, echo_with_lag(played, lambda t: np.select([t < 6, t < 12], [66, 100], 140)))
    assert buf.shifts == 0 and buf.aligned
    assert buf.lag / 16 == pytest.approx(140, abs=1)  # measured, and left where it is


def test_far_buffer_shifts_an_echo_that_leaves_the_band():
    """An echo that drifts to lead its reference (it would be uncancellable) is brought back."""
    rng = np.random.default_rng(7)
    played = (rng.standard_normal(STT_RATE * 12) * 0.1).astype(np.float32)
    buf = FarBuffer(margin=0.0, keep=30.0)
    paired = follow(buf, played, echo_with_lag(played, lambda t: np.where(t < 4, 40, 2)))
    assert buf.shifts == 1 and buf.aligned
    tail = slice(-3 * STT_RATE // 512, None)
    far = np.concatenate(paired[tail])
    mic = echo_with_lag(played, lambda t: np.where(t < 4, 40, 2))[-len(far) - 512 : -512]
    m = STT_RATE // 2
    lag, sure = echo_lag(mic[m:-m], far, m)
    assert sure > 0.9 and abs(lag - buf.target) <= 16


def test_far_buffer_shifts_when_its_reads_run_past_what_the_speaker_handed_over():
    """The echo drifts later than the speaker's buffer holds: the reference must not go to gaps.

    The speaker has handed over 200 ms more than it has played; the echo lags the exact
    stamps by 150 ms, moving to 258 ms in 12 ms steps (the devices' clocks, sped up). Read where the
    stamps say, the reference would be mostly silence from about 170 ms on.
    """
    rng = np.random.default_rng(9)
    played = (rng.standard_normal(STT_RATE * 20) * 0.1).astype(np.float32)

    def lag_ms(t):
        return 150 + 12 * np.floor(t / 2)  # white noise decorrelates under a smooth drift

    echo = echo_with_lag(played, lag_ms)
    buffered = 0.2
    buf = FarBuffer(margin=0.0, keep=30.0)
    paired, pushed = [], 0
    for i in range(0, len(played) - 512, 512):
        handed = i + 512 + int((buffered - lag_ms(i / STT_RATE) / 1000) * STT_RATE)
        while pushed < min(handed, len(played)):
            buf.push(played[pushed : pushed + 480], heard_at=100.0 + pushed / STT_RATE)
            pushed += 480
        paired.append(buf.take(512, at=100.0 + i / STT_RATE))
        buf.heard(echo[i : i + 512])
    assert buf.shifts >= 1
    far = np.concatenate(paired)
    gaps = [float(np.mean(far[a : a + STT_RATE] == 0.0)) for a in range(0, len(far), STT_RATE)]
    assert max(gaps[-12:]) < 0.02, gaps  # the last 12 s: the reference is whole
    # the echo lags the reference by less than the speaker holds, and more than nothing
    assert buf.aligned and buf.min_lag <= buf.lag < buffered * STT_RATE - buf.min_ahead


def meter_blocks(meter: EchoMeter, seconds: float, erle_db: float, candidate: float = 0.0):
    """Feed ``seconds`` of a -20 dB echo of which the canceller leaves ``erle_db`` less."""
    rng = np.random.default_rng(8)
    out = []
    for _ in range(int(seconds / 0.032)):
        far = (rng.standard_normal(512) * 0.1).astype(np.float32)
        echo = far * 0.1
        talk = (rng.standard_normal(512) * candidate).astype(np.float32)
        out.append(meter.measure(far, echo + talk, echo * 10 ** (-erle_db / 20) + talk))
    return out


def test_the_echo_meter_is_settled_only_while_the_canceller_removes_the_echo():
    meter = EchoMeter(0.032)
    early = meter_blocks(meter, 1.15, erle_db=25.0)
    # settled as soon as it has seen the canceller remove the echo (8 blocks, and the 0.2 s
    # it leaves out), well before it has heard the 1.2 s that would do without seeing
    assert not any(settled for _, _, settled in early[:13])
    assert all(settled for _, _, settled in early[16:])
    assert all(settled for _, _, settled in meter_blocks(meter, 1.0, erle_db=25.0))
    # a canceller that removes nothing is never settled, however long it has heard
    deaf = EchoMeter(0.032)
    assert not any(settled for _, _, settled in meter_blocks(deaf, 2.0, erle_db=2.0))
    # the echo path moved and the canceller lost it: the strict gate is back within 0.8 s
    lost = meter_blocks(meter, 1.5, erle_db=3.0)
    assert not any(settled for _, _, settled in lost[24:])
    # found again: settled once the window holds mostly well-cancelled echo
    found = meter_blocks(meter, 1.5, erle_db=25.0)
    assert all(settled for _, _, settled in found[-10:])


def test_a_candidate_starting_to_talk_over_the_echo_does_not_unsettle_the_meter():
    meter = EchoMeter(0.032)
    meter_blocks(meter, 3.0, erle_db=25.0)
    onset = meter_blocks(meter, 0.16, erle_db=25.0, candidate=0.02)  # as loud as the echo
    assert all(settled for _, _, settled in onset)
    assert all(over > 3 for _, over, _ in onset)  # and it stands above the echo it talks over


class Blocks:
    """A microphone: ``samples`` in 32 ms blocks, each stamped with when it was captured."""

    def __init__(self, samples: np.ndarray, t0: float):
        self.samples, self.t0, self.i = samples, t0, 0
        self.captured_at: float | None = None

    def read(self):
        if self.i + 512 > len(self.samples):
            return None
        self.captured_at = self.t0 + self.i / STT_RATE
        block = self.samples[self.i : self.i + 512]
        self.i += 512
        return block


@pytest.mark.skipif(not webrtc_available(), reason="pywebrtc-audio not installed")
def test_before_the_echo_is_found_the_interviewers_first_word_is_not_the_candidate():
    """Stamps 240 ms late (PulseAudio's at start-up): the echo of "Hi" is on the microphone
    200 ms before its reference says anything was played. It must not pause the interviewer;
    a candidate talking over it, once the echo is found, still does."""
    rng = np.random.default_rng(9)
    said = speech("Hi, thanks for making the time today. Tell me about a project that failed.")
    question = said.resampled(STT_RATE).samples
    played = np.concatenate([np.zeros(STT_RATE // 2), question, np.zeros(STT_RATE)])
    played = played.astype(np.float32)
    delay = int(0.04 * STT_RATE)
    echo = np.concatenate([np.zeros(delay), played[:-delay]]) * 0.18  # -15 dB, 40 ms
    candidate = speech("I led the redesign of our billing system.").resampled(STT_RATE).samples
    at = int(3.5 * STT_RATE)
    mic = echo + rng.standard_normal(len(echo)) * 1e-4
    mic[at : at + len(candidate)] += candidate[: len(mic) - at] * 0.5
    t0 = 100.0
    buf = FarBuffer()
    for i in range(0, len(played), 480):
        buf.push(played[i : i + 480], heard_at=t0 + i / STT_RATE + 0.24)
    ear = Ear(Blocks(mic.astype(np.float32), t0), SileroVad(), buf, echo=WebRtcEcho())
    frames = []
    while (frame := ear.read()) is not None:
        frames.append(frame)
    heard = [f.t for f in frames if hears_candidate(f, "webrtc", BargeInOptions())]
    assert buf.shifts >= 1  # the echo was found and the pairing moved
    assert heard and min(heard) >= 3.5, heard  # only the candidate


def test_the_microphone_before_the_canceller_tells_a_voice_louder_than_any_echo():
    """What AEC3 leaves of a person starting to talk over it can be 20-40 dB quieter than
    they are; the microphone's own level against the loudest echo is not."""
    meter = EchoMeter(0.032)
    assert meter.raw_over_peak == -120.0
    echo_only = meter_blocks(meter, 3.0, erle_db=25.0)
    assert echo_only and meter.raw_over_peak < 3.0  # the echo is the echo
    rng = np.random.default_rng(3)
    far = (rng.standard_normal(512) * 0.1).astype(np.float32)
    talk = (rng.standard_normal(512) * 0.1).astype(np.float32)  # 20 dB over the echo
    _, over, _ = meter.measure(far, far * 0.1 + talk, talk * 0.03)  # the canceller ducks it
    assert over < 0 and meter.raw_over_peak > 15.0
    # nothing played for longer than the room rings: nothing to stand above
    for _ in range(12):
        meter.measure(np.zeros(512, np.float32), talk, talk)
    assert meter.raw_over_peak == -120.0


def test_an_echo_louder_than_learned_is_still_the_echo_and_the_room_learns_it():
    """The volume turned up 20 dB: the echo is far louder than learned, but it follows what
    was played. It stands above nothing, and the coupling moves to it within seconds (before,
    such blocks counted as someone talking, were never learned, and stayed 20 dB "above")."""
    meter = EchoMeter(0.032)
    meter_blocks(meter, 3.0, erle_db=25.0)
    assert abs(meter.coupling - -20.0) < 1.0
    rng = np.random.default_rng(5)
    above = []
    for _ in range(int(4.0 / 0.032)):
        far = (rng.standard_normal(512) * 0.1).astype(np.float32)
        meter.measure(far, far, far * 0.05)  # the echo at 0 dB now
        above.append(meter.raw_over_peak)
    # only the block in which it jumps, half old echo and half new (coherence 0.77), stands
    # above: the barge-in rule pauses on three blocks in a row
    assert sum(a >= 3.0 for a in above) <= 1, above[:5]
    assert abs(meter.coupling) < 2.0, meter.coupling


def test_a_candidate_talking_over_the_interviewer_leaves_the_room_and_the_canceller_as_learned():
    """Seconds of a candidate 20 dB above the echo: neither the coupling nor the canceller's
    ERLE is learned from them, so the meter stays settled and the candidate stays above."""
    meter = EchoMeter(0.032)
    meter_blocks(meter, 3.0, erle_db=25.0)
    coupling = meter.coupling
    talk = meter_blocks(meter, 3.0, erle_db=25.0, candidate=0.1)
    assert abs(meter.coupling - coupling) < 1.0
    assert all(settled for _, _, settled in talk)
    assert all(over > 15 for _, over, _ in talk)


def test_the_interviewers_voice_coming_back_follows_what_was_played_and_a_candidate_does_not():
    from voiceinterviewer.audio.echo import coherence

    limit = BargeInOptions().max_echo_like
    played = speech("What was the business impact of the migration?").resampled(STT_RATE).samples
    other = speech("We cut the invoice errors by ninety percent.").resampled(STT_RATE).samples
    echoed = room(played)  # what the room sends back, 40 ms late, with reflections
    for at in (0.6, 0.9, 1.2, 1.5, 1.8):  # the same voice: only the words differ
        end = int(at * STT_RATE)
        far = played[end - int(0.414 * STT_RATE) : end]  # the last 414 ms played
        echo, voice = echoed[end - 1024 : end], other[end - 1024 : end]
        assert coherence(echo, far) >= 0.8
        assert coherence(voice, far) < limit
        assert coherence(voice * 0.5 + echo * 0.1, far) < limit  # the candidate over the echo
        assert coherence(echo, np.zeros_like(far)) == 0.0  # nothing was played
