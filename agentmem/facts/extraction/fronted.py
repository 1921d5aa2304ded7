"""A fronted object ("Tea, I love"), restated in canonical order for `extraction_inversion`.

English moves a verb's object to the front of its clause for contrast or emphasis; the
verb is left with its object slot empty. The fronted phrase opens its clause (the sentence,
or what follows a comma, a semicolon or a conjunction: "..., but opera I hate"), and the
small parser hangs it in one of three ways, each restated with the phrase in the gap
(`extraction_gaps`):

    a dependent of the verb   "Tea, I love." "Mandarin I speak at work."
    a noun with a relative    "Olives I detest." "..., and curries I love.": the clause is
    clause on it              parsed as a relative clause without a relative word on a noun
                              that is no argument of anything (a sentence's root, a verb's
                              conjunct or adverbial noun); a relative clause on an argument
                              ("the city I live in is Lyon", "I met the man I love")
                              describes the noun and is not one, nor is one on a noun
                              with a determiner ("The day I left, it rained")
    a bare participle         "Hiking, we both love.": a gerund with nothing of its own,
                              before a verb the attribute table reads with an object

Not fronted objects: a time ("Last summer we ..."), whom one addresses ("Tomasz, I love
this song": the verb has its object), a second subject ("Ana and I ..."), a phrase with a
question word or a clause of its own. The verb's negation, modal or condition stays in the
restatement, where the readers judge it as in any sentence.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.gaps import (
    RELATIVES,
    SUPERLATIVES,
    Restatement,
    has_object,
    restate,
)
from agentmem.facts.extraction.pipeline import known_noun, predicate_index
from agentmem.facts.extraction.subjects import joined_to_subject

OBJECT_DEPS = ("dobj", "attr", "acomp", "oprd", "dative", "xcomp", "ccomp")
QUESTION_TAGS = ("WP", "WRB", "WDT", "WP$")
NOT_OBJECTS = ("DATE", "TIME", "PERSON")  # a time; whom one addresses
# where a noun with a relative clause is no argument: a verbless sentence's root, a verb's
# conjunct ("..., but opera I hate"), an adverbial noun ("Board games I love, but ...")
UNBOUND_DEPS = ("ROOT", "conj", "npadvmod", "dep")


def topicalised(pred) -> Iterator[Restatement]:
    """'Tea, I love': a phrase before the subject, the verb's object slot empty."""
    # the last subject: a fronted noun the parser made a second subject ("Spicy food my
    # brother loathes") stands before it
    subj = next((c for c in reversed(list(pred.children)) if c.dep_ == "nsubj"), None)
    if subj is None or _has_own_object(pred):
        return
    fronted = [
        c
        for c in (*pred.children, *_joined_to_name(subj, pred))
        if c.i < subj.i
        and (_fronted_noun(c) or _bare_gerund(c, pred))
        and opens_clause(c.left_edge)
        and not joined_to_subject(c, [subj])  # "Ana and I broke up": a second subject
    ]
    placed = any(has_object(c) for c in pred.children if c.dep_ == "prep")
    if fronted and (not placed or _takes_object(pred)):  # "Mandarin I speak at work"
        yield restate(pred, fronted[0], skip=_outside(pred, fronted[0]))


def _joined_to_name(subj, pred) -> list:
    """'Heavy metal Tomasz loves': a fronted phrase the parser made a compound of the name
    after it, the subject. A name's own parts are capitalised ("Anna Maria loves ..."); a
    lower-case head before it is a phrase of its own, and the verb, one the attribute table
    reads with an object, has none."""
    if not subj.is_title or subj.pos_ not in ("NOUN", "PROPN") or not _takes_object(pred):
        return []
    return [c for c in subj.children if c.dep_ == "compound" and c.i < subj.i and c.is_lower]


def relative_fronted(sentence) -> Iterator[Restatement]:
    """'Olives I detest', 'but opera I hate': the clause parsed as a relative clause on the
    fronted noun, the noun no argument of anything."""
    for noun in sentence:
        if noun.pos_ not in ("NOUN", "PROPN") or noun.dep_ not in UNBOUND_DEPS:
            continue
        if noun.dep_ in ("conj", "npadvmod", "dep") and noun.head.pos_ not in ("VERB", "AUX"):
            continue  # "tea and the biscuits I bought": a conjunct of an object
        clause = next((c for c in noun.children if c.dep_ == "relcl" and c.i > noun.i), None)
        if clause is None or not opens_clause(noun.left_edge) or _determined(noun):
            continue
        inside = {t.i for t in clause.subtree}
        own = [t for t in noun.subtree if t.i not in inside and not t.is_punct]
        if not _fronted_noun(noun, own):
            continue
        if clause.left_edge.i != max(t.i for t in own) + 1 or not _gapped(clause):
            continue
        yield restate(clause, noun)


def verb_made_of_fronted(sentence) -> Iterator[Restatement]:
    """'Horror films my sister really hates', 'Jazz my dad adores': the tagger made the
    fronted noun phrase's head the sentence's verb and the clause after it its complement.
    The "verb" opens the sentence, is a word the lexicon lists as a noun in a form a noun
    has (an -s plural read as VBZ, a bare one as VB: "Records show ..." is a verb), has no
    subject but a common noun; the clause has a subject, no object of its own, runs to the
    sentence's end, and its verb is one the attribute table reads with an object."""
    root = sentence.root
    if root.pos_ != "VERB" or root.left_edge.i != sentence.start or not _noun_word(root):
        return
    if root.tag_ not in ("VBZ", "VB"):  # a plural "-s" noun read as a verb, or a bare one
        return
    if any(c.dep_ == "nsubj" and c.pos_ != "NOUN" for c in root.children):
        return  # "Tom says my sister loves ...": a verb with its own subject
    for clause in (c for c in root.children if c.dep_ == "ccomp" and c.i > root.i):
        if not any(c.dep_ == "nsubj" for c in clause.children) or _has_own_object(clause):
            continue
        if clause.right_edge.i < sentence.end - 2 or not _takes_object(clause):
            continue
        if any(c.dep_ == "prep" for c in clause.children):
            continue
        yield restate(clause, root)
        return


