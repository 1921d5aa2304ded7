"""Sentences that state a clause's value out of its place, restated in canonical order for
the parse extractor (`extraction_parse`).

English moves the value of a clause to the front or into a copula for emphasis, leaving a
gap where it belongs:

    topicalised   "Tea, I love."                  -> "I love tea."
    it-cleft      "It's Hooli that I work for."   -> "I work for Hooli."
                  "It was in Galway I grew up."   -> "I grew up in Galway."
    pseudo-cleft  "What I do is nursing."         -> "I do nursing."
                  "Where I live is Lyon."         -> "I live in Lyon."
    inverted      "Lyon is where I live."         -> "I live in Lyon."
                  "The city I call home is Lyon." -> "I call Lyon home."
                  "Tallinn is the city I live in" -> "I live in Tallinn."
                  "Tea is the drink I like best" -> "My favourite drink is Tea."
    for-owner     "Home for me is Lisbon."        -> "My home is Lisbon."
    shared        "I was born and raised in Cork" -> "I was born in Cork."
    colon         "My job: nurse at St Mary's."   -> "My job is nurse at St Mary's."

Each is found in the parse as a clause with a gap (its object, a preposition's object,
its place: a relative word, or no word at all) and a focus phrase outside it (the fronted
phrase, the cleft's focus, the copula's other side). The restatement is the clause's
words with the focus put into the gap ("where" as the preposition the attribute table
gives the verb for a place); it is parsed and read like any sentence. The gap and the
restatement: `extraction_gaps`; fronted objects: `extraction_fronted`.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.fronted import (
    reduced_relative,
    relative_fronted,
    topicalised,
    verb_made_of_fronted,
)
from agentmem.facts.extraction.gaps import (
    SUPERLATIVES,
    Restatement,
    clauses,
    gap,
    has_object,
    opened_by_wh,
    restate,
    text_of,
)
from agentmem.facts.extraction.mistagged import adjective_noun
from agentmem.facts.extraction.pipeline import predicate_index
from agentmem.facts.extraction.rules import RuleExtractor
from agentmem.facts.extraction.subjects import who

Reading = tuple[str, str, str, bool]  # subject, attribute, value, negated


_RULES = RuleExtractor()
OWNERS = {"me": "my", "him": "his", "her": "her", "us": "our", "them": "their"}
UNNAMED_KINDS = frozenset({"one", "thing", "stuff"})
# The speaker's own places, which English names bare ("home is Leeds", "at home").
OWN_PLACES = frozenset({"home"})
POSSESSIVES = {"i": "my", "we": "our", "he": "his", "she": "her", "they": "their"}
# What a verb that states nothing of its own may carry: "I was born (and raised in X)".
BARE_VERB_DEPS = (
    "nsubj",
    "nsubjpass",
    "aux",
    "auxpass",
    "neg",
    "advmod",
    "prt",
    "cc",
    "conj",
    "punct",
)


def reread(sentence, read, nlp) -> Iterator[Reading]:
    """The sentence's readings (`read`), with each restatement read in place of the moved
    words: by the parse (`read` of its parse by `nlp`) and, being in canonical order, by
    the rule table."""
    restated = list(restatements(sentence, nlp))
    moved = {sentence.doc[i].lower_ for r in restated for i in r.moved}
    for reading in read(sentence, skip={r.clause for r in restated}):
        if not set(reading[2].lower().split()) & moved:
            yield reading
    for text, _, _ in restated:
        for clause in nlp(text).sents:
            yield from read(clause)
        for fact in _RULES.extract(text):
            yield USER, fact.attribute, fact.value, fact.negated


def restatements(sentence, parse=None) -> Iterator[Restatement]:
    """The canonical clause of each clause with a moved value; `parse` (text -> doc), where
    given, tells a noun the tagger made an adjective (`mistagged.adjective_noun`)."""
    for token in sentence:
        if token.lemma_ == "be" and token.dep_ in ("ROOT", "conj"):
            yield from _copular(token, parse)
        elif token.pos_ == "VERB" and token.dep_ in ("ROOT", "conj"):
            yield from topicalised(token)
            yield from _shared(token)
        if token.lemma_ == "be" and token.dep_ == "aux" and token.head.dep_ == "ROOT":
            yield from _demoted(token.head, token)  # "what I enjoy is knitting": 'knitting' root
    yield from _colon(sentence)
    yield from relative_fronted(sentence)
    yield from verb_made_of_fronted(sentence)  # "Horror films my sister really hates"
    for relative in reduced_relative(sentence) if parse is not None else ():
        for each in parse(relative.text).sents:  # "The sport that Dominik enjoys most is ..."
            for inner in restatements(each, parse):
                yield Restatement(inner.text, relative.moved, relative.clause)


# --- shapes -----------------------------------------------------------------------------------
def _copular(be, parse=None) -> Iterator[Restatement]:
    subj = next((c for c in be.children if c.dep_ in ("nsubj", "csubj")), None)
    sides = [c for c in be.children if c.dep_ in ("attr", "prep", "acomp") and c.i > be.i]
    if subj is None:
        return
    if any(c.dep_ == "neg" for c in be.children):  # "What I hate isn't garlic": no value
        yield from _for_owner(be, subj, sides)  # "Home for me isn't X" keeps its "not"
        return
    if subj.lower_ == "it" and subj.i < be.i:  # it-cleft: focus after "be", clause after it
        for focus in (s for s in sides if _cleft_focus(s)):
            if (clause := _cleft_clause(focus, be)) is not None:
                yield restate(clause, focus)
                return
        return
    # the side that holds the gapped clause (a subject clause, or a common noun: a clause
    # on a name describes the name), and the noun phrase that fills the gap
    # (a pseudo-cleft's focus fills an object's gap, so an "adjective" there that a frame
    # shows to be a noun is one: "What I can't bear is coriander")
    mistaken = {s.i for s in sides if _mistaken_focus(s, subj, parse)}
    nouns = [s for s in sides if s.dep_ == "attr" or _named(s) or s.i in mistaken]
    for holder, focus in [(subj, s) for s in nouns] + [(s, subj) for s in nouns]:
        named = focus.pos_ in ("NOUN", "PROPN", "VERB") or _named(focus) or focus.i in mistaken
        if holder.pos_ == "PROPN" or not named:
            continue
        if (clause := _clause_of(holder)) is not None:
            yield _favoured(clause, holder, focus) or restate(clause, focus)
            return
    for clause in clauses(be):  # "Lyon is where I live": the clause hangs on the copula
        if clause.i > be.i and opened_by_wh(clause) and gap(clause)[0] is not None:
            yield restate(clause, subj)
            return
    yield from _for_owner(be, subj, sides)


def _mistaken_focus(side, subj, parse) -> bool:
    """A focus the tagger made an adjective where an object's gap needs a noun: a
    pseudo-cleft's whose "what" is its clause's object, or one after a noun described by
    what someone likes most ("The sport that Dominik enjoys most is cricket."); the word has
    no degree word ("so awesome" is an adjective) and is a noun in a noun's frame."""
    if side.dep_ != "acomp" or any(c.dep_ == "advmod" for c in side.children):
        return False
    cleft = subj.dep_ == "csubj" and subj.left_edge.lower_ == "what"
    if cleft and subj.left_edge.dep_ not in ("dobj", "pobj"):
        return False
    liked = subj.pos_ == "NOUN" and any(
        c.dep_ == "relcl" and any(_most(x) for x in c.children) for c in subj.children
    )
    return (cleft or liked) and adjective_noun(side, parse)


