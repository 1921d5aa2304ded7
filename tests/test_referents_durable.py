"""Where "he"/"she" find their referent: the texts stored in the same memory's database.

Two memories with the same scope ids (two homes or databases: two tenants, two tests)
never read each other's texts; a restart (a new process on the same home) still reads a
pronoun after the text stored before it; a purge or a delete forgets the text; a text
another Memory on the same database stored is seen (no stale copy in the process).

The statements come from a small template set and seed of this file, apart from the fact
suites (tests/facts_eval*) and the extractor's probes.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass

import pytest

from agentmem import Memory, Scope
from agentmem.facts.extraction import parse
from agentmem.stores.sql import MemoryQuery

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

SEED = 6203
PEOPLE = [  # (full name, pronoun)
    ("Oswin Harrowgate", "he"),
    ("Philippa Dunmore", "she"),
    ("Cyprian Vell", "he"),
    ("Rosalind Aske", "she"),
    ("Tancred Moyle", "he"),
    ("Imogen Treadway", "she"),
]
INTRODUCTIONS = [
    "{name} fixed my bike last week.",
    "I had coffee with {name} this morning.",
    "{name} called me yesterday.",
    "Last night I bumped into {name}.",
]
STATEMENTS = [  # (text, attribute, value pool)
    ("{pronoun} lives in {value}.", "lives_in", ["Penzance", "Kendal", "Whitby", "Ludlow"]),
    (
        "{pronoun} works at {value}.",
        "works_at",
        ["Cobalt Forge", "Marrow Bakery", "Elmstead Press"],
    ),
]


@dataclass(frozen=True)
class Case:
    introduction: str  # names the person
    statement: str  # says something of them with a pronoun only
    fact: tuple[str, str, str]  # (subject, attribute, value) the statement states


def cases(n: int, seed: int = SEED) -> list[Case]:
    rng = random.Random(seed)
    out = []
    for name, pronoun in rng.sample(PEOPLE, n):
        text, attribute, values = rng.choice(STATEMENTS)
        value = rng.choice(values)
        out.append(
            Case(
                rng.choice(INTRODUCTIONS).format(name=name),
                text.format(pronoun=pronoun.capitalize(), value=value),
                (name.lower(), attribute, value),
            )
        )
    return out


def open_memory(home, url: str | None = None) -> Memory:
    return Memory(home=home, embedding={"model": "hash"}, **({"database_url": url} if url else {}))


def facts_of(mem: Memory, scope: Scope) -> set[tuple[str, str, str]]:
    records = mem.long_term.find(MemoryQuery(user_id=scope.user_id))
    return {(r.subject.lower(), r.attribute, r.value) for r in records if r.kind == "fact"}


def scope_of(n: int) -> Scope:
    return Scope(f"user-{n}", session_id="chat-1")


def about(facts: set[tuple[str, str, str]], case: Case) -> set[tuple[str, str, str]]:
    return {f for f in facts if f[0] == case.fact[0]}


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request, tmp_path):
    """Two stores (a URL each; None: SQLite under the home)."""
    if request.param == "sqlite":
        return [None, None]
    server = request.getfixturevalue("postgres")
    tag = tmp_path.name[-12:].lower()
    return [server.create_database(f"ref_{tag}_{i}".replace("-", "_")) for i in range(2)]


def test_two_memories_with_the_same_scope_ids_share_no_referent(tmp_path, urls):
    generated = cases(3)
    with open_memory(tmp_path / "a", urls[0]) as a, open_memory(tmp_path / "b", urls[1]) as b:
        for n, case in enumerate(generated):
            a.add(case.introduction, scope_of(n))
            b.add(case.statement, scope_of(n))
            assert not about(facts_of(b, scope_of(n)), case), case
            a.add(case.statement, scope_of(n))  # where the name was said, it is read
            assert case.fact in facts_of(a, scope_of(n)), case


CHILD = """
import json, sys
from agentmem import Memory, Scope
home, url, texts = sys.argv[1], sys.argv[2] or None, json.loads(sys.argv[3])
extra = {"database_url": url} if url else {}
with Memory(home=home, embedding={"model": "hash"}, **extra) as mem:
    for n, text in enumerate(texts):
        mem.add(text, Scope(f"user-{n}", session_id="chat-1"))
print("stored")
"""


def store_in_another_process(home, url: str | None, texts: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(home), url or "", json.dumps(texts)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "stored" in done.stdout, done.stderr[-3000:]


def test_a_restart_keeps_the_referent(tmp_path, urls):
    generated = cases(3)
    store_in_another_process(tmp_path, urls[0], [c.introduction for c in generated])
    with open_memory(tmp_path, urls[0]) as mem:
        for n, case in enumerate(generated):
            mem.add(case.statement, scope_of(n))
            assert case.fact in facts_of(mem, scope_of(n)), case


def test_a_text_another_memory_stored_meanwhile_is_the_referent(tmp_path, urls):
    """Two Memory objects on one database (as two server workers): the newer text wins."""
    first, second = cases(2)
    scope = scope_of(0)
    with open_memory(tmp_path, urls[0]) as a, open_memory(tmp_path, urls[0]) as b:
        a.add(first.introduction, scope)
        b.add(second.introduction, scope)
        a.add(second.statement, scope)
        facts = facts_of(a, scope)
    assert second.fact in facts
    assert not about(facts, first)


def test_purge_and_delete_forget_the_referent(tmp_path, urls):
    purged, deleted = cases(2)
    with open_memory(tmp_path, urls[0]) as mem:
        mem.add(purged.introduction, scope_of(0))
        mem.purge(scope_of(0))
        mem.add(purged.statement, scope_of(0))
        assert not about(facts_of(mem, scope_of(0)), purged)

        introduced = mem.add(deleted.introduction, scope_of(1))
        mem.delete(introduced.id, scope_of(1))
        mem.add(deleted.statement, scope_of(1))
        assert not about(facts_of(mem, scope_of(1)), deleted)


def test_a_batch_reads_its_own_earlier_text_before_the_stored_one(tmp_path):
    stored, batched = cases(2)
    scope = scope_of(0)
    with open_memory(tmp_path) as mem:
        mem.add(stored.introduction, scope)
        mem.add_many([batched.introduction, batched.statement], scope)
        facts = facts_of(mem, scope)
    assert batched.fact in facts
    assert not about(facts, stored)
