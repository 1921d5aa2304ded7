"""Who a parsed clause is about, for the parse extractor (`extraction_parse`).

A subject is the speaker ("I"; "we", a household the speaker belongs to), a named person or
thing ("Brannoch Velt", "Alice"), someone's relative or possession named by a possessive
("my sister" -> "user's sister", "Jon's wife"), the name an appositive gives such a noun
("my sister Maria" -> "Maria"), the noun a relative clause hangs off ("Maria, who works at
Google"), or, for "he"/"she", the one person named earlier in the same text (a subject, an
object, a person after a preposition). Anything else ("it", "they", "the company") has no
referent here and states no fact.

A noun phrase that names someone through a relation ("my sister Maria", "Jon's wife Gina")
also states that relation when the vocabulary has a slot for the noun (`relations`).
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction import chat
from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.pipeline import known_adjective, predicate_index

# The speaker, and "we": a household or couple the speaker belongs to, whose home, pets and
# possessions are the speaker's ("we sold the house in Leeds", "our dog").
SPEAKER = frozenset({"i", "me", "my", "we", "us", "our"})
RELATIVE_TAGS = ("WP", "WDT")  # who, that, which
ANAPHORS = frozenset({"he", "she", "him", "her"})
# Words of kin one calls a parent or grandparent by, used as their name ("Mum's at the
# hospital now", "Dad sold the Volvo", "Grandad gave up driving"): the speaker's.
KIN_NAMES = frozenset({"mum", "mom", "mam", "mummy", "mommy", "dad", "daddy", "ma", "pa"})
KIN_NAMES |= {"nan", "nana", "nanna", "gran", "granny", "grandma", "grandad", "granddad"}
KIN_NAMES |= {"grandpa", "grandmother", "grandfather", "mother", "father"}
SUBJECT_DEPS = ("nsubj", "nsubjpass")
LOOKBACK = 200  # tokens searched for the referent of "he"/"she"
# Prepositions whose object may be a person: company, address, topic, agent.
PERSON_PREPOSITIONS = frozenset({"with", "into", "to", "about", "by", "for", "from"})
MODIFIER_DEPS = ("det", "poss", "amod", "compound", "nummod", "predet")
FINITE_TAGS = ("VBZ", "VBD", "VBP")  # verbs that take a subject of their own


def subject_of(pred) -> str | None:
    """The subject of a verb: its own, a relative clause's head, or a conjoined verb's."""
    # a name first where the parser gave two subjects ("my cousin Teodor" split in two)
    subjects = sorted(
        (c for c in _with_auxiliaries(pred) if c.dep_ in SUBJECT_DEPS),
        key=lambda c: c.pos_ != "PROPN",
    )
    for child in subjects[:1]:
        if child.tag_ in RELATIVE_TAGS and pred.dep_ == "relcl":
            return _described(pred.head)
        return who(child)
    if (named := mistagged_subject(pred)) is not None:
        return named
    if pred.dep_ == "conj" and pred.head.pos_ in ("VERB", "AUX"):
        return subject_of(pred.head)
    return None


def mistagged_subject(pred) -> str | None:
    """The name the tagger made an adjective on a finite verb that has no subject ("Bea
    lives in Coimbra": "Bea" an amod of "lives"): an adjective modifies a noun, never a
    verb, so a capitalised one before the verb stands where its subject does."""
    if pred.pos_ != "VERB" or pred.tag_ not in FINITE_TAGS:
        return None
    for child in pred.children:
        if child.dep_ == "amod" and child.i < pred.i and looks_named(child):
            return None if known_adjective(child.text) else name(child)
    return None


def _with_auxiliaries(pred) -> list:
    """The verb's dependents, and its auxiliaries' where the parser hung the subject on one
    ("Ilse is engaged to Bram": "Ilse" under "is", the passive auxiliary of "engaged")."""
    children = list(pred.children)
    auxiliaries = [c for c in children if c.dep_ in ("aux", "auxpass")]
    return children + [c for aux in auxiliaries for c in aux.children]


def _described(head) -> str | None:
    """Whom a relative clause describes: its head, or, where the head is a copula's
    complement, the copula's subject ("Ama is a nurse who lives in Hobart": Ama)."""
    if head.dep_ == "attr" and head.head.lemma_ == "be" and who(head) is None:
        return subject_of(head.head)
    return who(head)


def co_subjects(pred) -> list[str]:
    """Subjects joined to a verb's subject ("my brother and I work at Optus"): the clause
    states its fact of each of them too."""
    subject = next((c for c in pred.children if c.dep_ in SUBJECT_DEPS), None)
    if subject is None:
        return []
    return [w for c in subject.conjuncts if (w := who(c)) is not None]


def parties(pred) -> list:
    """The tokens of a verb's coordinated subject, also of the verb it is joined to
    ("Valentina and I called it off and split up"), and the name the parser hung the clause
    on ("Amara and I split; ...": "and I split" made a conjunct of "Amara")."""
    verb = pred
    while verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX") and not _subjects(verb):
        verb = verb.head
    parties = [t for s in _subjects(verb) for t in (s, *s.conjuncts)]
    name = verb.head
    if verb.dep_ == "conj" and name.pos_ == "PROPN" and any(c.dep_ == "cc" for c in name.children):
        parties.append(name)
    return parties


def _subjects(verb) -> list:
    """The verb's subjects, with a coordinated phrase before it that the parser hung on it
    as an adjunct: joined to nothing where the verb has no subject ("Paz and I parted
    ways": "Paz" an npadvmod with "I" its conjunct), or whose "and" stands right before the
    subject ("Ana and I broke up": "Ana" an npadvmod, "I" the subject)."""
    subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    adjuncts = [c for c in verb.children if c.i < verb.i and c.dep_ in ("npadvmod", "dep")]
    if not subjects:
        return [c for c in adjuncts if c.conjuncts]
    return subjects + [c for c in adjuncts if joined_to_subject(c, subjects)]


def joined_to_subject(phrase, subjects) -> bool:
    """Whether `phrase` ends in a conjunction that stands right before one of `subjects`:
    a coordinated subject the parser hung elsewhere ("Ana and I broke up"), not a topic."""
    starts = {s.left_edge.i for s in subjects}
    return any(k.dep_ == "cc" and k.i > phrase.i and k.i + 1 in starts for k in phrase.children)


def who(token) -> str | None:
    """The speaker, a name, an earlier-named person for he/she, or an owner's noun."""
    word = token.lower_
    if word in SPEAKER:
        return USER
    if word == "mine":  # a thing of the speaker ("mine's called Rex"), never the speaker
        return None
    if word in ANAPHORS:
        return antecedent(token)
    if (kin := _kin_named(token)) is not None:
        return kin  # "Mum's at the hospital now": the speaker's mum
    role = _owned_acronym(token)
    if not role and (token.pos_ == "PROPN" or looks_named(token)):
        return name(token)
    if token.pos_ != "NOUN" and not role:
        return None
    if (named := appositive_name(token) or chat.lower_case_name(token)) is not None:
        return named
    owner = next((c for c in token.children if c.dep_ == "poss"), None)
    if owner is None or (whose := who(owner)) is None:
        return None
    owners = {t.i for t in owner.subtree}  # "Siobhan Kelly's sister": the owner's name is hers
    words = [
        t
        for t in token.subtree
        if (t.dep_ in ("amod", "compound") and t.i not in owners) or t.i == token.i
    ]
    return f"{whose}'s " + " ".join(t.lower_ for t in sorted(words, key=lambda t: t.i))


def _owned_acronym(token) -> bool:
    """An abbreviation in capitals that a possessive owns ("my GP", "our CEO", "her PA"): a
    role, which the tagger makes a name; a name takes no possessive."""
    word = token.text
    return (
        len(word) > 1
        and word.isalpha()
        and word.isupper()
        and any(c.dep_ == "poss" for c in token.children)
    )


def _determined(token) -> bool:
    return any(c.dep_ in ("det", "poss", "amod", "compound") for c in token.children)


def looks_named(token) -> bool:
    """A name the tagger did not know: a capitalised singular noun with no determiner or
    modifier (in English a singular common noun takes one: "Alice"), or a capitalised
    adjective standing as a clause's subject, which an adjective never is (the small tagger
    makes a sentence-initial unknown name an adjective: "Ingrid lives in Malmo"; or an
    adjective of a verb, `mistagged_subject`), or a capitalised "plural" that is the subject
    of a verb in the third person singular, which no plural is ("Beatriz lives in Coimbra",
    "Beatriz" tagged a plural noun; "Dogs live here" agrees and stays a plural)."""
    if not token.is_title or any(c.dep_ in MODIFIER_DEPS for c in token.children):
        return False
    if token.pos_ == "ADJ":
        return token.dep_ in SUBJECT_DEPS or (token.dep_ == "amod" and token.head.pos_ == "VERB")
    if token.pos_ == "NOUN" and token.tag_ == "NNS":
        verb = token.head
        return token.dep_ in SUBJECT_DEPS and verb.pos_ == "VERB" and verb.tag_ == "VBZ"
    return token.pos_ == "NOUN" and token.tag_ == "NN"


def name(token) -> str:
    """The words of a name: the token and its compound/flat parts, not words further down
    ("Soren, who works at Vantor Labs" is Soren)."""
    words, todo = [token], [token]
    while todo:
        parts = [c for c in todo.pop().children if c.dep_ in ("compound", "flat")]
        words += parts
        todo += parts
    words.sort(key=lambda t: t.i)
    # a capitalised part the tagger took for a noun is still part of the name ("Tomasz Wrona")
    return " ".join(t.text for t in words if t.pos_ == "PROPN" or t.is_title) or token.text


def appositive_name(token) -> str | None:
    """'my sister Maria', 'Jon's wife, Gina,': the name the appositive gives the noun."""
    for child in token.children:
        if child.dep_ == "appos" and child.pos_ == "PROPN":
            return name(child)
    return None


def antecedent(token) -> str | None:
    """The referent of 'he'/'she': the one person named before it in the text, when exactly
    one is ("Caroline said she ...", "Alice moved. She ..."); none when two could be ("Tom met
    Ana and she ..."). The objects of prepositions (places, employers) and names with an
    article (things: "a Volvo") are not counted."""
    names = {
        _kin_named(t) or name(t)
        for t in token.doc[max(0, token.i - LOOKBACK) : token.i]
        if (t.pos_ == "PROPN" or looks_named(t)) and _may_refer(t) and not _with_article(t)
    }
    return names.pop() if len(names) == 1 else None


def _with_article(token) -> bool:
    """A name with an article is a thing's ("drives a Volvo", "the Tesla"): a person's name
    takes none, so no pronoun of a person points back to it."""
    return any(c.dep_ == "det" and c.lower_ in ("a", "an", "the") for c in token.children)


def _kin_named(token) -> str | None:
    """A noun of kin used as a name ("Dad got rid of the Volvo, he's got a Tesla now"): the
    speaker's relative, as `who` reads it, for the pronoun that points back to it too."""
    if token.lower_ in KIN_NAMES and token.text[:1].isupper() and not _determined(token):
        return f"{USER}'s {token.lower_}"
    return None


def _may_refer(t) -> bool:
    """A name a pronoun may point back to: not part of a longer name, not a time adverbial
    ('Yesterday I ...'), and after a preposition only where it can be a person: after one
    of company, address or topic ('had lunch with X', 'ran into X', 'wrote to X'), unless
    the verb and preposition make it a slot's value ('moved to X', 'works for X') or it
    is recognised as a place."""
    if t.dep_ in ("compound", "flat", "npadvmod"):
        return False
    if t.dep_ != "pobj" or entity_type(t) == "PERSON":
        return True
    prep = t.head
    if prep.lower_ not in PERSON_PREPOSITIONS or entity_type(t) in ("GPE", "LOC", "FAC"):
        return False
    return f"{prep.head.lemma_.lower()} {prep.lower_}" not in predicate_index()


def relations(sentence, index: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """(owner, attribute, name) that a possessive noun with a name states: 'my sister
    Maria' -> (user, has_sibling, Maria), 'Marco, my cousin,' and 'Jon's wife Gina' alike."""
    for token in sentence:
        if token.pos_ != "NOUN":
            continue
        owner = next((c for c in token.children if c.dep_ == "poss"), None)
        attribute = index.get(token.lemma_.lower()) or index.get(token.lower_)
        if owner is None or attribute is None:
            continue
        named = appositive_name(token)
        if named is None and token.dep_ == "appos" and token.head.pos_ == "PROPN":
            named = name(token.head)
        if named is not None and (whose := who(owner)) is not None:
            yield whose, attribute, named


__all__ = [
    "antecedent",
    "joined_to_subject",
    "looks_named",
    "parties",
    "relations",
    "subject_of",
    "who",
]
