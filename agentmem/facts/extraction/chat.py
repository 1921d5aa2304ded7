"""Clause shapes of chat for the parse extractor (`extraction_parse`): forms people type in
conversation that the written-prose readings miss.

    dropped subject   "just moved to Utrecht", "started a new job at Hooli": a finished
                      clause with no subject is the speaker's own report (diary style)
    begun place       "got a job at X", "started a new job at X": a verb of having or
                      beginning whose object noun and preposition name a slot ("job at")
    listed names      "I have two kids, Maya and Leo": the names an appositive lists for a
                      noun the subject has, each a value of the noun's slot
    cleft             "Berlin is where I live", "Osaka is where she grew up": the place is
                      the object of the clause that "where" opens
    lower-case name   "my sister jess works at X": a bare noun the relation noun modifies
    contracted "is"   "my dog's called Rex": an "'s" the tagger took for a possessive but
                      that a participle follows is "is" (or "has"); the text is parsed again
    "X here"          "Vegetarian here", "Night owl here, obviously": a verbless sentence
                      whose head is a kind with "here" says the speaker is one

Each is read from the dependency parse, never from the words of one phrasing.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.lexicon import names_a_being, pet_kind, pet_name
from agentmem.facts.extraction.pipeline import LIGHT_VERBS, names_a_kind, predicate_index
from agentmem.facts.extraction.similar import similar_attribute

# Verbs of having or starting something: the mirror of the parse's verbs of ending.
BEGINNING_VERBS = frozenset({"have", "get", "start", "begin", "land", "take", "accept"})
NAMING_VERBS = frozenset({"call", "name"})
SUBJECT_DEPS = ("nsubj", "nsubjpass", "expl", "csubj")
# Words of an adverbial that place a clause in the past.
PAST_TIMES = frozenset({"yesterday", "ago", "last"})


def dropped_subject(pred) -> str | None:
    """The speaker, for a past-tense main verb with no subject of its own ("just moved to
    X"): chat drops "I" from reports; an imperative ("book the dentist") is not past. Also
    a past clause hung on a main clause that has no subject either ("walked away from X,
    been at Y since": both the speaker's), a perfect "been" without its "have" ("been at
    Y ever since"), and a verb whose past is its bare form, which a time in the past makes
    a report ("quit subway yesterday", "put in my notice last week")."""
    if any(c.dep_ in SUBJECT_DEPS or c.dep_ == "aux" for c in pred.children):
        return None
    if pred.dep_ in ("advcl", "conj") and pred.head.dep_ == "ROOT":
        if any(c.dep_ in SUBJECT_DEPS for c in pred.head.children):
            return None
    elif pred.dep_ != "ROOT":
        return None
    been = pred.lemma_ == "be" and pred.tag_ == "VBN"
    if pred.pos_ != "VERB" and not been:
        return None
    if pred.tag_ in ("VBD", "VBN") or (pred.tag_ == "VB" and _in_the_past(pred)):
        return USER
    return None


def _in_the_past(pred) -> bool:
    """An adverbial of the verb that places it in the past ("yesterday", "last week", "two
    days ago"), or a coordinated verb in the past ("put in my notice and walked out")."""
    if any(c.dep_ == "conj" and c.tag_ == "VBD" for c in pred.children):
        return True
    for child in (c for c in pred.children if c.dep_ in ("npadvmod", "advmod")):
        words = {t.lower_ for t in child.subtree}
        if words & PAST_TIMES:
            return True
    return False


def begun_place(pred, value_of) -> Iterator[tuple[str, str]]:
    """(attribute, value) of "got a job at X": object noun + preposition as a slot;
    `value_of` gives a token's value words (the parse's)."""
    if pred.lemma_.lower() not in BEGINNING_VERBS:
        return
    index = predicate_index()
    verb_preps = [c for c in pred.children if c.dep_ == "prep"]  # attached to the verb
    for noun in (c for c in pred.children if c.dep_ == "dobj" and c.pos_ == "NOUN"):
        for prep in [c for c in noun.children if c.dep_ == "prep"] + verb_preps:
            attribute = index.get(f"{noun.lemma_.lower()} {prep.lower_}")
            obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if attribute and obj is not None and obj.pos_ == "PROPN" and (value := value_of(obj)):
                yield attribute, value


def listed_names(sentence, subject_of) -> Iterator[tuple[str, str, str]]:
    """(owner, attribute, name) for "I have two kids, Maya and Leo": an object noun the
    subject has, with the names its appositive lists (and their conjuncts)."""
    index = predicate_index()
    for noun in sentence:
        if noun.dep_ != "dobj" or noun.pos_ != "NOUN" or noun.head.lemma_ not in LIGHT_VERBS:
            continue
        lemma = noun.lemma_.lower()
        attribute = index.get(f"{lemma} 's name") or index.get(lemma)
        owner = subject_of(noun.head)
        if attribute is None or owner is None:
            continue
        for each in _listed(noun):
            yield owner, attribute, each.text


def _listed(noun) -> list:
    """The names a noun lists: its appositive and their conjuncts ("two kids, Maya and
    Leo"), or, for a counted plural the parser joined to the names, its conjoined names."""
    appos = next((c for c in noun.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
    if appos is not None:
        return [t for t in (appos, *appos.conjuncts) if t.pos_ == "PROPN"]
    counted = noun.tag_ == "NNS" and any(c.dep_ == "nummod" for c in noun.children)
    named = [t for t in noun.conjuncts if t.pos_ == "PROPN"]
    return named if counted and len(named) >= 2 else []


def cleft(pred, who) -> Iterator[tuple[str, str, str]]:
    """(subject, attribute, place) of "X is where S V": the clause "where" opens states
    its subject's slot with X as the object of "in"."""
    place = next((c for c in pred.children if c.dep_ == "nsubj" and c.pos_ == "PROPN"), None)
    if place is None:
        return
    for clause in (c for c in pred.children if c.dep_ in ("advcl", "ccomp", "attr")):
        if not any(c.lower_ == "where" for c in clause.children) or clause.pos_ != "VERB":
            continue
        subj = next((c for c in clause.children if c.dep_ == "nsubj"), None)
        subject = who(subj) if subj is not None else None
        particle = " ".join(c.lower_ for c in clause.children if c.dep_ == "prt")
        head = f"{clause.lemma_.lower()} {particle}".strip()
        attribute = predicate_index().get(f"{head} in")
        if attribute is None and head.split()[0] not in LIGHT_VERBS:
            attribute = similar_attribute(head, "in")
        if subject and attribute:
            yield subject, attribute, _place_name(place)


def _place_name(token) -> str:
    words = [c for c in token.subtree if c.dep_ in ("compound", "flat") or c.i == token.i]
    return " ".join(t.text for t in sorted(words, key=lambda t: t.i))


def lower_case_name(token) -> str | None:
    """'my sister jess': a bare singular noun (no determiner) that a possessed relation
    noun modifies is the relative's name, typed in lower case."""
    if token.pos_ != "NOUN" or token.tag_ != "NN":
        return None
    if any(c.dep_ in ("det", "amod") for c in token.children):
        return None
    index = predicate_index()
    owned = any(c.dep_ == "poss" for c in token.children)  # "my" hung on the name or on
    for relation in (c for c in token.children if c.dep_ == "compound" and c.i < token.i):
        word = relation.lemma_.lower()
        if (
            index.get(word)
            and names_a_being(word)  # "my home number": a thing's noun, no one named
            and (owned or any(c.dep_ == "poss" for c in relation.children))
        ):  # the relation noun ("my sister jess", parsed either way)
            return token.text
    return None


def naming(pred, who) -> Iterator[tuple[str, str, str]]:
    """(owner, attribute, name) of "my dog is called Rex", "Anna's son is named Leo", "my
    sister goes by Jess", "my brother is known as Sam": a verb of naming gives its
    subject's name; a named pet of an owner is the owner's `pet_name`, with its kind ("Rex
    (dog)"); a named relative is that relation of the owner where the vocabulary has one."""
    thing, named = _named_by(pred)
    if thing is None or named is None:
        return
    owner = next((c for c in thing.children if c.dep_ == "poss"), None)
    index, lemma = predicate_index(), thing.lemma_.lower()
    relation = index.get(f"{lemma} 's name") or index.get(lemma)
    if owner is not None and (kind := pet_kind(thing)) and (whose := who(owner)):
        yield whose, "pet_name", pet_name(named.text, kind)  # "our cat is named Pepper"
    elif owner is not None and relation and (whose := who(owner)):
        yield whose, relation, named.text
    elif (whom := who(thing)) is not None:
        yield whom, "name", named.text


def _named_by(pred):
    """(the thing named, its name) of a clause of naming, or (None, None): a passive verb
    of naming ("is called Rex", "is named Leo"), "go by" a name, or the passive "known as"
    a name."""
    verb = pred.lemma_.lower()
    passive = any(c.dep_ == "auxpass" for c in pred.children)
    subject = next((c for c in pred.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if verb in NAMING_VERBS and passive:
        kids = (c for c in pred.children if c.dep_ in ("oprd", "attr", "dobj"))
    elif (verb == "go" and not passive) or (verb == "know" and passive):
        by = "by" if verb == "go" else "as"
        preps = (c for c in pred.children if c.dep_ == "prep" and c.lower_ == by)
        kids = (o for p in preps for o in p.children if o.dep_ == "pobj")
    else:
        return None, None
    return subject, next((c for c in kids if c.pos_ == "PROPN"), None)


def here_is(sentence) -> Iterator[tuple[str, str, str]]:
    """(speaker, "is_a", kind) of a verbless "X here" ("Vegetarian here, for the record"):
    chat's way of saying "I am X"; the head has no subject and no verb governs it."""
    root = sentence.root
    if root.pos_ not in ("ADJ", "NOUN", "PROPN") or not names_a_kind(root.lower_):
        return
    if any(c.dep_ in SUBJECT_DEPS for c in root.children):
        return
    if any(c.dep_ == "advmod" and c.lower_ == "here" and c.i == root.i + 1 for c in root.children):
        words = [t for t in root.lefts if t.dep_ == "compound"] + [root]
        yield USER, "is_a", " ".join(t.text if t.pos_ == "PROPN" else t.lower_ for t in words)


def repaired(doc, nlp):
    """`doc`, or the text parsed again with "is"/"has" for each possessive "'s" followed by
    what cannot begin the noun phrase a possessive needs: a participle ("my dad's retired"),
    a preposition ("my partner's from Cork"), a determiner ("Sam's a nurse") or a number
    that ends the phrase ("my brother's 25"); and each "'s" taken for the passive's "is"
    before "got" ("he's got a Tesla now"), which is "has": "is got" is no English."""
    spans = [
        t
        for t in doc[:-1]
        if t.lower_ == "'s"
        and ((t.tag_ == "POS" and _no_phrase(t)) or (t.dep_ == "auxpass" and _got(doc[t.i + 1])))
    ]
    if not spans:
        return doc
    parts, start = [], 0
    for t in spans:
        verb = "has" if doc[t.i + 1].lower_ in ("been", "got", "gotten") else "is"
        parts += [doc.text[start : t.idx], f" {verb}"]
        start = t.idx + len(t.text)
    return nlp(doc.text[:0].join(parts) + doc.text[start:])


def _got(token) -> bool:
    return token.lower_ in ("got", "gotten")


def _no_phrase(clitic) -> bool:
    """Whether the word after a possessive "'s" cannot begin a noun phrase it possesses."""
    doc = clitic.doc
    after = doc[clitic.i + 1]
    if after.tag_ in ("VBN", "VBG", "DT") or (after.tag_ == "IN" and after.lower_ != "of"):
        return True
    following = doc[after.i + 1] if after.i + 1 < len(doc) else None
    return after.tag_ == "CD" and (following is None or following.pos_ not in ("NOUN", "PROPN"))


__all__ = [
    "begun_place",
    "cleft",
    "dropped_subject",
    "here_is",
    "listed_names",
    "lower_case_name",
    "naming",
    "repaired",
]
