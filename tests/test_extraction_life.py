"""Where people studied and where they grew up, read by the parse (`extraction_origins`).

Written before the readings they test, in wordings other than the hand suites' (tests/
events_hand): verbs of schooling with the field studied between verb and school ("read
history at Durham"), light verbs with a noun of schooling ("went to college in Boston", "did
her degree at Leiden"), passives ("was educated in Porto"), and the life stages one spends
somewhere ("spent his boyhood in Cork"). Near misses name a place after the same verbs
without schooling or a childhood: examining a thing, a fair, a summer, a telephone call.
"""

from __future__ import annotations

import pytest
from parse_reading import read

from agentmem.facts.extraction import parse

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

SCHOOLING = ("study_at", "study_in", "study_from", "graduate_from", "graduate_at")
TODO = pytest.mark.xfail(strict=True, reason="the parse misreads the clause")

EDUCATION = [
    ("Priya studied engineering at Chalmers.", "Priya", "Chalmers"),
    ("Hamid read law at Oxford.", "Hamid", "Oxford"),
    ("My cousin read history at Durham.", "user's cousin", "Durham"),
    ("Bettina did her degree at Leiden.", "Bettina", "Leiden"),
    ("Tomás went to university in Salamanca.", "Tomás", "Salamanca"),
    ("I went to school in Lagos.", "user", "Lagos"),
    ("We both went to college in Boston.", "user", "Boston"),
    ("Lars was schooled in Bergen.", "Lars", "Bergen"),
    ("Ines was educated in Porto.", "Ines", "Porto"),
    ("I went to Trinity College.", "user", "Trinity College"),
    ("Noor did a masters at Imperial College.", "Noor", "Imperial College"),
    ("Farida got her PhD from Stanford.", "Farida", "Stanford"),
    ("Kwame attended the University of Ghana.", "Kwame", "University of Ghana"),
    ("Oskar graduated from Uppsala University in 2010.", "Oskar", "Uppsala University"),
    ("Caoimhe studies medicine at Galway.", "Caoimhe", "Galway"),
    ("I'm doing a PhD at Utrecht.", "user", "Utrecht"),
    ("Ravi went to uni in Manchester.", "Ravi", "Manchester"),
]
MISTAGGED = {"Caoimhe studies medicine at Galway."}  # the verb tagged a noun

NOT_SCHOOLING = [
    "Priya studied the map at the station.",
    "Tomás went to a university fair in Ankara.",
    "I called the plumber.",
    "Hamid read a novel at Heathrow.",
    "I studied for the exam at Starbucks.",
    "We went to the shops in Leeds.",
    "She did the shopping at Lidl.",
    "Kwame attended a wedding in Accra.",
    "I got a parcel from Amazon.",
    "Lars was stranded in Bergen.",
]

ORIGIN = [
    ("Rosa spent her childhood in Seville.", "Rosa", "Seville"),
    ("I spent my early years in Nairobi.", "user", "Nairobi"),
    ("Declan spent his boyhood in Cork.", "Declan", "Cork"),
    ("My mum spent her teens in Glasgow.", "user's mum", "Glasgow"),
    ("Ahmed spent his youth in Alexandria.", "Ahmed", "Alexandria"),
    ("We spent our childhood on Orkney.", "user", "Orkney"),
    ("Henrik was raised near Aarhus.", "Henrik", "Aarhus"),
    ("Mina grew up in Busan.", "Mina", "Busan"),
    ("I was brought up in Swansea.", "user", "Swansea"),
    ("Chidi was born in Enugu.", "Chidi", "Enugu"),
    ("Greta grew up near Innsbruck.", "Greta", "Innsbruck"),
    ("I was raised in a village near Kraków.", "user", "Kraków"),
    ("Sione spent his formative years in Auckland.", "Sione", "Auckland"),
    ("Ilse spent her girlhood in Delft.", "Ilse", "Delft"),
    ("My dad grew up on a farm in Kerry.", "user's dad", "Kerry"),
]
NOT_ORIGIN = [
    "Rosa spent her holidays in Seville.",
    "I spent my summers in Cornwall.",
    "Declan spent a fortune in Cork.",
    "We spent the weekend on Orkney.",
    "I spent my twenties in Berlin.",
]


def _marked(cases, failing: set[str]) -> list:
    return [pytest.param(*c, marks=[TODO] if c[0] in failing else []) for c in cases]


@pytest.mark.parametrize("text, subject, value", _marked(EDUCATION, MISTAGGED))
def test_where_one_studied(text, subject, value):
    assert [r for r in read(text) if r[0] == subject and r[1] in SCHOOLING and r[2] == value]


@pytest.mark.parametrize("text", NOT_SCHOOLING)
def test_no_school_read(text):
    assert not [r for r in read(text) if r[1] in SCHOOLING]


@pytest.mark.parametrize("text, subject, value", ORIGIN)
def test_where_one_grew_up(text, subject, value):
    assert (subject, "from", value, False) in read(text)


@pytest.mark.parametrize("text", NOT_ORIGIN)
def test_no_origin_read(text):
    assert not [r for r in read(text) if r[1] == "from"]
