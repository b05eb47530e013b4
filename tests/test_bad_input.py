"""Bad input to every command that reads files: one line and exit 2, or a correct result.

Covered: scripted answers (`practice --answers`), session folders (`score`,
`replay`, `export`, `sessions show`, `sessions`, `transcribe`), the job and
story notes (`--job`, `--stories`), the config file and environment, the
files under `prompts/`, and the arguments themselves. Each input is empty,
truncated, not audio, at an odd sample rate or encoding, huge (sparse files),
too long to speak, nested too deeply, out of range, a folder, a FIFO, or a
session folder with files missing, extra or malformed. Most commands run
in-process through :func:`voiceinterviewer.cli.main`, so any exception that
escapes fails the test; those that could hang, and those that need another
prompts folder, run as child processes with a time limit. Originals are
hashed before and after.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from reliability_helpers import (
    NO_SPEAKER,
    assert_clean_failure,
    cli_env,
    run_cli,
    session_folders,
    tree_hashes,
)
from scoring_helpers import MID, SENIOR, Exchange, write_session

from voiceinterviewer.audio.wavfile import read_audio
from voiceinterviewer.cli import main
from voiceinterviewer.config import RANGES

GB = 1 << 30


def call(capsys, args: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; argparse's own exits count as return codes."""
    capsys.readouterr()
    try:
        rc = main([str(a) for a in args])
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc: int, err: str, code: int = 2) -> None:
    assert rc == code, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("voiceinterviewer: error: "), err
    assert "Traceback" not in err


def wav_header(rate=16000, channels=1, bits=16, fmt=1, data_bytes=0, riff=None) -> bytes:
    align = channels * bits // 8
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes if riff is None else riff)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, fmt, channels, rate, rate * align, align, bits)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def sparse(path: Path, head: bytes, size: int) -> Path:
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def speech_samples(seconds: float = 1.0, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t)) / 2).astype(
        np.float32
    )


# -- audio files ----------------------------------------------------------------------------

