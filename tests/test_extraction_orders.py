"""Facts said in other word orders and constructions (issue 12, generality): a fronted
object, a pseudo-cleft, a thing "with" a provider (not a partner).

Written before the code, apart from the hand suites (other names, tenses, persons, places),
through the default extractor (the rule table, then the parse): each case is what a reader
takes from the sentence; the near misses are sentences of the same shape that must not
yield the fact (a negated or hypothetical verb, a fronted time, a service's provider).
"""

from __future__ import annotations

import pytest

from agentmem.facts.extraction import parse, parse_extractor

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")


def reads(text: str) -> set[tuple[str, str, str, bool]]:
    """(subject, attribute, value in lower case, negated) of each fact read in `text`."""
    facts = parse_extractor().extract(text)
    return {(f.subject, f.attribute, f.value.lower(), f.negated) for f in facts}


# read wrongly before the code that reads them (taken off as each mechanism lands)
NOT_YET = {
    "Tofu, Hana likes; seitan, she avoids.",
}


def _cases(cases):
    return [
        pytest.param(*c, marks=pytest.mark.xfail(strict=True)) if c[0] in NOT_YET else c
        for c in (c if isinstance(c, tuple) else (c,) for c in cases)
    ]


# --- fronted objects ---------------------------------------------------------------------
FRONTED = [
    ("Olives I detest.", ("user", "dislikes", "olives")),
    ("Olives, I detest.", ("user", "dislikes", "olives")),
    ("Sushi I adore, but olives I loathe.", ("user", "dislikes", "olives")),
    ("Sushi, I adore.", ("user", "likes", "sushi")),
    ("Board games I love, but poker I hate.", ("user", "dislikes", "poker")),
    ("Cricket I enjoy, and tennis I tolerate.", ("user", "likes", "cricket")),
    ("Techno, Ruairi loves.", ("Ruairi", "likes", "techno")),
    ("Horror films my sister really hates.", ("user's sister", "dislikes", "horror films")),
    ("Gardening, my mum has always loved.", ("user's mum", "likes", "gardening")),
    ("Mandarin I speak at work, Cantonese at home.", ("user", "speaks", "mandarin")),
    ("Welsh, Gethin speaks fluently.", ("Gethin", "speaks", "welsh")),
    ("Marmite I can't stand.", ("user", "dislikes", "marmite")),
    ("Hiking, we both love.", ("user", "likes", "hiking")),
    ("Snooker, my grandad watches religiously.", ("user's grandad", "does", "watching snooker")),
    ("Country music I've always hated.", ("user", "dislikes", "country music")),
    ("Tofu, Hana likes; seitan, she avoids.", ("Hana", "likes", "tofu")),
    ("Liquorice, I can't stand.", ("user", "dislikes", "liquorice")),
    ("Heavy metal Tomasz loves; jazz he tolerates.", ("Tomasz", "likes", "heavy metal")),
    ("I cook a lot, and curries I love.", ("user", "likes", "curries")),
]

FRONTED_NOT = [
    # a negated, hypothetical or asked verb states no liking
    ("Olives I don't like.", ("user", "likes", "olives")),
    ("Opera I would never hate.", ("user", "dislikes", "opera")),
    ("Sushi I might love, if I tried it.", ("user", "likes", "sushi")),
    ("Jazz, do you like?", ("user", "likes", "jazz")),
    # a fronted time or place is not the object
    ("Yesterday I played chess.", ("user", "does", "yesterday")),
    ("Last summer we loved the beach.", ("user", "likes", "last summer")),
    ("Sundays I cycle.", ("user", "does", "sundays")),
    # whom one addresses, and a second subject
    ("Tomasz, I love this song.", ("user", "likes", "tomasz")),
    ("Mira and I love kayaking.", ("user", "likes", "mira")),
    ("Sailing, Nadia used to love.", ("Nadia", "likes", "sailing")),
]


def _holds(found, subject, attributes, value) -> bool:
    return any((subject, a, value, False) in found for a in attributes.split("/"))


# a phrase before the clause that is no object of its verb: no fact takes it as a value
NO_VALUE = [
    ("The day I left, it rained.", "day"),
    ("Smiling, I nodded.", "smiling"),
    ("Tomasz, I love this song.", "tomasz"),
    ("The film I saw was dull.", "film"),
    ("I met the man I love at a wedding.", "man"),
    ("Tea and the biscuits I bought are on the table.", "biscuits"),
    ("Last night I cooked for everyone.", "night"),
    ("Honestly, I hate it.", "honestly"),
    ("What happened next was so awesome.", "awesome"),
    ("What I ate was really spicy.", "spicy"),
]


