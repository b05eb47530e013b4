"""The real tiny.en transcriber writes the same words for the same audio, whatever came before.

An answer is transcribed live, phrase by phrase, and may be transcribed again
later by `voiceinterviewer transcribe`, in another process, after other
answers: both must read the same.
"""

from __future__ import annotations

import subprocess
import sys

from tests.audio_helpers import speech_file

SAME_CLIP_IN_ANY_ORDER = """
import sys
from voiceinterviewer.audio.wavfile import read_audio
from voiceinterviewer.stt.whisper import load_transcriber

transcriber = load_transcriber("tiny.en")
clip, other = read_audio(sys.argv[1]), read_audio(sys.argv[2])
if sys.argv[3] == "warm":
    transcriber.warm_up()
for first in (clip, other, clip, other, clip):
    text = transcriber.transcribe(first, "We sharded the orders table.").text
    if first is clip:
        print(text)
"""


def test_the_same_audio_gives_the_same_words_in_any_order_and_any_process(tmp_path):
    answer = speech_file(
        tmp_path / "answer.wav",
        "I want to set the technical direction for payments across teams, "
        "and grow the senior engineers around me into tech leads.",
    )
    other = speech_file(tmp_path / "other.wav", "Then we added a read-through cache in front.")
    runs = [
        subprocess.run(
            [sys.executable, "-c", SAME_CLIP_IN_ANY_ORDER, str(answer), str(other), mode],
            capture_output=True,
            text=True,
            timeout=120,
        )
        for mode in ("warm", "cold")
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    first = runs[0].stdout.splitlines()
    assert len(first) == 3 and "technical direction" in first[0]
    assert len(set(first)) == 1
    assert runs[1].stdout.splitlines() == first


def test_a_phrase_is_decoded_in_one_window_and_nothing_is_written_in_the_silence_after_it():
    # as the listener sends a phrase: the speech, then the 0.2 s of silence it keeps
    import numpy as np

    from tests.audio_helpers import speech, words
    from voiceinterviewer.audio.clip import Clip
    from voiceinterviewer.stt.vocabulary import interview_vocabulary
    from voiceinterviewer.stt.whisper import load_transcriber

    transcriber = load_transcriber("tiny.en")
    transcriber.set_vocabulary(interview_vocabulary("senior-loop"))
    windows = []
    encode = transcriber.model.encode
    transcriber.model.encode = lambda features: windows.append(1) or encode(features)
    # tiny.en wrote "Please." and "Cheers." after these, in second and third windows of
    # nothing but that silence, when decoding went on while 0.35 s of the clip was left
    for text in ("We had three teams writing to the same database.", "I mentored three engineers."):
        audio = speech(text).resampled(16000).samples
        last = np.flatnonzero(np.abs(audio) > 0.02)[-1]
        phrase = np.concatenate([audio[: last + 1], np.zeros(3200, dtype=np.float32)])
        windows.clear()
        heard = transcriber.transcribe(Clip(phrase, 16000), "")
        assert len(windows) == 1, heard.text
        assert words(heard.text) == words(text), heard.text


def test_new_tokens_are_capped_by_the_length_of_the_audio():
    from voiceinterviewer.stt.decoding import max_new_tokens, reached_end
    from voiceinterviewer.stt.whisper import WhisperOptions

    opt = WhisperOptions()
    # fast speech is about 6 tokens a second: a 2.5 s phrase has room for twice that
    assert 2 * 6 * 2.5 <= max_new_tokens(2.5, opt) < 60
    # never past what Whisper leaves beside the longest prompt
    assert max_new_tokens(60.0, opt) == 200
    assert max_new_tokens(2.5, WhisperOptions(max_tokens_per_s=0)) is None
    assert max_new_tokens(2.5, opt, hotwords=True) is None
    # a segment ending within stop_at_end of the clip's end leaves only silence
    assert reached_end(2.0, 2.5, 0.6) and not reached_end(1.8, 2.5, 0.6)
    assert not reached_end(2.5, 2.5, 0.0)


def test_clips_are_decoded_on_every_core_only_while_the_interviewer_is_silent():
    from voiceinterviewer.stt.threads import decode_threads
    from voiceinterviewer.stt.whisper import WhisperOptions

    opt = WhisperOptions(cpu_threads=1, quiet_threads=2)
    assert decode_threads(speaking=True, opt=opt) == 1
    assert decode_threads(speaking=False, opt=opt) == 2
    assert decode_threads(speaking=False, opt=WhisperOptions(cpu_threads=1)) == 1


def test_the_quiet_copy_of_the_model_writes_the_same_words():
    # live, a phrase may be decoded on either copy; `transcribe` later reads it on one thread
    from tests.audio_helpers import speech, words
    from voiceinterviewer.audio.clip import Clip
    from voiceinterviewer.stt.whisper import load_transcriber

    transcriber = load_transcriber("tiny.en", cpu_threads=1, quiet_threads=2)
    used = []
    for threads, model in transcriber._models.items():
        encode = model.encode
        model.encode = lambda features, n=threads, encode=encode: used.append(n) or encode(features)
    text = "We sharded the orders table by customer and put a read-through cache in front."
    clip = Clip(speech(text).resampled(16000).samples, 16000)
    heard = {}
    for speaking in (True, False):
        transcriber.speaking = lambda speaking=speaking: speaking
        heard[speaking] = transcriber.transcribe(clip, "").text
    assert sorted(set(used)) == [1, 2]
    assert used[0] == 1 and used[-1] == 2
    assert heard[True] == heard[False], heard
    assert {"sharded", "orders", "table", "customer"} <= set(words(heard[True])), heard


def test_the_encoder_reads_the_phrase_and_the_padding_it_is_told_to():
    from voiceinterviewer.stt.decoding import encoder_frames
    from voiceinterviewer.stt.whisper import WhisperOptions

    whole = WhisperOptions(encode_seconds=0.0)
    assert encoder_frames(300, 3000, whole) == 3000
    short = WhisperOptions(encode_seconds=10.0, encode_pad=3.0)
    assert encoder_frames(300, 3000, short) == 1000  # a 3 s phrase: 10 s in all
    assert encoder_frames(820, 3000, short) == 1200  # 8.2 s: 3 s past it, in whole seconds
    assert encoder_frames(2900, 3000, short) == 3000  # never past the window
    assert encoder_frames(0, 3000, short) == 1000


def test_a_shorter_encoding_writes_the_same_words():
    # the encoder reads 10 s of the window instead of 30: the words must not change
    from tests.audio_helpers import speech, words
    from voiceinterviewer.audio.clip import Clip
    from voiceinterviewer.stt.whisper import load_transcriber

    transcriber = load_transcriber("tiny.en", cpu_threads=1)
    model = transcriber.model
    read = []
    encode = model.encode._encode
    model.encode._encode = lambda features: read.append(features.shape[-1]) or encode(features)
    text = "We sharded the orders table by customer and put a read-through cache in front."
    clip = Clip(speech(text).resampled(16000).samples, 16000)
    heard = {}
    for seconds in (0.0, 10.0):
        transcriber.options.encode_seconds = seconds
        heard[seconds] = transcriber.transcribe(clip, "").text
    assert read[0] == 3000 and read[-1] == 1000, read
    assert heard[0.0] == heard[10.0], heard
    assert {"sharded", "orders", "table", "customer"} <= set(words(heard[10.0])), heard
