"""General fact extraction from a dependency parse (a spaCy English pipeline).

Where the rule table reads fixed first-person phrasings, this reads the grammar of any
clause: its subject (the speaker, or a named person or thing: "Brannoch Velt lives in
Ashcombe"), its predicate (a verb lemma with its particle and preposition, or a copula with
its complement), the object, and its polarity ("not", "no longer", "anymore"). Predicates
map onto the one attribute table of `agentmem.facts.vocabulary` through the lemmas of its
synonym phrases, so "lives in", "is living in" and "lived in" all land on `lives_in`.
Verbs of change (ending, parting, disposing, switching, beginning: "left", "gave away",
"broke up with", "swapped X for Y", "took up") are read by `extraction_change`: a value
ends, or a new one replaces it, and the fact names what ended (`Fact.ends`); a renaming
("renamed the dog Waffles") by `extraction_renaming`. A clause
joined to another ("I left Initech; these days I work at Hooli") is read on its own, and a
sentence that ends one value and states another of the same slot is one fact: the new value,
naming the old.

Subjects: `extraction_subjects`; the pipeline and the table's phrases in its lemmas:
`extraction_pipeline`; batched parses and the on-demand entity recogniser:
`extraction_docs`; copular clauses: `extraction_copula`; an object's value:
`extraction_values`; a verb's slots: `extraction_predicates`; lasting facts told as past
events ("grew up on a farm", "studied at X"): `extraction_origins`; predicates the table lacks, by
meaning: `extraction_similar`; what a verb the table does not read states its subject holds
or does (a possession, a partner, a verb-named relation, a pursuit), and a couple said with
"with" or "together": `extraction_holdings`; an employer read from the verb frame
("interning for X", "started at X"): `extraction_employment`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

from agentmem.facts.extraction import (
    additions,
    bygone,
    change,
    chat,
    idioms,
    instead,
    losses,
    membership,
    negation,
    present,
    renaming,
    replacement,
)
from agentmem.facts.extraction.base import FactExtractor, as_speaker, render
from agentmem.facts.extraction.copula import Reading, copula, demoted_copula, kind_of
from agentmem.facts.extraction.dismissal import dismissed
from agentmem.facts.extraction.docs import Parser
from agentmem.facts.extraction.employment import employer
from agentmem.facts.extraction.frequency import frequency, habit_text
from agentmem.facts.extraction.holdings import held_or_done, partner_with, together
from agentmem.facts.extraction.inversion import reread
from agentmem.facts.extraction.lexicon import ATTITUDE_VERBS
from agentmem.facts.extraction.mistagged import attitude_nouns, noun_verbs
from agentmem.facts.extraction.names import masked, unmasked
from agentmem.facts.extraction.origins import birthplace, life_events
from agentmem.facts.extraction.pipeline import (
    MODEL_PACKAGES,
    available,
    known_word,
    load_pipeline,
    predicate_index,
    preload,
    reset,
)
from agentmem.facts.extraction.predicates import PREDICATE_DEPS, slots
from agentmem.facts.extraction.sentences import HEDGE
from agentmem.facts.extraction.subjects import co_subjects, relations, subject_of, who
from agentmem.facts.extraction.symbols import as_breaks
from agentmem.facts.extraction.values import value_text
from agentmem.types import Fact

log = logging.getLogger("agentmem.extraction")
CONFIDENCE = 0.8
MODALS = frozenset({"would", "could", "should", "might", "may", "must", "shall"})
CONDITIONS = frozenset({"if", "unless", "whether", "when", "once", "until", "before"})
# Adverbs of an event that came close and did not happen ("nearly stolen", "almost quit").
NEAR_MISSES = frozenset({"nearly", "almost"})
# Stative verbs: in the past tense they describe what was, not what is ("I lived in Rome",
# "I was 17"); verbs of change in the past tense ("I moved to", "I joined") state a result.
STATIVE_VERBS = frozenset(
    {"be", "live", "reside", "work", "speak", "own", "have", "know", "belong", "stay"}
    | {verb for verbs in ATTITUDE_VERBS.values() for verb in verbs}
)


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
        text, names = masked(as_breaks(text), known_word)
        return unmasked(self._read(self._parser.parse([text])[0], source), names)

    def _extract_batch(self, texts, source, speakers) -> list[list[Fact]]:
        """One batched parse for many texts (several times faster than one by one)."""
        out: list[list[Fact]] = [[] for _ in texts]
        todo = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip()]
        plain = [masked(as_breaks(texts[i]), known_word) for i in todo]  # emoji: a full stop
        docs = self._parser.parse([text for text, _ in plain])
        for i, doc, (_, names) in zip(todo, docs, plain, strict=True):
            out[i] = as_speaker(unmasked(self._read(doc, source), names), speakers[i])
        return out

    def _read(self, doc, source: str) -> list[Fact]:
        facts: dict[tuple[str, str, str, bool], Fact] = {}
        for sentence in doc.sents:
            if sentence.text.rstrip().endswith("?"):
                continue
            confidence = CONFIDENCE * (0.75 if HEDGE.search(sentence.text) else 1.0)
            readings = list(reread(sentence, _readings, self._parser.one))
            readings = present.settled(readings, bool(instead.replaced_words(sentence)))
            readings = replacement.it_is_now(sentence, instead.rewrite(sentence, readings))
            readings = replacement.replaced(readings)
            clauses = additions.added_clauses(sentence)
            for subject, attribute, value, negated, ends in readings:
                key = (subject, attribute, value.lower(), negated)
                fact = _fact(subject, attribute, value, negated, confidence, source, ends)
                if not negated and not ends and additions.adds(sentence, value, clauses):
                    fact = dataclasses.replace(fact, added=True)  # "I also work at KPMG"
                if attribute == "does" and not negated and (often := frequency(sentence)):
                    fact = dataclasses.replace(fact, text=habit_text(subject, value, often))
                facts.setdefault(key, fact)
        return list(facts.values())


def _fact(subject, attribute, value, negated, confidence, source, ends) -> Fact:
    return Fact(
        subject=subject,
        attribute=attribute,
        value=value,
        text=render(subject, attribute, value, negated),
        negated=negated,
        confidence=round(confidence, 3),
        source=source,
        ends=ends,
    )


# --- clauses -------------------------------------------------------------------------------


def _readings(sentence, skip: set[int] | frozenset[int] = frozenset()) -> Iterator[Reading]:
    """The sentence's readings; the predicates in `skip` are read from a restatement."""
    for pred in sentence:
        if pred.i in skip or not _asserted(pred):
            continue
        if pred.dep_ not in PREDICATE_DEPS and not _dropped_change(pred):
            continue
        if pred.pos_ in ("VERB", "AUX") or demoted_copula(pred):
            yield from _each_subject(pred)
    for owner, attribute, name in relations(sentence, predicate_index()):
        yield owner, attribute, name, False
    for owner, attribute, name in chat.listed_names(sentence, subject_of):
        yield owner, attribute, name, False
    for owner, attribute, kind in chat.here_is(sentence):  # "Vegetarian here"
        yield owner, attribute, kind, False
    for owner, attribute, name in renaming.appositive_pets(sentence):
        yield owner, attribute, name, False
    yield from noun_verbs(sentence)  # "Ines Carvalho lives in Krakow", "lives" as a noun
    yield from attitude_nouns(sentence)  # "Our neighbour detests jazz", "detests" as a noun
    for pred in sentence:
        yield from losses.owner_of_lost(pred)  # "my hamster passed away"
        if _asserted(pred) and not negation.negated_clause(pred):
            yield from dismissed(pred)  # "IKEA made me redundant"
            yield from losses.owner_of_taken(pred)  # "my bike was stolen"
        if _asserted(pred) or pred.tag_ == "VBD":  # "was a phase", "was my last shift"
            yield from bygone.ended(pred, subject_of(pred) or chat.dropped_subject(pred))
    yield from bygone.former(sentence)  # "my ex-employer Accenture"
    yield from present.fragment(sentence)  # "Brave now, firefox kept crashing"


