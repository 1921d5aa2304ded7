"""Where an owner's things stand, who a pronoun after a noun of kin is, and kinds of an
owner, in phrasings written apart from the ones the code was tried on:

- a thing of its owner *in* a named place stands there ("our holiday cottage is in
  Cornwall"); a person there may be visiting, and a thing there *for* something is too;
- "he"/"she" after a noun of kin used as a name ("Grandpa sold the caravan. He ...") is the
  speaker's relative, as the noun itself is;
- "'s got" is "has got", also where the tagger took "'s" for the passive's "is";
- "a supplier of ours" is a kind the subject is, which "no longer a supplier" ends.
"""

from __future__ import annotations

import pytest

from agentmem import Memory


@pytest.mark.parametrize(
    "text,fact",
    [
        ("Our holiday cottage is in Cornwall.", ("user's holiday cottage", "lives_in", "Cornwall")),
        ("My studio is in Digbeth.", ("user's studio", "lives_in", "Digbeth")),
        (
            "Grandpa sold the caravan. He has a motorhome now.",
            ("user's grandpa", "owns", "motorhome"),
        ),
        ("Nan moved to Whitby, she's got a bungalow there.", ("user's nan", "owns", "bungalow")),
        ("Kestrel Foods is a supplier of ours.", ("Kestrel Foods", "is_a", "supplier")),
    ],
)
def test_reads(read_facts, text, fact):
    assert (*fact, False) in read_facts(text), read_facts(text)


@pytest.mark.parametrize("text", ["My cousin is in Madrid.", "My boat is in Poole for the winter."])
def test_a_visit_is_no_place_of_standing(read_facts, text):
    assert not [f for f in read_facts(text) if f[1] == "lives_in"], read_facts(text)


def test_a_kind_of_ours_ends(tmp_path):
    with Memory(home=str(tmp_path), embedding={"model": "hash"}) as mem:
        mem.add("Kestrel Foods is a supplier of ours.", "u1")
        mem.add("Kestrel Foods is no longer a supplier.", "u1")
        active = {r.text for r in mem.list_memories("u1")}
        assert "Kestrel Foods is a supplier of ours." not in active, active
