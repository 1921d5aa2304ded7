"""Parametric memory: a user's stable facts carried in a LoRA adapter of the local model.

    python examples/parametric_memory.py [home]

Adds three invented facts for one user, trains an adapter (a minute or two on a laptop CPU),
asks about them with the adapter alone (no text memory in the prompt), shows that another
user gets the plain base model, then changes a fact: the adapter turns stale and, until it is
rebuilt, the text memory's current value is put in front of the question.
"""

from __future__ import annotations

import sys
import tempfile

from agentmem import Memory, Scope


def main(home: str) -> None:
    with Memory(home=home, embedding={"model": "hash"}) as mem:
        alice, bob = Scope("alice"), Scope("bob")
        facts = [
            ("Vorla Tensk", "lives_in", "Quimbarrow"),
            ("Vorla Tensk", "works_at", "Draskelon"),
            ("Pemric Oddle", "pet_name", "Zubrik"),
        ]
        for subject, attribute, value in facts:
            mem.add(
                f"{subject} {attribute.replace('_', ' ')} {value}",
                alice,
                fact={"subject": subject, "attribute": attribute, "value": value},
            )
        info = mem.train_adapter(alice, progress=True)
        print(
            f"adapter v{info.version}: {len(info.fact_ids)} facts, "
            f"{info.metrics['steps']} steps in {info.metrics['seconds']}s, "
            f"held-out recall {info.metrics['heldout_recall']:.0%}"
        )
        question = "Which town is Vorla Tensk based in?"  # a phrasing never trained on
        for scope in (alice, bob):
            reply = mem.parametric.answer(question, scope, max_new_tokens=20)
            print(f"{scope.user_id:>5}: {reply.text!r} (adapter {reply.adapter_id})")
        fact = mem.parametric.facts(alice)[-1]
        mem.update(fact.id, "Vorla Tensk lives in Ostvale", alice)
        print("after a change:", [(a.version, a.status) for a in mem.adapters(alice)])
        print("text memory wins:", [r.text for r in mem.parametric.overrides(alice)])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="agentmem-lora-"))