BAD_AUDIO = {
    "empty": lambda p: p.write_bytes(b""),
    "half-header": lambda p: p.write_bytes(wav_header()[:20]),
    "header-claims-data-none-there": lambda p: p.write_bytes(wav_header(data_bytes=32000)),
    "text-named-wav": lambda p: p.write_text("I led the payments redesign.\n" * 20),
    "random-bytes": lambda p: p.write_bytes(np.random.default_rng(1).bytes(4096)),
    "zero-rate": lambda p: p.write_bytes(wav_header(rate=0, data_bytes=3200) + b"\x01" * 3200),
    "one-hz": lambda p: p.write_bytes(wav_header(rate=1, data_bytes=3200) + b"\x01" * 3200),
    "giant-rate": lambda p: p.write_bytes(
        wav_header(rate=4_000_000_000 // 2, data_bytes=3200) + b"\x01" * 3200
    ),
    "zero-channels": lambda p: p.write_bytes(
        wav_header(channels=0, data_bytes=3200) + b"\x01" * 3200
    ),
    "huge-sparse": lambda p: sparse(p, wav_header(data_bytes=0xFFFFFFF0, riff=0xFFFFFFFF), 6 * GB),
    "huge-sparse-stale-header": lambda p: sparse(p, wav_header(data_bytes=100), 6 * GB),
    "huge-sparse-8khz": lambda p: sparse(
        p, wav_header(rate=384000, channels=2, data_bytes=0xFFFFFFF0, riff=0xFFFFFFFF), 5 * GB
    ),
    "folder": lambda p: p.mkdir(),
    "fifo": lambda p: os.mkfifo(p),
    "dev-zero-link": lambda p: p.symlink_to("/dev/zero"),
}


def make_bad_audio(folder: Path, name: str, suffix: str = ".wav") -> Path:
    path = folder / f"{name}{suffix}"
    BAD_AUDIO[name](path)
    return path


GOOD_FORMATS = {  # name: (rate, channels, subtype, file format)
    "8bit-8k": (8000, 1, "PCM_U8", "WAV"),
    "float-44k": (44100, 1, "FLOAT", "WAV"),
    "stereo-48k": (48000, 2, "PCM_16", "WAV"),
    "24bit-96k": (96000, 1, "PCM_24", "WAV"),
    "double-22k": (22050, 1, "DOUBLE", "WAV"),
    "flac-16k": (16000, 1, "PCM_16", "FLAC"),
    "stereo-float-11k": (11025, 2, "FLOAT", "WAV"),
}


def write_format(path: Path, samples: np.ndarray, rate: int, channels: int, subtype, fmt) -> Path:
    from voiceinterviewer.audio.clip import resample

    data = resample(samples, 16000, rate)
    if channels == 2:
        data = np.stack([data, data * 0.5], axis=1)
    sf.write(str(path), data, rate, subtype=subtype, format=fmt)
    return path


@pytest.mark.parametrize("name", sorted(GOOD_FORMATS))
def test_odd_but_valid_audio_reads_correctly_and_is_not_changed(tmp_path, name):
    rate, channels, subtype, fmt = GOOD_FORMATS[name]
    original = speech_samples(1.5)
    path = write_format(tmp_path / f"a.{fmt.lower()}", original, rate, channels, subtype, fmt)
    before = tree_hashes(path)
    clip = read_audio(path)
    assert tree_hashes(path) == before
    assert clip.rate == rate and abs(clip.duration - 1.5) < 0.01
    assert clip.samples.dtype == np.float32 and np.all(np.abs(clip.samples) <= 1.0)
    back = clip.resampled(16000).samples[: len(original)]
    mix = 0.75 if channels == 2 else 1.0  # the stereo files hold the signal and half of it
    corr = np.corrcoef(back[200:-200], original[: len(back)][200:-200] * mix)[0, 1]
    assert corr > 0.95, corr


def test_a_wav_with_chunks_after_the_data_reads_only_the_audio(tmp_path):
    samples = speech_samples(0.5)
    pcm = (samples * 32767).astype("<i2").tobytes()
    extra = (
        b"LIST"
        + struct.pack("<I", 26)
        + b"INFOISFT"
        + struct.pack("<I", 14)
        + b"some tool\x00\x00\x00\x00\x00"
    )
    riff = 36 + len(pcm) + len(extra)
    path = tmp_path / "trailing.wav"
    path.write_bytes(wav_header(data_bytes=len(pcm), riff=riff) + pcm + extra)
    clip = read_audio(path)
    assert len(clip.samples) == len(samples)


@pytest.mark.parametrize("name", sorted(BAD_AUDIO))
def test_bad_scripted_answers_fail_in_one_line_before_a_session_exists(tmp_path, capsys, name):
    root = tmp_path / "recordings"
    bad = make_bad_audio(tmp_path, name)
    before = tree_hashes(tmp_path) if name not in ("fifo", "dev-zero-link") else {}
    rc, out, err = call(capsys, ["practice", "--answers", bad, "--out", root])
    assert_one_line_error(rc, err)
    assert session_folders(root) == []
    if before:
        assert tree_hashes(tmp_path) == before


BAD_TEXT = {
    "empty-txt": lambda p: p.write_text(""),
    "blank-txt": lambda p: p.write_text("  \n\n \t\n"),
    "binary-txt": lambda p: p.write_bytes(b"\xff\xfe\x00\x01" * 100),
    "nul-txt": lambda p: p.write_bytes(b"I led it.\x00\x00\x00"),
    "huge-sparse-txt": lambda p: sparse(p, b"I led it. ", 3 * GB),
    "folder-txt": lambda p: p.mkdir(),
    "fifo-txt": lambda p: os.mkfifo(p),
    "missing-txt": lambda p: None,
}


@pytest.mark.parametrize("name", sorted(BAD_TEXT))
def test_bad_text_answers_fail_in_one_line(tmp_path, capsys, name):
    root = tmp_path / "recordings"
    path = tmp_path / f"{name}.txt"
    BAD_TEXT[name](path)
    rc, out, err = call(capsys, ["practice", "--answers", path, "--out", root])
    assert_one_line_error(rc, err)
    assert session_folders(root) == []


@pytest.mark.parametrize("flag", ["--job", "--stories"])
@pytest.mark.parametrize("name", sorted(set(BAD_TEXT) - {"empty-txt", "blank-txt"}))
def test_bad_job_and_story_files_fail_in_one_line(tmp_path, capsys, flag, name):
    root = tmp_path / "recordings"
    answer = tmp_path / "answer.txt"
    answer.write_text("I led the payments redesign.\n")
    path = tmp_path / f"{name}.txt"
    BAD_TEXT[name](path)
    rc, out, err = call(capsys, ["practice", "--answers", answer, flag, path, "--out", root])
    assert_one_line_error(rc, err)
    assert session_folders(root) == []


def test_audio_in_odd_formats_runs_a_whole_interview(tmp_path):
    """8-bit, float, stereo and 24-bit answers at four sample rates, end to end."""
    from audio_helpers import speech

    texts = [
        "I led the redesign of our payment processing system across three teams.",
        "We chose Postgres over Cassandra because the team already knew it well.",
        "I wrote the design document and ran the migration plan with product.",
        "We cut our infrastructure costs by twenty percent in one quarter.",
    ]
    answers = []
    for (name, (rate, channels, subtype, fmt)), text in zip(
        [(n, GOOD_FORMATS[n]) for n in ("8bit-8k", "float-44k", "stereo-48k", "24bit-96k")],
        texts,
        strict=True,
    ):
        clip = speech(text).resampled(16000)
        path = tmp_path / f"{name}.{fmt.lower()}"
        answers.append(write_format(path, clip.samples, rate, channels, subtype, fmt))
    before = tree_hashes(tmp_path)
    root = tmp_path / "recordings"
    proc = run_cli(
        ["practice", "--answers", *answers, "--out", root, "--questions", "3", "--seed", "formats"],
        cli_env(NO_SPEAKER),
    )
    assert proc.returncode == 0, proc.stderr
    (folder,) = session_folders(root)
    heard = [
        json.loads(line)["text"].lower()
        for line in (folder / "session.jsonl").read_text().splitlines()
        if json.loads(line)["type"] == "answer" and json.loads(line)["text"]
    ]
    for key, said in zip(["payment", "cassandra", "design", "cost"], heard, strict=False):
        assert key in said, heard
    assert len(heard) >= 3
    for wav in folder.glob("turn-*-candidate.wav"):
        info = sf.info(str(wav))
        assert info.samplerate == 16000 and info.channels == 1
    assert {
        k: v for k, v in tree_hashes(tmp_path).items() if not k.startswith("recordings")
    } == before


# -- session folders --------------------------------------------------------------------------


def _session(folder: Path) -> Path:
    return write_session(
        folder,
        [
            Exchange("Tell me about a system you owned.", SENIOR),
            Exchange("And the trade-offs?", MID),
        ],
    ).folder


def _lines(folder: Path) -> list[dict]:
    return [json.loads(x) for x in (folder / "session.jsonl").read_text().splitlines()]


def _write_lines(folder: Path, events: list) -> None:
    with open(folder / "session.jsonl", "w", encoding="utf-8") as f:
        for e in events:
            f.write((e if isinstance(e, str) else json.dumps(e)) + "\n")


def _mutate(kind: str):
    def apply(folder: Path) -> None:
        events = _lines(folder)
        for e in events:
            if e["type"] in ("question", "answer"):
                e.update(FIELD_MUTATIONS[kind])
        _write_lines(folder, events)

    return apply


FIELD_MUTATIONS = {
    "wrong-types": {"turn": "two", "t": "soon", "text": 5, "words": "many", "duration": [1]},
    "nan-and-infinity": {"t": float("nan"), "duration": float("inf"), "speech_end": -1e308},
    "huge-numbers": {"turn": 10**30, "t": 1e308, "duration": 10**400},
    "negative-turn": {"turn": -7},
    "bad-words": {"words": [{"word": 3}, ["a", 1, 2], {"word": "x", "start": "a"}, None]},
    "escaping-audio": {"audio": "../../../outside.wav"},
    "absolute-audio": {"audio": "/etc/passwd"},
    "control-chars": {"text": "\x1b[2J\x1b]0;pwned\x07 hello\r\nworld\x00"},
}


def _journal_text(text: str | bytes):
    def apply(folder: Path) -> None:
        data = text.encode() if isinstance(text, str) else text
        (folder / "session.jsonl").write_bytes(data)

    return apply


def _remove(*names: str):
    def apply(folder: Path) -> None:
        for name in names:
            path = folder / name
            shutil.rmtree(path) if path.is_dir() else path.unlink()

    return apply


def _add(name: str, content: bytes | None):
    def apply(folder: Path) -> None:
        path = folder / name
        if content is None:
            path.mkdir()
        else:
            path.write_bytes(content)

    return apply


def _replace_wav(name: str):
    def apply(folder: Path) -> None:
        (folder / "turn-01-candidate.wav").unlink()
        make_bad_audio(folder, name).rename(folder / "turn-01-candidate.wav")

    return apply


def _format1(folder: Path) -> None:
    events = _lines(folder)
    for e in events:
        e.pop("format", None)
        if e["type"] == "answer":
            e.pop("words")
            e["word_timings"] = [["I", "zero", None], ["led", 0.1], "bad", ["x", 1, 2, 3]]
            e["wav"] = e.pop("audio")
    _write_lines(folder, events)


SESSION_DAMAGE = {
    "no-journal": _remove("session.jsonl"),
    "empty-journal": _journal_text(""),
    "binary-journal": _journal_text(np.random.default_rng(2).bytes(2000)),
    "only-a-torn-line": _journal_text('{"type": "session_started", "t": 0.0, "form'),
    "json-but-not-events": _journal_text('[1, 2]\n"text"\nnull\n{"no_type": 1}\n'),
    "deeply-nested": _journal_text('{"type":"note","x":' + "[" * 50000 + "]" * 50000 + "}\n"),
    "giant-integer": _journal_text('{"type":"session_started","t":' + "9" * 5000 + "}\n"),
    "journal-is-a-folder": lambda f: (_remove("session.jsonl")(f), (f / "session.jsonl").mkdir()),
    "huge-sparse-journal": lambda f: sparse(f / "session.jsonl", b'{"type":"note"}\n', 80 << 20),
    "journal-links-to-dev-zero": lambda f: (
        _remove("session.jsonl")(f),
        (f / "session.jsonl").symlink_to("/dev/zero"),
    ),
    "started-only": lambda f: _write_lines(f, _lines(f)[:1]),
    "questions-only": lambda f: _write_lines(f, [e for e in _lines(f) if e["type"] != "answer"]),
    "answers-without-questions": lambda f: _write_lines(
        f, [e for e in _lines(f) if e["type"] != "question"]
    ),
    "no-session-started": lambda f: _write_lines(f, _lines(f)[1:]),
    "format-1-with-bad-timings": _format1,
    "missing-wavs": _remove("turn-01-candidate.wav", "turn-02-interviewer.wav"),
    "extra-files": lambda f: (
        _add("notes.txt", b"mine")(f),
        _add("turn-09-candidate.wav", b"junk")(f),
        _add("subfolder", None)(f),
        _add(".hidden", b"\x00\x01")(f),
    ),
    "report-is-garbage": _add("report.json", b"{not json"),
    "report-is-a-list": _add("report.json", b"[1, 2, 3]"),
    "report-wrong-types": _add(
        "report.json",
        json.dumps(
            {
                "schema": "voiceinterviewer.report/1",
                "version": "x",
                "dimensions": [1],
                "overall": "senior",
                "delivery": {"wpm": "fast"},
                "tips": "be better",
            }
        ).encode(),
    ),  # fmt: skip
    "report-is-a-folder": _add("report.json", None),
    "transcript-is-a-folder": _add("transcript.md", None),
    "reports-is-a-file": _add("reports", b"not a folder"),
    **{
        f"wav-{k}": _replace_wav(k)
        for k in (
            "empty",
            "half-header",
            "text-named-wav",
            "random-bytes",
            "zero-rate",
            "huge-sparse",
            "huge-sparse-stale-header",
            "folder",
        )
    },  # fmt: skip
    **{f"field-{k}": _mutate(k) for k in FIELD_MUTATIONS},
}
# What a command may write into a session; everything else must stay byte for byte.
OUTPUTS = (
    "report.json",
    "report.html",
    "transcript.md",
    "reports/",
    "transcripts/",
    "interview.wav",
)


def _owned_by_command(name: str) -> bool:
    return any(name == o or name.startswith(o) for o in OUTPUTS)


@pytest.fixture
def damaged(tmp_path, request):
    """A session folder damaged in one way."""
    folder = _session(tmp_path / "recordings" / "20240501-100000-abcd")
    SESSION_DAMAGE[request.param](folder)
    return folder


COMMANDS = {
    "score": lambda f, tmp: ["score", f],
    "replay": lambda f, tmp: ["replay", f, "--no-audio"],
    "export-md": lambda f, tmp: ["export", f, "-f", "md"],
    "export-json": lambda f, tmp: ["export", f, "-f", "json"],
    "export-vtt": lambda f, tmp: ["export", f, "-f", "vtt"],
    "export-wav": lambda f, tmp: ["export", f, "-f", "wav", "-o", tmp / "out.wav"],
    "sessions-show": lambda f, tmp: ["sessions", "show", f],
    "sessions-list": lambda f, tmp: ["sessions", "--out", f.parent],
}


def _journal_prefix_kept(before: dict, folder: Path, old_journal: bytes | None) -> None:
    journal = folder / "session.jsonl"
    if old_journal is not None and journal.is_file() and not journal.is_symlink():
        assert journal.read_bytes()[: len(old_journal)] == old_journal


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("damaged", sorted(SESSION_DAMAGE), indirect=True)
def test_damaged_session_folders_give_one_line_or_a_result(damaged, command, tmp_path, capsys):
    folder = damaged
    journal = folder / "session.jsonl"
    plain_journal = (
        journal.is_file() and not journal.is_symlink() and journal.stat().st_size < 1 << 20
    )
    old_journal = journal.read_bytes() if plain_journal else None
    before = {k: v for k, v in tree_hashes(folder).items() if k != "session.jsonl"}
    rc, out, err = call(capsys, COMMANDS[command](folder, tmp_path))
    assert "Traceback" not in err
    if rc == 0:
        assert not err.strip() or all(
            line.startswith(("note:", "Transcribing")) for line in err.splitlines()
        ), err
    else:
        assert_one_line_error(rc, err)
    after = {k: v for k, v in tree_hashes(folder).items() if k != "session.jsonl"}
    if rc != 0:
        assert after == before
        if old_journal is not None:
            assert journal.read_bytes() == old_journal
    else:
        kept = {k: v for k, v in before.items() if not _owned_by_command(k)}
        assert {k: after.get(k) for k in kept} == kept
        _journal_prefix_kept(before, folder, old_journal)
    if command == "score" and rc == 0:
        assert json.loads((folder / "report.json").read_text())["schema"]


def test_transcribe_survives_a_folder_of_damaged_sessions(tmp_path, capsys):
    root = tmp_path / "recordings"
    kinds = [k for k in SESSION_DAMAGE if k.startswith(("wav-", "field-")) or "journal" in k]
    for n, kind in enumerate(sorted(kinds)):
        folder = _session(root / f"20240501-1000{n:02d}-abcd")
        SESSION_DAMAGE[kind](folder)
    _session(root / "20240501-110000-good")
    before = tree_hashes(root)
    rc, out, err = call(capsys, ["transcribe", root, "--no-score"])
    assert rc == 0 and "Traceback" not in err
    assert "20240501-110000-good: 2 answers transcribed" in out
    after = tree_hashes(root)
    for name, digest in before.items():
        if name.endswith(".wav"):
            assert after.get(name) == digest, name


# -- the config file and environment ----------------------------------------------------------

BAD_CONFIG = {
    "bad-toml": b"track = senior-loop\n",
    "unknown-key": b'trak = "behavioral"\n',
    "wrong-type": b'questions = "many"\n',
    "table-value": b"[out]\npath = 1\n",
    "deep-nesting": b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "binary": b"\xff\xfe\x00\x01\x02",
    "nan-timeout": b"llm_timeout = nan\n",
    "infinite-time-box": b"time_box = inf\n",
    "negative-questions": b"questions = -2\n",
    "unknown-track": b'track = "' + b"x" * 5000 + b'"\n',
    "bool-for-string": b"out = true\n",
    "huge-int": b"questions = 99999999999999999999999999\n",
}


@pytest.mark.parametrize("name", sorted(BAD_CONFIG) + ["folder", "huge-sparse", "fifo"])
def test_a_bad_config_file_is_one_line(app_home, tmp_path, capsys, name):
    app_home.mkdir(parents=True, exist_ok=True)
    config = app_home / "config.toml"
    if name == "folder":
        config.mkdir()
    elif name == "huge-sparse":
        sparse(config, b'track = "behavioral"\n', 2 * GB)
    elif name == "fifo":
        os.mkfifo(config)
    else:
        config.write_bytes(BAD_CONFIG[name])
    before = tree_hashes(app_home) if name not in ("fifo",) else {}
    rc, out, err = call(capsys, ["sessions", "--out", tmp_path / "recordings"])
    assert_one_line_error(rc, err)
    if before:
        assert {k: v for k, v in tree_hashes(app_home).items() if k in before} == before


@pytest.mark.parametrize(
    "env",
    [
        {"VOICEINTERVIEWER_QUESTIONS": "three"},
        {"VOICEINTERVIEWER_LLM_TIMEOUT": "nan"},
        {"VOICEINTERVIEWER_TRACK": "cooking"},
        {"VOICEINTERVIEWER_END_SILENCE": "-1"},
    ],
    ids=lambda e: next(iter(e)),
)
def test_bad_environment_settings_are_one_line(monkeypatch, tmp_path, capsys, env):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    rc, out, err = call(capsys, ["sessions", "--out", tmp_path / "recordings"])
    assert_one_line_error(rc, err)


@pytest.mark.parametrize(
    "flags",
    [["--llm-timeout", "nan"], ["--time-box", "-5"], ["--questions", "-1"], ["--track", "x"]],
    ids=["nan-timeout", "negative-time-box", "negative-questions", "unknown-track"],
)
def test_bad_flags_are_one_line(tmp_path, capsys, flags):
    answer = tmp_path / "a.txt"
    answer.write_text("I led it.\n")
    rc, out, err = call(
        capsys, ["practice", "--answers", answer, "--out", tmp_path / "recordings", *flags]
    )
    assert_one_line_error(rc, err)
    assert session_folders(tmp_path / "recordings") == []


@pytest.mark.parametrize(
    "config",
    [b"llm_timeout = 1e-300\n", b"speech_rate = 1e-300\n", b"max_answer = 1e9\n"],
    ids=["timeout", "speech-rate", "max-answer"],
)
def test_a_setting_out_of_range_never_starts_a_session(app_home, tmp_path, capsys, config):
    app_home.mkdir(parents=True, exist_ok=True)
    (app_home / "config.toml").write_bytes(config)
    answer = tmp_path / "a.txt"
    answer.write_text("I led the payments redesign.\n")
    root = tmp_path / "recordings"
    rc, out, err = call(capsys, ["practice", "--answers", answer, "--out", root])
    assert_one_line_error(rc, err)
    assert config.split(b" ")[0].decode() in err and "between" in err
    assert session_folders(root) == []


def _outside(name: str, side: str) -> str:
    low, high = RANGES[name]
    if side == "high":
        return repr(high * 1000 + 1)
    return "1e-300" if low > 0 else "-1"


def test_every_numeric_setting_has_a_range():
    from dataclasses import fields

    from voiceinterviewer.config import Settings

    numeric = {f.name for f in fields(Settings) if f.type in ("int", "float", int, float)}
    assert set(RANGES) == numeric
    for name, (low, high) in RANGES.items():
        assert low <= getattr(Settings(), name) <= high, name


@pytest.mark.parametrize("side", ["low", "high"])
@pytest.mark.parametrize("name", sorted(RANGES))
def test_every_numeric_setting_out_of_range_is_one_line(
    app_home, tmp_path, capsys, monkeypatch, name, side
):
    value = _outside(name, side)
    if name in ("questions", "max_follow_ups", "llm_retries"):
        value = str(int(float(value)))
    app_home.mkdir(parents=True, exist_ok=True)
    (app_home / "config.toml").write_text(f"{name} = {value}\n")
    rc, out, err = call(capsys, ["sessions", "--out", tmp_path / "recordings"])
    assert_one_line_error(rc, err)
    assert f"{name} must be between" in err
    (app_home / "config.toml").unlink()
    monkeypatch.setenv(f"VOICEINTERVIEWER_{name.upper()}", value)
    rc, out, err = call(capsys, ["sessions", "--out", tmp_path / "recordings"])
    assert_one_line_error(rc, err)


@pytest.mark.parametrize("how", ["flag", "environment", "blank"])
def test_an_empty_recordings_folder_is_refused_not_the_current_directory(
    tmp_path, capsys, monkeypatch, how
):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    answer = tmp_path / "a.txt"
    answer.write_text("I led the payments redesign.\n")
    args = ["practice", "--answers", answer]
    if how == "flag":
        args += ["--out", ""]
    elif how == "blank":
        args += ["--out", "   "]
    else:
        monkeypatch.setenv("VOICEINTERVIEWER_OUT", "")
    rc, out, err = call(capsys, args)
    assert_one_line_error(rc, err)
    assert list(work.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["practice", "--bogus"],
        ["practice", "--questions", "many"],
        ["export"],
        ["export", "x", "-f", "docx"],
        ["sessions", "show"],
        ["score"],
        ["transcribe", "--jobs", "two", "x"],
        ["cook"],
    ],
    ids=lambda a: "-".join(a).strip("-"),
)
def test_argument_mistakes_are_one_line(capsys, args):
    rc, out, err = call(capsys, args)
    assert_one_line_error(rc, err)
    assert "--help" in err


