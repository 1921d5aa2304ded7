"""The cases of `agentmem bench cmr`: needles the compression evicts before the question.

A case is a list of ``(text, needle)`` segments fed as one text (needle segments are marked, and
their tokens are the oracle's selection), a question, and the answer to find in the reply.

- ``passkey``: `agentmem bench kv`'s cases (a 5-digit key in repeated filler at depths spread
  over 10-90%), the sentences that state the key marked as the needle.
- ``rareword``: "The secret word is W." in Python's documentation prose; W is a pseudo-word
  made of seeded syllables or a real word of that prose; cases are later bucketed by the
  model's own log-probability of W after "The secret word is" (the rarer, the lower).
- ``locker``: 3-5 facts "Locker n holds NNNNN." spread over the prose, one asked;
  ``locker2``: the same plus "The <colour> key opens locker n.", the question names the
  colour (two hops: colour -> locker -> number).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from agentmem.bench.kv import perplexity_text
from agentmem.bench.kv_tasks import passkey_case

SYLLABLES = ("ka", "zu", "mor", "vel", "tri", "qua", "nix", "bo", "lep", "syr", "dra", "fen",
             "ox", "pim", "rau", "gle", "thu", "wen", "cy", "jor")  # fmt: skip
COLOURS = ("red", "blue", "green", "yellow", "purple", "orange", "silver", "black")


@dataclass
class Case:
    task: str
    segments: list[tuple[str, bool]]
    question: str
    answer: str
    meta: dict = field(default_factory=dict)

    def correct(self, reply: str) -> bool:
        return self.answer.lower() in reply.lower()


def _prose_sentences() -> list[str]:
    text = perplexity_text()[:180_000]  # the ridge maps are fitted beyond 200k
    parts = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [p for p in parts if 20 <= len(p) <= 240 and p.isascii()]


def _haystack(rng: random.Random, sentences: list[str], tokens: int, count) -> list[str]:
    """Consecutive prose sentences from a random start, about ``tokens`` long."""
    start = rng.randrange(0, max(1, len(sentences) - 400))
    out, total = [], 0
    for sentence in sentences[start:]:
        if total >= tokens:
            break
        out.append(sentence)
        total += count(sentence)
    return out


def _place(rng, hay: list[str], needles: list[str], depths=None) -> list[tuple[str, bool]]:
    """Interleave ``needles`` into ``hay`` at the given (or random) depths."""
    spots = sorted(int(len(hay) * d) for d in (depths or [rng.uniform(0.1, 0.9) for _ in needles]))
    segments: list[tuple[str, bool]] = []
    last = 0
    for spot, needle in zip(spots, needles, strict=True):
        if spot > last:
            segments.append((" " + " ".join(hay[last:spot]), False))
        segments.append((" " + needle, True))
        last = spot
    segments.append((" " + " ".join(hay[last:]), False))
    return segments


def passkey(tokenizer, length: int, n: int, seed: int) -> list[Case]:
    """`agentmem bench kv`'s passkey cases (one generator), the key's sentences the needle."""
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        depth = 0.1 + 0.8 * i / max(n - 1, 1)
        case = passkey_case(tokenizer, length, depth, rng)
        segments = _around(case.context, case.answer)
        cases.append(
            Case(f"passkey@{length}", segments, case.question, case.answer, {"depth": depth})
        )
    return cases


def _around(context: str, answer: str) -> list[tuple[str, bool]]:
    """``context`` cut into segments, the sentences from the answer's first mention to its last
    marked (with the space before them, so the marked tokens are the ones a reader gets)."""
    first, last = context.index(answer), context.rindex(answer)
    ends = [m.start() + 1 for m in re.finditer(r"[.!?]\s", context[:first])]
    lo = ends[-1] if ends else 0
    hi = context.find(".", last + len(answer))
    hi = len(context) if hi < 0 else hi + 1
    return [(context[:lo], False), (context[lo:hi], True), (context[hi:], False)]


def _word(rng: random.Random, prose_words: list[str], i: int) -> str:
    if i % 2 == 0:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return rng.choice(prose_words)


def rareword(tokenizer, length: int, n: int, seed: int) -> list[Case]:
    rng = random.Random(seed + 1)
    sentences = _prose_sentences()
    words = sorted({w.lower() for s in sentences for w in re.findall(r"\b[a-zA-Z]{6,12}\b", s)})
    count = _counter(tokenizer)
    cases = []
    for i in range(n):
        word = _word(rng, words, i)
        hay = _haystack(rng, sentences, length - 30, count)
        needle = f"The secret word is {word}."
        question = "\nWhat is the secret word? The secret word is"
        cases.append(Case(f"rareword@{length}", _place(rng, hay, [needle]), question, word))
    return cases


def locker(tokenizer, length: int, n: int, seed: int, hops: int = 1) -> list[Case]:
    rng = random.Random(seed + 2 + hops)
    sentences = _prose_sentences()
    count = _counter(tokenizer)
    cases = []
    for _ in range(n):
        k = rng.randint(3, 5)
        lockers = rng.sample(range(1, 10), k)
        codes = [str(rng.randint(10000, 99999)) for _ in lockers]
        facts = [f"Locker {n_} holds {c}." for n_, c in zip(lockers, codes, strict=True)]
        asked = rng.randrange(k)
        if hops == 2:
            colours = rng.sample(COLOURS, k)
            pairs = zip(colours, lockers, strict=True)
            facts += [f"The {col} key opens locker {n_}." for col, n_ in pairs]
            question = f"\nThe {colours[asked]} key opens a locker. That locker holds"
        else:
            question = f"\nWhat does locker {lockers[asked]} hold? Locker {lockers[asked]} holds"
        rng.shuffle(facts)
        hay = _haystack(rng, sentences, length - 12 * len(facts), count)
        task = f"locker{'2' if hops == 2 else ''}@{length}"
        cases.append(Case(task, _place(rng, hay, facts), question, codes[asked], {"facts": k}))
    return cases


def _counter(tokenizer):
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])
