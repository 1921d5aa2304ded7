"""Facts stated with words around them that the reading must see past: a time that recurs
after a verb whose past is its base ("I knit every evening"), a part of the day or week
after a preposition ("in the evenings": when, never a slot's value), a clause of its own on
a habit ("since I was a kid"), an intensifier before "into" ("really into", "super into"),
an adjective-tagged noun after "a" ("a luthier"), "by" with a bare noun ("by trade"), a
subjectless -ing report ("Currently working as ..."), and "goes" as the auxiliary of a
gerund. Phrasings written for this file, apart from the suites the changes were tried on."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "activity"),
    [
        ("I knit on Sunday afternoons.", "knitting"),
        ("We cut our own firewood every autumn.", "cutting firewood"),
        ("I crochet in the evenings.", "crocheting"),
        ("I've been fencing since I was at school.", "fencing"),
        ("I sketch whenever I get the chance.", "sketching"),
        ("Ines Ferreira goes sailing most weekends.", "sailing"),
        ("Our neighbour goes bouldering on Thursdays.", "bouldering"),
    ],
)
def test_a_habit_is_read_past_its_time_and_circumstance(read_facts, text, activity):
    facts = read_facts(text)
    assert any(a == "does" and v == activity and not n for _, a, v, n in facts), facts


@pytest.mark.parametrize(
    "text",
    [
        "I swim in the mornings.",
        "I paint at weekends.",
        "I run on Saturdays.",
        "I cycle in the evenings after work.",
    ],
)
def test_a_part_of_the_day_or_week_fills_no_slot(read_facts, text):
    times = ("morning", "weekend", "saturday", "evening")
    facts = read_facts(text)
    assert not [f for f in facts if any(t in f[2].lower() for t in times)], facts
    assert any(a == "does" for _, a, _, _ in facts), facts


@pytest.mark.parametrize(
    ("text", "subject", "liked", "negated"),
    [
        ("I'm really into woodworking.", "user", "woodworking", False),
        ("I'm massively into board games.", "user", "board games", False),
        ("My sister is super into climbing.", "user's sister", "climbing", False),
        ("I'm not really into musicals.", "user", "musicals", True),
        ("I've been into astronomy since I was nine.", "user", "astronomy", False),
    ],
)
def test_being_into_something_is_liking_it_whatever_stands_between(
    read_facts, text, subject, liked, negated
):
    facts = read_facts(text)
    assert (subject, "likes", liked, negated) in facts, facts
    assert not [f for f in facts if f[1] == "is_a"], facts  # "super" is no kind


def test_being_into_a_stretch_of_time_is_no_liking(read_facts):
    facts = read_facts("We're two weeks into the season and I'm into my second month here.")
    assert not [f for f in facts if f[1] == "likes" and "month" in f[2]], facts


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I'm a farrier, I shoe horses for a living.", "farrier"),
        ("I'm a cooper by trade.", "cooper"),
        ("I'm a glazier by profession.", "glazier"),
    ],
)
def test_a_kind_is_read_past_the_tagger_and_a_manner(read_facts, text, kind):
    facts = read_facts(text)
    assert any(v == kind and a in ("is_a", "job_title") for _, a, v, _ in facts), facts


@pytest.mark.parametrize(
    ("text", "attribute", "value"),
    [
        ("Currently working as a sous chef at a hotel.", "job_title", "sous chef"),
        ("Living in Aberdeen these days.", "lives_in", "Aberdeen"),
        ("Still learning Portuguese, slowly.", "does", "learning Portuguese"),
    ],
)
def test_a_subjectless_progressive_is_the_speakers_report(read_facts, text, attribute, value):
    facts = read_facts(text)
    assert ("user", attribute, value, False) in facts, facts


@pytest.mark.parametrize("text", ["Going to the dentist later.", "Running late, sorry!"])
def test_a_subjectless_progressive_of_one_occasion_states_nothing(read_facts, text):
    assert not read_facts(text)
