"""Facts said in words the readers were not first written for (issue 12): names with a
hyphen or an apostrophe, a verb of liking whose object the tagger misreads, a small closed
class of idioms that state a standard slot, a fronted object of several words, a bare
pronoun, and possessed abstractions that name no provider.

Written before the code, in a voice of its own, through the default extractor (the rule
table, then the parse). Each reading is (subject, attribute, value in lower case, negated).
"""

from __future__ import annotations

import pytest

from agentmem.facts.extraction import parse, parse_extractor
from agentmem.facts.extraction.names import STAND_INS, masked
from agentmem.facts.extraction.pipeline import known_word

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")


def reads(text: str) -> set[tuple[str, str, str, bool]]:
    facts = parse_extractor().extract(text)
    return {(f.subject, f.attribute, f.value.lower(), f.negated) for f in facts}


def _check(text: str, fact: tuple[str, str, str]) -> None:
    got = reads(text)
    assert (*fact, False) in got, got


# --- 1. names with a hyphen or an apostrophe ---------------------------------------------
# A name reads as a plain name does in the same frame: the frame is read once with a plain
# name and once with the marked one, and the readings must match name for name.
FRAMES = [
    "{n} lives in Busan.",
    "{n} works at Airbus.",
    "{n} adores hiking.",
    "My cousin is {n}.",
    "I'm seeing {n}.",
    "My best friend {n} speaks Korean.",
    "{n} hates mushrooms.",
    "{n} grew up in Cluj.",
    "{n}'s sister lives in Cork.",
]
MARKED = [
    "Eun-ji",
    "Jean-Luc",
    "Siobhan O'Brien",
    "Mary-Kate",
    "D'Arcy",
    "Ana-Maria Pop",
    "Ji-ho",
    "Min-ji",
]


@pytest.mark.parametrize("frame", FRAMES)
@pytest.mark.parametrize("name", MARKED)
def test_marked_name_reads_as_a_plain_name(frame: str, name: str) -> None:
    plain = "Tomasz" if " " not in name else "Siobhan Kelly"
    expected = {
        tuple(x.replace(plain.lower(), name.lower()).replace(plain, name) for x in r[:3]) + (r[3],)
        for r in reads(frame.format(n=plain))
    }
    assert expected, frame
    assert reads(frame.format(n=name)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Part-time work suits me.",
        "Long-term, I want to live in Oslo.",
        "Self-made people inspire me.",
    ],
)
def test_ordinary_hyphenated_word_is_no_name(text: str) -> None:
    assert masked(text, known_word) == (text, {})


def test_owner_with_two_names_is_the_owner() -> None:
    got = reads("Siobhan Kelly's sister lives in Cork.")
    assert ("Siobhan Kelly's sister", "lives_in", "cork", False) in got, got


def test_name_is_written_back_everywhere() -> None:
    got = parse_extractor().extract("Eun-ji and Jean-Luc live in Busan. Eun-ji loves jazz.")
    assert {f.subject for f in got} == {"Eun-ji", "Jean-Luc"}
    assert all(s not in f.text for f in got for s in STAND_INS)


# --- 2. verbs of liking whose object the tagger misreads ---------------------------------
LIKING = [
    ("My aunt detests cilantro.", ("user's aunt", "dislikes", "cilantro")),
    ("Tom adores sushi.", ("Tom", "likes", "sushi")),
    ("I loathe licorice.", ("user", "dislikes", "licorice")),
    ("Priya despises okra.", ("Priya", "dislikes", "okra")),
    ("Kenji abhors cilantro.", ("Kenji", "dislikes", "cilantro")),
    ("My uncle adores paprika.", ("user's uncle", "likes", "paprika")),
    ("Grete loathes tarragon.", ("Grete", "dislikes", "tarragon")),
    ("Our neighbour detests jazz.", ("user's neighbour", "dislikes", "jazz")),
]


@pytest.mark.parametrize("text, fact", LIKING)
def test_liking_verb_object_whatever_its_tag(text, fact) -> None:
    _check(text, fact)


# --- 3. idioms of a standard slot ---------------------------------------------------------
IDIOMS = [
    # dependence as liking
    ("I can't live without coffee.", ("user", "likes", "coffee")),
    ("Dana couldn't do without her bike.", ("Dana", "likes", "bike")),
    ("My brother can't live without football.", ("user's brother", "likes", "football")),
    ("Honestly, I could not live without podcasts.", ("user", "likes", "podcasts")),
    # calling a place home
    ("I call Lisbon home.", ("user", "lives_in", "lisbon")),
    ("Priya calls Nairobi home these days.", ("Priya", "lives_in", "nairobi")),
    ("Lisbon is home now.", ("user", "lives_in", "lisbon")),
    ("We call Ghent home.", ("user", "lives_in", "ghent")),
    # acquiring an animal
    ("We adopted a greyhound.", ("user", "has_pet", "greyhound")),
    ("We rescued a cat last spring.", ("user", "has_pet", "cat")),
    ("My sister got a puppy.", ("user's sister", "has_pet", "puppy")),
    ("Kofi adopted a tortoise.", ("Kofi", "has_pet", "tortoise")),
    ("We took in a stray kitten called Mochi.", ("user", "pet_name", "mochi (kitten)")),
    ("Last year my parents adopted an alpaca.", ("user's parents", "has_pet", "alpaca")),
    # alumni
    ("Yuki is a graduate of Keio University.", ("Yuki", "study_at", "keio university")),
    ("Mehmet is an alumnus of Bogazici University.", ("Mehmet", "study_at", "bogazici university")),
    ("I'm an alumna of Smith College.", ("user", "study_at", "smith college")),
    ("My wife is a Cornell graduate.", ("user's wife", "study_at", "cornell")),
    # superlative relatives as favourites
    ("The sport Dominik enjoys most is cricket.", ("Dominik", "favorite_sport", "cricket")),
    ("The food I like best is ramen.", ("user", "favorite_food", "ramen")),
    ("The band my son loves most is Queen.", ("user's son", "favorite_band", "queen")),
    ("The city I love most is Kyoto.", ("user", "favorite_city", "kyoto")),
]


