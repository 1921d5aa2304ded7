"""Naming and renaming, for the parse extractor (`extraction_parse`): "We renamed the dog
Waffles", "Wendell renamed his parrot Admiral", "We changed the cat's name to Juniper"; "We
call the dog Biscuit", "I named my parrot Kiwi", "we got a puppy, Rolo".

A renaming gives a thing a new name and ends its old one. English says it with "rename"
and the thing and its new name as two objects (the small parser often makes the thing a
compound or modifier of the name: "the dog Waffles"), or with "change" and the thing's
"name" as the object and the new name after "to". A naming says it with "name" or "call"
and the same two objects, and ends nothing; "call" names only in the present ("we call the
dog Biscuit": a past "called my mum Sarah" is a telephone call). A name set beside a pet
noun as an appositive ("a puppy, Rolo", "our dog, Bruno,") names it too. The renamer or
namer is the owner ("our neighbours renamed their cat": the neighbours' cat, not the
speaker's); a pet with no owner of its own is the owner of the clause's subject.

A pet's name is kept as the rule table keeps it, `pet_name` "Name (kind)", wherever it is
said (`lexicon.pet_name`: also "our cat is named Pepper", "my hamster is Nibbles"), so a
later renaming of that kind names it; the new one names the kind as what it replaces
(`Fact.ends`), and the resolver ends the stored name of that kind
(`agentmem.facts.endings`). Another thing's name is the `name` of "owner's thing", the
subject the copula gives "My boat is called Seaspray": one value, so the new one replaces
the old. A negated, hypothetical or future renaming is not read (`extraction_parse`).
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.change import FUTURE, Change
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.lexicon import pet_kind, pet_name
from agentmem.facts.extraction.subjects import name, subject_of, who
from agentmem.facts.extraction.values import value_text

NAMING = frozenset({"name", "call"})
PRESENT_ONLY = frozenset({"call"})  # "called my mum Sarah": a telephone call
OBJECT_DEPS = ("dobj", "oprd", "attr", "ccomp", "npadvmod")


def is_renaming(pred) -> bool:
    """ "rename", or "change" with a thing's "name" as its object; or a naming ("name",
    "call" in the present) with a thing and a name."""
    lemma = pred.lemma_.lower()
    if any(c.dep_ == "auxpass" for c in pred.children):
        return False  # "our cat is named Pepper": the passive names its subject (`chat`)
    if lemma in NAMING and (lemma not in PRESENT_ONLY or pred.tag_ in ("VBP", "VBZ")):
        return any(c.dep_ in ("oprd", "dobj") for c in pred.children)
    return lemma == "rename" or (lemma == "change" and _name_object(pred) is not None)


def renamed(pred, subject: str | None) -> Iterator[Change]:
    """The new name a renaming gives (the old one named as what it replaces, for a pet), or
    the name a naming gives (nothing replaced)."""
    if subject is None or any(c.dep_ == "aux" and c.lower_ in FUTURE for c in pred.children):
        return
    naming = pred.lemma_.lower() in NAMING
    if pred.lemma_.lower() == "rename" or naming:
        words = [t for c in pred.children if c.dep_ in OBJECT_DEPS for t in c.subtree]
        # the name a naming gives follows its verb ("we call my mum Mags"); a proper noun
        # before it is an adverbial ("Every Sunday I call my mum") or a subject
        names = [t for t in words if t.pos_ == "PROPN" and t.i > pred.i]
        things = [t for t in words if t.pos_ in ("NOUN", "ADJ") and t.dep_ != "poss"]
        new, thing = (names[-1] if names else None), (things[0] if things else None)
    else:
        name = _name_object(pred)
        thing = next((c for c in name.children if c.dep_ == "poss"), None)
        to = next((c for c in pred.children if c.dep_ == "prep" and c.lower_ == "to"), None)
        new = None if to is None else next((c for c in to.children if c.dep_ == "pobj"), None)
    if new is None or thing is None or not new.text[:1].isupper():
        return
    if entity_type(new) in ("DATE", "TIME"):
        return  # "we call the vet Monday"
    if thing.pos_ == "PRON":  # "I've changed my name to Sarah Jones": the owner's own name
        # "my sister changed her name to Bea": "her" is the clause's subject's
        whose = subject if thing.lower_ in ("his", "her", "their") else who(thing)
        if whose is not None:
            yield whose, "name", value_text(new) or new.text, False, None
        return
    if kind := pet_kind(thing):
        yield subject, "pet_name", pet_name(new.text, kind), False, None if naming else kind
    elif not naming or any(c.dep_ == "poss" for c in thing.children):
        owner = "user's" if subject == USER else f"{subject}'s"
        yield f"{owner} {thing.lemma_.lower()}", "name", new.text, False, None


def appositive_pets(sentence) -> Iterator[tuple[str, str, str]]:
    """(owner, "pet_name", "Name (kind)") of a pet noun with a name beside it ("we got a
    puppy, Rolo", "our dog, Bruno, ..."): the noun's owner, else the subject of the clause
    whose object it is."""
    for noun in sentence:
        kind = pet_kind(noun) if noun.pos_ == "NOUN" else None
        named = next((c for c in noun.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
        if kind is None or named is None:
            continue
        owner = next((c for c in noun.children if c.dep_ == "poss"), None)
        whose = who(owner) if owner is not None else None
        if whose is None and owner is None and noun.dep_ == "dobj":
            whose = subject_of(noun.head)
        if whose is not None:
            yield whose, "pet_name", pet_name(name(named), kind)


def _name_object(pred):
    """The object "name" with an owner ("the cat's name", "his name")."""
    for obj in (c for c in pred.children if c.dep_ == "dobj" and c.lemma_.lower() == "name"):
        if any(c.dep_ == "poss" for c in obj.children):
            return obj
    return None


__all__ = ["appositive_pets", "is_renaming", "renamed"]
