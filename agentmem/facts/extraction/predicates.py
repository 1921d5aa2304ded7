"""What a verb and its objects state, through the one attribute table: the slots of a clause.

The parse extractor (`extraction_parse`) reads a predicate as a verb lemma with its particle
and preposition ("moved to", "works at", "give up"); the attribute table
(`agentmem.facts.vocabulary`, indexed by lemmas in `extraction_pipeline`) names its slot,
and a predicate the table lacks is matched by meaning (`extraction_similar`). "moved from X"
reads X as a value that no longer holds.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.lexicon import ATTITUDE_VERBS, WEEKDAYS
from agentmem.facts.extraction.pipeline import (
    LIGHT_VERBS,
    known_adjective,
    known_adverb,
    predicate_index,
)
from agentmem.facts.extraction.similar import similar_attribute
from agentmem.facts.extraction.values import fits, place_text, value_text

# the dependencies of a clause's predicate: a sentence's root and the clauses joined to it
PREDICATE_DEPS = ("ROOT", "conj", "ccomp", "parataxis", "relcl")
# Slots whose value is a place: bounded by the named place (`values.place_text`).
PLACE_SLOTS = frozenset({"lives_in", "from"})
# Verbs of liking and disliking: transitive by meaning, so what follows is their object.
ATTITUDE = frozenset(verb for verbs in ATTITUDE_VERBS.values() for verb in verbs)
# Parts of the day and week that a verb takes as its object to say when ("work nights").
TIMES = frozenset({"morning", "afternoon", "evening", "night", "weekend", "weekday", "shift"})
TIMES |= {"day", "week", "weekdays", "lunchtime", "overnight"}
# The roles the tagger gives such an object when it misreads its class.
MISREAD_OBJECT_DEPS = frozenset({"advmod", "npadvmod", "amod", "acomp", "oprd", "attr", "dep"})


def slots(pred) -> Iterator[tuple[str, str, bool]]:
    """(attribute, value, negated) a verb and its objects state, through the attribute table."""
    index = predicate_index()
    base = pred.lemma_.lower()
    particle = " ".join(c.lower_ for c in pred.children if c.dep_ == "prt")
    head = f"{base} {particle}".strip()
    # "moved the meeting to Friday": an object moved; "work nights at the hospital": a time
    moved = any(c.dep_ == "dobj" and not when(c) for c in pred.children)
    for child in pred.children:
        if child.dep_ in ("prep", "dative", "agent") and not moved:
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            attribute, negated = predicate(head, child.lower_, obj), False
            if attribute is None and child.lower_ == "from":  # "moved from X (to Y)"
                attribute, negated = predicate(head, "to", obj), True
            read = place_text if attribute in PLACE_SLOTS else value_text
            for each in (obj, *obj.conjuncts) if obj is not None and attribute else ():
                if (value := read(each)) and fits(attribute, each):
                    yield attribute, value, negated
        elif (_object(child) or _mistagged_object(child, pred)) and (attribute := index.get(head)):
            misread = not _object(child)  # an adjective's tag says nothing of it here
            for each in _conjoined(child, pred):
                if (value := value_text(each, adjective=misread)) and fits(attribute, each):
                    yield attribute, value, False
        elif child.dep_ == "xcomp" and child.pos_ == "VERB" and (attribute := index.get(head)):
            if not any(c.dep_ == "aux" for c in child.children):  # "love hiking", not "plan to"
                if value := value_text(child):
                    yield attribute, value, False


def when(noun) -> bool:
    """A noun that says when, as a verb's object ("work nights", "work Saturdays", "do
    weekends"): a part of the day or week, or a day's name. By the word, not the entity
    recogniser, which a verb's object would otherwise run on every text for (5 ms a text)."""
    word = noun.lower_
    return noun.lemma_.lower() in TIMES or word in WEEKDAYS or word.rstrip("s") in WEEKDAYS


def _object(child) -> bool:
    """A verb's object: a direct object, or a language or nationality adjective the parser
    hung on the verb as a clause ("i speak korean and german": 'korean' as advcl)."""
    return child.dep_ == "dobj" or (child.dep_ in ("advcl", "oprd") and child.pos_ == "ADJ")


def _mistagged_object(child, pred) -> bool:
    """A verb of attitude's object the tagger made an adverb, an adjective or a word of no
    class ("detests cilantro", "abhors cilantro": 'cilantro' an advmod): the phrase right after
    a verb with no object of its own, of no verb, and no adverb the lexicon lists ("adores
    dearly", "loves it too" keep theirs)."""
    if pred.lemma_.lower() not in ATTITUDE or child.dep_ not in MISREAD_OBJECT_DEPS:
        return False
    if child.pos_ in ("VERB", "AUX") or child.left_edge.i != pred.i + 1:
        return False
    if any(c.dep_ in ("dobj", "ccomp", "xcomp") for c in pred.children):
        return False
    return child.is_alpha and not known_adverb(child.text) and not known_adjective(child.text)


def _conjoined(obj, pred) -> list:
    """The object and those joined to it, also where the parser joined them to the verb
    ("i speak japanese and portuguese": 'portuguese' a conjunct of 'speak')."""
    joined = [c for c in pred.children if c.dep_ == "conj" and c.i > obj.i]
    return [obj, *obj.conjuncts, *(c for c in joined if c.pos_ in ("NOUN", "PROPN", "ADJ"))]


def predicate(head: str, preposition: str, obj) -> str | None:
    """The slot a verb and preposition name: through the table, else (for a named object,
    and a verb with a meaning of its own) by meaning (`extraction_similar`)."""
    attribute = predicate_index().get(f"{head} {preposition}")
    if attribute is None and obj is not None and obj.pos_ == "PROPN":
        if head.split()[0] not in LIGHT_VERBS:
            attribute = similar_attribute(head, preposition)
    return attribute


__all__ = ["PLACE_SLOTS", "PREDICATE_DEPS", "predicate", "slots"]
