"""Replacement said with "instead of" (`extraction/instead.py`), through the parse extractor
and through `Memory.add`: the replaced words end a value and are never held."""

from __future__ import annotations

import pytest

from agentmem import Memory, Scope

pytest.importorskip("spacy")


@pytest.fixture(scope="module")
def extractor():
    from agentmem.facts.extraction.parse import ParseExtractor, available

    if not available():
        pytest.skip("the English pipeline is not installed")
    return ParseExtractor()


def _read(extractor, text):
    return [
        (f.subject, f.attribute, f.value.lower(), f.negated, f.ends)
        for f in extractor.extract(text)
    ]


@pytest.mark.parametrize(
    ("text", "held", "ended"),
    [
        ("Priyanka swims at lunchtime instead of jogging.", "swimming", "jogging"),
        ("These days Dagny drinks green tea instead of espresso.", "green tea", "espresso"),
        ("Olek plays chess instead of poker these days.", "chess", "poker"),
    ],
)
def test_the_replaced_words_end_a_value_and_are_not_held(extractor, text, held, ended):
    facts = _read(extractor, text)
    current = [f for f in facts if not f[3]]
    assert any(held in f[2] for f in current), facts
    assert not any(ended in f[2] for f in current), facts  # never a value the subject holds
    assert any(f[4] and ended in f[4] for f in facts), facts  # named as what ended


@pytest.mark.parametrize(
    "text",
    [
        "Last Tuesday I walked home instead of taking a cab.",  # one occasion in the past
        "I never drink juice instead of water.",  # negated
    ],
)
def test_a_one_off_or_negated_choice_ends_nothing(extractor, text):
    assert not any(f[4] for f in _read(extractor, text))


def test_a_habit_replaced_instead_of_leaves_history(tmp_path, extractor):
    with Memory(home=str(tmp_path), embedding={"model": "hash"}) as memory:
        scope = Scope("u")
        memory.add("Olek plays poker every Friday.", scope)
        memory.add("Olek plays chess instead of poker these days.", scope)
        active = " | ".join(r.text.lower() for r in memory.list_memories(scope, kind="fact"))
        old = memory.list_memories(scope, kind="fact", status="superseded")
    assert "chess" in active and "poker" not in active.replace("instead of poker", "")
    assert any("poker" in r.text.lower() for r in old)  # kept as history, not deleted