def test_an_unknown_first_question_leaves_no_session_folder(tmp_path, capsys):
    answer = tmp_path / "a.txt"
    answer.write_text("I led the payments redesign.\n")
    root = tmp_path / "recordings"
    rc, out, err = call(
        capsys, ["practice", "--answers", answer, "--out", root, "--question", "bogus"]
    )
    assert_one_line_error(rc, err)
    assert "bogus" in err
    assert not root.exists() or list(root.iterdir()) == []


def test_an_unknown_question_is_named_even_with_no_sound_server(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-such-socket")
    root = tmp_path / "recordings"
    rc, out, err = call(capsys, ["practice", "--out", root, "--question", "bogus"])
    assert_one_line_error(rc, err)
    assert rc == 2 and "unknown question id 'bogus'" in err
    assert not root.exists()


# -- long text answers ---------------------------------------------------------------------------


def test_a_text_answer_too_long_to_be_heard_is_refused_with_the_limit(tmp_path, capsys):
    from voiceinterviewer.session.preflight import max_answer_words

    big = tmp_path / "big200k.txt"
    sentence = "I led the redesign of our payment processing system across three teams. "
    big.write_text(sentence * (200_000 // len(sentence)))  # 200 kB, under the 1 MB file limit
    assert 190_000 < big.stat().st_size < 1_000_000
    root = tmp_path / "recordings"
    rc, out, err = call(capsys, ["practice", "--answers", big, "--out", root])
    assert_one_line_error(rc, err)
    assert f"at most {max_answer_words(240):,}" in err and "max_answer" in err
    assert session_folders(root) == []


def test_the_longest_text_answer_allowed_fits_in_max_answer(tmp_path):
    from voiceinterviewer.errors import UserError
    from voiceinterviewer.session.preflight import check_answer_files, max_answer_words

    limit = max_answer_words(240)
    assert limit == 800
    path = tmp_path / "a.txt"
    path.write_text(" ".join(["word"] * limit))
    check_answer_files([path], 240.0)
    path.write_text(" ".join(["word"] * (limit + 1)))
    with pytest.raises(UserError):
        check_answer_files([path], 240.0)
    check_answer_files([path], 600.0)  # a longer max_answer holds it


def test_a_long_script_is_synthesised_with_progress(tmp_path):
    from voiceinterviewer.audio.clip import Clip
    from voiceinterviewer.session.preflight import SHOW_PROGRESS_WORDS, AnswerScript

    class CountingVoice:
        def __init__(self):
            self.said: list[str] = []

        def synthesize(self, text: str) -> Clip:
            self.said.append(text)
            return Clip.silence(0.1)

    paths = write_answers_of(tmp_path, [" ".join(["word"] * 600)] * 3)
    lines: list[str] = []
    voice = CountingVoice()
    clips = AnswerScript(paths, lines.append).load(voice)
    assert len(clips) == 3 and len(voice.said) == 3
    assert 600 * 3 > SHOW_PROGRESS_WORDS
    assert lines == [f"Synthesising scripted answer {n} of 3 (600 words)..." for n in (1, 2, 3)]
    quiet: list[str] = []
    AnswerScript(paths[:1], quiet.append).load(voice)
    assert quiet == [], "a short script is synthesised without a word"


def write_answers_of(folder: Path, texts: list[str]) -> list[Path]:
    paths = []
    for i, text in enumerate(texts, start=1):
        path = folder / f"answer-{i}.txt"
        path.write_text(text)
        paths.append(path)
    return paths


# -- FIFOs and other non-regular files where a file is expected ---------------------------------

RUN_LIMIT = 90  # seconds: a command that hangs on a FIFO fails the test instead of hanging it


def _scored_session(root: Path) -> Path:
    folder = _session(root / "20240501-100000-fifo")
    assert main(["score", str(folder)]) == 0
    assert main(["score", str(folder)]) == 0  # a report-v1.json in reports/
    return folder


def _fifo_in_place(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


SESSION_FIFOS = [
    "report.json",
    "transcript.md",
    "report.html",
    "reports/report-v1.json",
    "reports/report-v2.json",  # the version report.json holds: read to see if it is kept
    "transcripts/transcript-v1.md",
    "session.jsonl",
]
FIFO_COMMANDS = {
    "sessions": lambda f: ["sessions", "--out", f.parent],
    "sessions-show": lambda f: ["sessions", "show", f],
    "score": lambda f: ["score", f],
    "export-md": lambda f: ["export", f, "-f", "md"],
    "export-json": lambda f: ["export", f, "-f", "json"],
    "progress": lambda f: ["progress", "--out", f.parent, "--html", f.parent.parent / "p.html"],
    "transcribe": lambda f: ["transcribe", f, "--no-score"],
    "replay": lambda f: ["replay", f, "--no-audio"],
}


@pytest.mark.parametrize("command", sorted(FIFO_COMMANDS))
@pytest.mark.parametrize("name", SESSION_FIFOS)
def test_a_fifo_in_a_session_never_hangs_a_command(tmp_path, capsys, name, command):
    folder = _scored_session(tmp_path / "recordings")
    _fifo_in_place(folder / name)
    proc = run_cli(FIFO_COMMANDS[command](folder), cli_env(NO_SPEAKER), timeout=RUN_LIMIT)
    assert "Traceback" not in proc.stderr
    if proc.returncode == 1 and command == "transcribe":  # a batch: one line per session
        assert proc.stdout.count("not transcribed") == 1, proc.stdout
    elif proc.returncode != 0:
        assert_clean_failure(proc.returncode, proc.stderr)
    assert (folder / name).is_fifo(), "the FIFO was replaced"


PROMPT_FILES = {  # file: the command that reads it
    "ladders.toml": "practice",
    "phrases.toml": "practice",
    "tracks.toml": "practice",
    "turns.toml": "practice",
    "questions/behavioral.toml": "practice",
    "persona/interviewer.md": "practice",
    "rubric/rubric.toml": "practice",
    "speech.toml": "practice",
    "verdicts.toml": "practice-llm",
}


def _prompts_with(tmp_path: Path, name: str, damage: str) -> Path:
    from voiceinterviewer.home import PROMPTS_DIR

    root = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, root)
    path = root / name
    if damage == "fifo":
        _fifo_in_place(path)
    else:
        with open(path, "ab") as f:
            f.write(b"\ndeep = " + b"[" * 50_000 + b"]" * 50_000 + b"\n")
    return root


def _practice_args(tmp_path: Path, command: str) -> list:
    answer = tmp_path / "a.txt"
    answer.write_text("I led the payments redesign.\n")
    args = ["practice", "--answers", answer, "--out", tmp_path / "recordings"]
    if command == "practice-llm":  # the server is never reached: the check comes first
        args += ["--model", "openai/test-model", "--api-base", "http://127.0.0.1:9/v1"]
    return args


@pytest.mark.parametrize("damage", ["deep", "fifo"])
@pytest.mark.parametrize("name", sorted(PROMPT_FILES))
def test_a_bad_prompts_file_is_one_line_and_leaves_no_session(tmp_path, name, damage):
    if damage == "deep" and not name.endswith(".toml"):
        pytest.skip("only TOML nests")
    prompts = _prompts_with(tmp_path, name, damage)
    env = cli_env({**NO_SPEAKER, "VOICEINTERVIEWER_PROMPTS": str(prompts)})
    proc = run_cli(_practice_args(tmp_path, PROMPT_FILES[name]), env, timeout=RUN_LIMIT)
    assert_clean_failure(proc.returncode, proc.stderr, 2)
    assert name.split("/")[-1] in proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    assert session_folders(tmp_path / "recordings") == []


def test_demo_with_deeply_nested_phrases_is_one_line(tmp_path):
    prompts = _prompts_with(tmp_path, "phrases.toml", "deep")
    env = cli_env({**NO_SPEAKER, "VOICEINTERVIEWER_PROMPTS": str(prompts)})
    root = tmp_path / "recordings"
    proc = run_cli(["demo", "--out", root], env, timeout=RUN_LIMIT)
    line = assert_clean_failure(proc.returncode, proc.stderr, 2)
    assert "nested too deeply" in line
    assert session_folders(root) == []


@pytest.mark.parametrize("damage", ["deep", "fifo"])
def test_scoring_with_bad_ladders_still_writes_the_report(tmp_path, damage):
    """The scorer reads ladders.toml for the ladder's labels only: a bad one may not hang it."""
    folder = _session(tmp_path / "recordings" / "20240501-100000-rubric")
    prompts = _prompts_with(tmp_path, "ladders.toml", damage)
    env = cli_env({**NO_SPEAKER, "VOICEINTERVIEWER_PROMPTS": str(prompts)})
    proc = run_cli(["score", folder, "--ladder", "google"], env, timeout=RUN_LIMIT)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((folder / "report.json").read_text())["version"] == 1


@pytest.mark.parametrize("scorer", ["offline", "llm"])
def test_scoring_with_a_fifo_for_the_rubric_is_one_line(tmp_path, scorer):
    """Both scorers judge by rubric/rubric.toml: a FIFO there is refused at once, and kept."""
    folder = _session(tmp_path / "recordings" / "20240501-100000-rubric")
    prompts = _prompts_with(tmp_path, "rubric/rubric.toml", "fifo")
    env = cli_env({**NO_SPEAKER, "VOICEINTERVIEWER_PROMPTS": str(prompts)})
    args = ["score", folder]
    if scorer == "llm":
        args += ["--score-model", "openai/test-model", "--api-base", "http://127.0.0.1:9/v1"]
    proc = run_cli(args, env, timeout=RUN_LIMIT)
    line = assert_clean_failure(proc.returncode, proc.stderr, 2)
    assert "rubric.toml" in line and "not a regular file" in line
    assert (prompts / "rubric" / "rubric.toml").is_fifo()
