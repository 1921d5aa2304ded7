"""Jobs ended by the employer (`extraction_dismissal`): the employer as subject and the one
dismissed as object, or the passive with "by"; a dismissal from the employer's side is never
read as the subject leaving (`extraction_change`)."""

from __future__ import annotations

import pytest
from parse_reading import read

from agentmem.facts.extraction import parse

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")


@pytest.mark.parametrize(
    "text, fact",
    [
        ("Globex sacked me in October.", ("user", "works_at", "Globex", True)),
        ("The garden centre let my mum go.", ("user's mum", "works_at", "garden centre", True)),
        ("I was dismissed by Veridian Dynamics.", ("user", "works_at", "Veridian Dynamics", True)),
        ("Pemberton Foods made us all redundant.", ("user", "works_at", "Pemberton Foods", True)),
    ],
)
def test_a_dismissal_ends_the_job_at_the_employer(text, fact):
    assert fact in {r[:4] for r in read(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Tomasz let me go ahead of him.",  # a person letting one pass
        "Globex will lay me off in spring.",  # not yet
        "Globex didn't fire me.",
        "I fired the pottery kiln twice.",  # a thing, and the subject's own act
        "We let the puppy go outside.",
    ],
)
def test_no_job_ends(text):
    assert not [r for r in read(text) if r[1] == "works_at"]


def test_the_subject_of_a_dismissal_has_not_left():
    assert not [r for r in read("Initrode laid my cousin off.") if r[0] == "Initrode"]


def test_a_role_held_at_an_employer_names_the_employer():
    facts = read("Dmitri is an analyst at Hargreaves Lansdown.")
    assert ("Dmitri", "works_at", "Hargreaves Lansdown", False) in facts


@pytest.mark.parametrize(
    "text, fact",
    [
        ("I'm a line cook at a steakhouse.", ("user", "works_at", "steakhouse", False)),
        ("I'm a vegan baker at a cafe.", ("user", "works_at", "cafe", False)),  # on the copula
        (
            "Ayla is a pharmacist at the county hospital.",
            ("Ayla", "works_at", "county hospital", False),
        ),
    ],
)
def test_a_place_of_work_after_a_role_is_the_employer(text, fact):
    assert fact in read(text)


@pytest.mark.parametrize("text", ["I'm a teacher at heart.", "I'm a nurse at night."])
def test_a_role_at_a_time_or_in_spirit_names_no_employer(text):
    assert not [r for r in read(text) if r[1] == "works_at"]
