"""Jargon in speech: how well each way of biasing tiny.en towards the interview's vocabulary hears it.

See bench/README.md ("Jargon"). The sentences (bench/jargon/sentences.toml, or
--sentences FILE for another set) are synthesised at run time by Piper's steady
voice at two speeds and by the system voice (eSpeak NG), plus clips of silence
and noise, and each clip is transcribed by the same loaded model under every
option, in turn, so a busy machine slows all options alike. Per option:

- ``wer``: word error rate over every spoken sentence (numbers compared as words);
- ``ter``: term error rate, the share of the jargon sentences' terms missing from
  their transcripts (case, spaces, hyphens and dots ignored: "read through" is
  "read-through", "P 99" is "p99", "3000" is "3,000");
- ``invented``: vocabulary terms in the transcripts of jargon-free sentences,
  silence and noise that were not said; ``invented_in_jargon`` the same in the
  jargon sentences;
- ``rtf``: decoding seconds per second of audio, and ``cost``: that against ``none``.

Each sentence is primed with the transcript of the one before it of the same kind
and voice, as the listener primes each chunk of an answer with the words before it.

Two conditions (``--conditions``): ``question``, where the vocabulary is told the
question each sentence answers (its ``question`` and ``follow_up`` in the set) before
it is decoded, as the session loop does; and ``no-question``, the hard case, where
only the track's terms prime the decoder. The noise clips are heard under the
design questions in turn.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from tests.audio_helpers import word_edits  # noqa: E402
from voiceinterviewer.audio.clip import STT_RATE, Clip  # noqa: E402
from voiceinterviewer.stt.sounds import number_words  # noqa: E402

SENTENCES = ROOT / "bench" / "jargon" / "sentences.toml"
# Each option: the transcriber's settings, and whether the interview's vocabulary is given.
OPTIONS: dict[str, dict] = {
    "before": dict(vocabulary=False, stop_at_end=0.0),  # decoding to the end of the clip
    "none": dict(vocabulary=False),
    "question-text": dict(vocabulary=False, question_prompt=True),
    "prompt": dict(mend=False),
    "hotwords": dict(hotwords=True, mend=False),
    "mend": dict(vocabulary_prompt=False),
    "prompt+mend": dict(),  # the default
    "prompt+second": dict(mend=False, second_pass=True),
    "prompt+second+mend": dict(second_pass=True),
    "hotwords+mend": dict(hotwords=True),
    "prompt+mend+beam": dict(beam_size=5),
    # the default before decoding stopped 0.6 s (not 0.35 s) before the clip's end, uncapped
    "prompt+mend-stop0.35": dict(stop_at_end=0.35, max_tokens_per_s=0.0),
    # the encoder reads 10 s or 15 s of each window (the phrase and 3 s or more after it)
    "prompt+mend+enc10": dict(encode_seconds=10.0),
    "prompt+mend+enc15": dict(encode_seconds=15.0),
    "none+enc10": dict(vocabulary=False, encode_seconds=10.0),
}
DEFAULT_OPTIONS = "before,none,question-text,prompt,hotwords,mend,prompt+mend,prompt+second+mend"
VOICES = ("piper", "piper-fast", "espeak")
DEFAULT_VOICES = "piper,piper-fast"
CONDITIONS = ("question", "no-question")
# A question the jargon sentences could answer, for the question-text option.
QUESTION = "Design a distributed rate limiter that an API gateway can use for all our public APIs."


# --- text -------------------------------------------------------------------------------------


def _number(token: str) -> list[str]:
    """Digits as words: "3,000" -> three thousand, "1.2" -> one point two, "429" -> four ..."""
    whole, _, frac = token.replace(",", "").partition(".")
    out = number_words(int(whole)).split() if whole else []
    if frac:
        out += ["point"] + [number_words(int(d)) for d in frac]
    return out


def spoken_words(text: str) -> list[str]:
    """Lower-case words with numbers spelled out and "%" as "percent"."""
    text = text.lower().replace("%", " percent ").replace("\u2019", "'")
    out: list[str] = []
    for token in re.findall(r"\d[\d,]*(?:\.\d+)?|[a-z]+(?:'[a-z]+)?", text):
        if token[0].isdigit():
            out += _number(token.rstrip(","))
        else:
            out.append(token)
    return out


def _squash(words: list[str]) -> str:
    return "".join(w.replace("'", "") for w in words)


def term_found(term: str, text: str) -> bool:
    """Whether ``text`` says ``term`` (spaces, hyphens, dots, case and number forms ignored)."""
    want = _squash(spoken_words(term))
    if not want:
        return False
    words = [w.replace("'", "") for w in spoken_words(text)]
    for n in range(1, 6):
        for i in range(len(words) - n + 1):
            if "".join(words[i : i + n]) == want:
                return True
    return False


def wer_counts(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) between two texts."""
    ref = spoken_words(reference)
    return word_edits(ref, spoken_words(hypothesis)), len(ref)


# --- audio ------------------------------------------------------------------------------------


