"""Negation scope for the parse extractor: which negations a clause's predicate carries.

"not", "never", "anymore", "no longer" (whose "no" hangs off "longer") and "any more" (two
words) negate the clause they hang on: on its verb, on its auxiliary ("I'm not vegan": the
parser hangs "not" on "'m"), or on a copula's complement ("Kalle is no longer vegetarian").
"""

from __future__ import annotations


def negated_clause(pred) -> bool:
    """'not', 'never', 'anymore', 'no longer' (whose 'no' hangs off 'longer'), on the verb
    or on its auxiliary (the parser hangs "not" on "'m" in "I'm not vegan")."""
    auxiliaries = [c for c in pred.children if c.dep_ in ("aux", "auxpass")]
    return negates(pred) or any(negates(a) for a in auxiliaries)


def ends_a_state(pred) -> bool:
    """Whether the clause's negation says that a state ended ("no longer", "anymore", "any
    more"), not that it fails to hold at some moment ("I'm not at Lidl today")."""
    auxiliaries = [c for c in pred.children if c.dep_ in ("aux", "auxpass")]
    return any(
        is_negation(child) and child.dep_ != "neg" and child.lower_ != "never"
        for token in (pred, *auxiliaries)
        for child in token.children
    )


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


__all__ = ["ends_a_state", "is_negation", "negated_clause", "negates"]
