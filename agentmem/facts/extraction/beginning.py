"""Beginnings, for the parse extractor's clauses of change (`extraction_change`): "took up
pottery", "started working at Hooli", "began learning Korean" state what the subject does
from now on; "picked up knitting", "got into running" take up a pursuit named by an -ing
form.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.change_verbs import Change, is_gerund
from agentmem.facts.extraction.holdings import held_or_done
from agentmem.facts.extraction.predicates import slots
from agentmem.facts.extraction.values import value_text

# Phrasal verbs of taking to a pursuit that name it only by an -ing form ("picked up
# knitting", "I've been getting into running"); with another object they say other things
# ("picked up the kids", "got into Harvard", "got into trouble").
TAKING_TO = frozenset({"pick up", "get into"})


# What makes an -ing form a noun of a thing ("the shopping", "dry cleaning", "my washing").
NOUN_MARKS = frozenset({"det", "amod", "compound", "poss"})


def taken_to(pred) -> str | None:
    """The pursuit a verb of taking to one names by an -ing form ("picked up knitting", "got
    into running"), else None ("picked up the kids", "got into Harvard"; "the shopping",
    "dry cleaning": -ing nouns of things). A noun is left unread: telling "got into chess"
    from "got into port" or "picked up the ukulele" from "picked up the tab" by MiniLM's
    nearest kind misread too many errands and arrivals as pursuits."""
    lemma = pred.lemma_.lower()
    for child in pred.children:
        if child.dep_ == "prt" and f"{lemma} {child.lower_}" in TAKING_TO:
            found = [c for c in pred.children if c.dep_ in ("dobj", "xcomp")]
        elif child.dep_ == "prep" and f"{lemma} {child.lower_}" in TAKING_TO:
            found = [c for c in child.children if c.dep_ == "pobj"]
        else:
            continue
        for thing in (c for c in found if is_gerund(c) and not _has_object(c)):
            if not any(c.dep_ in NOUN_MARKS for c in thing.children):
                return thing.lower_
        return None
    return None


def _has_object(verb) -> bool:
    """A gerund with its own object or complement ("picked up smoking again" has none)."""
    return any(c.dep_ in ("dobj", "ccomp", "xcomp") for c in verb.children)


def begun(pred, subject: str, said: str) -> Iterator[Change]:
    """'took up pottery', 'started working at Hooli', 'began learning Korean'."""
    for child in pred.children:
        if child.dep_ == "xcomp" and child.pos_ == "VERB":
            found = [(a, v) for a, v, negated in slots(child) if not negated]
            found = found or held_or_done(child, any_tense=True)
            if not found and is_gerund(child) and not _has_object(child):
                found = [("does", child.lower_)]  # "took up baking during lockdown"
            yield from ((subject, a, v, False, None) for a, v in found)
            return
        if child.dep_ in ("dobj", "xcomp") and said == "take up" and (value := value_text(child)):
            yield subject, "does", value, False, None  # "took up climbing": xcomp, a noun


__all__ = ["TAKING_TO", "begun", "taken_to"]
