"""Table-driven tests of the rule extractor: utterance -> expected (attribute, value, negated).

An empty expectation means the utterance must yield no fact at all (precision matters
more than recall: an invented fact is worse than a missed one).
"""

from __future__ import annotations

import pytest

from agentmem.extraction import RuleExtractor, render
from agentmem.vocabulary import ATTRIBUTES, canonical

N = False
Y = True

CASES: list[tuple[str, set[tuple[str, str, bool]]]] = [
    # name
    ("My name is Alice Smith.", {("name", "Alice Smith", N)}),
    ("Hi, I'm Bob.", {("name", "Bob", N)}),
    ("Call me Ishmael.", {("name", "Ishmael", N)}),
    ("People call me Liz.", {("name", "Liz", N)}),
    ("I'm Italian.", set()),
    # age
    ("I am 34 years old.", {("age", "34", N)}),
    ("I'm 29.", {("age", "29", N)}),
    ("I just turned 40!", {("age", "40", N)}),
    ("I'm 5 minutes away.", set()),
    # home and moves
    ("I live in Paris.", {("lives_in", "Paris", N)}),
    ("I currently live in San Francisco with my wife.", {("lives_in", "San Francisco", N)}),
    ("I'm based in Berlin.", {("lives_in", "Berlin", N)}),
    ("I moved to Lisbon last year.", {("lives_in", "Lisbon", N)}),
    ("I don't live in Paris anymore.", {("lives_in", "Paris", Y)}),
    ("I no longer live in Madrid.", {("lives_in", "Madrid", Y)}),
    ("I moved from Paris to Berlin.", {("lives_in", "Paris", Y), ("lives_in", "Berlin", N)}),
    ("I moved out of London.", {("lives_in", "London", Y)}),
    ("I live in a small flat.", set()),
    # origin
    ("I'm from Canada.", {("from", "Canada", N)}),
    ("I grew up in Toronto.", {("from", "Toronto", N)}),
    ("I was born in Lyon.", {("from", "Lyon", N)}),
    # work
    ("I work at Google.", {("works_at", "Google", N)}),
    ("I work for the United Nations.", {("works_at", "the United Nations", N)}),
    ("I work at Google as a software engineer.",
     {("works_at", "Google", N), ("job_title", "software engineer", N)}),
    ("I'm a software engineer at Microsoft.",
     {("job_title", "software engineer", N), ("works_at", "Microsoft", N)}),
    ("I am a nurse.", {("job_title", "nurse", N)}),
    ("I work as a data analyst.", {("job_title", "data analyst", N)}),
    ("I joined Microsoft in 2020.", {("works_at", "Microsoft", N)}),
    ("I no longer work at Acme Corp.", {("works_at", "Acme Corp", Y)}),
    ("I don't work for Initech anymore.", {("works_at", "Initech", Y)}),
    ("I quit Acme last week.", {("works_at", "Acme", Y)}),
    ("I left my job at Initech.", {("works_at", "Initech", Y)}),
    ("I'm tired.", set()),
    ("I'm a big fan of jazz.", {("likes", "jazz", N)}),
    # family and pets
    ("My wife is called Anna.", {("spouse", "Anna", N)}),
    ("I'm married to John.", {("spouse", "John", N)}),
    ("I have two kids.", {("has_child", "2 kids", N)}),
    ("I have a daughter named Mia.", {("has_child", "daughter Mia", N)}),
    ("My brother's name is Tom.", {("has_sibling", "brother Tom", N)}),
    ("I have a dog named Rex.", {("has_pet", "dog", N), ("pet_name", "Rex (dog)", N)}),
    ("My cat's name is Luna.", {("has_pet", "cat", N), ("pet_name", "Luna (cat)", N)}),
    ("I have a golden retriever called Max.",
     {("has_pet", "retriever", N), ("pet_name", "Max (retriever)", N)}),
    # likes and dislikes
    ("I love hiking and swimming.", {("likes", "hiking", N), ("likes", "swimming", N)}),
    ("I really enjoy Italian food.", {("likes", "Italian food", N)}),
    ("I hate cilantro.", {("dislikes", "cilantro", N)}),
    ("I don't like horror movies.", {("dislikes", "horror movies", N)}),
    ("I no longer like coffee.", {("likes", "coffee", Y)}),
    ("I don't enjoy running anymore.", {("likes", "running", Y)}),
    ("My favorite color is blue.", {("favorite_color", "blue", N)}),
    ("My favourite food is sushi.", {("favorite_food", "sushi", N)}),
    ("I like it.", set()),
    ("I love you!", set()),
    # languages, allergies, possessions
    ("I speak French and German.", {("speaks", "French", N), ("speaks", "German", N)}),
    ("I'm allergic to peanuts and shellfish.",
     {("allergic_to", "peanuts", N), ("allergic_to", "shellfish", N)}),
    ("I have a severe penicillin allergy.", {("allergic_to", "severe penicillin", N)}),
    ("I'm not allergic to cats anymore.", {("allergic_to", "cats", Y)}),
    ("I drive a Tesla Model 3.", {("owns", "Tesla Model 3", N)}),
    ("I have a Honda Civic.", {("owns", "Honda Civic", N)}),
    ("I have a question.", set()),
    # plans and dates
    ("My birthday is March 3rd.", {("birthday", "March 3rd", N)}),
    ("I plan to run a marathon in October.", {("plans", "run a marathon in October", N)}),
    ("I have a dentist appointment on Friday.", {("plans", "dentist appointment on Friday", N)}),
    ("I will fly to Rome on Monday.", {("plans", "fly to Rome on Monday", N)}),
    ("I'll call you back.", set()),
    # numbers the user gives
    ("My phone number is 555-1234.", {("phone_number", "555-1234", N)}),
    ("My shoe size is 42.", {("shoe_size", "42", N)}),
    ("My day was long.", set()),
    # no facts: questions, hypotheticals, wishes, small talk, other people
    ("Where do I live?", set()),
    ("Do you know where I work?", set()),
    ("If I lived in Rome I would be happy.", set()),
    ("I would love to visit Japan.", set()),
    ("I wish I lived in Hawaii.", set()),
    ("Imagine I worked at NASA.", set()),
    ("Hello there!", set()),
    ("Thanks, that's great.", set()),
    ("The weather is nice today.", set()),
    ("She lives in Rome.", set()),
    ("You live in the cloud, right.", set()),
    ("What is my name?", set()),
    # several facts in one turn
    ("I'm Sarah, I live in Oslo and I work at Equinor.",
     {("name", "Sarah", N), ("lives_in", "Oslo", N), ("works_at", "Equinor", N)}),
    ("My name is Omar. I'm 31 and I speak Arabic.",
     {("name", "Omar", N), ("age", "31", N), ("speaks", "Arabic", N)}),
    ("i live in Dublin", {("lives_in", "Dublin", N)}),
]


