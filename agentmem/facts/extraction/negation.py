"""Negation scope for the parse extractor: which negations a clause's predicate carries.

"not", "never", "anymore", "no longer" (whose "no" hangs off "longer") and "any more" (two
words) negate the clause they hang on: on its verb, on its auxiliary ("I'm not vegan": the
parser hangs "not" on "'m"), or on a copula's complement ("Kalle is no longer vegetarian").
A negated perfect since a point before the last few days ("I haven't smoked since March",
"Ola hasn't played squash since her operation") says a state ended as "no longer" does;
since a recent day ("haven't been to the gym since Monday") it is a gap, not an ending.
"""

from __future__ import annotations

from agentmem.facts.extraction.lexicon import WEEKDAYS


def negated_clause(pred) -> bool:
    """'not', 'never', 'anymore', 'no longer' (whose 'no' hangs off 'longer'), on the verb
    or on its auxiliary (the parser hangs "not" on "'m" in "I'm not vegan")."""
    auxiliaries = [c for c in pred.children if c.dep_ in ("aux", "auxpass")]
    return negates(pred) or any(negates(a) for a in auxiliaries)


def ends_a_state(pred) -> bool:
    """Whether the clause's negation says that a state ended ("no longer", "anymore", "any
    more"), not that it fails to hold at some moment ("I'm not at Lidl today")."""
    auxiliaries = [c for c in pred.children if c.dep_ in ("aux", "auxpass")]
    return not_since(pred, auxiliaries) or any(
        is_negation(child) and child.dep_ != "neg" and child.lower_ != "never"
        for token in (pred, *auxiliaries)
        for child in token.children
    )


# Points of time that make "hasn't ... since" a gap of days, not an ending.
RECENT = frozenset({"today", "tonight", "yesterday", "morning", "afternoon", "evening", "night"})
RECENT |= WEEKDAYS
RECENT |= {"week", "weekend", "lunch", "breakfast", "dinner"}


def not_since(pred, auxiliaries=None) -> bool:
    """A negated present perfect with "since" a point before the last few days."""
    if auxiliaries is None:
        auxiliaries = [c for c in pred.children if c.dep_ in ("aux", "auxpass")]
    perfect = any(a.lemma_ == "have" and a.tag_ in ("VBP", "VBZ") for a in auxiliaries)
    if not perfect or pred.tag_ != "VBN" or not negated_clause(pred):
        return False
    since = [c for c in pred.children if c.lower_ == "since" and c.dep_ in ("prep", "mark")]
    point = [t for s in since for t in s.subtree if t.i != s.i]
    if s_clause := [c for c in pred.children if c.dep_ == "advcl" and _marked_since(c)]:
        point = [t for c in s_clause for t in c.subtree]
    return bool(point) and not any(t.lower_ in RECENT for t in point)


def _marked_since(clause) -> bool:
    return any(c.dep_ == "mark" and c.lower_ == "since" for c in clause.children)


def negates(token) -> bool:
    """A negation among the token's own dependents."""
    return any(is_negation(child) for child in token.children)


def is_negation(child) -> bool:
    """A dependent that negates its head: "not", "never", "anymore", "no longer", "any more"."""
    if child.dep_ == "neg" or child.lower_ in ("anymore", "never"):
        return True
    if child.lower_ == "longer":
        return any(c.lower_ == "no" for c in child.children)
    return child.lower_ == "more" and any(c.lower_ == "any" for c in child.children)


__all__ = ["RECENT", "ends_a_state", "not_since", "is_negation", "negated_clause", "negates"]
