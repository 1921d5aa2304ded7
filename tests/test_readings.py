"""Facts read in other words (issue 12, item 3): values cut to their parse constituent,
fronted and clefted values restated in canonical order, habits with their frequency.

Sentences here are written apart from tests/readings_hand/cases.yaml (the held-out suite)."""

from __future__ import annotations

import pytest
from parse_reading import read, reads_each

from agentmem.facts.extraction import parse, parse_extractor
from agentmem.facts.extraction.pipeline import load_pipeline

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")


def layered(text: str) -> set[tuple[str, str, str, bool]]:
    """What the default extractor (rules, then the parse) reads."""
    return {(f.subject, f.attribute, f.value, f.negated) for f in parse_extractor().extract(text)}


test_values_end_before_adjuncts = reads_each(
    [
        ("I live in Ghent with two flatmates.", ("user", "lives_in", "Ghent", False)),
        (
            "Odette works for Calder Freight since last year.",
            ("Odette", "works_at", "Calder Freight", False),
        ),
        ("I work at a bistro called Salt Cellar.", ("user", "works_at", "Salt Cellar", False)),
        ("I'm vegetarian for ethical reasons.", ("user", "is_a", "vegetarian", False)),
        ("Wren is diabetic since childhood.", ("Wren", "is_a", "diabetic", False)),
        ("Tomos works for the Bank of Wales now.", ("Tomos", "works_at", "Bank of Wales", False)),
    ]
)


@pytest.mark.parametrize(
    "text, fact",
    [
        ("I love rowing with my cousins at dawn.", ("user", "likes", "rowing", False)),
        ("I speak Welsh with my nan on the phone.", ("user", "speaks", "Welsh", False)),
        ("I own a Vespa that my uncle restored.", ("user", "owns", "Vespa", False)),
    ],
)
def test_rule_values_are_cut_to_the_constituent(text, fact):
    """The rule table reads past the value; the parse's constituent of the slot wins."""
    read_facts = layered(text)
    assert fact in read_facts
    assert not any(
        v != fact[2] and v.startswith(fact[2]) for _, a, v, _ in read_facts if a == fact[1]
    )


test_moved_values_are_read = reads_each(
    [
        ("Olives, I adore.", ("user", "likes", "olives", False)),
        ("Cricket, my uncle hates.", ("user's uncle", "dislikes", "cricket", False)),
        ("It's Pemberton Labs that I work for.", ("user", "works_at", "Pemberton Labs", False)),
        ("It was in Dundee that my father grew up.", ("user's father", "from", "Dundee", False)),
        ("Valletta is where Keziah lives.", ("Keziah", "lives_in", "Valletta", False)),
        ("Where I work is Ostrander Mills.", ("user", "works_at", "Ostrander Mills", False)),
        ("What I love is baking.", ("user", "likes", "baking", False)),
        ("The town I live in is Whitby.", ("user", "lives_in", "Whitby", False)),
        ("Utrecht is the city I live in.", ("user", "lives_in", "Utrecht", False)),
        ("Lima is the city where I was born.", ("user", "from", "Lima", False)),
        ("Home for Yusuf is Izmir.", ("Yusuf", "lives_in", "Izmir", False)),
        ("My job: plumber in Harlow.", ("user", "job_title", "plumber", False)),
        ("I grew up and still live in Derby.", ("user", "from", "Derby", False)),
        ("What I do is carpentry.", ("user", "does", "carpentry", False)),
    ]
)


def test_a_relative_clause_on_a_name_is_no_inversion():
    """'Ilse, who ..., is from X' describes Ilse; nothing is moved."""
    assert read("Brona, who works at Tillwick, is from Sligo.") == {
        ("Brona", "works_at", "Tillwick", False),
        ("Brona", "from", "Sligo", False),
    }


def test_a_moved_value_is_not_also_read_in_its_surface_shape():
    """'Olives, I adore' is a liking, not the activity 'adoring olives'."""
    assert read("Olives, I adore.") == {("user", "likes", "olives", False)}


def test_a_state_with_an_adjunct_is_no_kind():
    assert not any(a == "is_a" for _, a, _, _ in read("I'm tired most of the time."))


def test_a_fronted_time_is_no_moved_value():
    assert not any(a == "likes" for _, a, _, _ in read("Yesterday I adored the show."))


@pytest.mark.parametrize(
    "text, activity, often",
    [
        ("Every Thursday I go bowling.", "bowling", "every thursday"),
        ("I walk the dog twice a day.", "walking dog", "twice a day"),
        ("Jonas usually cycles to the office.", "cycling", "usually"),
    ],
)
def test_habits_keep_their_frequency(text, activity, often):
    facts = [f for f in parse.ParseExtractor().extract(text) if f.attribute == "does"]
    assert [f.value for f in facts] == [activity]
    assert often in facts[0].text.lower()


def test_a_habit_without_frequency_reads_as_before():
    facts = [
        f for f in parse.ParseExtractor().extract("I paint landscapes.") if f.attribute == "does"
    ]
    assert [f.text for f in facts] == ["The user regularly does painting landscapes"]


def test_restatements_put_the_focus_in_the_gap():
    from agentmem.facts.extraction.inversion import restatements

    doc = load_pipeline()("It's Kerrow Dairy that Imke works at.")
    assert [r.text for r in restatements(next(doc.sents))] == ["Imke works at Kerrow Dairy."]


@pytest.mark.parametrize(
    "text",
    [
        "It's great that you're helping out.",  # extraposition, not a cleft
        "It's a good way to unwind after work.",  # an infinitive, not a cleft clause
        "Gosia, I haven't.",  # whom one addresses, not a fronted object
        "This bakery I found is lovely.",  # a description, not a definite one naming a value
        "They've been training hard and will compete in May.",  # nothing shared
    ],
)
def test_sentences_without_a_moved_value_are_not_restated(text):
    from agentmem.facts.extraction.inversion import restatements

    sentence = next(load_pipeline()(text).sents)
    assert list(restatements(sentence)) == []
