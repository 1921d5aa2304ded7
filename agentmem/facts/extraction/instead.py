"""Replacement said with "instead of": "I drink tea instead of coffee now", "Marta cycles to
the gym instead of driving", "Instead of the bus, I take the train these days".

The words after "instead of" name what the subject no longer does or has; they are not a
value the subject holds. The parser attaches them in one of three shapes: as a conjunct of
the value they are contrasted with ("tea instead of coffee": "of" a coordinator, "coffee" a
conjunct of "tea"), as a clause under "of" ("instead of taking the bus"), or as the object
of "of". So the readings of those words are dropped, and an ending of them is read in their
place (`change.Change`), in the slot of the value they are contrasted with: `change.replaced`
then makes the new value name the one it replaces, and the resolver ends the stored value
in whichever slot holds it (`agentmem.facts.endings`).

A one-off choice in the past ("Yesterday I took the train instead of driving") replaces no
habit: clauses in the simple past are left alone unless their verb is one of beginning or
switching ("I've started cycling instead of driving"); negated clauses are left alone.
"""

from __future__ import annotations

from agentmem.facts.extraction import chat
from agentmem.facts.extraction.change import (
    BEGINNING,
    SWITCHING,
    Change,
    ended_doing,
    is_gerund,
    phrase,
)
from agentmem.facts.extraction.negation import negated_clause
from agentmem.facts.extraction.predicates import PREDICATE_DEPS
from agentmem.facts.extraction.subjects import subject_of
from agentmem.facts.extraction.values import value_text


def replaced_words(sentence) -> list:
    """The heads of the words each "instead of" in the sentence introduces."""
    out = []
    for of in sentence:
        if of.lower_ != "of" or of.i == 0 or of.doc[of.i - 1].lower_ != "instead":
            continue
        word = next((c for c in of.children if c.dep_ in ("pobj", "pcomp")), None)
        if word is None and of.dep_ == "cc":  # "tea instead of coffee": a conjunct of "tea"
            word = next((c for c in of.head.children if c.dep_ == "conj" and c.i > of.i), None)
        if word is None and of.i + 1 < sentence.end:  # attached elsewhere: the phrase after
            word = of.doc[of.i + 1]
            while word.head.i > of.i and word.head.i != word.i:
                word = word.head
        if word is not None and not word.is_punct:
            out.append(word)
    return out


def rewrite(sentence, readings: list) -> list:
    """`readings` without those of replaced words, with an ending of each in their place."""
    words = replaced_words(sentence)
    if not words:
        return readings
    replaced = {t.lower_ for w in words for t in w.subtree}
    # a reading that names replaced words ("drinking coffee" read from "tea instead of
    # coffee") is not held, unless it names the contrasted value too
    contrasted = {t.lower_ for w in words for t in _contrasted(w)} - replaced
    kept = [
        r
        for r in readings
        if r[3]
        or not (set(r[2].lower().split()) & replaced)
        or set(r[2].lower().split()) & contrasted
    ]
    for word in words:
        pred = _predicate(word)
        if pred is None or _one_off(pred) or negated_clause(pred):
            return readings
        subject = subject_of(pred) or chat.dropped_subject(pred)
        if subject is None:
            return readings
        kept += [ending for ending in _endings(word, subject, kept)]
    return kept


def _endings(word, subject: str, readings: list) -> list[Change]:
    if is_gerund(word):
        ended = ended_doing(word)
        if ended == [("does", word.lower_)] and any(c.dep_ == "dobj" for c in word.children):
            ended = [("does", value_text(word))]  # "taking the bus", not "taking"
    elif value := value_text(word, role=True):
        ended = [(_slot_beside(subject, readings) or "owns", value)]
    else:
        ended = []
    return [(subject, attribute, value, True, value) for attribute, value in ended if value]


def _slot_beside(subject: str, readings: list) -> str | None:
    """The one slot the sentence states of the subject (the value the words are set against)."""
    slots = {r[1] for r in readings if r[0] == subject and not r[3]}
    return slots.pop() if len(slots) == 1 else None


def _contrasted(word) -> list:
    """The words the replaced ones are set against: the head they are a conjunct of ("tea"),
    none when "instead of" hangs from the verb."""
    if word.dep_ == "conj" and word.head.pos_ in ("NOUN", "PROPN"):
        return [word.head]
    return []


def _predicate(word):
    """The verb of the clause the replaced words stand in ("of"'s head or the conjunct's)."""
    token = word.head.head if word.head.lower_ == "of" else word.head
    if word.dep_ in PREDICATE_DEPS or word.dep_ == "advcl":  # a clause: the verb it hangs from
        token = word.head
    while token.head.i != token.i and not _is_predicate(token):
        token = token.head
    return token if _is_predicate(token) else None


def _is_predicate(token) -> bool:
    return token.dep_ in PREDICATE_DEPS and token.pos_ in ("VERB", "AUX")


def _one_off(pred) -> bool:
    if pred.tag_ != "VBD":
        return False
    said = phrase(pred)
    return said not in BEGINNING and said not in SWITCHING


__all__ = ["replaced_words", "rewrite"]
