"""Chat shapes the parse extractor reads (`extraction_chat`): dropped subjects, jobs one
gets or starts, listed names, clefts, lower-case names, languages, and the generic slot
`is_a` meeting a specific slot of the same value. Phrasings are written apart from the
conversational suite's templates (other verbs, names and structures)."""

from __future__ import annotations

import pytest
from parse_reading import read, reads_each

from agentmem import Memory, Scope
from agentmem.facts.extraction import parse
from agentmem.stores.sql import MemoryQuery

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")


test_chat_shapes_state_their_fact = reads_each(
    [
        ("finally relocated to Lyon over the summer", ("user", "lives_in", "Lyon", False)),
        ("landed a job at Fernwood Bakery", ("user", "works_at", "Fernwood Bakery", False)),
        (
            "Sasha Ilic took a job at Marlow Dental.",
            ("Sasha Ilic", "works_at", "Marlow Dental", False),
        ),
        ("I have three daughters, Hazel, June and Wren", ("user", "has_child", "June", False)),
        ("Galway is where my brother lives", ("user's brother", "lives_in", "Galway", False)),
        ("my brother ravi works at Stellar Foods", ("ravi", "works_at", "Stellar Foods", False)),
        ("i speak french and italian", ("user", "speaks", "italian", False)),
        ("my cat's named Tofu", ("user", "pet_name", "Tofu (cat)", False)),
        ("Ilse's daughter is called Marit", ("Ilse", "has_child", "Marit", False)),
    ]
)


@pytest.mark.parametrize(
    "text, attribute",
    [
        ("Move the car to Garage B", "lives_in"),  # an imperative is nobody's report
        ("I moved the party to Saturday", "lives_in"),  # the party moved, not the speaker
        ("applied for a position at Orsolo Labs", "works_at"),  # applying is not having
    ],
)
def test_look_alikes_state_no_such_fact(text, attribute):
    assert not [f for f in read(text) if f[1] == attribute]


def _active(mem: Memory, scope: Scope) -> list:
    records = mem.long_term.find(MemoryQuery(user_id=scope.user_id, statuses=None))
    return [r for r in records if r.kind == "fact" and r.status == "active"]


@pytest.mark.parametrize(
    "turns",
    [["I'm a glazier.", "I work as a glazier."], ["I work as a glazier.", "I'm a glazier."]],
)
def test_a_kind_and_a_job_of_one_value_are_one_fact(tmp_path, turns):
    with Memory(home=tmp_path, embedding={"model": "hash"}) as mem:
        scope = Scope("glazier")
        for turn in turns:
            mem.add(turn, scope)
        active = _active(mem, scope)
        assert [(r.attribute, r.value) for r in active] == [("job_title", "glazier")]
        kept = mem.long_term.find(MemoryQuery(user_id="glazier", statuses=None))
        texts = {r.text for r in kept} | {
            p for r in kept for p in r.metadata.get("paraphrases", [])
        }
        assert set(turns) <= texts  # nothing said is lost


def test_a_kind_of_another_value_stays_beside_the_job(tmp_path):
    with Memory(home=tmp_path, embedding={"model": "hash"}) as mem:
        scope = Scope("vegan-glazier")
        mem.add("I work as a glazier.", scope)
        mem.add("I'm a vegan.", scope)
        assert {(r.attribute, r.value) for r in _active(mem, scope)} == {
            ("job_title", "glazier"),
            ("is_a", "vegan"),
        }
