"""Renaming, for the parse extractor (`extraction_parse`): "We renamed the dog Waffles",
"Wendell renamed his parrot Admiral", "We changed the cat's name to Juniper".

A renaming gives a thing a new name and ends its old one. English says it with "rename"
and the thing and its new name as two objects (the small parser often makes the thing a
compound or modifier of the name: "the dog Waffles"), or with "change" and the thing's
"name" as the object and the new name after "to". The renamer is the owner ("our
neighbours renamed their cat": the neighbours' cat, not the speaker's).

A pet's name is kept as the rule table keeps it, `pet_name` "Name (kind)"; the new one names
the kind as what it replaces (`Fact.ends`), and the resolver ends the stored name of that
kind (`agentmem.facts.endings`). Another thing's name is the `name` of "owner's thing", the
subject the copula gives "My boat is called Seaspray": one value, so the new one replaces
the old. A negated, hypothetical or future renaming is not read (`extraction_parse`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.change import FUTURE, Change
from agentmem.facts.extraction.lexicon import PETS

_PETS = frozenset(re.split(r"\|", PETS))
OBJECT_DEPS = ("dobj", "oprd", "attr", "ccomp", "npadvmod")


def is_renaming(pred) -> bool:
    """ "rename", or "change" with a thing's "name" as its object."""
    lemma = pred.lemma_.lower()
    return lemma == "rename" or (lemma == "change" and _name_object(pred) is not None)


def renamed(pred, subject: str | None) -> Iterator[Change]:
    """The new name a renaming gives (the old one named as what it replaces, for a pet)."""
    if subject is None or any(c.dep_ == "aux" and c.lower_ in FUTURE for c in pred.children):
        return
    if pred.lemma_.lower() == "rename":
        words = [t for c in pred.children if c.dep_ in OBJECT_DEPS for t in c.subtree]
        names = [t for t in words if t.pos_ == "PROPN"]
        things = [t for t in words if t.pos_ in ("NOUN", "ADJ") and t.dep_ != "poss"]
        new, thing = (names[-1] if names else None), (things[0] if things else None)
    else:
        name = _name_object(pred)
        thing = next((c for c in name.children if c.dep_ == "poss"), None)
        to = next((c for c in pred.children if c.dep_ == "prep" and c.lower_ == "to"), None)
        new = None if to is None else next((c for c in to.children if c.dep_ == "pobj"), None)
    if new is None or thing is None or not new.text[:1].isupper():
        return
    kind = thing.lemma_.lower()
    if kind in _PETS:
        yield subject, "pet_name", f"{new.text} ({kind})", False, kind
    else:
        owner = "user's" if subject == USER else f"{subject}'s"
        yield f"{owner} {kind}", "name", new.text, False, None


def _name_object(pred):
    """The object "name" with an owner ("the cat's name", "his name")."""
    for obj in (c for c in pred.children if c.dep_ == "dobj" and c.lemma_.lower() == "name"):
        if any(c.dep_ == "poss" for c in obj.children):
            return obj
    return None


__all__ = ["is_renaming", "renamed"]
