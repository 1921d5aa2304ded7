"""Parametric memory on the bundled SmolLM2-135M (marked llm: about a minute on 2 CPU cores)."""

from __future__ import annotations

import pytest

pytest.importorskip("peft")

from agentmem import Memory  # noqa: E402
from agentmem.parametric.dataset import build_dataset, facts_from_records  # noqa: E402
from agentmem.types import Scope  # noqa: E402

FACTS = [
    ("Vorla Tensk", "lives_in", "Quimbarrow"),
    ("Vorla Tensk", "works_at", "Draskelon"),
    ("Pemric Oddle", "pet_name", "Zubrik"),
]


@pytest.mark.llm
def test_user_adapter_recalls_facts_only_for_its_user(tmp_path):
    lora = {
        "steps": 60,
        "eval_every": 15,
        "batch_size": 8,
        "learning_rate": 3e-3,
        "max_new_tokens": 16,
        "target_recall": 1.0,
    }
    with Memory(home=tmp_path, embedding={"model": "hash"}, lora=lora) as mem:
        alice = Scope("alice")
        for subject, attribute, value in FACTS:
            mem.add(
                f"{subject} {attribute} {value}",
                alice,
                fact={"subject": subject, "attribute": attribute, "value": value},
            )
        info = mem.train_adapter(alice)
        assert info.version == 1 and len(info.fact_ids) == 3
        assert info.metrics["heldout_recall"] >= 2 / 3
        probes = build_dataset(facts_from_records(mem.parametric.facts(alice))).heldout
        pm = mem.parametric
        assert pm.probe(alice, probes, max_new_tokens=16) >= 2 / 3
        assert pm.probe(Scope("bob"), probes, max_new_tokens=16) == 0.0
        assert [a.id for a in mem.adapters(alice)] == [info.id] and mem.adapters("bob") == []
        reply = pm.answer(probes[0].prompt, alice, max_new_tokens=16)
        assert reply.adapter_id == info.id and reply.tiers == ["parametric"]
