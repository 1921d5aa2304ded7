"""Summary survival benchmark: `python -m agentmem.bench.summaries [--json]`.

How much of what people state survives summarisation. A seeded generator (its own fact
templates, names, places and filler, kept apart from the session benchmark and the tests
the summariser was tuned on) writes conversations in two shapes: a user talking to an
assistant, and two named people talking (as in LoCoMo). Each conversation plants stated
facts among small talk. The turns are summarised the way consolidation does it: in
chunks (`Summarizer.summarize("", chunk)`), each chunk summary kept, the session summary
composed from them (`Summarizer.compose`). Measured:

- `survival`: share of planted facts whose value appears in the chunk summaries;
- `attributed`: share whose value appears in a sentence labelled with its speaker
  ("Maren: ...");
- `session_survival`: share in the final session summary alone (bounded by its budget).

Chunks of about 512 tokens are summarised into 256 (the defaults: a pass takes about half
of `short_term.max_tokens`, `consolidation.summary_tokens`) and, `tight`, into 128.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from typing import Any

_NAMES = ["Maren", "Tobias", "Aiko", "Dario", "Sunniva", "Kofi", "Lucia", "Bram", "Zeynep"]
_PLACES = ["Trondheim", "Valencia", "Hobart", "Kraków", "Da Nang", "Galway", "Asunción"]
_THINGS = ["kayak", "banjo", "sourdough starter", "telescope", "vegetable patch", "3D printer"]
_JOBS = ["paramedic", "welder", "librarian", "sound engineer", "beekeeper", "tax adviser"]

# (statement template, value template): the value must survive in the summaries
_FACTS = [
    ("I just signed a lease on a flat in {place}.", "{place}"),
    ("My new job as a {job} starts on the {day}th.", "{job}"),
    ("We named the puppy {pet}, she's a little menace.", "{pet}"),
    ("I finally bought a {thing} with my bonus.", "{thing}"),
    ("My mum turns {age} next week and we're throwing a party.", "{age}"),
    ("I ran the half marathon in {minutes} minutes, a personal best!", "{minutes} minutes"),
    ("Honestly I can't stand {food}, never could.", "{food}"),
    ("I'm flying to {place} on the {day}th for my cousin's wedding.", "{place}"),
    ("Our landlord raised the rent to {rent} a month.", "{rent}"),
    ("I've started learning the {thing2}, two lessons a week.", "{thing2}"),
]
_FOODS = ["coriander", "blue cheese", "liquorice", "okra", "anchovies"]
_PETS = ["Noodle", "Bramble", "Juniper", "Waffles", "Pesto"]
_INSTRUMENTS = ["oboe", "accordion", "harp", "tabla", "mandolin"]

_FILLER_PERSON = [
    "Ha, that's so true.",
    "How was your weekend by the way?",
    "Oh nice, tell me more!",
    "I know what you mean.",
    "Did you see the match last night?",
    "Sounds like a plan.",
    "Anyway, how are things with you?",
    "That's wild, I had no idea.",
]
_FILLER_ASSISTANT = [
    "That's a great question, and there are a few ways to look at it.",
    "I'm glad to hear that! Let me know if there's anything else I can help with.",
    "Here's a quick thought: it often helps to break things into smaller steps.",
    "Absolutely, happy to help with that whenever you like.",
    "Interesting! Many people feel the same way about it.",
]


@dataclass(frozen=True)
class Planted:
    speaker: str
    value: str


def conversation(
    seed: int, *, pair: bool, turns: int = 200, facts: int = 10
) -> tuple[list[tuple[str, str, str | None]], list[Planted]]:
    """(role, content, speaker) turns and the facts planted in them."""
    rng = random.Random(seed)
    a, b = rng.sample(_NAMES, 2)
    positions = sorted(rng.sample(range(0, turns, 1 if pair else 2), facts))  # people speak
    templates = rng.sample(_FACTS, min(facts, len(_FACTS)))
    out, planted = [], []
    for i in range(turns):
        first = i % 2 == 0
        role = "user" if first or pair else "assistant"
        name = (a if first else b) if pair else None
        if i in positions and (pair or first) and templates:
            statement, value = _fill(templates.pop(), rng)
            out.append((role, statement, name))
            planted.append(Planted(name or "User", value))
        elif role == "assistant":
            out.append((role, rng.choice(_FILLER_ASSISTANT), None))
        else:
            out.append((role, rng.choice(_FILLER_PERSON), name))
    return out, planted


def _fill(template: tuple[str, str], rng: random.Random) -> tuple[str, str]:
    values = {
        "place": rng.choice(_PLACES),
        "job": rng.choice(_JOBS),
        "day": rng.randint(4, 28),
        "pet": rng.choice(_PETS),
        "thing": rng.choice(_THINGS),
        "thing2": rng.choice(_INSTRUMENTS),
        "age": rng.randint(50, 90),
        "minutes": rng.randint(95, 140),
        "food": rng.choice(_FOODS),
        "rent": f"{rng.randint(9, 25) * 50} euros",
    }
    return template[0].format(**values), template[1].format(**values)


def measure(
    summarizer: Any,
    count: Any,
    conversations: int = 20,
    chunk_tokens: int = 512,
    tokens: int = 256,
) -> dict:
    """Survival figures over generated conversations of both shapes. Turns are cut into
    chunks of about `chunk_tokens` (a consolidation pass takes the overflow, about half of
    `short_term.max_tokens`), each summarised into at most `tokens`."""
    out: dict[str, Any] = {}
    for shape in ("assistant", "pair"):
        total = kept = attributed = in_session = 0
        for seed in range(conversations):
            turns, planted = conversation(1000 + seed, pair=shape == "pair")
            chunks, session = [], ""
            for part in _chunks(turns, count, chunk_tokens):
                text = summarizer.summarize("", part, tokens)
                chunks.append(text)
                session = summarizer.compose(session, text, tokens)
            sentences = [s for c in chunks for s in _split(c)]
            for p in planted:
                total += 1
                kept += any(p.value in s for s in sentences)
                attributed += any(
                    p.value in s and s.startswith(f"{p.speaker}: ") for s in sentences
                )
                in_session += p.value in session
        out[shape] = {
            "planted": total,
            "survival": round(kept / total, 3),
            "attributed": round(attributed / total, 3),
            "session_survival": round(in_session / total, 3),
        }
    return out


def _chunks(turns: list, count: Any, size: int) -> list[list]:
    out, current, used = [], [], 0
    for turn in turns:
        current.append(turn)
        used += count(turn[1])
        if used >= size:
            out.append(current)
            current, used = [], 0
    return out + ([current] if current else [])


def _split(text: str) -> list[str]:
    import re

    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedding", default="minilm", help="'minilm' (default) or 'hash'")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from agentmem.adapters.embeddings import make_embedder
    from agentmem.config import MemoryConfig
    from agentmem.consolidation.summarizers import ExtractiveSummarizer
    from agentmem.short_term import load_token_counter

    config = MemoryConfig.create()
    e = config.embedding
    embedder = make_embedder(
        args.embedding, e.batch_size, e.dimension, backend=e.backend, cache_dir=config.llm.cache_dir
    )
    counter = load_token_counter(config)
    summarizer = ExtractiveSummarizer(embedder, counter)
    result: dict[str, Any] = {
        "chunk_tokens": 512,
        "default": measure(summarizer, counter, args.conversations, tokens=256),
        "tight": measure(summarizer, counter, args.conversations, tokens=128),
    }
    result["embedding"] = args.embedding
    print(json.dumps(result, indent=2) if args.json else result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
