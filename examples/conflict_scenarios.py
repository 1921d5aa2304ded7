"""Conflict resolution in five minutes: moves, history, time travel, review, undo, purge.

    python examples/conflict_scenarios.py            # a walk-through on a throwaway memory
    python examples/conflict_scenarios.py FILE.yaml  # check your own scenarios instead

Runs offline with hash embeddings; no model is downloaded.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime

from agentmem import Memory, Scope
from agentmem.facts.conflicts import describe_change
from agentmem.scenarios import main as check_conflicts_main
from agentmem.short_term import word_counter


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def walk_through() -> None:
    alice = Scope(user_id="alice")
    with tempfile.TemporaryDirectory() as home:
        mem = Memory(
            home=home,
            embedding={"model": "hash"},
            token_counter=word_counter,
            conflicts={"policies": {"works_at": "manual"}},
        )
        mem.add("I live in Berlin", alice, observed_at=day("2024-01-01"))
        paris = mem.add("I moved to Paris", alice, observed_at=day("2024-06-01"))
        mem.add("I'm based in Paris", alice, observed_at=day("2024-07-01"))  # merged, no new row
        mem.add(
            "I live in Lyon", alice, observed_at=day("2024-08-01"), valid_from=day("2019-01-01")
        )  # about the past: stored as history only

        print("current:", [f.value for f in mem.facts(alice)])
        print("in March 2024:", [f.value for f in mem.facts(alice, as_of=day("2024-03-01"))])
        print(
            "change:", describe_change(mem.facts(alice, attribute="lives_in", include_history=True))
        )
        print("audit of the Paris chain:")
        for e in mem.history(paris.id, alice):
            print(f"  {e.op:<10} {e.reason}  [{e.details.get('rule')}]")

        mem.add("I work at Acme", alice)
        mem.add("I joined Globex", alice)
        (conflict,) = mem.conflicts(alice)
        print("open conflict:", conflict.reason)
        mem.resolve_conflict(conflict.id, "new", alice)
        print("after review:", [f.value for f in mem.facts(alice, attribute="works_at")])

        supersede = next(e for e in mem.history(paris.id, alice) if e.op == "SUPERSEDE")
        mem.restore(supersede.id, alice)
        print("after undoing the move:", [f.value for f in mem.facts(alice, attribute="lives_in")])
        mem.purge(alice)
        print("after purge:", mem.facts(alice, include_history=True), mem.search("Berlin", alice))
        mem.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        raise SystemExit(check_conflicts_main(sys.argv[1:]))
    walk_through()
