"""Device glitches: passed on to the far end at once, journalled at a bounded rate."""

import numpy as np

from voiceinterviewer.audio.clip import STT_RATE
from voiceinterviewer.audio.farend import FarBuffer
from voiceinterviewer.audio.glitches import GlitchCounts, GlitchWatch, counts_of, glitch_news


class Counts:
    """Scripted device totals: ``enqueue()`` the next ones."""

    def __init__(self):
        self.now = GlitchCounts()

    def enqueue(self, **totals):
        self.now = GlitchCounts(**{**self.now.__dict__, **totals})

    def __call__(self):
        return self.now


def watch(counts, clock):
    dropped, journal = [], []
    w = GlitchWatch(counts, lambda: dropped.append(1), journal.append, clock=lambda: clock[0])
    return w, dropped, journal


def test_news_only_when_a_total_moved():
    assert glitch_news(GlitchCounts(), GlitchCounts()) is None
    assert glitch_news(GlitchCounts(), GlitchCounts(underflows=2)) == {
        "underflows": 2,
        "overflows": 0,
        "shifts": 0,
    }


def test_counts_of_reads_whatever_devices_there_are():
    class Sink:
        underflows = 3

    assert counts_of(Sink(), None, object()) == GlitchCounts(underflows=3)


def test_a_dropped_microphone_block_re_measures_the_echo_at_once_and_is_journalled():
    counts, clock = Counts(), [10.0]
    w, dropped, journal = watch(counts, clock)
    w.check()
    assert dropped == [] and journal == []
    counts.enqueue(overflows=1)
    w.check()
    assert dropped == [1]
    assert journal == [{"underflows": 0, "overflows": 1, "shifts": 0}]
    counts.enqueue(underflows=1)  # the speaker ran dry: its own stream told the far end
    w.check()
    assert dropped == [1]


def test_a_burst_of_glitches_is_journalled_once_a_second():
    counts, clock = Counts(), [10.0]
    w, dropped, journal = watch(counts, clock)
    for i in range(1, 21):  # 20 overflows within 0.2 s
        counts.enqueue(overflows=i)
        clock[0] += 0.01
        w.check()
    assert len(dropped) == 20  # every one re-measures
    assert journal == [{"underflows": 0, "overflows": 1, "shifts": 0}]
    clock[0] += 1.0
    w.check()  # a quiet block a second later carries the totals
    assert journal[-1]["overflows"] == 20 and len(journal) == 2
    clock[0] += 0.5
    w.check()  # nothing new: nothing journalled
    assert len(journal) == 2


def blocks_to_repair(glitch: bool) -> int:
    """Microphone blocks from a 200 ms drop until the far end re-pairs the echo."""
    rng = np.random.default_rng(11)
    played = (rng.standard_normal(STT_RATE * 12) * 0.1).astype(np.float32)
    lag, drop, at = int(0.08 * STT_RATE), int(0.2 * STT_RATE), 4 * STT_RATE
    echo = np.concatenate([np.zeros(lag, dtype=np.float32), played])[: len(played)] * 0.2
    buf = FarBuffer(margin=0.0, keep=30.0)
    for i in range(0, len(played), 480):
        buf.push(played[i : i + 480], heard_at=100.0 + i / STT_RATE)
    i, n, dropped_at = 0, 0, None
    while i < len(played) - 1024:
        if dropped_at is None and i >= at:
            i += drop  # the microphone lost 200 ms: the echo now leads its reference by 120 ms
            dropped_at = n
            if glitch:
                buf.glitch()
        buf.take(512, at=100.0 + i / STT_RATE)
        buf.heard(echo[i : i + 512])
        i, n = i + 512, n + 1
        if dropped_at is not None and buf.shifts:
            return n - dropped_at
    raise AssertionError("never re-paired")


def test_a_far_end_told_of_the_drop_re_pairs_on_its_first_measurement():
    told, untold = blocks_to_repair(True), blocks_to_repair(False)
    window = STT_RATE // 512  # the measurement needs a second of audio after the drop
    assert told <= window + 1
    assert untold > told  # otherwise it waits for the same lag measured twice
