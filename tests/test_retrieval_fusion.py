"""Hybrid search must not rank below its best part, on a corpus generated here.

Two kinds of questions, each favouring one signal: questions that repeat the memory's
rare words with common ones around them (full text), and questions with the memory's
words misspelt or inflected (the hash embedder's character trigrams still see them;
full text does not). Fusion must do at least as well as the better signal on the mix.
"""

from __future__ import annotations

import random

import pytest

from agentmem import Memory

NAMES = ["Arvid", "Beatriz", "Chiamaka", "Dmitri", "Eun-ji", "Farouk", "Greta", "Hamish"]
THINGS = ["harmonica", "sourdough", "telescope", "hammock", "kombucha", "sextant", "mandolin"]
PLACES = ["Reykjavik", "Valparaiso", "Timbuktu", "Ushuaia", "Kraków", "Zanzibar", "Tromsø"]
VERBS = ["repaired", "borrowed", "photographed", "sold", "painted", "gifted"]


def _corpus(rng: random.Random, n: int) -> list[tuple[str, str, str, str]]:
    seen, out = set(), []
    while len(out) < n:
        item = (rng.choice(NAMES), rng.choice(VERBS), rng.choice(THINGS), rng.choice(PLACES))
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two letters


def _questions(corpus, rng: random.Random, n: int) -> list[tuple[str, int]]:
    out = []
    for k in range(n):
        i = rng.randrange(len(corpus))
        name, verb, thing, place = corpus[i]
        if k % 2:
            text = f"tell me about the time {name} {verb} a {thing} in {place}"
        else:
            text = f"{_misspell(name, rng)} {_misspell(thing, rng)} {_misspell(place, rng)}"
        out.append((text, i))
    return out


def _mrr(mem, user, ids, questions, mode) -> float:
    total = 0.0
    for text, answer in questions:
        ranked = [h.record.id for h in mem.search(text, user, mode=mode, top_k=10)]
        if ids[answer] in ranked:
            total += 1.0 / (ranked.index(ids[answer]) + 1)
    return total / len(questions)


@pytest.mark.parametrize("seed", [3, 8])
def test_hybrid_is_not_below_its_best_part(tmp_path, seed):
    rng = random.Random(seed)
    corpus = _corpus(rng, 150)
    questions = _questions(corpus, rng, 60)
    with Memory(home=tmp_path / "h", embedding={"model": "hash"}) as mem:
        records = mem.add_many(
            [f"{n} {v} a {t} in {p}." for n, v, t, p in corpus], "u", kind="episode"
        )
        ids = [r.id for r in records]
        mem.flush()  # a transcript's vectors follow from the background index writer
        scores = {m: _mrr(mem, "u", ids, questions, m) for m in ("hybrid", "fulltext", "semantic")}
    assert scores["hybrid"] >= max(scores["fulltext"], scores["semantic"]), scores


def test_neighbour_lift_fades_by_the_decay_per_place():
    from agentmem.retrieval import Candidate, lift_neighbours

    def lifted(decay: float) -> dict[str, float]:
        hit = Candidate("hit", explanation={"fulltext": 2.0, "semantic": 1.0})
        strong = Candidate("strong", explanation={"fulltext": 5.0})  # needs no lift
        candidates = {"hit": hit, "strong": strong}
        around = {"hit": [("next", 1), ("second", 2), ("strong", 1)]}
        lift_neighbours(candidates, around, weight=0.5, decay=decay)
        return {mid: c.explanation.get("neighbours", 0.0) for mid, c in candidates.items()}

    slow, fast = lifted(0.75), lifted(0.5)
    assert slow["next"] == pytest.approx(1.5) and fast["next"] == pytest.approx(1.5)
    assert slow["second"] == pytest.approx(1.125) and fast["second"] == pytest.approx(0.75)
    assert slow["strong"] == 0.0 and slow["hit"] == 0.0
