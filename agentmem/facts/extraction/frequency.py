"""How often a habit happens, read from the parse (`extraction_parse`): the `does` slot's
fact keeps its activity as the value and says its frequency in its sentence.

"Every Sunday I go climbing" states the habit climbing, every Sunday: the value is the
activity (`extraction_activity`), so "I go climbing on Saturdays" is the same habit, and
the frequency is the verb's adverbial of repetition:

    a frequency adverb        "usually", "often", "daily"         (advmod)
    a quantified time noun    "every morning", "most evenings",   (npadvmod, its subtree
                              "twice a week", "three times a month"  holds a quantifier)
    a plural time noun        "on Tuesdays", "in the evenings", "Sundays" (a part of the day
                              or week, a weekday, or a date or time entity, in the plural:
                              a time that recurs)
"""

from __future__ import annotations

from agentmem.facts.extraction.base import render
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.values import time_of_day

ADVERBS = frozenset(
    {"usually", "often", "always", "regularly", "sometimes", "daily", "weekly", "monthly"}
    | {"nightly", "yearly", "annually", "occasionally", "frequently", "normally", "typically"}
    | {"generally", "religiously"}
)
QUANTIFIERS = frozenset({"every", "each", "most", "once", "twice", "times"})


def frequency(sentence) -> str:
    """The adverbials of repetition on the sentence's verbs, in order ("" when none)."""
    found = []
    for token in sentence:
        if token.head.pos_ not in ("VERB", "AUX") or token.head.i == token.i:
            continue
        if (phrase := repetition(token)) and phrase not in found:
            found.append(phrase)
    return ", ".join(found)


def repetition(token) -> str:
    """The adverbial of repetition `token` heads ("every morning", "on Sundays", "often"),
    or "" where it is none."""
    if token.dep_ == "advmod" and token.lower_ in ADVERBS:
        return token.lower_
    words = list(token.subtree)
    if token.dep_ in ("npadvmod", "advmod") and any(t.lower_ in QUANTIFIERS for t in words):
        return _text(words)
    if token.dep_ in ("prep", "npadvmod"):
        noun = next((c for c in token.children if c.dep_ == "pobj"), token)
        plural = noun.tag_ in ("NNS", "NNPS")
        if plural and (time_of_day(noun) or entity_type(noun) in ("DATE", "TIME")):
            return _text(words)
    return ""


def _text(words) -> str:
    return " ".join(t.lower_ if t.pos_ != "PROPN" else t.text for t in words)


def habit_text(subject: str, value: str, often: str) -> str:
    """A habit's sentence with its frequency: 'The user regularly does climbing (every
    Sunday)'."""
    text = render(subject, "does", value)
    return f"{text} ({often})" if often else text


__all__ = ["ADVERBS", "QUANTIFIERS", "frequency", "habit_text", "repetition"]
