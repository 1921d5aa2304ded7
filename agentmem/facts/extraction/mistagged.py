"""Verbs the tagger took for nouns, read by their position (`extraction_parse`).

A third-person verb ends in -s like a plural noun, and after a name the small tagger often
reads it as one: "Ines Carvalho lives in Krakow" comes back as a verbless phrase whose
root is the name with "lives" as its object, and "X is a welder and lives in Y" joins
"lives" to "welder". A plural noun that stands where the clause's verb would (right after
a name that is the root of a verbless sentence, or coordinated with a copula's complement)
and whose -s-less form with its preposition is a predicate of the attribute table is read
as that verb, with the subject the position gives it. So is a base form joined to a verb
("I live in Hobart and work at Telstra": "work" tagged as a noun conjunct of "live"): the
second verb of a coordination shares the first one's subject. A verbless sentence whose
root is such a noun, opened by a capitalised word the tagger hung on it as an adjective
("Dagrun lives in Bergen": "Dagrun" an amod of "lives"), has that word as its subject,
unless the lexicon lists it as an adjective ("Short lives in poverty").

A noun the tagger made an adjective where only a noun phrase can stand (the focus of a
pseudo-cleft, which fills an object's gap: "What I can't bear is coriander") is told from
a true adjective ("What I said is true") by the word alone in a frame that admits only a
noun ("A coriander is here."): `adjective_noun`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from agentmem.facts.extraction.lexicon import ATTITUDE_VERBS
from agentmem.facts.extraction.pipeline import known_adjective, predicate_index
from agentmem.facts.extraction.subjects import name, subject_of, who
from agentmem.facts.extraction.values import MAX_VALUE_WORDS, fits, value_text

COMPLEMENT_DEPS = ("attr", "acomp", "dobj")
PHRASE_POS = frozenset({"DET", "PRON", "ADJ", "NOUN", "PROPN", "NUM", "X"})


def noun_verbs(sentence) -> Iterator[tuple[str, str, str, bool]]:
    """(subject, attribute, value, negated) of verbs tagged as plural nouns."""
    index = predicate_index()
    for noun in sentence:
        forms = _verb_forms(noun) if noun.pos_ == "NOUN" else ()
        if not forms:
            continue
        subject = _subject(noun, sentence)
        if subject is None:
            continue
        for prep in _preps(noun):
            obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            attribute = next(
                (a for v in forms if (a := index.get(f"{v} {prep.lower_}"))),
                None,
            )
            if (
                attribute
                and obj is not None
                and (value := value_text(obj))
                and fits(attribute, obj)
            ):
                yield subject, attribute, value, False


def attitude_nouns(sentence) -> Iterator[tuple[str, str, str, bool]]:
    """(subject, likes/dislikes, value, False) of a verb of liking in the third person that
    the tagger joined as a word into a verbless noun phrase ("Our neighbour detests jazz":
    'detests' a compound of 'jazz'; "Grete loathes tarragon": 'Grete' an adjective of it).
    Such a verb is transitive by meaning, so the words before it are its subject (a name, or
    a possessed noun) and the noun phrase after it, to the sentence's end, its object."""
    if any(t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX") for t in sentence):
        return
    for verb in sentence:
        attribute = _attitude(verb)
        if attribute is None or verb.i == sentence.start:
            continue
        before = verb.doc[verb.i - 1]
        subject = who(before)
        if subject is None and before.is_title and before.i == sentence.start:
            subject = None if known_adjective(before.text) else before.text
        words = [t for t in verb.doc[verb.i + 1 : sentence.end] if not t.is_punct]
        if subject is None or not words or len(words) > MAX_VALUE_WORDS:
            continue
        if any(t.pos_ not in PHRASE_POS for t in words):
            continue  # a clause of its own after the verb, not one noun phrase
        while words and words[0].pos_ in ("DET", "PRON"):
            words = words[1:]
        if words:
            yield subject, attribute, " ".join(t.text for t in words), False
        return


def _attitude(token) -> str | None:
    """The slot of a third-person form of a verb of liking or disliking ("adores",
    "loathes"), where the tagger did not read it as the clause's verb."""
    word = token.lower_
    if not word.endswith("s") or token.dep_ in ("ROOT", "conj") and token.pos_ == "VERB":
        return None
    stems = {word[:-1], word[:-2]} if word.endswith("es") else {word[:-1]}
    return next((a for a, verbs in ATTITUDE_VERBS.items() if stems & set(verbs)), None)


def adjective_noun(token, parse: Callable[[str], Any] | None) -> bool:
    """An adjective-tagged word that `parse` (text -> doc) tags a noun in a noun's frame."""
    if parse is None or token.pos_ != "ADJ" or not token.is_alpha:
        return False
    return _noun_in_frame(token.lower_, parse)


@functools.lru_cache(maxsize=1024)
def _noun_in_frame(word: str, parse) -> bool:
    doc = parse(f"A {word} is here.")
    return any(t.lower_ == word and t.pos_ == "NOUN" for t in doc)


def _subject(noun, sentence) -> str | None:
    """Whose verb the noun is: the name it follows in a verbless sentence, or the subject
    of the copula whose complement it is coordinated with."""
    head = noun.head
    if noun.dep_ == "conj" and head.pos_ == "VERB":  # "live in X and work at Y"
        return subject_of(head)
    if noun.dep_ == "conj" and head.dep_ in COMPLEMENT_DEPS and head.head.pos_ in ("VERB", "AUX"):
        return subject_of(head.head)
    verbless = not any(t.pos_ in ("VERB", "AUX") for t in sentence)
    if verbless and head.dep_ == "ROOT" and head.pos_ == "PROPN" and noun.i == head.i + 1:
        return name(head)
    if verbless and noun.dep_ == "ROOT":  # "Dagrun lives in Bergen": "Dagrun" an amod of it
        first = sentence[0]
        if first.i == noun.i - 1 and first.dep_ == "amod" and first.head.i == noun.i:
            named = first.is_title and first.pos_ in ("ADJ", "PROPN")
            return name(first) if named and not known_adjective(first.text) else None
    return None


def _preps(noun) -> list:
    """The noun's prepositions, and those after it that the parser hung on the complement
    it is coordinated with ("a welder and lives in Porto": "in" under "welder")."""
    own = [c for c in noun.children if c.dep_ == "prep"]
    if noun.dep_ != "conj":
        return own
    return own + [c for c in noun.head.children if c.dep_ == "prep" and c.i > noun.i]


def _verb_forms(noun) -> tuple[str, ...]:
    """The base forms a noun that may be a verb can have: a third-person -s form's (lives ->
    live, teaches -> teach), or the word itself where it is joined to a verb ("and work")."""
    word = noun.lower_
    if noun.tag_ == "NNS" and word.endswith("s"):
        return (word[:-1], word[:-2]) if word.endswith("es") else (word[:-1],)
    if noun.dep_ == "conj" and noun.head.pos_ == "VERB":
        return (word,)
    return ()


__all__ = ["adjective_noun", "attitude_nouns", "noun_verbs"]
