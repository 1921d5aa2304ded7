"""Generality of the parse extractor: habits (`extraction_activity`), verbs the tagger took
for nouns (`extraction_mistagged`), roles named by "work as", and "he"/"she" pointing back
to the previous turn of the same speaker (`facts.referents`).

Phrasings are written for this file, apart from the fact suites (dev, heldout, hand) and
the extractor's development probes: other verbs, names, places and sentence shapes."""

from __future__ import annotations

import pytest
from parse_reading import read, reads_each

from agentmem import Memory, Scope
from agentmem.facts.extraction import parse
from agentmem.facts.extraction.activity import gerund_of
from agentmem.stores.sql import MemoryQuery

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

test_habits_and_roles_are_read = reads_each(
    [
        ("Every Thursday I play badminton.", ("user", "does", "badminton", False)),
        ("Anneliese goes skiing in January.", ("Anneliese", "does", "skiing", False)),
        # the tagger reads the base form 'brew' as a past; a time that recurs says a habit
        ("I brew beer at weekends.", ("user", "does", "brewing beer", False)),
        ("Ulrike goes skiing every winter.", ("Ulrike", "does", "skiing", False)),
        ("I bake bread at weekends.", ("user", "does", "baking bread", False)),
        ("i cycle to work most days", ("user", "does", "cycling", False)),
        ("I quit playing rugby after the injury.", ("user", "does", "rugby", True)),
        ("I don't do crosswords anymore.", ("user", "does", "crosswords", True)),
        ("Leopold Brandt lives in Graz.", ("Leopold Brandt", "lives_in", "Graz", False)),
        (
            "Hedwig Sorensen is a potter and lives in Aarhus.",
            ("Hedwig Sorensen", "lives_in", "Aarhus", False),
        ),
        ("I work as a taxidermist.", ("user", "job_title", "taxidermist", False)),
        ("Ottoline works as a dog groomer.", ("Ottoline", "job_title", "dog groomer", False)),
    ]
)


@pytest.mark.parametrize(
    "text",
    [
        "I want a bicycle for my birthday.",  # a state, not a habit
        "I'm running late today.",  # what happens now, not a habit
        "I sailed a lot as a kid.",  # the past
        "Do you play golf?",  # a question
        "Play the second track again.",  # an imperative is nobody's habit
        "I know the owner of that cafe.",
    ],
)
def test_states_moments_and_questions_are_no_habit(text):
    assert not [f for f in read(text) if f[1] == "does"]


def test_work_as_something_possessed_is_no_role():
    assert not [f for f in read("I work as my own boss.") if f[1] == "job_title"]


def test_gerunds_are_spelled_as_english_spells_them():
    got = [gerund_of(v) for v in ("hike", "jog", "tie", "row", "paint", "ski", "canoe")]
    assert got == ["hiking", "jogging", "tying", "rowing", "painting", "skiing", "canoeing"]


def _facts(mem: Memory, scope: Scope) -> set[tuple]:
    records = mem.long_term.find(MemoryQuery(user_id=scope.user_id))
    return {(r.subject, r.attribute, r.value) for r in records if r.kind == "fact"}


def test_a_pronoun_points_back_to_the_speakers_previous_turn(tmp_path):
    scope = Scope("referents")
    with Memory(home=tmp_path, embedding={"model": "hash"}) as mem:
        mem.add("Yesterday I had lunch with Wilhelmina Stroud.", scope)
        mem.add("She works at Kettering Mills.", scope)
        mem.add("she plays the oboe in an orchestra", scope)  # still about her
        facts = _facts(mem, scope)
    assert ("wilhelmina stroud", "works_at", "Kettering Mills") in facts
    assert ("wilhelmina stroud", "does", "oboe") in facts


def test_another_speakers_turn_is_no_referent(tmp_path):
    scope = Scope("referents-two")
    with Memory(home=tmp_path, embedding={"model": "hash"}) as mem:
        mem.add("I ran into Casimir Odell at the station.", scope, {"speaker": "Rhea"})
        mem.add("He lives in Tralee, right?", scope, {"speaker": "Bo"})
        mem.add("He lives in Dingle.", scope, {"speaker": "Bo"})
        mem.add("He moved to Kinsale.", scope, {"speaker": "Rhea"})
        facts = _facts(mem, scope)
    assert ("casimir odell", "lives_in", "Kinsale") in facts
    assert not [f for f in facts if f[2] in ("Dingle", "Tralee")]  # Bo named nobody
