"""One reply's watch on the candidate's voice, through its seams: frames in, player and journal out."""

import json
from concurrent.futures import Future

import numpy as np

from tests.fakes import ScriptedTranscriber
from voiceinterviewer.audio.clip import STT_RATE, Clip
from voiceinterviewer.listen.bargein import PAUSE, RESUME, STOP, BargeInOptions
from voiceinterviewer.listen.ear import BLOCK_S, Frame
from voiceinterviewer.listen.turn_rules import turn_rules
from voiceinterviewer.session.overlap_watch import OverlapWatch

PLAYING = "Tell me about a time you led a migration across several teams."


class Player:
    def __init__(self):
        self.calls: list[str] = []

    def pause(self):
        self.calls.append("pause")

    def resume(self):
        self.calls.append("resume")


class Journal:
    def __init__(self):
        self.entries: list[tuple] = []

    def heard_over(self, behind_s=None):
        self.entries.append(("heard_over", behind_s))

    def barge_in(self, turn, outcome, text, played_s, kind=""):
        self.entries.append((outcome, text))


def make_watch(clock=lambda: 0.0):
    """A watch whose probes transcribe at once with what was ``enqueue()``d."""
    stt, player, journal, probes = ScriptedTranscriber(), Player(), Journal(), []

    def probe(onset: int) -> Future:
        probes.append(onset)
        done: Future = Future()
        done.set_result(stt.transcribe(Clip(np.zeros(160, np.float32), STT_RATE)))
        return done

    watch = OverlapWatch(
        3, BargeInOptions(), "webrtc", turn_rules(), player, journal, probe,
        lambda: PLAYING, lambda: 1.5, probe_every=0.3, clock=clock,
    )  # fmt: skip
    return watch, stt, player, journal, probes


def run(watch, pattern: str, far: bool = True, start: int = 0, captured=None) -> list[str]:
    """Feed one frame per character (``s`` speech, ``.`` silence); the actions taken."""
    actions = []
    for k, c in enumerate(pattern):
        speech = 0.9 if c == "s" else 0.0
        at = None if captured is None else captured + (start + k) * BLOCK_S
        frame = Frame(
            start + k, np.zeros(512, np.float32), speech, far, over_echo=0.0, captured_at=at
        )
        action = watch.step(frame)
        if action:
            actions.append(action)
    return actions


def test_its_own_voice_coming_back_pauses_it_and_it_goes_on_at_once():
    watch, stt, player, journal, probes = make_watch()
    stt.enqueue("about a time you led")
    assert run(watch, "ssss") == [PAUSE, "echo"]  # the probe is read on the next frame
    assert player.calls == ["pause", "resume"]
    assert journal.entries == [("heard_over", None), ("echo", "about a time you led")]
    assert probes == [0] and watch.state == "clear" and watch.text == ""


def test_a_cough_with_no_words_resumes_after_the_false_timeout():
    watch, stt, player, journal, probes = make_watch()
    frames = int(np.ceil(BargeInOptions().false_timeout / BLOCK_S)) + 10
    actions = run(watch, "sss" + "." * frames)
    assert actions == [PAUSE, RESUME]
    assert player.calls == ["pause", "resume"]
    assert journal.entries == [("heard_over", None), ("resumed", "")]
    assert len(probes) >= 2  # probed again while paused, every probe_every seconds


def test_words_said_once_the_interviewer_is_quiet_stop_it_with_their_text():
    watch, stt, player, journal, probes = make_watch()
    stt.enqueue("sorry")
    stt.enqueue("sorry, I should add one thing")
    actions = run(watch, "sss")
    actions += run(watch, "s" * 30, far=False, start=3)
    assert actions == [PAUSE, STOP]
    assert watch.state == "stopped" and watch.onset == 0
    assert watch.text == "sorry, I should add one thing"
    assert player.calls == ["pause"]  # the loop stops the reply itself


def test_the_pause_says_how_far_behind_the_microphone_the_listener_was():
    # the third block of speech, captured at 100.064 s, is read at 101.3 s: 1.236 s behind
    watch, stt, player, journal, probes = make_watch(clock=lambda: 101.3)
    assert run(watch, "sss", captured=100.0) == [PAUSE]
    assert journal.entries[0][0] == "heard_over"
    assert abs(journal.entries[0][1] - 1.236) < 1e-6


def test_the_barge_in_entry_carries_how_far_behind_the_listener_was(tmp_path):
    from voiceinterviewer.session.journal import Journal as SessionJournal
    from voiceinterviewer.session.turn_journal import TurnJournal

    journal = SessionJournal(tmp_path / "session.jsonl")
    turns = TurnJournal(journal, tmp_path, "tiny.en", say=lambda line: None)
    turns.heard_over(0.4567)
    turns.barge_in(2, "resumed", "", 1.0)
    turns.heard_over()  # a scripted source: capture times unknown
    turns.barge_in(3, "resumed", "", 1.0)
    journal.close()
    rows = [json.loads(line) for line in (tmp_path / "session.jsonl").read_text().splitlines()]
    assert [r.get("behind_ms") for r in rows if r["type"] == "barge_in"] == [457, None]
