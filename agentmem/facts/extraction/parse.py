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
`extraction_pipeline`; predicates the table lacks, by meaning: `extraction_similar`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from agentmem.adapters.coalesce import Coalescer
from agentmem.facts.extraction import chat
from agentmem.facts.extraction.base import FactExtractor, as_speaker, render
from agentmem.facts.extraction.patterns import HEDGE, OCCUPATIONS
from agentmem.facts.extraction.pipeline import (
    LIGHT_VERBS,
    MODEL_PACKAGES,
    available,
    load_pipeline,
    names_a_kind,
    predicate_index,
    preload,
    reset,
)
from agentmem.facts.extraction.similar import similar_attribute
from agentmem.facts.extraction.subjects import looks_named, relations, subject_of, who
from agentmem.facts.vocabulary import canonical
from agentmem.types import Fact

log = logging.getLogger("agentmem.extraction")
MAX_VALUE_WORDS = 8
BATCH = 64  # texts per parse call
CONFIDENCE = 0.8
PREDICATE_DEPS = ("ROOT", "conj", "ccomp", "parataxis", "relcl")
MODALS = frozenset({"would", "could", "should", "might", "may", "must", "shall"})
CONDITIONS = frozenset({"if", "unless", "whether", "when", "once", "until", "before"})
FAVOURITE = frozenset({"favourite", "favorite", "fav", "favourit"})
# Verbs of ending: the object they name is no longer a value of the subject.
ENDING_VERBS = frozenset({"leave", "quit", "stop", "resign", "abandon", "ditch"})
# Stative verbs: in the past tense they describe what was, not what is ("I lived in Rome",
# "I was 17"); verbs of change in the past tense ("I moved to", "I joined") state a result.
STATIVE_VERBS = frozenset(
    {"be", "live", "reside", "work", "like", "love", "enjoy", "hate", "dislike", "prefer"}
    | {"speak", "own", "have", "know", "belong", "stay"}
)
VALUE_POS = frozenset({"NOUN", "PROPN", "NUM", "VERB", "X"})
# A named object's entity type says which slot an ending verb ends when nothing else does.
ENDED_SLOT = {"ORG": "works_at", "GPE": "lives_in", "LOC": "lives_in", "FAC": "lives_in"}
# Components run only when a reading asks for what they annotate: the entity recogniser
# (its own token encoder, nothing after it in the pipeline) is about half of a parse, and
# only a few readings look at an entity type.
ON_DEMAND = ("ner",)
_LATER = "agentmem_on_demand"  # Doc.user_data key: the components not yet run on the doc


class ParseExtractor(FactExtractor):
    """Facts of any subject from a dependency parse; a few ms a sentence on a CPU.

    Concurrent callers (a server's adds) share one batched parse (`nlp.pipe`), which costs
    far less per text than one parse each; a text whose parse fails fails its caller only.
    """

    name = "parse"
    fast = False

    def __init__(self, nlp: Any = None) -> None:
        self.nlp = nlp or load_pipeline()
        if self.nlp is None:
            raise RuntimeError("ParseExtractor needs an English spaCy pipeline; see load_pipeline")
        self._later = [n for n in ON_DEMAND if n in self.nlp.pipe_names]
        self._parses = Coalescer(self._parse, max_batch=BATCH, isolate=True)

    def _extract(self, text: str, *, source: str) -> list[Fact]:
        doc = self._parses.run([_clean(text)])[0]
        return self._read(chat.repaired(doc, self.nlp), source)

    def _parse(self, texts: list[str]) -> list[Any]:
        docs = list(self.nlp.pipe(texts, disable=self._later, batch_size=BATCH))
        later = [(n, self.nlp.get_pipe(n)) for n in self._later]
        for doc in docs:
            doc.user_data[_LATER] = later
        return docs

    def extract_many(
        self,
        texts: Sequence[str],
        *,
        source: str = "user",
        speakers: Sequence[str | None] | None = None,
    ) -> list[list[Fact]]:
        """One batched parse for many texts (several times faster than one by one)."""
        speakers = speakers or [None] * len(texts)
        out: list[list[Fact]] = [[] for _ in texts]
        todo = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip()]
        cleaned = [_clean(texts[i]) for i in todo]
        # in batches: an add that arrives during a long consolidation pass waits for one
        # batch, not for the whole pass
        docs = [
            doc
            for start in range(0, len(cleaned), BATCH)
            for doc in self._parses.run(cleaned[start : start + BATCH])
        ]
        docs = [chat.repaired(doc, self.nlp) for doc in docs]  # "my dog's called Rex"
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


