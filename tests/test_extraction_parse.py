"""The general extractor (a dependency parse): facts of any subject, compound statements,
retractions, speakers, and the fallback to the rules when no English pipeline is installed.

Phrasings here are written apart from the extractor's development probes and from the
rule table's rows."""

from __future__ import annotations

import logging

import pytest
from parse_reading import read, reads_each

from agentmem import Memory, Scope
from agentmem.facts.extraction import parse, parse_extractor

pytestmark = pytest.mark.skipif(not parse.available(), reason="needs agentmem[parse]")


test_reads_facts_of_any_subject = reads_each(
    [
        (
            "Oriane Dupuis works for Calloway Shipping.",
            ("Oriane Dupuis", "works_at", "Calloway Shipping", False),
        ),
        ("Halvard Moe resides in Trondheim.", ("Halvard Moe", "lives_in", "Trondheim", False)),
        ("Kasimir no longer lives in Graz.", ("Kasimir", "lives_in", "Graz", True)),
        ("I don't live in Tallinn anymore.", ("user", "lives_in", "Tallinn", True)),
        ("These days I'm based in Riga.", ("user", "lives_in", "Riga", False)),
        (
            "Pistachio is Mirela's favourite flavour.",
            ("Mirela", "favorite_flavor", "Pistachio", False),
        ),
        ("Tobiah Grum is married to Elspeth.", ("Tobiah Grum", "spouse", "Elspeth", False)),
        (
            "Wenna Tull stopped working at Larkspur Mills.",
            ("Wenna Tull", "works_at", "Larkspur Mills", True),
        ),
    ]
)


def test_a_compound_statement_ends_one_value_and_states_another():
    """One fact: the new value, naming the one it replaces (`extraction_change.replaced`)."""
    facts = parse.ParseExtractor().extract(
        "I quit Vandelay last month, and these days I work at Kramerica."
    )
    assert [(f.attribute, f.value, f.negated, f.ends) for f in facts] == [
        ("works_at", "Kramerica", False, "Vandelay")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Would Ines ever move to Oslo?",
        "If I worked at Vantor I would be rich.",
        "Does Marek live in Brno?",
    ],
)
def test_questions_and_hypotheticals_state_nothing(text):
    assert read(text) == set()


def test_speakers_are_subjects_and_never_conflict(tmp_path):
    with Memory(home=tmp_path, embedding={"model": "hash"}) as mem:
        scope = Scope("chat")
        a = mem.add("I live in Lisbon.", scope, {"speaker": "Caroline"})
        b = mem.add("I live in Porto.", scope, {"speaker": "Melanie"})
        assert (a.subject, b.subject) == ("caroline", "melanie")
        current = {(f.subject, f.value) for f in mem.facts(scope)}
        assert current == {("caroline", "Lisbon"), ("melanie", "Porto")}


def test_observed_speakers_are_read_in_consolidation(tmp_path):
    with Memory(
        home=tmp_path, embedding={"model": "hash"}, consolidation={"background": False}
    ) as mem:
        scope = Scope("talk", session_id="s1")
        said = {"Caroline": "I just started working at Brightwave as a nurse!"}
        said["Melanie"] = "Nice! I work at Quillon, as you know."
        for speaker, text in said.items():
            mem.observe("user", text, scope, metadata={"speaker": speaker})
        mem.consolidate(scope)
        employers = {(f.subject, f.value) for f in mem.facts(scope, attribute="works_at")}
        assert employers == {("caroline", "Brightwave"), ("melanie", "Quillon")}


def test_a_retraction_ends_the_slot_that_holds_its_value(tmp_path):
    with Memory(home=tmp_path, embedding={"model": "hash"}) as mem:
        scope = Scope("r")
        first = mem.add("I work at Hooli.", scope)
        mem.add("I left Hooli.", scope)  # the entity tagger may take Hooli for a place
        assert mem.get(first.id, scope).status == "superseded"


def test_without_a_pipeline_the_rules_extract_and_a_line_is_logged(monkeypatch, caplog):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in parse.MODEL_PACKAGES else real(name, *a),
    )
    parse.reset()
    try:
        with caplog.at_level(logging.WARNING, logger="agentmem.extraction"):
            assert parse.load_pipeline() is None  # loaded here, not by a background thread
            facts = parse_extractor().extract("I live in Paris. Brannoch Velt lives in Ashcombe.")
        assert [(f.subject, f.value) for f in facts] == [("user", "Paris")]
        assert "rule extractor" in caplog.text
    finally:
        parse.reset()


test_reads_named_and_related_subjects = reads_each(
    [
        # a capitalised name the tagger reads as a common noun (the issue's own example)
        ("Alice lives in Belmora.", ("Alice", "lives_in", "Belmora", False)),
        # an appositive names the subject, and states the relation
        (
            "My cousin Teodor works for Brightwater Labs.",
            ("Teodor", "works_at", "Brightwater Labs", False),
        ),
        ("My daughter Wren lives in Dunedin.", ("user", "has_child", "Wren", False)),
        # a relative clause about a named person
        (
            "Ilse, who works at Farrowdale, is from Bergen.",
            ("Ilse", "works_at", "Farrowdale", False),
        ),
        # possessive nouns that name a slot, either way round
        ("Priyanka's husband is Dev.", ("Priyanka", "spouse", "Dev", False)),
        ("Corin is Mabel's wife.", ("Mabel", "spouse", "Corin", False)),
        ("My nephew's name is Ansel.", ("user's nephew", "name", "Ansel", False)),
        ("My sister's name is Leocadia.", ("user", "has_sibling", "Leocadia", False)),
        # someone named by relation only
        ("My brother lives in Hobart.", ("user's brother", "lives_in", "Hobart", False)),
        # he/she with one person named before it
        ("Fenna said she works at Quillon.", ("Fenna", "works_at", "Quillon", False)),
    ]
)


@pytest.mark.parametrize(
    "text",
    [
        "Jorik met Saskia and she lives in Delft.",  # two people: 'she' has no one referent
        "My flat is a mess.",  # a possessed noun that names a slot takes a name, not this
    ],
)
def test_unresolved_referents_state_nothing(text):
    assert not {f for f in read(text) if f[1] in ("lives_in", "works_at")}


def test_a_speakers_relative_is_that_speakers(tmp_path):
    with Memory(home=tmp_path, embedding={"model": "hash"}) as mem:
        record = mem.add("My sister lives in Tromso.", Scope("talk"), {"speaker": "Gina"})
        assert (record.subject, record.value) == ("gina's sister", "Tromso")


_FRESH = """
import sys, tempfile, threading
from agentmem import Memory
from agentmem.facts.extraction import pipeline as extraction_pipeline
with Memory(home=tempfile.mkdtemp(), embedding={"model": "hash"}) as mem:
    for thread in threading.enumerate():
        if thread.name == "agentmem-parse-load":
            thread.join()
    loaded = bool(extraction_pipeline._loaded and extraction_pipeline._loaded[0])
    record = mem.add("Brannoch Velt lives in the village of Ashcombe.", "u")
print(loaded, "torch" in sys.modules, record.subject)
"""


def test_memory_loads_the_parser_before_the_first_add_and_without_torch():
    """In a fresh process: Memory() starts the load in the background, so an add that comes
    later finds it loaded; spaCy's optional torch backend is never imported for it."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", _FRESH], capture_output=True, text=True, timeout=300, check=True
    ).stdout.split()
    assert out == ["True", "False", "brannoch", "velt"]
