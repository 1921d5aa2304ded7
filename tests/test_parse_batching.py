"""Concurrent parses merged into one `nlp.pipe` call read the same facts as one parse per
text, and a text whose parse fails fails only its own `add`.

The texts come from templates and name pools of this file (seeded), written apart from the
extractor's probes, the fact suites and tests/facts_eval. The pipeline wrapper holds the
first parse until the other callers have queued, so the merging is arranged, not hoped for.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from agentmem import Memory, Scope
from agentmem.facts import extraction
from agentmem.facts.extraction import docs, parse
from agentmem.facts.extraction.base import as_speaker

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

PEOPLE = ("Ysolde Brack", "Temperance Oyelaran", "Quillon", "Marisol Etxeberria", "Dov")
PLACES = ("Kirkwall", "Oaxaca", "Tromso", "Ballarat", "Cluj")
FIRMS = ("Harrowgate Mills", "Penstock Analytics", "Veltrani Foods", "Ostrander & Vail")
TEMPLATES = (
    "{p} has been living in {c} since the spring.",
    "{p} took a job with {f} last year and still works there.",
    "I quit my job at {f} and I now live in {c}.",
    "{p} left {f}; these days {p} works at {f2}.",
    "My flatmate {p} grew up in {c}.",
    "We never moved to {c}, although {p} did.",
    "I am a {o} at {f}, and my sister is called {p}.",
    "Did {p} ever work for {f}?",
    "{p} stopped working at {f} in March.",
    "After the merger I resigned from {f} and started at {f2}.",
    # a verb of ending with a named object: its entity type says which slot ends
    "{p} left {c} after the floods.",
    "Last winter I finally left {c}.",
)
OCCUPATIONS = ("nurse", "carpenter", "pharmacist", "surveyor")


def generated(n: int, seed: int = 20261130) -> list[str]:
    rng = random.Random(seed)
    return [
        rng.choice(TEMPLATES).format(
            p=rng.choice(PEOPLE),
            c=rng.choice(PLACES),
            f=(firms := rng.sample(FIRMS, 2))[0],
            f2=firms[1],
            o=rng.choice(OCCUPATIONS),
        )
        for _ in range(n)
    ]


class GatedPipeline:
    """The real pipeline; its first `pipe` waits until `waiting` callers have queued behind
    it, and a batch holding `poison` fails as a whole."""

    def __init__(self, nlp, waiting: int, poison: str | None = None) -> None:
        self.nlp, self.waiting, self.poison = nlp, waiting, poison
        self.pipe_names = nlp.pipe_names
        self.get_pipe = nlp.get_pipe
        self.calls: list[list[str]] = []
        self.extractor: parse.ParseExtractor | None = None
        self.entered = threading.Event()

    def __getattr__(self, name: str):
        # everything else (the language's defaults and vocabulary) is the real pipeline's
        return getattr(self.nlp, name)

    def pipe(self, texts, **kwargs):
        texts = list(texts)
        if not self.calls:
            self.entered.set()
            deadline = time.monotonic() + 60
            while len(self.extractor._parser._parses._queue) < self.waiting:
                assert time.monotonic() < deadline, "the other callers never queued"
                time.sleep(0.001)
        self.calls.append(texts)
        if self.poison is not None and self.poison in texts:
            raise ValueError(f"cannot parse {self.poison!r}")
        return self.nlp.pipe(texts, **kwargs)


def _gated(waiting: int, poison: str | None = None) -> parse.ParseExtractor:
    nlp = GatedPipeline(parse.load_pipeline(), waiting, poison)
    nlp.extractor = parse.ParseExtractor(nlp)
    return nlp.extractor


def _concurrently(entered: threading.Event, first, rest) -> None:
    """`first()` enters the parse alone; `rest` start once it is inside."""
    threads = [threading.Thread(target=f) for f in (first, *rest)]
    threads[0].start()
    assert entered.wait(60)
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(120)


def _facts(facts) -> list[tuple]:
    return [(f.subject, f.attribute, f.value, f.negated, f.confidence, f.text) for f in facts]


def test_merged_parses_read_what_one_full_parse_per_text_reads():
    texts = generated(24)
    extractor = _gated(waiting=len(texts) - 1)
    got: dict[int, list] = {}

    def read(i: int):
        return lambda: got.__setitem__(i, _facts(extractor.extract(texts[i], speaker="Wren")))

    _concurrently(extractor.nlp.entered, read(0), [read(i) for i in range(1, len(texts))])
    assert max(len(c) for c in extractor.nlp.calls) > 1  # parses were merged
    # the reference: the whole pipeline (entity recogniser included) on each text alone
    nlp = parse.load_pipeline()
    for i, text in enumerate(texts):
        alone = as_speaker(extractor._read(nlp(docs.clean(text)), "user"), "Wren")
        assert got[i] == _facts(alone), text
    assert sum(map(len, got.values())) >= len(texts) // 2  # the texts do state facts


def test_a_failing_parse_fails_only_its_own_add(home, monkeypatch):
    texts = ["Ysolde Brack moved to Kirkwall.", "POISON Dov works at Veltrani Foods."]
    texts += [f"{p} lives in {c}." for p, c in zip(PEOPLE[1:], PLACES[1:], strict=False)]
    extractor = _gated(waiting=len(texts) - 1, poison=texts[1])
    monkeypatch.setattr(extraction, "_parser", lambda: extractor)
    scope, results = Scope("batcher"), {}
    with Memory(
        home=home, embedding={"model": "hash"}, consolidation={"extractor": "parse"}
    ) as mem:

        def add(i: int):
            def run():
                try:
                    results[i] = mem.add(texts[i], scope)
                except ValueError as exc:
                    results[i] = exc

            return run

        _concurrently(extractor.nlp.entered, add(0), [add(i) for i in range(1, len(texts))])
        assert any(texts[1] in c and len(c) > 1 for c in extractor.nlp.calls)  # shared a batch
        assert isinstance(results[1], ValueError) and "POISON" in str(results[1])
        stored = {r.text for r in mem.list_memories(scope, limit=100)}
    assert stored == set(texts) - {texts[1]}
    for i in set(range(len(texts))) - {1}:
        assert results[i].text == texts[i] and results[i].kind == "fact"
