"""The extractor's parse path gives what the whole English pipeline gives, token by token:
with the lemmatizer's outcomes remembered (`extraction.lemmas`: a word met again, in the
same role or another, gets the pipeline's lemma), a text given twice parsed once, and a
text a reading rewrites parsed on the same path (`Parser.one`, the entity recogniser run
only when a reading asks for an entity type).

Texts from this file's own templates and word pools (seeded), written apart from the fact
suites and the other parse tests.
"""

from __future__ import annotations

import random

import pytest

from agentmem.facts.extraction import docs, lemmas, parse, register

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

WHO = ("Ottoline Marsh", "Bertrand", "Ifeoma Okafor", "Lachlan", "Svetlana Oduya")
WHERE = ("Galway", "Tamworth", "Bergen", "Valparaiso", "Tartu")
# one spelling in several roles: a verb, a plural noun, a participle, a name's word
SHAPES = (
    "{w} leaves {p} tomorrow, and the leaves there are already falling.",
    "My neighbours were saying {w} saw a saw at the market in {p}.",
    "We've been meaning to visit {p}; {w} visited twice and loved the visits.",
    "{w}'s been painting houses in {p} since the paintings sold out.",
    "Honestly the best bits of {p} were the bits nobody mentions lol",
    "i dunno if {w} lives in {p} or just says so... lives are complicated",
)


def generated(n: int, seed: int = 40917) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(SHAPES).format(w=rng.choice(WHO), p=rng.choice(WHERE)) for _ in range(n)]


def features(doc) -> list[tuple]:
    return [
        (t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.is_sent_start)
        for t in doc
    ]


@pytest.fixture(scope="module")
def nlp():
    return parse.load_pipeline()


def test_remembered_lemmas_are_the_pipelines_first_time_and_again(nlp):
    parser = docs.Parser(nlp)
    assert any(isinstance(c, lemmas.FastLemmatizer) for c in parser._after)
    texts = generated(60)
    expected = [features(d) for d in nlp.pipe(texts, disable=docs.ON_DEMAND)]
    assert [features(d) for d in parser._parse(texts)] == expected  # each word new
    assert [features(d) for d in parser._parse(texts)] == expected  # each word remembered
    roles = {(t.lower_, t.pos_, t.lemma_) for d in parser._parse(texts) for t in d}
    assert ("leaves", "VERB", "leave") in roles and ("leaves", "NOUN", "leaf") in roles


def test_rule_step_gives_spacys_forms_for_every_token(nlp):
    lemmatizer = nlp.get_pipe("lemmatizer")
    rules = lemmas.RuleLemmas(lemmatizer)
    tokens = [t for d in nlp.pipe(generated(40, seed=913), disable=["lemmatizer"]) for t in d]
    assert [rules.lemmatize(t) for t in tokens] == [lemmatizer.lemmatize(t) for t in tokens]
    parser = docs.Parser(nlp)
    fast = next(c for c in parser._after if isinstance(c, lemmas.FastLemmatizer))
    assert isinstance(fast._lemmatize.__self__, lemmas.RuleLemmas)  # what the path runs


def test_a_text_given_twice_is_parsed_once_and_read_alike(nlp):
    parser = docs.Parser(nlp)
    first, second = generated(2, seed=5)
    got = parser.parse([first, second, first])
    assert got[0] is got[2] and got[0] is not got[1]
    # the path parses the text as prose where typed in the chat register ("i dunno")
    assert features(got[1]) == features(nlp(register.normalised(second)))


def test_a_rewritten_text_parses_as_the_whole_pipeline_parses_it(nlp):
    parser = docs.Parser(nlp)
    for text in generated(12, seed=77):
        alone, full = parser.one(text), nlp(text)
        assert features(alone) == features(full), text
        assert [docs.entity_type(t) for t in alone] == [t.ent_type_ for t in full], text
    assert any(t.ent_type_ == "GPE" for t in nlp(generated(1, seed=77)[0]))