def _favoured(clause, holder, focus) -> Restatement | None:
    """ "Autumn is the season I like best", "The film Dev prefers is Heat": a kind described
    by what a subject likes most is that subject's favourite of the kind -> "My favourite
    season is Autumn" (not "I like Autumn best": one slot for both ways of saying it)."""
    liking = predicate_index().get(clause.lemma_.lower()) == "likes"
    most = any(_most(c) for c in clause.children)
    subj = next((c for c in clause.children if c.dep_ == "nsubj"), None)
    if not liking or not (most or clause.lemma_ == "prefer") or subj is None:
        return None
    if holder.lemma_.lower() in UNNAMED_KINDS:  # "the one I love best": no kind is named
        return None
    named = who(subj)
    owner = POSSESSIVES.get(subj.lower_) or (f"{named}'s" if named not in (None, USER) else None)
    if any(c.dep_ == "poss" for c in subj.children):  # "my son": said as the text says it
        owner = f"{text_of(list(subj.subtree))}'s"
    kind = [t for t in holder.lefts if t.dep_ in ("compound", "amod")] + [holder]
    inside = {t.i for t in clause.subtree} | {t.i for t in holder.subtree}
    value = [t for t in focus.subtree if not t.is_punct and t.i not in inside - {focus.i}]
    if owner is None or not value:
        return None
    text = f"{owner} favourite {text_of(kind)} is {text_of(value)}."
    return Restatement(text[:1].upper() + text[1:], {t.i for t in value}, clause.i)


def _most(token) -> bool:
    """The verb's degree "most" or "best" ("the food I like best", "the band he loves the
    most"), whatever tag or role the parser gave it; "least" is the other end."""
    return token.dep_ in ("advmod", "dobj", "npadvmod") and token.lower_ in SUPERLATIVES


def _demoted(root, be) -> Iterator[Restatement]:
    """'What I enjoy is knitting' parsed with the complement as the root, "is" its aux."""
    clauses = (c for c in (*root.children, *be.children) if c.dep_ == "csubj")
    clause = next(clauses, None)
    if clause is not None and opened_by_wh(clause) and gap(clause)[0] is not None:
        yield restate(clause, root, skip={be.i})


