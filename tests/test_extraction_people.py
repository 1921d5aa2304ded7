"""People, places, names and partners said in other shapes, read from the parse: a place
bounded by the named place (`values.place_text`), a birthplace beside where one grew up
(`origins.birthplace`), a pet's name with its kind wherever it is given (`renaming`,
`copula`, `chat`), a partner said with "with" or "together" (`holdings.partner_with`,
`holdings.together`), an employer read from the verb frame (`extraction_employment`), a
parting said with a coordinated subject (`change`), and a switch from a thing a possessive
names (`facts.endings`). Phrasings written apart from tests/people_hand (the dev suite)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from parse_reading import read, reads_each

from agentmem import Memory, Scope
from agentmem.facts.extraction import parse

sys.path.insert(0, str(Path(__file__).parent / "conflicts_hand"))
from conflicts_evaluate import values  # noqa: E402

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

test_people_are_read = reads_each(
    [
        ("Ruth lives in a canal house near Utrecht.", ("Ruth", "lives_in", "Utrecht", False)),
        ("I grew up in a fishing village near Bergen.", ("user", "from", "Bergen", False)),
        ("Tavita was born in Apia.", ("Tavita", "born_in", "Apia", False)),
        ("Our tortoise is called Shelby.", ("user", "pet_name", "Shelby (tortoise)", False)),
        ("We call the kitten Miso.", ("user", "pet_name", "Miso (kitten)", False)),
        ("We have a hamster, Comet.", ("user", "pet_name", "Comet (hamster)", False)),
        ("I'm with Desmond.", ("user", "spouse", "Desmond", False)),
        ("Wanjiru and I are together.", ("user", "spouse", "Wanjiru", False)),
        ("I'm temping for Ocado this month.", ("user", "works_at", "Ocado", False)),
        ("Bastian started at Zalando.", ("Bastian", "works_at", "Zalando", False)),
        ("Me and Oriana broke up.", ("user", "spouse", "Oriana", True)),
        ("Paz and I parted ways.", ("user", "spouse", "Paz", True)),
    ]
)


@pytest.mark.parametrize(
    "text",
    [
        "I'm with my parents this weekend.",  # company, not a partner
        "I was with Ilya at the gym.",  # a past occasion
        "Ilya and I are together on this project.",  # an occasion, not a couple
        "I called my grandmother Tuesday.",  # a telephone call, not a naming
        "I live in a small flat.",  # no named place: the flat stays the value
    ],
)
def test_company_calls_and_unnamed_places_state_no_partner_name_or_named_place(text):
    found = read(text)
    assert not {r for r in found if r[1] in ("spouse", "pet_name", "name")}
    assert all(r[2] != "Tuesday" for r in found)


def test_a_place_without_a_name_is_its_constituent():
    assert ("user", "lives_in", "small flat", False) in read("I live in a small flat.")


def test_falling_out_with_kin_ends_no_kin():
    assert not {r for r in read("I fell out with my cousin.") if r[3]}


@pytest.fixture(scope="module")
def mem(tmp_path_factory, minilm):
    with Memory(home=tmp_path_factory.mktemp("people"), embedder=minilm) as memory:
        yield memory


@pytest.mark.parametrize("batched", [False, True])
def test_a_switch_ends_what_a_possessive_names(mem, batched):
    texts = ["My camera is a Nikon.", "I switched from my Nikon to a Fujifilm."]
    scope = Scope(f"switch-{batched}")
    if batched:
        mem.add_many(texts, scope)
    else:
        for text in texts:
            mem.add(text, scope)
    now, before = values(mem, scope)
    assert "fujifilm" in now and "nikon" not in now, now
    assert "nikon" in before, before


def test_a_renaming_ends_a_name_given_with_its_kind(mem):
    scope = Scope("rename")
    mem.add_many(["Our gecko is named Pip.", "We renamed the gecko Spike."], scope)
    now, before = values(mem, scope)
    assert any("spike" in v for v in now) and not any("pip" in v for v in now), now
    assert any("pip" in v for v in before), before


def test_a_birthplace_stays_beside_where_one_grew_up(mem):
    scope = Scope("born")
    mem.add_many(["I was born in Lagos.", "I grew up in Ibadan."], scope)
    now, _ = values(mem, scope)
    assert {"lagos", "ibadan"} <= now, now


# Names the small tagger misreads: an unknown name first in its sentence comes back as an
# adjective (a clause's subject never is one), and a name joined to "I" by "and" is hung on
# the verb as an adjunct. Phrased apart from the hand suites.
test_misread_names_are_still_subjects = reads_each(
    [
        ("Ingrid lives in Malmo.", ("Ingrid", "lives_in", "Malmo", False)),
        ("Maelle works at Decathlon.", ("Maelle", "works_at", "Decathlon", False)),
        ("Grainne moved to Galway.", ("Grainne", "lives_in", "Galway", False)),
        ("Ana and I broke up.", ("user", "spouse", "Ana", True)),
        ("Tobias and I split up last spring.", ("user", "spouse", "Tobias", True)),
    ]
)


@pytest.mark.parametrize(
    "text, kept",
    [
        ("Happy is how I feel today.", None),  # an adjective fronted, not a name
        ("Coffee and tea I love.", ("user", "likes", "coffee", False)),  # a topic, not a party
        ("Ana and I split the bill.", None),  # a thing divided, no parting
    ],
)
def test_adjectives_topics_and_divided_things_are_not_parties(text, kept):
    found = read(text)
    assert not [r for r in found if r[1] == "spouse" or r[0].lower() == "happy"]
    assert kept is None or kept in found


@pytest.mark.parametrize(
    "said, ended",
    [
        ("I'm no longer at Lidl.", True),  # a stay said to have ended ends the employer
        ("I'm not at Lidl any more.", True),
        ("I'm not at Lidl today.", False),  # a day away ends nothing
        ("I'm not at Lidl tonight.", False),
    ],
)
def test_a_stay_said_to_have_ended_ends_the_place_of_work(mem, said, ended):
    scope = Scope(f"stay-{said}")
    mem.add_many(["I work at Lidl.", said], scope)
    now, before = values(mem, scope)
    assert ("lidl" in before) == ended and ("lidl" in now) != ended, (now, before)