def noise_clips(seconds: float = 3.0) -> dict[str, Clip]:
    """Silence and noise a microphone picks up, with nothing said."""
    rng = np.random.default_rng(12)
    n = int(seconds * STT_RATE)
    t = np.arange(n) / STT_RATE
    white = rng.standard_normal(n).astype(np.float32)
    pink = np.cumsum(white) * 0.02
    pink = (pink - np.convolve(pink, np.ones(400) / 400, mode="same")).astype(np.float32)
    breath = white * np.clip(np.sin(2 * np.pi * 0.5 * t), 0, None) ** 4
    clicks = np.zeros(n, dtype=np.float32)
    for at in rng.integers(0, n - 200, 14):
        clicks[at : at + 200] += rng.standard_normal(200).astype(np.float32) * 0.3
    hum = 0.02 * (np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 150 * t))
    clips = {
        "silence": np.zeros(n, dtype=np.float32),
        "room noise": white * 0.003,
        "fan noise": pink * 0.01,
        "breathing": breath * 0.02,
        "keyboard": clicks,
        "mains hum": hum.astype(np.float32),
    }
    return {name: Clip(samples.astype(np.float32), STT_RATE) for name, samples in clips.items()}


def asked(item: dict, bank) -> tuple[str, str, str]:
    """The question ``item`` answers as heard: (text, bank id, follow-up gap); empty if none."""
    qid, gap = item.get("question", ""), item.get("follow_up", "")
    if not qid:
        return "", "", ""
    if qid not in bank.questions:
        raise SystemExit(f"unknown question {qid!r} for {item.get('text') or item.get('noise')!r}")
    question = bank.questions[qid]
    if gap and gap not in question.follow_ups:
        raise SystemExit(f"question {qid!r} has no {gap!r} follow-up")
    from voiceinterviewer.config import Settings
    from voiceinterviewer.interviewer.bank import fill

    text = question.follow_ups[gap][0] if gap else question.text
    defaults = Settings()  # the placeholders as the default interview speaks them
    return fill(text, bank.values(defaults.ladder, defaults.level)), qid, gap


def voices(names: list[str]):
    from voiceinterviewer.voice.piper_voice import PiperVoiceEngine

    made = {}
    for name in names:
        if name == "piper":
            made[name] = PiperVoiceEngine().steady()
        elif name == "piper-fast":
            made[name] = PiperVoiceEngine(rate=1.25).steady()
        elif name == "espeak":
            from voiceinterviewer.voice.system_voice import SystemVoice

            made[name] = SystemVoice()
        else:
            raise SystemExit(f"unknown voice {name!r} (voices: {', '.join(VOICES)})")
    return made


# --- the run ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Tally:
    edits: int = 0
    ref_words: int = 0
    terms: int = 0
    missed: int = 0
    invented: int = 0
    invented_in_jargon: int = 0
    seconds: float = 0.0
    audio: float = 0.0
    misses: list = dataclasses.field(default_factory=list)
    inventions: list = dataclasses.field(default_factory=list)

    def row(self, base: float) -> dict:
        rtf = self.seconds / self.audio if self.audio else 0.0
        return {
            "wer": round(self.edits / max(1, self.ref_words), 4),
            "ter": round(self.missed / max(1, self.terms), 4),
            "terms": self.terms,
            "missed": self.missed,
            "invented": self.invented,
            "invented_in_jargon": self.invented_in_jargon,
            "rtf": round(rtf, 4),
            "cost": round(rtf / base - 1.0, 3) if base else 0.0,
        }


