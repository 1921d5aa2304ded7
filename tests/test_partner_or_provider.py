"""Being "with" a named party is a couple only when nothing but how long qualifies it: "for"
a span of time ("for three years", "for ages") or "since" keeps the reading, "for" a purpose
("for mobile data", "for our energy") names a provider, whether the parser hangs it on the
verb or on the name (`holdings.partner_with`). Phrasings written for this file, apart from
the ones the change was tried on."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "I'm with Three for mobile data.",
        "My parents are with Santander for their savings.",
        "We're with Bulb for our energy.",
    ],
)
def test_a_party_one_is_with_for_a_purpose_is_no_partner(read_facts, text):
    assert not {f for f in read_facts(text) if f[1] == "spouse"}


@pytest.mark.parametrize(
    ("text", "partner"),
    [
        ("I've been with Lucia for three years.", "Lucia"),
        ("I've been with Marco for ages now.", "Marco"),
        ("I've been with Hana for a good while.", "Hana"),
        ("I'm with Oskar these days.", "Oskar"),
    ],
)
def test_a_person_one_has_been_with_for_a_while_is_a_partner(read_facts, text, partner):
    assert ("user", "spouse", partner, False) in read_facts(text)
