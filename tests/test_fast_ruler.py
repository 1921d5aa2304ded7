"""The attribute ruler applied by lookup (`extraction.attributes`) gives every token what
the ruler's own Matcher gives it: on a ruler built here (overlapping rules, later rules
winning, a rule of two tokens, negative indices, IN/NOT_IN/REGEX) and on the installed
English pipeline, parsed through the extractor's Parser, over texts from this file's own
templates (seeded), written apart from the extractor's probes and the fact suites.
"""

from __future__ import annotations

import random

import pytest

spacy = pytest.importorskip("spacy")

from agentmem.facts.extraction import attributes, docs, parse  # noqa: E402

NAMES = ("Oona Pelletier", "Radek", "Saoirse Achterberg", "Wenonah", "Tobiah Quist")
TOWNS = ("Lerwick", "Arequipa", "Hobart", "Plovdiv", "Nuuk")
SHAPES = (
    "ain't nobody got time for {t}, {n} said",
    "we're gonna drive to {t} tmrw!!",
    "{n} hasn't been to {t}   since 2019 \n honestly",
    "Gotta say, {n}'s sister ain't wrong about {t}.",
    "i dunno... maybe {t}? or not lol",
    "{n}: 'Yes - we're moving to {t}; it's cheaper.'",
    "Ms. {n} wanna visit {t} on Dec. 3rd at 5pm",
    "",
    "   ",
)


def generated(n: int, seed: int = 7301) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(SHAPES).format(n=rng.choice(NAMES), t=rng.choice(TOWNS)) for _ in range(n)]


def features(doc) -> list[tuple]:
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_) for t in doc]


def _built_ruler():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": {"REGEX": "^[a-m]"}}]], {"POS": "NOUN", "LEMMA": "early"})
    ruler.add([[{"LOWER": {"IN": ["apple", "kiwi", "fig"]}}]], {"POS": "PROPN"})
    ruler.add([[{"LOWER": {"NOT_IN": ["the", "fig"]}}]], {"MORPH": "Number=Sing"})
    ruler.add([[{"LOWER": "the"}, {"LOWER": "fig"}]], {"LEMMA": "pair-end"}, index=-1)
    ruler.add([[{"LOWER": "fig"}]], {"LEMMA": "last-one-wins"})
    ruler.add([[{"IS_SPACE": True}]], {"POS": "SPACE"})
    return nlp, ruler


def test_built_ruler_lookup_matches_the_matcher():
    nlp, ruler = _built_ruler()
    fast = attributes.fast_ruler(nlp)
    assert fast is not None and fast._multi is not None  # the two-token rule kept a Matcher
    texts = ["the fig and an apple", "kiwi  the  fig", "zebra the fig fig", "Mango  \n the"]
    for text in texts:
        expected = features(ruler(nlp.make_doc(text)))
        assert features(fast(nlp.make_doc(text))) == expected, text
    doc = fast(nlp.make_doc("the fig"))
    assert doc[1].lemma_ == "last-one-wins"  # the later rule overrode the two-token rule's


def test_unread_pattern_goes_to_the_matcher():
    nlp, ruler = _built_ruler()
    ruler.add([[{"LENGTH": {">=": 4}}]], {"POS": "X"})  # an attribute the lookup does not read
    ruler.add([[{"LOWER": "kiwi"}]], {"POS": "VERB"})
    fast = attributes.fast_ruler(nlp)
    for text in ("kiwi apple fig", "the banana of lerwick"):
        expected = features(ruler(nlp.make_doc(text)))
        assert features(fast(nlp.make_doc(text))) == expected, text
    assert fast(nlp.make_doc("kiwi"))[0].pos_ == "VERB"  # a later lookup rule over the Matcher's


@pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")
def test_installed_pipeline_parses_identically():
    nlp = parse.load_pipeline()
    parser = docs.Parser(nlp)
    assert parser._ruler is not None  # the lookup is what runs on the extractor's path
    texts = generated(120)
    expected = [features(d) for d in nlp.pipe(texts, disable=docs.ON_DEMAND)]
    assert [features(d) for d in parser._parse(texts)] == expected
