"""A pet or a thing lost by death, for the parse extractor (`extraction_parse`).

"My hamster passed away", "our dog died": the owner's pet or thing ends (`has_pet`, named
as ended, `Fact.ends`). A pet named beside its kind ("Biscuit, my dog, died", "my cat Tofu
passed away", the kind an appositive or the parser's adjunct before the name) ends by its
name; `facts.endings.end_pet` ends the kind of the pet whose name ends.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.change import Change, phrase
from agentmem.facts.extraction.lexicon import PET_KINDS, names_a_person
from agentmem.facts.extraction.subjects import who
from agentmem.facts.extraction.values import value_text


def owner_of_lost(pred) -> Iterator[Change]:
    """ "My hamster passed away", "our dog died": the owner's pet or thing ends; a pet named
    beside its kind ("Ziggy, our gecko, died", "my cat Tofu passed away") ends by its name
    (`facts.endings` ends the kind of a pet whose name ends)."""
    if phrase(pred) != "pass away" and pred.lemma_.lower() != "die":  # "died in May"
        return
    subject = next((c for c in pred.children if c.dep_ == "nsubj"), None)
    if subject is None:
        return
    kinds = [subject] if subject.pos_ == "NOUN" else []
    kinds += [c for c in subject.children if c.dep_ == "appos" and c.pos_ == "NOUN"]
    # "my cat Tofu", the kind parsed as the verb's adjunct right before the name
    kinds += [c for c in pred.children if c.pos_ == "NOUN" and c.i == subject.i - 1]
    for thing in kinds:
        if thing.pos_ == "NOUN" and names_a_person(thing):
            continue  # "my grandad passed away": a person, no pet or thing that was had
        owner = next((c for c in thing.children if c.dep_ == "poss"), None)
        whose = None if owner is None else who(owner)
        if whose is None:
            continue
        name = _pet_name(subject, thing)
        if name is not None:
            yield whose, "pet_name", name, True, name
        elif value := value_text(thing, unowned=True):
            yield whose, "has_pet", value, True, value


def _pet_name(subject, thing) -> str | None:
    """The name said beside a pet's kind ("Ziggy, our gecko", "my cat Tofu")."""
    if subject.pos_ == "PROPN" and subject.i != thing.i:
        return subject.text
    named = [c for c in thing.children if c.dep_ in ("appos", "compound") and c.pos_ == "PROPN"]
    named = [c for c in named if c.i > thing.i]
    return named[0].text if len(named) == 1 and thing.lemma_.lower() in PET_KINDS else None


__all__ = ["owner_of_lost"]