def _entity_type(token) -> str:
    """The token's entity type, running the on-demand components on its doc first."""
    later = token.doc.user_data.pop(_LATER, ())
    for _, component in later:
        component(token.doc)
    return token.ent_type_


def _clean(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


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
Reading = tuple[str, str, str, bool]  # subject, attribute, value, negated


def _readings(sentence) -> Iterator[Reading]:
    for pred in sentence:
        if pred.dep_ in PREDICATE_DEPS and pred.pos_ in ("VERB", "AUX") and _asserted(pred):
            yield from _clause(pred)
    for owner, attribute, name in relations(sentence, predicate_index()):
        yield owner, attribute, name, False
    for owner, attribute, name in chat.listed_names(sentence, subject_of):
        yield owner, attribute, name, False


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


def _clause(pred) -> Iterator[Reading]:
    subject, negated = subject_of(pred) or chat.dropped_subject(pred), _negated(pred)
    if pred.lemma_ == "be":
        yield from ((s, a, v, negated) for s, a, v in chat.cleft(pred, who))
        yield from _copula(pred, subject, negated)
    elif subject is None:
        return
    elif pred.lemma_ in ENDING_VERBS:
        yield from _ending(pred, subject)
    else:
        for attribute, value, departed in _slots(pred):
            yield subject, attribute, value, negated or departed
        for attribute, value in chat.begun_place(pred, _value):  # "got a job at X"
            yield subject, attribute, value, negated
        yield from ((s, a, v, negated) for s, a, v in chat.naming(pred, who))


def _negated(pred) -> bool:
    """'not', 'never', 'anymore', 'no longer' (whose 'no' hangs off 'longer')."""
    for child in pred.children:
        if child.dep_ == "neg" or child.lower_ in ("anymore", "never"):
            return True
        if child.lower_ == "longer" and any(c.lower_ == "no" for c in child.children):
            return True
    return False


# --- predicates -> slots -------------------------------------------------------------------
def _slots(pred) -> Iterator[tuple[str, str, bool]]:
    """(attribute, value, negated) a verb and its objects state, through the attribute table."""
    index = predicate_index()
    base = pred.lemma_.lower()
    particle = " ".join(c.lower_ for c in pred.children if c.dep_ == "prt")
    head = f"{base} {particle}".strip()
    moved = any(c.dep_ == "dobj" for c in pred.children)  # "moved the meeting to Friday"
    for child in pred.children:
        if child.dep_ in ("prep", "dative", "agent") and not moved:
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            attribute, negated = _predicate(head, child.lower_, obj), False
            if attribute is None and child.lower_ == "from":  # "moved from X (to Y)"
                attribute, negated = _predicate(head, "to", obj), True
            for each in (obj, *obj.conjuncts) if obj is not None and attribute else ():
                if (value := _value(each)) and _fits(attribute, each):
                    yield attribute, value, negated
        elif child.dep_ == "dobj" and (attribute := index.get(head)):
            for each in (child, *child.conjuncts):
                if (value := _value(each)) and _fits(attribute, each):
                    yield attribute, value, False
        elif child.dep_ == "xcomp" and child.pos_ == "VERB" and (attribute := index.get(head)):
            if not any(c.dep_ == "aux" for c in child.children):  # "love hiking", not "plan to"
                if value := _value(child):
                    yield attribute, value, False


def _predicate(head: str, preposition: str, obj) -> str | None:
    """The slot a verb and preposition name: through the table, else (for a named object,
    and a verb with a meaning of its own) by meaning (`extraction_similar`)."""
    attribute = predicate_index().get(f"{head} {preposition}")
    if attribute is None and obj is not None and obj.pos_ == "PROPN":
        if head.split()[0] not in LIGHT_VERBS:
            attribute = similar_attribute(head, preposition)
    return attribute


def _fits(attribute: str, obj) -> bool:
    """Job titles are occupations; 'I work at home' names no employer."""
    if attribute == "job_title":
        return obj.lemma_.lower() in OCCUPATIONS
    if attribute == "works_at":
        return obj.pos_ == "PROPN" or _entity_type(obj) == "ORG"
    return True


def _value(token, *, adjective: bool = False) -> str:
    """The object's words, without leading determiners; 'the village of Ashcombe' -> the name."""
    if token.pos_ == "NOUN":
        for prep in (c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"):
            name = next((c for c in prep.children if c.pos_ == "PROPN"), None)
            if name is not None:
                return _value(name)
    named_kind = token.pos_ == "ADJ" and _entity_type(token) in ("NORP", "LANGUAGE")  # "dutch"
    if token.pos_ not in VALUE_POS and not ((adjective or named_kind) and token.pos_ == "ADJ"):
        return ""  # "it", "how much", "a few": no value of its own
    words = [t for t in token.subtree if t.i == token.i or not _cut(t, token)]
    while words and (words[0].dep_ in ("det", "poss", "predet") or words[0].lower_ == "my"):
        words = words[1:]
    text = "".join(t.text_with_ws for t in words).strip(" ,.;:-!")
    return text if text and len(text.split()) <= MAX_VALUE_WORDS else ""


def _cut(t, root) -> bool:
    """Words that are not part of the value: relative clauses and other conjuncts ("tea and
    coffee" are two values)."""
    while t.i != root.i:
        if t.dep_ in ("relcl", "acl", "cc", "conj"):
            return True
        t = t.head
    return False


def _ending(pred, subject: str) -> Iterator[Reading]:
    """'left Initech', 'quit my job at Hooli', 'stopped working at Globex': retractions."""
    for child in pred.children:
        if child.dep_ == "xcomp" and child.pos_ == "VERB":
            for attribute, value, _ in _slots(child):
                yield subject, attribute, value, True
        elif child.dep_ == "dobj" and child.pos_ == "PROPN":  # "left Initech"
            # the slot the sentence goes on to state ("...; now I work at Hooli"), else the
            # entity type's hint; the resolver moves a retraction to the slot that holds it
            attribute = _parallel_slot(pred, subject) or ENDED_SLOT.get(
                _entity_type(child), "works_at"
            )
            if value := _value(child):
                yield subject, attribute, value, True
        elif child.dep_ == "dobj":  # "quit my job at Hooli"
            yield from _ended_place(child, pred, subject)


def _parallel_slot(pred, subject: str) -> str | None:
    """The one slot the other clauses of the sentence state for the same subject: what a
    verb of ending ends in "I left Initech; these days I work at Hooli"."""
    slots = {
        attribute
        for other in pred.sent
        if other.i != pred.i
        and other.dep_ in PREDICATE_DEPS
        and other.pos_ == "VERB"
        and other.lemma_ not in ENDING_VERBS
        and subject_of(other) == subject
        for attribute, _, _ in _slots(other)
    }
    slots.discard("job_title")  # "... at Hooli as a plumber": the place, not the role, ends
    return slots.pop() if len(slots) == 1 else None


def _ended_place(noun, pred, subject: str) -> Iterator[Reading]:
    for prep in (c for c in (*noun.children, *pred.children) if c.dep_ == "prep"):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if obj is None or obj.pos_ != "PROPN":
            continue
        index = predicate_index()
        attribute = index.get(f"{noun.lemma_.lower()} {prep.lower_}") or ENDED_SLOT.get(
            _entity_type(obj)
        )
        if attribute and (value := _value(obj)):
            yield subject, attribute, value, True
            return


def _copula(pred, subject: str, negated: bool) -> Iterator[Reading]:
    """'X is Y': favourites either way round, names, ages, occupations, 'from', 'married to'."""
    subj = next((c for c in pred.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    comp = next((c for c in pred.children if c.dep_ in ("attr", "acomp")), None)
    if (yield from _favourite(subj, comp, negated)) or subject is None:
        return
    if comp is None:
        for child in (c for c in pred.children if c.dep_ == "prep" and c.lower_ == "from"):
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if obj is not None and (value := _value(obj)):
                yield subject, "from", value, negated
        return
    index = predicate_index()
    for child in (c for c in comp.children if c.dep_ == "prep"):
        attribute = index.get(f"{comp.lower_} {child.lower_}") or index.get(
            f"{comp.lemma_.lower()} {child.lower_}"
        )
        obj = next((c for c in child.children if c.dep_ == "pobj"), None)
        if attribute and obj is not None and (value := _value(obj)):
            yield subject, attribute, value, negated
            return
    if comp.lower_ == "old" or (comp.like_num and comp.text.isdigit()):  # "34 years old", "34"
        number = next((t for t in comp.subtree if t.text.isdigit()), None)
        if number is not None and 0 < int(number.text) < 130:
            yield subject, "age", number.text, negated
    elif comp.pos_ == "NOUN" and comp.lemma_.lower() in OCCUPATIONS:
        yield subject, "job_title", _value(comp), negated
    elif comp.pos_ in ("NOUN", "PROPN") and comp.dep_ == "attr" and _is_kind(comp):
        if value := _value(comp):
            yield subject, "is_a", value, negated
    elif comp.pos_ == "ADJ" and not any(comp.children) and names_a_kind(comp.lower_):
        yield subject, "is_a", comp.text, negated  # "I am vegetarian", not "I am tired"


def _is_kind(comp) -> bool:
    """'vegan', 'a Buddhist', 'a night owl': a kind the subject is; not a relational noun
    ('part of this journey', 'a mix of excited'), a possession or a long description."""
    words = list(comp.subtree)
    return len(words) <= 4 and not any(t.dep_ in ("prep", "poss", "relcl", "acl") for t in words)


def _favourite(subj, comp, negated: bool):
    """A slot of an owner that a possessive noun names, either way round: 'My favourite
    season is autumn', 'Autumn is Anna's favorite season', 'My name is X', 'Alice's husband
    is Bob', 'My employer is Hooli', 'My brother's name is Tom' (the user's sibling).
    Returns whether the clause was one of these."""
    if subj is None or comp is None:
        return False
    for thing, value in ((subj, comp), (comp, subj)):
        owner = next((c for c in thing.children if c.dep_ == "poss"), None)
        if owner is None:  # a favourite is someone's: "my", "Anna's"
            continue
        slot = _owned_slot(thing, owner)
        if slot is None and value.pos_ == "PROPN":  # "my dog is Rex": the dog's name
            slot = _named(thing, owner)
        if slot is None:
            continue
        whose, attribute = slot
        if not _names_value(attribute, value):  # "my older sister is 34": her age
            return False
        if whose and (text := _value(value, adjective=True)):
            yield whose, attribute, text, negated
        return True
    return False


def _owned_slot(thing, owner) -> tuple[str | None, str] | None:
    """(owner, attribute) the possessed noun names, through the attribute table; a name
    of someone's relative or pet is that relation of its owner ("my brother's name")."""
    if any(c.dep_ == "amod" and c.lower_ in FAVOURITE for c in thing.children):
        return who(owner), canonical(f"favorite {_normal_noun(thing)}")
    index = predicate_index()
    if thing.lemma_ == "name" and owner.pos_ == "NOUN":
        grand = next((c for c in owner.children if c.dep_ == "poss"), None)
        relation = index.get(f"{owner.lemma_.lower()} 's name") or index.get(owner.lemma_.lower())
        if grand is not None and relation is not None:
            return who(grand), relation
    if thing.lemma_ == "name":
        return who(owner), "name"
    if thing.pos_ == "NOUN" and (attribute := _compound_slot(thing, index)):
        return who(owner), attribute
    return None


def _compound_slot(thing, index: dict[str, str]) -> str | None:
    """The slot a possessed noun names, read with its compound words first ('home town'
    is the table's 'hometown', not 'town'), spaced or written as one word."""
    words = [c.lower_ for c in thing.children if c.dep_ == "compound" and c.i < thing.i]
    head = thing.lemma_.lower()
    if words:
        for key in (" ".join([*words, head]), "".join([*words, head])):
            if key in index:
                return index[key]
    return index.get(head)


def _named(thing, owner) -> tuple[str | None, str]:
    """The slot a possessed noun's name fills: the owner's pet name or relation where the
    table has one ("my dog is Rex" -> pet_name), else the name of the owner's noun."""
    relation = predicate_index().get(f"{thing.lemma_.lower()} 's name")
    return (who(owner), relation) if relation else (who(thing), "name")


def _names_value(attribute: str, value) -> bool:
    """A favourite or a name takes any value; another slot a possessive noun names takes a
    name ('my home is Leeds', not 'my home is a mess'), or an occupation."""
    if attribute in ("name", "pet_name") or attribute.startswith("favorite_"):
        return True
    if attribute == "job_title":
        return _fits(attribute, value)
    return value.pos_ == "PROPN" or looks_named(value)


def _normal_noun(token) -> str:
    """The noun in the spelling the vocabulary keys slots by (colour -> color)."""
    from agentmem.facts.sameness import content_words

    return next(iter(content_words(token.lemma_.lower())), token.lemma_.lower())


__all__ = [
    "MODEL_PACKAGES",
    "ParseExtractor",
    "available",
    "load_pipeline",
    "predicate_index",
    "preload",
    "reset",
]
