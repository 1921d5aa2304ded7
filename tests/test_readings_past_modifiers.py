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


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I've been pescatarian for about five years.", "pescatarian"),
        ("I have been a midwife since 2009.", "midwife"),
    ],
)
def test_a_kind_held_for_a_while_is_a_kind_held(read_facts, text, kind):
    facts = read_facts(text)
    assert any(v == kind and a in ("is_a", "job_title") for _, a, v, _ in facts), facts


@pytest.mark.parametrize(
    "text", ["Our wedding anniversary is in June.", "My name day is in September."]
)
def test_a_month_something_falls_in_is_no_place(read_facts, text):
    assert not [f for f in read_facts(text) if f[1] == "lives_in"]


@pytest.mark.parametrize(
    ("text", "activity"),
    [
        ("I play seven-a-side on Wednesdays.", "seven-a-side"),
        ("I do a bit of woodturning in the garage.", "woodturning"),
        ("I do loads of baking at Christmas.", "baking"),
        ("I go climbing now and again.", "climbing"),
        ("We go for a hike most Sundays.", "hiking"),
        pytest.param(
            "Most weekends we go for a hike.",
            "hiking",
            marks=pytest.mark.xfail(
                strict=True, reason="open: the parser makes the fronted time the sentence's root"
            ),
        ),
    ],
)
def test_an_activity_is_what_is_done_not_its_amount(read_facts, text, activity):
    facts = read_facts(text)
    assert ("user", "does", activity, False) in facts, facts


def test_now_and_then_is_how_often_not_a_change(read_facts):
    from agentmem.facts.extraction import make_extractor

    facts = make_extractor("parse").extract("I go bowling every now and then.")
    assert [f.ends for f in facts if f.attribute == "does"] == [None], facts


@pytest.mark.parametrize(
    ("text", "liked", "negated"),
    [
        ("I'm a huge Celtic fan.", "Celtic", False),
        ("I'm a real opera lover.", "opera", False),
        ("I'm not much of a rugby fan, to be honest.", "rugby", True),
        ("My uncle is a big fan of westerns.", "westerns", False),
    ],
)
def test_a_fan_of_something_likes_it(read_facts, text, liked, negated):
    facts = read_facts(text)
    assert any(a == "likes" and v == liked and n == negated for _, a, v, n in facts), facts
    assert not [f for f in facts if f[1] == "is_a" and "fan" in f[2]], facts


@pytest.mark.parametrize(
    ("text", "subject", "age"),
    [
        ("I'm fifty-three.", "user", "53"),
        ("My nephew is nine.", "user's nephew", "9"),
        ("I turned sixty in the spring.", "user", "60"),
        ("I'm twenty-seven years old.", "user", "27"),
    ],
)
def test_an_age_in_words_is_an_age(read_facts, text, subject, age):
    assert (subject, "age", age, False) in read_facts(text)


@pytest.mark.parametrize("text", ["I'm one of four.", "My flat is number nine."])
def test_a_number_counted_or_borne_is_no_age(read_facts, text):
    assert not [f for f in read_facts(text) if f[1] == "age"]


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("I make a living as a sign-language interpreter.", "sign-language interpreter"),
        ("I earn my living as a dog groomer.", "dog groomer"),
    ],
)
def test_the_role_one_earns_a_living_as_is_a_job(read_facts, text, role):
    assert ("user", "job_title", role, False) in read_facts(text)


@pytest.mark.parametrize(
    ("text", "child"),
    [("We've got three boys.", "3 boys"), ("I have two little girls.", "2 girls")],
)
def test_boys_and_girls_one_has_are_children_never_possessions(read_facts, text, child):
    facts = read_facts(text)  # the rule table's plural kin once raised a KeyError here
    assert ("user", "has_child", child, False) in facts, facts
    assert not [f for f in facts if f[1] == "owns"], facts


@pytest.mark.parametrize(
    ("text", "owner", "kind", "name"),
    [
        ("We've got a cavapoo called Mabel.", "user", "cavapoo", "Mabel"),
        ("Our neighbours have a whippet called Dash.", "user's neighbours", "whippet", "Dash"),
        pytest.param(
            "I have an axolotl named Gus.",
            "user",
            "axolotl",
            "Gus",
            marks=pytest.mark.xfail(
                strict=True, reason="open: the embedder places 'an axolotl' nearer no animal"
            ),
        ),
    ],
)
def test_a_named_animal_one_has_is_a_pet(read_facts, text, owner, kind, name):
    facts = read_facts(text)
    assert (owner, "has_pet", kind, False) in facts, facts
    assert (owner, "pet_name", f"{name} ({kind})", False) in facts, facts


def test_a_named_thing_one_has_is_no_pet(read_facts):
    facts = read_facts("I have a campervan called Dolly.")
    assert not [f for f in facts if f[1] in ("has_pet", "pet_name")], facts


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        ("Anouk is allergic to shellfish.", ("Anouk", "allergic_to", "shellfish", False)),
        ("Joy turned fifty in March.", ("Joy", "age", "50", False)),
    ],
)
def test_facts_of_a_named_person_past_the_taggers_guess(read_facts, text, fact):
    assert fact in read_facts(text)
