"""Values said to hold beside the subject's others, for the parse extractor
(`extraction_parse`): "I also work at KPMG", "I work at KPMG too", "I live in York as well
part of the week", "Maya has a second job at the café".

A clause with an adjunct of addition ("also", "too", "as well", "in addition",
"additionally") or a determiner of one ("another", "a second", "both") states its value
beside the ones the subject holds, not in their place, even in a slot that holds one value
at a time (an employer, a home): the fact carries `Fact.added`, and the resolver keeps the
stored value active beside it (`conflicts.decide_fact`). Without the mark "I also work at
KPMG" after "I work at Deloitte" ended Deloitte: a still-true fact lost.

Only the clause the word belongs to is marked ("I moved to Leeds and my sister lives there
too": the sister's clause, not the move); "again" and "still" are no additions ("I work at
Deloitte again" returns to it, a change).
"""

from __future__ import annotations

ADVERBS = frozenset({"also", "too", "additionally"})
DETERMINERS = frozenset({"another", "second", "both"})


def added_clauses(sentence) -> set[int]:
    """The indices of the tokens of each clause in `sentence` that states an addition."""
    out: set[int] = set()
    for token in sentence:
        if not _marks_addition(token):
            continue
        head = _clause_head(token)
        out.update(t.i for t in head.subtree if not _in_another_clause(t, head))
    return out


def adds(sentence, value: str, clauses: set[int]) -> bool:
    """Whether every word of `value` is a word of a clause of addition (`added_clauses`)."""
    if not clauses:
        return False
    words = {t.lower_ for t in sentence if t.i in clauses}
    wanted = value.lower().split()
    return bool(wanted) and all(w in words for w in wanted)


def _marks_addition(token) -> bool:
    word = token.lower_
    if word in ADVERBS:
        return token.dep_ in ("advmod", "npadvmod", "cc")
    if word in DETERMINERS:
        return token.dep_ in ("det", "amod", "predet", "preconj")
    if word == "well":  # "as well"
        return token.i > token.sent.start and token.nbor(-1).lower_ == "as"
    if word == "addition":  # "in addition"
        return token.i > token.sent.start and token.nbor(-1).lower_ == "in"
    return False


def _clause_head(token):
    """The verb (or copula) the word hangs from; the word's head where there is none."""
    head = token.head
    while head.pos_ not in ("VERB", "AUX") and head.head.i != head.i:
        head = head.head
    return head


def _in_another_clause(token, head) -> bool:
    """Whether a verb other than `head` stands between the token and `head`."""
    while token.i != head.i and token.head.i != token.i:
        token = token.head
        if token.i != head.i and token.pos_ in ("VERB", "AUX"):
            return True
    return False


__all__ = ["ADVERBS", "DETERMINERS", "added_clauses", "adds"]
