"""Memberships, for the parse extractor (`extraction_parse`): "I'm a member of the Rotary
Club", "I'm in a book club", "my husband is on the parish council", "I joined the chess
club", "I signed up for the badminton club".

One belongs to a body of members (a club, a society, a choir, a band, a team, a union, a
league, a committee, a council, an orchestra, the army ...: `BODIES`, a closed class of
nouns) as one does to anything one belongs to: the slot `belong_to` ("The user belongs to
the chess club"), which holds several at once (a slot named by a verb and its
preposition). Read from a copula ("a member of X"; "in" or "on" a body) and from a verb of
joining whose object is a body ("joined the chess club" was read as an employer). An
ending ("left the book club", "resigned from the Rotary Club") names the body, and the
resolver ends the stored membership that holds the name (`agentmem.facts.endings`).
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.negation import ends_a_state, negated_clause
from agentmem.facts.extraction.subjects import subject_of
from agentmem.facts.extraction.values import value_text

SLOT = "belong_to"
BODIES = frozenset({"club", "society", "choir", "band", "team", "union", "league", "group"})
BODIES |= {"association", "committee", "council", "orchestra", "army", "navy", "guild"}
BODIES |= {"circle", "party", "troupe", "squad", "federation", "lodge", "cooperative"}
BODIES |= {"fellowship", "brigade", "ensemble", "quartet", "trio", "collective", "chapter"}
# Verbs (with their particle) of joining a body.
JOINING = frozenset({"join", "sign up", "enrol", "enroll", "rejoin"})
MEMBERS = frozenset({"member", "trustee", "governor", "fellow"})


def belongs(pred) -> Iterator[tuple]:
    """(subject, `SLOT`, body, negated) of a copular clause of membership."""
    if pred.lemma_ != "be":
        return
    subject, negated = subject_of(pred), negated_clause(pred)
    if subject is None:
        return
    ended = negated and ends_a_state(pred)  # "I'm not in the choir anymore"
    for child in pred.children:
        bodies: Iterator[str] = iter(())
        if child.dep_ == "attr" and child.lemma_.lower() in MEMBERS:
            bodies = _objects(child, ("of",))
        elif child.dep_ == "prep" and child.lower_ in ("in", "on"):
            bodies = _objects(pred, (child.lower_,), bodies_only=True)
        for body in bodies:
            yield (subject, SLOT, body, True, body) if ended else (subject, SLOT, body, negated)


def as_membership(pred, readings: list) -> list:
    """`readings` of a clause, a body taken as an employer by a verb of joining ("joined
    the chess club": `works_at`) or of leaving ("resigned from the Rotary Club") read as a
    membership."""
    said = " ".join([pred.lemma_.lower(), *(c.lower_ for c in pred.children if c.dep_ == "prt")])
    joining = said in JOINING or pred.lemma_.lower() in JOINING
    out = []
    for r in readings:
        ending = len(r) == 5 and r[3] and r[4]  # "resigned from the Rotary Club"
        if r[1] == "works_at" and _a_body(r[2]) and (joining or ending):
            r = (r[0], SLOT, *r[2:])
        out.append(r)
    if not joining:
        return out
    if said == "sign up" and not out:  # "signed up for the badminton club"
        subject = subject_of(pred)
        for body in _objects(pred, ("for", "with", "at", "to"), bodies_only=True):
            out.append((subject, SLOT, body, negated_clause(pred)))
    return [r for r in out if r[0] is not None]


def _a_body(value: str) -> bool:
    words = value.lower().split()
    return bool(words) and words[-1] in BODIES


def _objects(head, preps: tuple[str, ...], bodies_only: bool = False) -> Iterator[str]:
    for prep in (c for c in head.children if c.dep_ == "prep" and c.lower_ in preps):
        for obj in (c for c in prep.children if c.dep_ == "pobj"):
            value = value_text(obj)
            if value and (not bodies_only or obj.lemma_.lower() in BODIES):
                yield value


__all__ = ["BODIES", "JOINING", "MEMBERS", "SLOT", "as_membership", "belongs"]
