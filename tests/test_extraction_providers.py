"""Who provides a held service, and a switch of provider (`extraction_copula._provided`,
the change machinery's switching and `facts.endings`).

Written before the reading, in wordings apart from the hand suites (tests/events_hand):
energy, phone, bank, insurance, broadband, pensions, mortgages; "with" and "through"; owners
of all persons. Near misses: a person with a person (a couple), a pet staying with someone,
a thing with no owner.
"""

from __future__ import annotations

import pytest
from change_cases import facts_after
from parse_reading import read

from agentmem.facts.extraction import parse

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")

# a possessive pronoun with no one named before it names no owner, here as everywhere
NO_OWNER = pytest.mark.xfail(strict=True, reason="no antecedent for the owner")
PROVIDERS = [
    ("Our broadband is with Plusnet.", "user", "broadband_provider", "Plusnet"),
    ("My mortgage is through Halifax.", "user", "mortgage_provider", "Halifax"),
    ("Our energy is with Octopus.", "user", "energy_provider", "Octopus"),
    ("My phone contract is with Vodafone.", "user", "phone_contract_provider", "Vodafone"),
    ("My car insurance is with Admiral.", "user", "car_insurance_provider", "Admiral"),
    ("Our gas and electricity are with EDF.", "user", "electricity_provider", "EDF"),
    ("Our gas and electricity are with EDF.", "user", "gas_provider", "EDF"),
    ("My pension is with Aviva.", "user", "pension_provider", "Aviva"),
    pytest.param(
        "Her savings account is with Nationwide.",
        None,
        "savings_account_provider",
        "Nationwide",
        marks=NO_OWNER,
    ),
    ("Tariq's phone is with Three.", "Tariq", "phone_provider", "Three"),
    ("Our home insurance is with Direct Line.", "user", "home_insurance_provider", "Direct Line"),
    ("My mobile is with Giffgaff.", "user", "mobile_provider", "Giffgaff"),
    pytest.param(
        "Their water is with Thames Water.", None, "water_provider", "Thames Water", marks=NO_OWNER
    ),
    ("Our internet is with Hyperoptic these days.", "user", "internet_provider", "Hyperoptic"),
    ("My electricity is through Bulb.", "user", "electricity_provider", "Bulb"),
    ("Priya's mortgage is with Santander.", "Priya", "mortgage_provider", "Santander"),
]


@pytest.mark.parametrize("text, subject, slot, value", PROVIDERS)
def test_provider_read(text, subject, slot, value):
    found = [r for r in read(text) if r[1] == slot and r[2] == value and not r[3]]
    assert found and (subject is None or found[0][0] == subject)


@pytest.mark.parametrize(
    "text",
    [
        "My sister is with Tom.",
        "My dog is with Sarah this week.",
        "The parcel is with DHL.",
        "I'm with Jasper.",
        "My brother is with Priya at the cinema.",
        "My heart is with Liverpool.",
    ],
)
def test_no_provider_read(text):
    assert not [r for r in read(text) if r[1].endswith("_provider")]


@pytest.mark.parametrize(
    "first, then, slot, old, new",
    [
        (
            "Our broadband is with Plusnet.",
            "We switched from Plusnet to BT in March.",
            "broadband_provider",
            "Plusnet",
            "BT",
        ),
        (
            "My car insurance is with Admiral.",
            "I moved my car insurance from Admiral to Aviva.",
            "car_insurance_provider",
            "Admiral",
            "Aviva",
        ),
        (
            "Our energy is with Octopus.",
            "Our energy is with EDF now.",
            "energy_provider",
            "Octopus",
            "EDF",
        ),
    ],
)
def test_a_new_provider_ends_the_old(first, then, slot, old, new):
    facts = facts_after(first, then)
    assert ("active", slot, new) in facts
    assert ("superseded", slot, old) in facts
    assert ("active", slot, old) not in facts