@pytest.fixture(scope="module")
def extractor():
    return RuleExtractor()


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_rule_extractor_table(extractor, text, expected):
    facts = extractor.extract(text)
    assert {(f.attribute, f.value, f.negated) for f in facts} == expected
    for f in facts:
        assert f.subject == "user"
        assert f.text == render("user", f.attribute, f.value, f.negated)
        assert 0 < f.confidence <= 1


def test_table_is_large_and_has_negatives():
    assert len(CASES) >= 60
    assert sum(1 for _, e in CASES if not e) >= 15


def test_attributes_are_canonical(extractor):
    known = {a.name for a in ATTRIBUTES}
    for text, _ in CASES:
        for f in extractor.extract(text):
            assert canonical(f.attribute) == f.attribute
            assert f.attribute in known or f.attribute.startswith("favorite_") \
                or f.attribute in {"phone_number", "shoe_size"}


def test_source_is_kept_and_empty_input_yields_nothing(extractor):
    assert extractor.extract("I live in Oslo.", source="tool")[0].source == "tool"
    assert extractor.extract("") == []
    assert extractor.extract("   ") == []


def test_hedged_statements_have_lower_confidence(extractor):
    sure = extractor.extract("I live in Oslo.")[0]
    hedged = extractor.extract("I think I live in Oslo now.")[0]
    assert hedged.value == "Oslo" and hedged.confidence < sure.confidence


def test_rendered_text_reads_as_a_sentence():
    assert render("user", "lives_in", "Paris") == "The user lives in Paris"
    assert render("user", "lives_in", "Paris", True) == "The user no longer lives in Paris"
    assert render("user", "shoe_size", "42") == "The user's shoe size is 42"
