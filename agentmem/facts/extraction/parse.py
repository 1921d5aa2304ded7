"""General fact extraction from a dependency parse (a spaCy English pipeline).

Where the rule table reads fixed first-person phrasings, this reads the grammar of any
clause: its subject (the speaker, or a named person or thing: "Brannoch Velt lives in
Ashcombe"), its predicate (a verb lemma with its particle and preposition, or a copula with
its complement), the object, and its polarity ("not", "no longer", "anymore"). Predicates
map onto the one attribute table of `agentmem.facts.vocabulary` through the lemmas of its
synonym phrases, so "lives in", "is living in" and "lived in" all land on `lives_in`.
Verbs of ending ("left", "quit", "stopped working at") retract the value they name, and a
clause joined to another ("I left Initech; these days I work at Hooli") is read on its
own, so one sentence can retract an old value and state a new one.

Subjects: `extraction_subjects`; the pipeline and the table's phrases in its lemmas:
`extraction_pipeline`; batched parses and the on-demand entity recogniser:
`extraction_docs`; copular clauses: `extraction_copula`; an object's value:
`extraction_values`; a verb's slots: `extraction_predicates`; predicates the table lacks, by
meaning: `extraction_similar`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from agentmem.facts.extraction import chat
from agentmem.facts.extraction.activity import activities
from agentmem.facts.extraction.base import FactExtractor, as_speaker, render
from agentmem.facts.extraction.copula import Reading, copula, demoted_copula, kind_of
from agentmem.facts.extraction.docs import Parser, entity_type
from agentmem.facts.extraction.mistagged import noun_verbs
from agentmem.facts.extraction.negation import negated_clause
from agentmem.facts.extraction.patterns import HEDGE
from agentmem.facts.extraction.pipeline import (
    MODEL_PACKAGES,
    available,
    load_pipeline,
    predicate_index,
    preload,
    reset,
)
from agentmem.facts.extraction.predicates import slots
from agentmem.facts.extraction.subjects import co_subjects, relations, subject_of, who
from agentmem.facts.extraction.values import value_text
from agentmem.types import Fact

log = logging.getLogger("agentmem.extraction")
CONFIDENCE = 0.8
PREDICATE_DEPS = ("ROOT", "conj", "ccomp", "parataxis", "relcl")
MODALS = frozenset({"would", "could", "should", "might", "may", "must", "shall"})
CONDITIONS = frozenset({"if", "unless", "whether", "when", "once", "until", "before"})
# Verbs of ending: the object they name is no longer a value of the subject.
ENDING_VERBS = frozenset({"leave", "quit", "stop", "resign", "abandon", "ditch"})
ENDING_PHRASES = frozenset({"give up"})  # phrasal verbs of ending: "gave up climbing"
# Verbs of beginning: the gerund they govern states its fact ("I started working at X").
BEGINNING_VERBS = frozenset({"start", "begin"})
# Stative verbs: in the past tense they describe what was, not what is ("I lived in Rome",
# "I was 17"); verbs of change in the past tense ("I moved to", "I joined") state a result.
STATIVE_VERBS = frozenset(
    {"be", "live", "reside", "work", "like", "love", "enjoy", "hate", "dislike", "prefer"}
    | {"speak", "own", "have", "know", "belong", "stay"}
)
# A named object's entity type says which slot an ending verb ends when nothing else does.
ENDED_SLOT = {"ORG": "works_at", "GPE": "lives_in", "LOC": "lives_in", "FAC": "lives_in"}


class ParseExtractor(FactExtractor):
    """Facts of any subject from a dependency parse; a few ms a sentence on a CPU.

    Concurrent callers (a server's adds) share one batched parse (`extraction_docs`); a text
    whose parse fails fails its caller only.
    """

    name = "parse"
    fast = False

    def __init__(self, nlp: Any = None) -> None:
        self.nlp = nlp or load_pipeline()
        if self.nlp is None:
            raise RuntimeError("ParseExtractor needs an English spaCy pipeline; see load_pipeline")
        self._parser = Parser(self.nlp)

    def _extract(self, text: str, *, source: str) -> list[Fact]:
        return self._read(self._parser.parse([text])[0], source)

    def _extract_batch(self, texts, source, speakers) -> list[list[Fact]]:
        """One batched parse for many texts (several times faster than one by one)."""
        out: list[list[Fact]] = [[] for _ in texts]
        todo = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip()]
        docs = self._parser.parse([texts[i] for i in todo])
        for i, doc in zip(todo, docs, strict=True):
            out[i] = as_speaker(self._read(doc, source), speakers[i])
        return out

    def _read(self, doc, source: str) -> list[Fact]:
        facts: dict[tuple[str, str, str, bool], Fact] = {}
        for sentence in doc.sents:
            if sentence.text.rstrip().endswith("?"):
                continue
            confidence = CONFIDENCE * (0.75 if HEDGE.search(sentence.text) else 1.0)
            for subject, attribute, value, negated in _readings(sentence):
                key = (subject, attribute, value.lower(), negated)
                facts.setdefault(key, _fact(subject, attribute, value, negated, confidence, source))
        return list(facts.values())


def _fact(subject, attribute, value, negated, confidence, source) -> Fact:
    return Fact(
        subject=subject,
        attribute=attribute,
        value=value,
        text=render(subject, attribute, value, negated),
        negated=negated,
        confidence=round(confidence, 3),
        source=source,
    )


# --- clauses -------------------------------------------------------------------------------


def _readings(sentence) -> Iterator[Reading]:
    for pred in sentence:
        if pred.dep_ not in PREDICATE_DEPS or not _asserted(pred):
            continue
        if pred.pos_ in ("VERB", "AUX") or demoted_copula(pred):
            yield from _each_subject(pred)
    for owner, attribute, name in relations(sentence, predicate_index()):
        yield owner, attribute, name, False
    for owner, attribute, name in chat.listed_names(sentence, subject_of):
        yield owner, attribute, name, False
    yield from noun_verbs(sentence)  # "Ines Carvalho lives in Krakow", "lives" as a noun


def _asserted(pred) -> bool:
    """Not a hypothetical, a condition, a wish, a question or a past state."""
    if pred.tag_ == "VBD" and pred.lemma_ in STATIVE_VERBS:
        return False
    for child in pred.children:
        if child.dep_ == "aux" and child.lower_ in MODALS:
            return False
        if child.dep_ == "mark" and child.lower_ in CONDITIONS:
            return False
    return True


def _each_subject(pred) -> Iterator[Reading]:
    """The clause's readings, for each of its coordinated subjects ("Ana and I live in Rome")."""
    others = co_subjects(pred)
    first = subject_of(pred) if others else None
    for reading in _clause(pred):
        yield reading
        if reading[0] == first:
            yield from ((other, *reading[1:]) for other in others if other != first)


def _clause(pred) -> Iterator[Reading]:
    subject, negated = subject_of(pred) or chat.dropped_subject(pred), negated_clause(pred)
    if demoted_copula(pred):
        yield from kind_of(pred, subject, negated)
    elif pred.lemma_ == "be":
        yield from ((s, a, v, negated) for s, a, v in chat.cleft(pred, who))
        yield from copula(pred, subject, negated)
    elif subject is None:
        return
    elif pred.lemma_ in ENDING_VERBS or _phrase(pred) in ENDING_PHRASES:
        yield from _ending(pred, subject)
    elif pred.lemma_ in BEGINNING_VERBS and (begun := _begun(pred)):
        yield from ((subject, a, v, negated) for a, v in begun)
    else:
        read = [(subject, a, v, negated or departed) for a, v, departed in slots(pred)]
        read += [(subject, a, v, negated) for a, v in chat.begun_place(pred, value_text)]
        read += [(s, a, v, negated) for s, a, v in chat.naming(pred, who)]
        yield from read or ((subject, "does", v, negated) for v in activities(pred))


# --- changes of state ------------------------------------------------------------------


def _ending(pred, subject: str) -> Iterator[Reading]:
    """'left Initech', 'quit my job at Hooli', 'stopped working at Globex': retractions."""
    for child in pred.children:
        gerund = child.dep_ == "dobj" and _gerund(child)  # "gave up climbing"
        if (child.dep_ == "xcomp" and child.pos_ == "VERB") or gerund:  # "stopped playing tennis"
            yield from ((subject, a, v, True) for a, v in _ended_doing(child))
        elif child.dep_ == "dobj" and child.pos_ == "PROPN":  # "left Initech"
            # the slot the sentence goes on to state ("...; now I work at Hooli"), else the
            # entity type's hint; the resolver moves a retraction to the slot that holds it
            attribute = _parallel_slot(pred, subject) or ENDED_SLOT.get(
                entity_type(child), "works_at"
            )
            if value := value_text(child):
                yield subject, attribute, value, True
        elif child.dep_ == "dobj":  # "quit my job at Hooli"
            yield from _ended_place(child, pred, subject)


def _ended_doing(verb) -> list[tuple[str, str]]:
    """What a gerund under a verb of ending names: its slot's value, else the activity
    ("playing tennis" -> tennis), else the gerund itself ("stopped swimming" -> swimming)."""
    ended = [(a, v) for a, v, _ in slots(verb)]
    ended = ended or [("does", v) for v in activities(verb, any_tense=True)]
    return ended or ([("does", verb.lower_)] if _gerund(verb) else [])


def _gerund(token) -> bool:
    """An -ing form, also where the tagger made it a noun ("given up rowing")."""
    return token.tag_ == "VBG" or (token.tag_ == "NN" and token.lower_.endswith("ing"))


def _phrase(pred) -> str:
    """A verb with its particle: "give up"."""
    particle = " ".join(c.lower_ for c in pred.children if c.dep_ == "prt")
    return f"{pred.lemma_.lower()} {particle}".strip()


def _begun(pred) -> list[tuple[str, str]]:
    """'started working at Hooli', 'began learning Korean': what the gerund states."""
    for child in pred.children:
        if child.dep_ == "xcomp" and child.pos_ == "VERB":
            found = [(a, v) for a, v, negated in slots(child) if not negated]
            return found or [("does", v) for v in activities(child, any_tense=True)]
    return []


def _parallel_slot(pred, subject: str) -> str | None:
    """The one slot the other clauses of the sentence state for the same subject: what a
    verb of ending ends in "I left Initech; these days I work at Hooli"."""
    stated = {
        attribute
        for other in pred.sent
        if other.i != pred.i
        and other.dep_ in PREDICATE_DEPS
        and other.pos_ == "VERB"
        and other.lemma_ not in ENDING_VERBS
        and subject_of(other) == subject
        for attribute, _, _ in slots(other)
    }
    stated.discard("job_title")  # "... at Hooli as a plumber": the place, not the role, ends
    return stated.pop() if len(stated) == 1 else None


def _ended_place(noun, pred, subject: str) -> Iterator[Reading]:
    for prep in (c for c in (*noun.children, *pred.children) if c.dep_ == "prep"):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if obj is None or obj.pos_ != "PROPN":
            continue
        index = predicate_index()
        attribute = index.get(f"{noun.lemma_.lower()} {prep.lower_}") or ENDED_SLOT.get(
            entity_type(obj)
        )
        if attribute and (value := value_text(obj)):
            yield subject, attribute, value, True
            return


__all__ = [
    "MODEL_PACKAGES",
    "ParseExtractor",
    "available",
    "load_pipeline",
    "predicate_index",
    "preload",
    "reset",
]
