"""Table-driven tests of the rule extractor: utterance -> expected (attribute, value, negated).

An empty expectation means the utterance must yield no fact at all (precision matters
more than recall: an invented fact is worse than a missed one).
"""

from __future__ import annotations

import pytest

from agentmem.facts.extraction import RULES, Rule, RuleExtractor, render
from agentmem.facts.vocabulary import ATTRIBUTES, canonical

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
    (
        "I work at Google as a software engineer.",
        {("works_at", "Google", N), ("job_title", "software engineer", N)},
    ),
    (
        "I'm a software engineer at Microsoft.",
        {("job_title", "software engineer", N), ("works_at", "Microsoft", N)},
    ),
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
    (
        "I have a golden retriever called Max.",
        {("has_pet", "retriever", N), ("pet_name", "Max (retriever)", N)},
    ),
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
    (
        "I'm allergic to peanuts and shellfish.",
        {("allergic_to", "peanuts", N), ("allergic_to", "shellfish", N)},
    ),
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
    (
        "I'm Sarah, I live in Oslo and I work at Equinor.",
        {("name", "Sarah", N), ("lives_in", "Oslo", N), ("works_at", "Equinor", N)},
    ),
    (
        "My name is Omar. I'm 31 and I speak Arabic.",
        {("name", "Omar", N), ("age", "31", N), ("speaks", "Arabic", N)},
    ),
    ("i live in Dublin", {("lives_in", "Dublin", N)}),
    # starting a job: the same job_title / works_at as "I work as X" / "I work at X"
    ("I started working as a nurse.", {("job_title", "nurse", N)}),
    ("I've started working as a nurse.", {("job_title", "nurse", N)}),
    ("I now work as a nurse.", {("job_title", "nurse", N)}),
    ("I'm currently working as a nurse.", {("job_title", "nurse", N)}),
    ("I'm employed as a nurse.", {("job_title", "nurse", N)}),
    (
        "I just started working as a nurse at St Mary's.",
        {("job_title", "nurse", N), ("works_at", "St Mary's", N)},
    ),
    (
        "I work as a consultant for Deloitte.",
        {("job_title", "consultant", N), ("works_at", "Deloitte", N)},
    ),
    ("I work as an engineer.", {("job_title", "engineer", N)}),
    ("I work as a nurse in Lisbon.", {("job_title", "nurse", N)}),
    ("I've started working at Acme.", {("works_at", "Acme", N)}),
    ("I recently started at Google.", {("works_at", "Google", N)}),
    (
        "I recently started at Google as an engineer.",
        {("works_at", "Google", N), ("job_title", "engineer", N)},
    ),
    ("I took a job at Initech.", {("works_at", "Initech", N)}),
    ("I've got a new job at Stripe.", {("works_at", "Stripe", N)}),
    ("I got a job as a chef.", {("job_title", "chef", N)}),
    ("I got hired as a developer.", {("job_title", "developer", N)}),
    ("I was hired by Acme as a nurse.", {("works_at", "Acme", N), ("job_title", "nurse", N)}),
    (
        "I joined Acme as a data analyst.",
        {("works_at", "Acme", N), ("job_title", "data analyst", N)},
    ),
    ("I became a pilot.", {("job_title", "pilot", N)}),
    ("I'm now a teacher.", {("job_title", "teacher", N)}),
    ("I got promoted to senior engineer.", {("job_title", "senior engineer", N)}),
    # leaving a job or a home
    ("I'm no longer a nurse.", {("job_title", "nurse", Y)}),
    ("I no longer work as a nurse.", {("job_title", "nurse", Y)}),
    ("I'm no longer working at Acme.", {("works_at", "Acme", Y)}),
    ("I used to work for Initech.", {("works_at", "Initech", Y)}),
    ("I used to be a teacher.", {("job_title", "teacher", Y)}),
    (
        "I used to live in Paris but now I live in Rome.",
        {("lives_in", "Paris", Y), ("lives_in", "Rome", N)},
    ),
    # moves
    ("I just moved to Berlin.", {("lives_in", "Berlin", N)}),
    ("I've just moved to Berlin.", {("lives_in", "Berlin", N)}),
    ("I moved back to Dublin.", {("lives_in", "Dublin", N)}),
    ("I moved here from Paris.", {("lives_in", "Paris", Y)}),
    ("I'm now living in Oslo.", {("lives_in", "Oslo", N)}),
    ("I'm currently based in Berlin.", {("lives_in", "Berlin", N)}),
    ("I settled in Rome.", {("lives_in", "Rome", N)}),
    # ... and what must not read as the user's job or home
    ("My friend started working as a nurse.", set()),
    ("She just moved to Berlin.", set()),
    ("My sister recently started at Google.", set()),
    ("My husband got a job at Acme.", set()),
    ("If I started working as a nurse I would be happier.", set()),
    ("Should I start working as a nurse?", set()),
    ("I want to become a teacher.", set()),
    ("I started at 9am.", set()),
    ("I started at Christmas.", set()),
    ("I started at the University of Oslo.", set()),
    ("I started working out.", set()),
    ("I started working on a novel.", set()),
    ("I became a father.", set()),
    ("I got a job offer from Acme.", set()),
    ("I got a job interview at Acme.", set()),
    ("I was promoted to the next level.", set()),
    ("I'm used to living in Paris.", set()),
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
            assert (
                f.attribute in known
                or f.attribute.startswith("favorite_")
                or f.attribute in {"phone_number", "shoe_size"}
            )


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


def test_the_table_is_extendable_with_a_row():
    row = Rule(r"\bI (?:have|keep) (?:a|an) (\w+) garden\b", "has_garden")
    extractor = RuleExtractor((*RULES, row))
    assert [(f.attribute, f.value) for f in extractor.extract("I keep a herb garden.")] == [
        ("has_garden", "herb")
    ]
    assert RuleExtractor().extract("I keep a herb garden.") == []


def test_a_row_names_an_attribute_or_a_builder():
    with pytest.raises(ValueError, match="attribute or a build"):
        Rule(r"x", "likes", build="pet")
    with pytest.raises(ValueError, match="attribute or a build"):
        Rule(r"x")


def test_an_unknown_check_names_the_known_ones():
    with pytest.raises(ValueError, match=r"'plac' is unknown.*'place'.*CHECKS"):
        RuleExtractor([Rule(r"\bI live in (\w+)", "lives_in", check="plac")])
