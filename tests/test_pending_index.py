"""The batch's pending-memory index decides notes exactly as comparing with every earlier
memory of the batch did (the quadratic way it replaces)."""

from __future__ import annotations

import random

from agentmem.adapters.embeddings import HashEmbedder
from agentmem.config import ConflictsConfig
from agentmem.facts import conflicts
from agentmem.long_term import WritePlan
from agentmem.long_term.pending_index import PendingNeighbours
from agentmem.types import MemoryRecord, Scope

WORDS = "river lantern copper meadow violin harbour pepper glacier orchid tunnel".split()


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5)))


def _brute(candidate, plan, embedder):
    extra = [
        r
        for r in plan.inserts
        if r.kind == candidate.kind
        and r.status == "active"
        and r.scope.user_id == candidate.scope.user_id
    ]
    if not extra:
        return []
    sims = embedder.embed([r.text for r in extra]) @ embedder.embed_query(candidate.text)
    return [(r, float(s)) for r, s in zip(extra, sims, strict=True)]


def test_decisions_match_comparing_with_every_earlier_memory():
    rng = random.Random(5)
    embedder = HashEmbedder(64)
    config = ConflictsConfig(similarity_threshold=0.75)
    index, plan = PendingNeighbours(embedder), WritePlan()
    decided = 0
    for n in range(300):
        text = _text(rng)
        if n > 10 and rng.random() < 0.15:  # an earlier text again, maybe in other case
            text = rng.choice(plan.inserts).text
            text = text.upper() if rng.random() < 0.5 else text
        user = rng.choice(["ann", "ben"])
        kind = rng.choice(["note", "note", "summary"])
        candidate = MemoryRecord(id=f"c{n}", text=text, scope=Scope(user), kind=kind)
        fast = conflicts.decide_note(candidate, index.nearest(candidate, plan), config)
        slow = conflicts.decide_note(candidate, _brute(candidate, plan, embedder), config)
        assert (fast.classification, fast.rule, fast.target and fast.target.id) == (
            slow.classification,
            slow.rule,
            slow.target and slow.target.id,
        ), text
        decided += fast.classification != "independent"
        if fast.store:
            plan.inserts.append(candidate)
        if n % 37 == 0 and plan.inserts:  # a status change, as a supersession writes
            victim = rng.choice(plan.inserts)
            plan.updates.append((victim.id, victim.scope.user_id, {"status": "superseded"}))
            plan.inserts[plan.inserts.index(victim)] = victim.__class__(
                **{**victim.__dict__, "status": "superseded"}
            )
    assert decided > 20  # duplicates and near-duplicates were really decided