@pytest.mark.parametrize("text, word", _cases(NO_VALUE))
def test_a_phrase_that_is_no_object_is_no_value(text, word):
    assert not any(word in v.split() for _, _, v, _ in reads(text))


@pytest.mark.parametrize("text, fact", _cases(FRONTED))
def test_a_fronted_object_is_read_as_the_verbs_object(text, fact):
    assert _holds(reads(text), *fact)


@pytest.mark.parametrize("text, fact", _cases(FRONTED_NOT))
def test_a_fronted_phrase_that_is_not_a_stated_object_is_not_read(text, fact):
    assert not _holds(reads(text), *fact)


# --- pseudo-clefts -----------------------------------------------------------------------
CLEFTS = [
    ("What I can't bear is coriander.", ("user", "dislikes", "coriander")),
    ("What I really can't stand is liquorice.", ("user", "dislikes", "liquorice")),
    ("What I love most is kayaking.", ("user", "likes", "kayaking")),
    ("What Ingrid loves is fennel.", ("Ingrid", "likes", "fennel")),
    ("What my brother hates is celery.", ("user's brother", "dislikes", "celery")),
    ("What I enjoy is pottery.", ("user", "likes", "pottery")),
    ("What we hate is traffic.", ("user", "dislikes", "traffic")),
    ("What Oisin speaks at home is Irish.", ("Oisin", "speaks", "irish")),
    ("Where Tomasz lives is Gdansk.", ("Tomasz", "lives_in", "gdansk")),
    ("What I detest is broccoli.", ("user", "dislikes", "broccoli")),
    ("What I adore is rhubarb.", ("user", "likes", "rhubarb")),
    ("what i love is parsley", ("user", "likes", "parsley")),
]

CLEFTS_NOT = [
    ("What I'd love is a holiday.", ("user", "likes", "holiday")),
    ("What I don't like is mint.", ("user", "likes", "mint")),
    ("What I hated was nothing.", ("user", "dislikes", "nothing")),
    ("What I hate isn't garlic.", ("user", "dislikes", "garlic")),
    ("What you love is jazz.", ("user", "likes", "jazz")),
    ("What I might like is fennel.", ("user", "likes", "fennel")),
    ("What I said is true.", ("user", "likes", "true")),
    ("What I like is unclear.", ("user", "likes", "unclear")),
    ("What do you love? Sushi.", ("user", "likes", "sushi")),
    ("If what I love is pasta, so be it.", ("user", "likes", "pasta")),
]


@pytest.mark.parametrize("text, fact", _cases(CLEFTS))
def test_a_pseudo_cleft_is_read_as_its_clause(text, fact):
    assert _holds(reads(text), *fact)


@pytest.mark.parametrize("text, fact", _cases(CLEFTS_NOT))
def test_a_pseudo_cleft_of_no_stated_fact_is_not_read(text, fact):
    assert not _holds(reads(text), *fact)


# --- "with": a partner or a provider -----------------------------------------------------
PARTNERS = [
    ("I'm with Jakub now.", ("user", "spouse", "jakub")),
    ("Ottilie is with Rafferty these days.", ("Ottilie", "spouse", "rafferty")),
    ("I've been with Noor for six years.", ("user", "spouse", "noor")),
    ("My sister is with Callum.", ("user's sister", "spouse", "callum")),
    ("Yusuf has been with Leila since 2019.", ("Yusuf", "spouse", "leila")),
]

PROVIDERS = [
    "Our broadband is with Plusnet.",
    "My pension is with Aviva.",
    "The car insurance is with Admiral now.",
    "My phone contract is with Vodafone.",
    "Her mortgage has been with Nationwide for years.",
    "My current account is with Monzo.",
    "Our energy supply is with Octopus these days.",
    "My savings are with Marcus.",
    "The house insurance is with Aviva since March.",
    "Our mobile plan is with Three.",
    "My gym membership is with PureGym.",
    "My ISA is with Vanguard.",
    "Our water is with Thames Water.",
    "The company car is with Enterprise.",
    "My domain is with Namecheap.",
]


@pytest.mark.parametrize("text, fact", _cases(PARTNERS))
def test_being_with_a_person_is_a_couple(text, fact):
    assert _holds(reads(text), *fact)


@pytest.mark.parametrize("text", _cases(PROVIDERS))
def test_a_thing_with_a_provider_is_no_partner(text):
    assert not any(a in ("spouse", "dating") for _, a, _, _ in reads(text))