def _dropped_change(pred) -> bool:
    """A subjectless clause of change hung on a subjectless main clause: "Walked away from
    X, been at Y since", "Bowed out of the league, ..." (chat drops the speaker)."""
    return pred.dep_ == "advcl" and chat.dropped_subject(pred) and change.is_change(pred)


def _asserted(pred) -> bool:
    """Not a hypothetical, a condition, a wish, a question or a past state."""
    if pred.tag_ == "VBD" and pred.lemma_ in STATIVE_VERBS and change.obliged(pred) is None:
        return False
    for child in pred.children:
        if child.dep_ == "aux" and child.lower_ in MODALS and not idioms.depended(pred):
            return False  # "couldn't live without X" is no hypothetical: a dependence
        if child.dep_ == "aux" and child.lower_ in ("'d", "’d") and pred.tag_ == "VB":
            return False  # "'d" before a bare verb is "would" ("I'd move"), not "had"
        if child.dep_ == "mark" and child.lower_ in CONDITIONS:
            return False
        if child.dep_ == "advmod" and child.lower_ in NEAR_MISSES:
            return False  # "my bike was nearly stolen", "I almost quit": it did not happen
    return True


def _each_subject(pred) -> Iterator[Reading]:
    """The clause's readings, for each of its coordinated subjects ("Ana and I live in Rome")."""
    others = co_subjects(pred)
    first = subject_of(pred) if others else None
    read = membership.as_membership(pred, [*_clause(pred), *membership.belongs(pred)])
    for reading in present.replacing(pred, read):  # "I'm at KPMG now"
        yield reading
        if reading[0] == first:  # not the one a clause of parting names ("Tariq and Noor")
            yield from ((other, *reading[1:]) for other in others if other not in reading[:3])