def _noun_word(token) -> bool:
    """A word the lexicon lists as a noun (a plural by its singular: "films")."""
    word = token.lower_
    return known_noun(word) or (word.endswith("s") and known_noun(word[:-1]))


def _outside(pred, fronted) -> set[int]:
    """The words of the verb's tree outside the fronted clause: before the fronted phrase
    ("Board games I love, but [poker I hate]"), and a gapped clause after it ("Mandarin I
    speak at work, [Cantonese at home]")."""
    before = {t.i for t in pred.subtree if t.i < fronted.left_edge.i}
    after = {
        t.i
        for c in pred.children
        if c.dep_ in ("dep", "parataxis") and c.i > pred.i
        for t in c.subtree
    }
    return before | after


def opens_clause(token) -> bool:
    """The token begins a clause: the sentence's first word, or one after a comma, a
    semicolon, a colon or a coordinating conjunction."""
    if token.i == token.sent.start:
        return True
    before = token.doc[token.i - 1]
    return before.pos_ == "CCONJ" or before.text in (",", ";", ":", "–", "—")


def _fronted_noun(token, words=None) -> bool:
    """A noun phrase (its `words`: the token's subtree unless given) that can be an object."""
    return (
        token.pos_ in ("NOUN", "PROPN", "ADJ")
        and token.tag_ != "VBG"
        and not any(t.tag_ in QUESTION_TAGS or _verb_of_clause(t) for t in words or token.subtree)
        and (token.pos_ != "ADJ" or entity_type(token) in ("NORP", "LANGUAGE"))  # "Spanish"
        and entity_type(token) not in NOT_OBJECTS
    )


def _verb_of_clause(token) -> bool:
    """A verb with a clause of its own; a participle modifying the noun is part of the
    phrase ("cold brew coffee", "smoked salmon": 'brew' and 'smoked' adjectives)."""
    return token.pos_ == "VERB" and token.dep_ not in ("amod", "compound")


def _determined(noun) -> bool:
    """A common noun with a determiner before a relative clause is an adverbial or a
    description ("The day I left, ...", "Every time I call, ...", "The man I love."), not a
    fronted object: those are bare ("Olives I detest", "Board games I love")."""
    return noun.pos_ == "NOUN" and any(c.dep_ in ("det", "predet") for c in noun.children)


def _bare_gerund(token, pred) -> bool:
    """'Hiking, we both love': a gerund with nothing of its own and a comma after it; a
    participle before a clause is otherwise its adjunct ("Smiling, I nodded")."""
    following = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    return (
        token.tag_ == "VBG"
        and not list(token.children)
        and following is not None
        and following.text == ","
        and _takes_object(pred)
    )


def _takes_object(pred) -> bool:
    """The attribute table reads the verb with a direct object ("speak", "love")."""
    return pred.lemma_.lower() in predicate_index()


def _has_own_object(pred) -> bool:
    return any(c.dep_ in OBJECT_DEPS and c.i > pred.i for c in pred.children)


def _gapped(clause) -> bool:
    """A clause with a subject, no relative word and no object of its own."""
    return (
        any(c.dep_ in ("nsubj", "nsubjpass") for c in clause.children)
        and not any(t.lower_ in RELATIVES and t.i < clause.i for t in clause.subtree)
        and not _has_own_object(clause)
    )


def reduced_relative(sentence) -> Iterator[Restatement]:
    """'The sport Dominik enjoys most is cricket', 'The city Marta loves most is Porto': an
    opening "The <noun>" with a relative clause of liking and degree ("most", "best") whose
    "that" the writer left out, then "be" and the value. The small parser misreads it after
    a name (the noun a compound of the name, "is" a clause of the verb); restated with its
    "that", which it parses as the relative clause it is (`inversion._favoured` then reads
    the favourite). A parse that already hangs the clause on the noun is left alone."""
    words = [t for t in sentence if not t.is_punct]
    if len(words) < 6 or words[0].lower_ != "the" or not words[1].text.islower():
        return
    if words[1].pos_ not in ("NOUN", "PROPN") or words[2].lower_ in RELATIVES:
        return
    at = next((n for n, t in enumerate(words) if n > 3 and t.lower_ in SUPERLATIVES), None)
    if at is None or at + 2 >= len(words) or words[at + 1].lemma_ != "be":
        return
    verb = words[at - 2] if words[at - 1].lower_ == "the" else words[at - 1]
    if verb.i - sentence.start <= 2 or predicate_index().get(verb.lemma_.lower()) != "likes":
        return
    be = words[at + 1]
    if verb.dep_ == "relcl" and verb.head == words[1] and be.dep_ == "ROOT":
        return  # parsed as it is meant
    rest = sentence.doc[words[2].i : sentence.end].text
    text = f"{words[0].text} {words[1].text} that {rest}"
    yield Restatement(text, {t.i for t in words[at + 2 :]}, verb.i)


__all__ = [
    "opens_clause",
    "reduced_relative",
    "relative_fronted",
    "topicalised",
    "verb_made_of_fronted",
]
