"""A pet or a thing lost by death or taken away, for the parse extractor (`extraction_parse`).

"My hamster passed away", "our dog died": the owner's pet or thing ends (`has_pet`, named
as ended, `Fact.ends`). A pet named beside its kind ("Biscuit, my dog, died", "my cat Tofu
passed away", the kind an appositive or the parser's adjunct before the name) ends by its
name; `facts.endings.end_pet` ends the kind of the pet whose name ends. A name alone
("Luna passed away") ends the speaker's pet of that name if one is stored, and states
nothing otherwise (`facts.endings.unkinded`). A thing taken from
its owner by someone else ("my bike was stolen", "the bank repossessed our van", "my car got
written off": `TAKING`) is no longer owned; the owner is the thing's possessor, not the
clause's subject.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.change import Change, phrase
from agentmem.facts.extraction.change_verbs import FUTURE
from agentmem.facts.extraction.holdable import holdable
from agentmem.facts.extraction.lexicon import PET_KINDS, names_a_person
from agentmem.facts.extraction.negation import negated_clause
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
    if kinds in ([], [subject]) and _bare_name(subject):  # "Luna passed away": whose, what
        yield USER, "pet_name", subject.text, True, subject.text
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


def _bare_name(subject) -> bool:
    """A name alone ("Luna", not "Aunt Rose", "my Luna" or "Luna's cat"): the text does not
    say what it names; the speaker's pet of that name, where one is stored, ends
    (`facts.endings.unkinded`), and where none is, the text states no fact (the name may be
    a person's)."""
    return (
        subject.text[:1].isupper()  # "Nibbles" may be tagged the plural of a noun
        and subject.pos_ in ("PROPN", "NOUN")
        and not list(subject.children)
        and subject.ent_type_ not in ("ORG", "GPE", "LOC", "FAC", "DATE")
    )


def _pet_name(subject, thing) -> str | None:
    """The name said beside a pet's kind ("Ziggy, our gecko", "my cat Tofu")."""
    if subject.pos_ == "PROPN" and subject.i != thing.i:
        return subject.text
    named = [c for c in thing.children if c.dep_ in ("appos", "compound") and c.pos_ == "PROPN"]
    named = [c for c in named if c.i > thing.i]
    return named[0].text if len(named) == 1 and thing.lemma_.lower() in PET_KINDS else None


# Verbs of a thing taken from its owner or destroyed for good, by someone else.
TAKING = frozenset({"steal", "repossess", "write off", "total"})


def owner_of_taken(pred) -> Iterator[Change]:
    """ "My bike was stolen", "someone stole my bike", "the bank repossessed our van", "our
    car got written off": the possessor of the thing taken no longer owns it. Only a thing
    one holds (`holdable`: "stole my idea" takes nothing owned), taken, not a taking to
    come or tried ("my bike will be stolen", "tried to steal my bike")."""
    if phrase(pred) not in TAKING or negated_clause(pred) or pred.dep_ == "xcomp":
        return  # "tried to steal my scooter": an attempt, governed by another verb
    if any(c.dep_ in ("aux", "auxpass") and c.lower_ in FUTURE for c in pred.children):
        return
    for thing in pred.children:
        if thing.dep_ not in ("nsubjpass", "dobj") or thing.pos_ != "NOUN":
            continue
        if names_a_person(thing):
            continue
        owner = next((c for c in thing.children if c.dep_ == "poss"), None)
        whose = None if owner is None else who(owner)
        value = value_text(thing, unowned=True)
        if whose is not None and value and holdable(value):
            yield whose, "owns", value, True, value


__all__ = ["TAKING", "owner_of_lost", "owner_of_taken"]