@pytest.mark.parametrize("text, fact", IDIOMS)
def test_idiom_states_its_slot(text, fact) -> None:
    _check(text, fact)


# A switch with a possessive names the provider in the slot "our X is with Y" names.
SWITCHES = [
    ("We switched our mortgage to Nationwide.", "Our mortgage is with Nationwide."),
    ("I moved my pension to Aviva.", "My pension is with Aviva."),
    ("My parents switched their broadband to Plusnet.", "My parents' broadband is with Plusnet."),
    ("Fatima moved her savings to Monzo.", "Fatima's savings are with Monzo."),
    ("We changed our energy supplier to Octopus.", "Our energy supplier is with Octopus."),
]


@pytest.mark.parametrize("text, said_plainly", SWITCHES)
def test_switch_names_the_provider(text, said_plainly) -> None:
    plain = {r for r in reads(said_plainly) if r[1].endswith("_provider")}
    assert plain, said_plainly
    assert plain <= reads(text)


IDIOM_NEAR_MISSES = [
    ("I can live without coffee.", "likes"),
    ("I could live without the commute.", "likes"),
    ("Lisbon is home to many artists.", "lives_in"),
    ("Anna is home now.", "lives_in"),
    ("I called Mum home for dinner.", "lives_in"),
    ("We adopted a new policy.", "has_pet"),
    ("They rescued a hiker.", "has_pet"),
    ("Yuki is a fan of Keio University.", "study_at"),
    ("The food I like least is tripe.", "favorite_food"),
    ("We adopted a child.", "has_pet"),
    ("I moved my car to the garage.", "car_provider"),
    ("If I couldn't live without coffee, I'd worry.", "likes"),
]


@pytest.mark.parametrize("text, attribute", IDIOM_NEAR_MISSES)
def test_idiom_near_miss(text, attribute) -> None:
    got = reads(text)
    assert not {r for r in got if r[1] == attribute and not r[3]}, got


# --- 4. a fronted object of several words -------------------------------------------------
FRONTED = [
    ("Heavy metal Tomasz loves.", ("Tomasz", "likes", "heavy metal")),
    ("Spicy Thai food Ingrid adores.", ("Ingrid", "likes", "spicy thai food")),
    ("Modern art my mother hates.", ("user's mother", "dislikes", "modern art")),
    ("Cold brew coffee I really love.", ("user", "likes", "cold brew coffee")),
    # added after the code: the head the tagger makes the verb, a second subject
    ("Jazz my dad adores.", ("user's dad", "likes", "jazz")),
    ("Spicy food my brother loathes.", ("user's brother", "dislikes", "spicy food")),
]


@pytest.mark.parametrize("text", ["Tom says my sister loves.", "Records show my sister loves."])
def test_clause_after_a_verb_is_no_fronted_object(text) -> None:
    assert not {r for r in reads(text) if r[1] in ("likes", "dislikes")}


@pytest.mark.parametrize("text, fact", FRONTED)
def test_fronted_phrase_is_the_value(text, fact) -> None:
    _check(text, fact)


@pytest.mark.xfail(strict=True, reason="the tagger makes 'records' the sentence's verb")
def test_fronted_collection_phrase_whole() -> None:
    got = reads("Old jazz records my dad collects.")
    assert any(r[0] == "user's dad" and r[2] == "old jazz records" for r in got), got


# --- 5. bare pronouns ---------------------------------------------------------------------
PRONOUN_ONLY = [
    "She lives in Leeds.",
    "He hates olives.",
    "They adopted a cat.",
    "She works at the bakery on Elm Street.",
    "He's from Dublin.",
]
PRONOUNS = {"she", "he", "they", "her", "him", "them"}


@pytest.mark.parametrize("text", PRONOUN_ONLY)
def test_bare_pronoun_is_no_subject(text) -> None:
    got = reads(text)
    assert not {r for r in got if r[0].lower() in PRONOUNS}, got


RESOLVED = [
    ("Marta is my neighbour. She lives in Leeds.", ("Marta", "lives_in", "leeds")),
    ("I met Dev at work. He loves cricket.", ("Dev", "likes", "cricket")),
    ("Ask Noor about it; she works at Arup.", ("Noor", "works_at", "arup")),
]


@pytest.mark.parametrize("text, fact", RESOLVED)
def test_pronoun_after_a_name_is_that_name(text, fact) -> None:
    _check(text, fact)


# --- 6. possessed abstractions name no provider -------------------------------------------
NO_PROVIDER = [
    "My heart is with Liverpool.",
    "My mind is on the exam.",
    "My money is on Spain.",
    "My thoughts are with the family.",
    "My loyalty is with Celtic.",
    "My head is with the team.",
    "My sympathy is with the nurses.",
]


@pytest.mark.parametrize("text", NO_PROVIDER)
def test_abstraction_has_no_provider(text) -> None:
    got = reads(text)
    assert not {r for r in got if r[1].endswith("_provider")}, got


PROVIDERS = [
    ("My pension is with Aviva.", ("user", "pension_provider", "aviva")),
    ("Our gas is with Octopus.", ("user", "gas_provider", "octopus")),
    ("My car insurance is with Admiral.", ("user", "car_insurance_provider", "admiral")),
]


@pytest.mark.parametrize("text, fact", PROVIDERS)
def test_service_still_has_its_provider(text, fact) -> None:
    _check(text, fact)