def _shared(pred) -> Iterator[Restatement]:
    """'I was born and raised in Cork': coordinated verbs share the phrase after the last,
    so the first, with nothing of its own, states it too ("I was born in Cork")."""
    if any(c.dep_ not in BARE_VERB_DEPS for c in pred.children) or not _ends_at_and(pred):
        return
    for conj in (c for c in pred.children if c.dep_ == "conj" and c.pos_ == "VERB"):
        if any(c.dep_ not in BARE_VERB_DEPS + ("prep", "agent") for c in conj.children):
            continue
        phrases = [c for c in conj.children if c.dep_ in ("prep", "agent") and has_object(c)]
        if phrases:
            own = [t for t in pred.subtree if t.i < conj.i and t.dep_ != "cc" and not t.is_punct]
            shared = [t for p in phrases for t in p.subtree if not t.is_punct]
            yield Restatement(f"{text_of(own)} {text_of(shared)}.", set(), -1)
            return


def _ends_at_and(pred) -> bool:
    """The verb is followed at once (after its particle) by "and"/"or": 'born and raised'."""
    after = [c for c in pred.children if c.i > pred.i and c.dep_ not in ("conj", "punct")]
    return (
        bool(after)
        and after[-1].lower_ in ("and", "or")
        and all(c.dep_ == "prt" for c in after[:-1])
    )


def _for_owner(be, subj, sides) -> Iterator[Restatement]:
    """'Home for me is Lisbon': a noun "for" someone is theirs ("my home"); a noun of one's
    own places said bare ("Home is Lisbon these days", `OWN_PLACES`) is the speaker's. The
    other side may be parsed as a second subject ("Home for me is Swansea": 'Swansea'
    nsubj after the copula)."""
    if subj.pos_ != "NOUN":
        return
    sides = sides or [c for c in be.children if c.dep_ == "nsubj" and c.i > be.i]
    prep = next((c for c in subj.children if c.dep_ == "prep" and c.lower_ == "for"), None)
    owner = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep else None
    if not sides:
        return
    if owner is None:
        whose = "my" if _own_place(subj) else None
    else:
        whose = OWNERS.get(owner.lower_) or (f"{owner.text}'s" if owner.pos_ == "PROPN" else None)
    if whose:
        rest = [t for t in be.subtree if t.i >= be.i and not t.is_punct]
        yield Restatement(f"{whose} {subj.lower_} {text_of(rest)}.", set(), be.i)


def _own_place(noun) -> bool:
    """A noun of the speaker's own places said with no article or owner ("Home is Leeds
    now"): English drops its "my" as it drops the article of "at home". ("Work is Google"
    is not read so: the parse takes it for the name of a thing called "work".)"""
    return (
        noun.lower_ in OWN_PLACES
        and noun.tag_ == "NN"
        and not any(c.dep_ in ("det", "poss", "amod", "compound") for c in noun.children)
    )


def _colon(sentence) -> Iterator[Restatement]:
    """'My job: nurse at St Mary's': a possessed noun, a colon, its value."""
    words = [t for t in sentence if not t.is_space]
    colon = next((t for t in words if t.text == ":"), None)
    if colon is None or colon.i - sentence.start > 4:
        return
    head = words[colon.i - sentence.start - 1] if colon.i > sentence.start else None
    if head is None or head.pos_ != "NOUN" or not any(c.dep_ == "poss" for c in head.children):
        return
    before = [t for t in words if t.i < colon.i]
    after = [t for t in words if t.i > colon.i]
    if after:
        yield Restatement(f"{text_of(before)} is {text_of(after)}", set(), head.i)


# --- clauses and gaps -------------------------------------------------------------------------


def _clause_of(holder):
    """The gapped clause a copula's side holds: a subject clause opened by "what"/"where"
    ("where I live"), or a relative clause on a definite common noun ("the city I live
    in": a definite description; "this parade I went to" describes, it does not name)."""
    if holder.dep_ == "csubj":
        return holder if opened_by_wh(holder) and gap(holder)[0] is not None else None
    if holder.pos_ != "NOUN" or not any(c.lower_ == "the" for c in holder.children):
        return None
    for clause in clauses(holder):
        if clause.i > holder.i and gap(clause)[0] is not None:
            return clause
    return None


def _cleft_focus(side) -> bool:
    """An it-cleft's focus: a noun phrase or a prepositional phrase ("It's Hooli that",
    "It was in Galway that"), not an adjective ("It's great that ...": extraposition)."""
    if side.dep_ == "prep":
        return side.lower_ != "like" and has_object(side)
    return side.dep_ == "attr" and side.pos_ in ("NOUN", "PROPN")


def _cleft_clause(focus, be):
    """The clause of an it-cleft: finite (it has a subject, a relative one included), after
    the focus, on the focus or the copula; with a gap for a noun-phrase focus."""
    for clause in clauses(focus) + clauses(be):
        if clause.i < focus.i or not any(c.dep_ in ("nsubj", "nsubjpass") for c in clause.children):
            continue
        if any(c.tag_ == "TO" for c in clause.children):  # "a place for dancers to grow"
            continue
        if focus.dep_ == "prep" or gap(clause)[0] is not None:
            return clause
    return None


def _named(token) -> bool:
    """A capitalised word inside the sentence the tagger made an adjective: a name ("is
    Whitby": 'Whitby' as acomp)."""
    return token.pos_ == "ADJ" and token.is_title and token.i > token.sent.start


__all__ = ["restatements"]