def _clause(pred) -> Iterator[Reading]:
    subject, negated = subject_of(pred) or chat.dropped_subject(pred), negation.negated_clause(pred)
    if couple := list(together(pred)):  # "Jasper and I are together"
        yield from ((s, a, v, negated) for s, a, v in couple)
    elif demoted_copula(pred):
        yield from kind_of(pred, subject, negated)
    elif pred.lemma_ == "be" and (said := idioms.copular(pred, _subject_token(pred))):
        yield from said  # "Lisbon is home now", "Yuki is a graduate of Keio"
    elif pred.lemma_ == "be":
        yield from ((s, a, v, negated) for s, a, v in chat.cleft(pred, who))
        yield from copula(pred, subject, negated)
        partners = partner_with(pred, subject) if subject is not None else ()
        yield from ((subject, a, v, negated) for a, v in partners)  # "I'm with Jasper"
        if subject is not None:  # "I'm interning for Deloitte"
            yield from ((subject, a, v, negated) for a, v in employer(pred))
    elif subject is not None and (said := idioms.stated(pred)):  # "can't live without tea"
        yield from ((subject, a, v, n) for a, v, n in said)
    elif renaming.is_renaming(pred):
        yield from () if negated else renaming.renamed(pred, subject)
    elif change.is_change(pred) and (changed := list(change.changes(pred, subject))):
        yield from () if negated else changed  # "didn't quit", "never moved out": no change
    elif (done := change.obliged(pred)) is not None:  # "we had to rehome our parrot"
        yield from () if negated else change.changes(done, subject)
    elif subject is None:
        return
    else:
        named = [(s, a, v, negated) for s, a, v in chat.naming(pred, who)]
        read = [] if named else slots(pred)  # "goes by Jess": a name, not a slot `go_by`
        read = [(subject, a, v, negated or departed) for a, v, departed in read]
        read = read or [(subject, a, v, negated) for a, v in life_events(pred)]
        read += birthplace(pred, read)  # "born in Accra": also the birthplace
        read = read or [(subject, a, v, negated) for a, v in employer(pred)]
        read += [(subject, a, v, negated) for a, v in chat.begun_place(pred, value_text)]
        read += named
        read = read or [(subject, a, v, negated) for a, v in held_or_done(pred)]
        read += [(subject, a, v, n) for a, v, n in idioms.also_stated(pred)]  # "adopted a cat"
        yield from _ended_states(pred, read) if negated else read


def _subject_token(pred):
    """The clause's nominal subject, as a token."""
    return next((c for c in pred.children if c.dep_ == "nsubj"), None)


def _ended_states(pred, read: list[Reading]) -> Iterator[tuple]:
    """A clause whose negation says a state ended ("no longer", "anymore": "I don't keep
    hens anymore", "I no longer swim") names each value as ended, so that the stored value
    it names ends in whichever wording it was stored ("hens" ends "hen", "swimming" ends
    "swimming every morning"); a plain "not" retracts the value alone."""
    if not negation.ends_a_state(pred):
        yield from read
        return
    yield from ((s, a, v, True, v) for s, a, v, neg in read if neg)
    yield from (r for r in read if not r[3])


__all__ = [
    "MODEL_PACKAGES",
    "ParseExtractor",
    "available",
    "load_pipeline",
    "predicate_index",
    "preload",
    "reset",
]