def run(args: argparse.Namespace) -> dict:
    from voiceinterviewer.interviewer.bank_files import load_bank
    from voiceinterviewer.stt.vocabulary import interview_vocabulary
    from voiceinterviewer.stt.whisper import WhisperOptions, WhisperTranscriber

    data = tomllib.loads(Path(args.sentences).read_text(encoding="utf-8"))
    jargon = data.get("jargon", [])[: args.limit or None]
    plain = data.get("plain", [])[: args.limit or None]
    for item in jargon:
        missing = [t for t in item.get("terms", []) if not term_found(t, item["text"])]
        if missing:
            raise SystemExit(f"terms not in their sentence {item['text']!r}: {missing}")
    names = [o for o in args.options.split(",") if o]
    unknown = [o for o in names if o not in OPTIONS]
    if unknown:
        raise SystemExit(f"unknown options {unknown} (options: {', '.join(OPTIONS)})")
    conditions = [c for c in args.conditions.split(",") if c]
    if not conditions or any(c not in CONDITIONS for c in conditions):
        raise SystemExit(f"conditions are of: {', '.join(CONDITIONS)}")
    bank = load_bank()
    vocabulary = interview_vocabulary(args.track)
    transcriber = WhisperTranscriber(WhisperOptions(model=args.model))
    transcriber.warm_up()
    base = transcriber.options
    runs = [(c, name) for c in conditions for name in names]
    tallies = {run: Tally() for run in runs}
    clips: list[tuple[str, dict, Clip]] = []
    for voice_name, voice in voices(args.voices.split(",")).items():
        for item in jargon + plain:
            asked(item, bank)  # an unknown question stops the run before any decoding
            clip = voice.synthesize(item.get("say", item["text"])).resampled(STT_RATE)
            clips.append((voice_name, item, clip))
    design = list(
        dict.fromkeys(i["question"] for i in jargon if i.get("question", "")[:3] == "sd-")
    )
    for number, (name, clip) in enumerate(noise_clips().items()):
        item = {
            "text": "",
            "noise": name,
            "question": design[number % len(design)] if design else "",
        }
        clips.append(("noise", item, clip))
    print(
        f"{len(clips)} clips, {len(names)} options, {len(conditions)} conditions",
        file=sys.stderr,
        flush=True,
    )
    # Consecutive sentences of a kind are primed with the one before, as the listener primes
    # each chunk of an answer with the text before it.
    before = {run: ("", "") for run in runs}
    for number, (voice_name, item, clip) in enumerate(clips, 1):
        kind = f"{voice_name}|{'jargon' if 'terms' in item else 'plain'}"
        question = asked(item, bank)
        for condition, name in runs:
            setting = dict(OPTIONS[name])
            with_vocabulary = setting.pop("vocabulary", True)
            question_prompt = setting.pop("question_prompt", False)
            transcriber.options = dataclasses.replace(base, **setting)
            transcriber.set_vocabulary(vocabulary if with_vocabulary else None)
            vocabulary.set_question(*(question if condition == "question" else ("", "", "")))
            every_term = vocabulary.all_terms()
            previous = before[(condition, name)]
            context = previous[1] if previous[0] == kind and voice_name != "noise" else ""
            if question_prompt:
                context = question[0] if condition == "question" and question[0] else QUESTION
            t0 = time.perf_counter()
            text = transcriber.transcribe(clip, context[-200:]).text
            before[(condition, name)] = (kind, text)
            tally = tallies[(condition, name)]
            tally.seconds += time.perf_counter() - t0
            tally.audio += clip.duration
            reference = item["text"]
            if reference:
                edits, count = wer_counts(reference, text)
                tally.edits += edits
                tally.ref_words += count
            for term in item.get("terms", []):
                tally.terms += 1
                if not term_found(term, text):
                    tally.missed += 1
                    tally.misses.append({"voice": voice_name, "term": term, "heard": text})
            said = item.get("terms") is not None
            for term in every_term:
                if term_found(term, text) and not term_found(term, reference):
                    if said:
                        tally.invented_in_jargon += 1
                    else:
                        tally.invented += 1
                        tally.inventions.append(
                            {"clip": item.get("noise") or reference, "term": term, "heard": text}
                        )
        if number % 20 == 0:
            print(f"{number}/{len(clips)}", file=sys.stderr, flush=True)
    result = {
        "model": args.model,
        "track": args.track,
        "voices": args.voices.split(","),
        "jargon_sentences": len(jargon),
        "plain_sentences": len(plain),
        "noise_clips": len(noise_clips()),
        "conditions": {},
    }
    for condition in conditions:
        mine = {name: tallies[(condition, name)] for name in names}
        none = mine.get("none")
        base_rtf = none.seconds / none.audio if none is not None and none.audio else 0.0
        result["conditions"][condition] = {
            "options": {name: t.row(base_rtf) for name, t in mine.items()},
            "misses": {name: t.misses for name, t in mine.items()},
            "inventions": {name: t.inventions for name, t in mine.items()},
        }
    return result


def table(result: dict) -> str:
    """The figures of each condition as Markdown tables."""
    out = []
    for condition, figures in result["conditions"].items():
        out += [
            f"{condition}:",
            "",
            "| option | WER | term error rate | invented terms (plain + noise) | invented in jargon | RTF | cost vs none |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, row in figures["options"].items():
            out.append(
                f"| {name} | {row['wer']:.3f} | {row['ter']:.3f} ({row['missed']}/{row['terms']}) | "
                f"{row['invented']} | {row['invented_in_jargon']} | {row['rtf']:.3f} | {row['cost']:+.0%} |"
            )
        out.append("")
    return "\n".join(out).rstrip()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sentences", default=str(SENTENCES), help="the sentence set (TOML)")
    p.add_argument("--options", default=DEFAULT_OPTIONS, help=f"of: {', '.join(OPTIONS)}")
    p.add_argument("--voices", default=DEFAULT_VOICES, help=f"of: {', '.join(VOICES)}")
    p.add_argument(
        "--conditions", default=",".join(CONDITIONS), help=f"of: {', '.join(CONDITIONS)}"
    )
    p.add_argument("--track", default="senior-loop", help="the track whose vocabulary is used")
    p.add_argument("--model", default="tiny.en")
    p.add_argument("--limit", type=int, default=0, help="first N sentences of each kind only")
    p.add_argument("--json", help="write the figures (and every miss) here")
    args = p.parse_args()
    result = run(args)
    print(table(result))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
