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
gives the verb for a place); it is parsed and read like any sentence.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from agentmem.facts.extraction.base import USER
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.pipeline import predicate_index
from agentmem.facts.extraction.rules import RuleExtractor
from agentmem.facts.extraction.subjects import joined_to_subject, who

Reading = tuple[str, str, str, bool]  # subject, attribute, value, negated


class Restatement(NamedTuple):
    text: str  # the clause in canonical order
    moved: set[int]  # indices of the focus words
    clause: int  # index of the clause's verb, read from the restatement instead


_RULES = RuleExtractor()
RELATIVES = frozenset({"that", "who", "whom", "which", "what", "where"})
CLAUSE_DEPS = ("ccomp", "relcl", "advcl", "acl", "csubj", "attr")
OBJECT_DEPS = ("dobj", "attr", "acomp", "oprd", "dative", "xcomp", "ccomp")
OWNERS = {"me": "my", "him": "his", "her": "her", "us": "our", "them": "their"}
UNNAMED_KINDS = frozenset({"one", "thing", "stuff"})
POSSESSIVES = {"i": "my", "we": "our", "he": "his", "she": "her", "they": "their"}
PLACE_PREPOSITIONS = ("in", "at", "from")
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
    restated = list(restatements(sentence))
    moved = {sentence.doc[i].lower_ for r in restated for i in r.moved}
    for reading in read(sentence, skip={r.clause for r in restated}):
        if not set(reading[2].lower().split()) & moved:
            yield reading
    for text, _, _ in restated:
        for clause in nlp(text).sents:
            yield from read(clause)
        for fact in _RULES.extract(text):
            yield USER, fact.attribute, fact.value, fact.negated


def restatements(sentence) -> Iterator[Restatement]:
    """The canonical clause of each clause with a moved value."""
    for token in sentence:
        if token.lemma_ == "be" and token.dep_ in ("ROOT", "conj"):
            yield from _copular(token)
        elif token.pos_ == "VERB" and token.dep_ in ("ROOT", "conj"):
            yield from _topicalised(token)
            yield from _shared(token)
        if token.lemma_ == "be" and token.dep_ == "aux" and token.head.dep_ == "ROOT":
            yield from _demoted(token.head, token)  # "what I enjoy is knitting": 'knitting' root
    yield from _colon(sentence)


# --- shapes -----------------------------------------------------------------------------------
def _copular(be) -> Iterator[Restatement]:
    subj = next((c for c in be.children if c.dep_ in ("nsubj", "csubj")), None)
    sides = [c for c in be.children if c.dep_ in ("attr", "prep", "acomp") and c.i > be.i]
    if subj is None:
        return
    if subj.lower_ == "it" and subj.i < be.i:  # it-cleft: focus after "be", clause after it
        for focus in (s for s in sides if _cleft_focus(s)):
            if (clause := _cleft_clause(focus, be)) is not None:
                yield _restate(clause, focus)
                return
        return
    # the side that holds the gapped clause (a subject clause, or a common noun: a clause
    # on a name describes the name), and the noun phrase that fills the gap
    nouns = [s for s in sides if s.dep_ == "attr" or _named(s)]
    for holder, focus in [(subj, s) for s in nouns] + [(s, subj) for s in nouns]:
        if holder.pos_ == "PROPN" or not (focus.pos_ in ("NOUN", "PROPN", "VERB") or _named(focus)):
            continue
        if (clause := _clause_of(holder)) is not None:
            yield _favoured(clause, holder, focus) or _restate(clause, focus)
            return
    for clause in _clauses(be):  # "Lyon is where I live": the clause hangs on the copula
        if clause.i > be.i and _opened_by_wh(clause) and _gap(clause)[0] is not None:
            yield _restate(clause, subj)
            return
    yield from _for_owner(be, subj, sides)


def _favoured(clause, holder, focus) -> Restatement | None:
    """ "Autumn is the season I like best", "The film Dev prefers is Heat": a kind described
    by what a subject likes most is that subject's favourite of the kind -> "My favourite
    season is Autumn" (not "I like Autumn best": one slot for both ways of saying it)."""
    liking = predicate_index().get(clause.lemma_.lower()) == "likes"
    most = any(c.dep_ == "advmod" and c.tag_ in ("RBS", "JJS") for c in clause.children)
    subj = next((c for c in clause.children if c.dep_ == "nsubj"), None)
    if not liking or not (most or clause.lemma_ == "prefer") or subj is None:
        return None
    if holder.lemma_.lower() in UNNAMED_KINDS:  # "the one I love best": no kind is named
        return None
    named = who(subj)
    owner = POSSESSIVES.get(subj.lower_) or (f"{named}'s" if named not in (None, USER) else None)
    kind = [t for t in holder.lefts if t.dep_ in ("compound", "amod")] + [holder]
    inside = {t.i for t in clause.subtree} | {t.i for t in holder.subtree}
    value = [t for t in focus.subtree if not t.is_punct and t.i not in inside - {focus.i}]
    if owner is None or not value:
        return None
    text = f"{owner} favourite {_text(kind)} is {_text(value)}."
    return Restatement(text[:1].upper() + text[1:], {t.i for t in value}, clause.i)


def _demoted(root, be) -> Iterator[Restatement]:
    """'What I enjoy is knitting' parsed with the complement as the root, "is" its aux."""
    clauses = (c for c in (*root.children, *be.children) if c.dep_ == "csubj")
    clause = next(clauses, None)
    if clause is not None and _opened_by_wh(clause) and _gap(clause)[0] is not None:
        yield _restate(clause, root, skip={be.i})


def _topicalised(pred) -> Iterator[Restatement]:
    """'Tea, I love': a noun before the subject, the verb's object slot empty."""
    subj = next((c for c in pred.children if c.dep_ == "nsubj"), None)
    if subj is None or any(c.dep_ in OBJECT_DEPS and c.i > pred.i for c in pred.children):
        return
    fronted = [
        c
        for c in pred.children
        if c.i < subj.i
        and c.pos_ in ("NOUN", "PROPN", "ADJ")
        and c.tag_ != "VBG"
        and not any(t.tag_ in ("WP", "WRB", "WDT", "WP$") or t.pos_ == "VERB" for t in c.subtree)
        and (c.pos_ != "ADJ" or entity_type(c) in ("NORP", "LANGUAGE"))  # "Spanish I speak"
        and entity_type(c) not in ("DATE", "TIME", "PERSON")  # a time; whom one addresses
        and c.left_edge.i in (pred.sent.start, _after_conjunction(pred))
        and not joined_to_subject(c, [subj])  # "Ana and I broke up": a second subject
    ]
    if fronted and not any(_has_object(c) for c in pred.children if c.dep_ == "prep"):
        yield _restate(pred, fronted[0])


def _shared(pred) -> Iterator[Restatement]:
    """'I was born and raised in Cork': coordinated verbs share the phrase after the last,
    so the first, with nothing of its own, states it too ("I was born in Cork")."""
    if any(c.dep_ not in BARE_VERB_DEPS for c in pred.children) or not _ends_at_and(pred):
        return
    for conj in (c for c in pred.children if c.dep_ == "conj" and c.pos_ == "VERB"):
        if any(c.dep_ not in BARE_VERB_DEPS + ("prep", "agent") for c in conj.children):
            continue
        phrases = [c for c in conj.children if c.dep_ in ("prep", "agent") and _has_object(c)]
        if phrases:
            own = [t for t in pred.subtree if t.i < conj.i and t.dep_ != "cc" and not t.is_punct]
            shared = [t for p in phrases for t in p.subtree if not t.is_punct]
            yield Restatement(f"{_text(own)} {_text(shared)}.", set(), -1)
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
    """'Home for me is Lisbon': a noun "for" someone is theirs ("my home")."""
    prep = next((c for c in subj.children if c.dep_ == "prep" and c.lower_ == "for"), None)
    owner = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep else None
    if owner is None or not sides or subj.pos_ != "NOUN":
        return
    whose = OWNERS.get(owner.lower_) or (f"{owner.text}'s" if owner.pos_ == "PROPN" else None)
    if whose:
        rest = [t for t in be.subtree if t.i >= be.i and not t.is_punct]
        yield Restatement(f"{whose} {subj.lower_} {_text(rest)}.", set(), be.i)


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
        yield Restatement(f"{_text(before)} is {_text(after)}", set(), head.i)


# --- clauses and gaps -------------------------------------------------------------------------
def _clauses(token) -> list:
    return [c for c in token.children if c.dep_ in CLAUSE_DEPS and c.pos_ in ("VERB", "AUX")]


def _clause_of(holder):
    """The gapped clause a copula's side holds: a subject clause opened by "what"/"where"
    ("where I live"), or a relative clause on a definite common noun ("the city I live
    in": a definite description; "this parade I went to" describes, it does not name)."""
    if holder.dep_ == "csubj":
        return holder if _opened_by_wh(holder) and _gap(holder)[0] is not None else None
    if holder.pos_ != "NOUN" or not any(c.lower_ == "the" for c in holder.children):
        return None
    for clause in _clauses(holder):
        if clause.i > holder.i and _gap(clause)[0] is not None:
            return clause
    return None


def _cleft_focus(side) -> bool:
    """An it-cleft's focus: a noun phrase or a prepositional phrase ("It's Hooli that",
    "It was in Galway that"), not an adjective ("It's great that ...": extraposition)."""
    if side.dep_ == "prep":
        return side.lower_ != "like" and _has_object(side)
    return side.dep_ == "attr" and side.pos_ in ("NOUN", "PROPN")


def _cleft_clause(focus, be):
    """The clause of an it-cleft: finite (it has a subject, a relative one included), after
    the focus, on the focus or the copula; with a gap for a noun-phrase focus."""
    for clause in _clauses(focus) + _clauses(be):
        if clause.i < focus.i or not any(c.dep_ in ("nsubj", "nsubjpass") for c in clause.children):
            continue
        if any(c.tag_ == "TO" for c in clause.children):  # "a place for dancers to grow"
            continue
        if focus.dep_ == "prep" or _gap(clause)[0] is not None:
            return clause
    return None


def _opened_by_wh(clause) -> bool:
    return clause.left_edge.lower_ in ("what", "where")


def _gap(clause):
    """(relative word or None, index the focus goes before, preposition it needs): where
    the clause's missing value belongs."""
    relative = next(
        (
            t
            for t in clause.subtree
            if t.lower_ in RELATIVES and t.dep_ != "mark" and t.i <= clause.i
        ),
        None,
    )
    if relative is not None and relative.lower_ == "where":
        return relative, _after_verb(clause), _place_preposition(clause)
    if relative is not None and relative.dep_ in ("nsubj", "nsubjpass"):
        return relative, clause.left_edge.i, ""
    stranded = [
        c
        for t in (clause, *clause.children)
        for c in t.children
        if c.dep_ == "prep"
        and not any(x.dep_ == "pobj" and x.lower_ not in RELATIVES for x in c.children)
    ]
    if stranded:
        return relative or clause, max(s.i for s in stranded) + 1, ""
    if any(
        c.dep_ in ("dobj", "attr", "oprd", "acomp", "ccomp", "xcomp") and c.lower_ not in RELATIVES
        for c in clause.children
    ):
        return (None, None, "") if relative is None else (relative, _after_verb(clause), "")
    return relative or clause, _after_verb(clause), ""


def _after_verb(verb) -> int:
    particles = [c.i for c in verb.children if c.dep_ in ("prt", "acomp") and c.i > verb.i]
    return max([verb.i, *particles]) + 1


def _place_preposition(verb) -> str:
    """The preposition the attribute table pairs with the verb for a place ("live in",
    "work at"); "in" when it names none."""
    index = predicate_index()
    particle = " ".join(c.lower_ for c in verb.children if c.dep_ == "prt")
    head = f"{verb.lemma_.lower()} {particle}".strip()
    return next((p for p in PLACE_PREPOSITIONS if f"{head} {p}" in index), "in")


def _restate(clause, focus, skip: frozenset[int] | set[int] = frozenset()) -> Restatement:
    """The clause's words with the focus phrase in its gap."""
    relative, at, preposition = _gap(clause)
    if at is None:
        at = _after_verb(clause)
    clause_ids = {t.i for t in clause.subtree}
    inside = set(skip) if focus.i in clause_ids else clause_ids | set(skip)  # "Tea, I love"
    focus_words = [t for t in focus.subtree if not t.is_punct and t.i not in inside]
    taken = {t.i for t in focus_words} | set(skip)
    words = [
        t
        for t in clause.subtree
        if t.i not in taken
        and not t.is_punct
        and not (relative is not None and t.i == relative.i and t.lower_ in RELATIVES)
        and not (t.dep_ == "mark" and t.head.i == clause.i)
        and not _other_clause(t, clause)
    ]
    before = [t for t in words if t.i < at]
    after = [t for t in words if t.i >= at]
    moved = _text(focus_words)
    if clause.dep_ in ("ROOT", "conj") and focus.head.i == clause.i:  # a fronted object
        moved = _lowered(focus_words)
    if preposition and focus.dep_ != "prep":
        moved = f"{preposition} {moved}"
    text = f"{_text(before)} {moved} {_text(after)}".strip() + "."
    return Restatement(text, {t.i for t in focus_words}, clause.i)


def _other_clause(token, clause) -> bool:
    """A word of another clause joined to this one ("..., but opera I hate")."""
    while token.i != clause.i:
        if token.dep_ in ("conj", "cc") and token.head.i == clause.i:
            return True
        token = token.head
    return False


def _lowered(words) -> str:
    """A fronted object as it reads after its verb: a sentence-initial word in lower case
    unless it is a named entity ("Tea, I love" -> "tea"; "Spanish I speak" keeps it)."""
    text = _text(words)
    first = words[0]
    if first.i == first.sent.start and not entity_type(first) and not first.is_upper:
        text = text[:1].lower() + text[1:]
    return text


def _after_conjunction(pred) -> int:
    """The index after a conjunction that opens the verb's clause ("but opera I hate")."""
    cc = [c.i for c in pred.head.children if c.dep_ == "cc" and c.i < pred.i]
    return max(cc) + 1 if pred.dep_ == "conj" and cc else -1


def _named(token) -> bool:
    """A capitalised word inside the sentence the tagger made an adjective: a name ("is
    Whitby": 'Whitby' as acomp)."""
    return token.pos_ == "ADJ" and token.is_title and token.i > token.sent.start


def _has_object(prep) -> bool:
    return any(c.dep_ == "pobj" for c in prep.children)


def _text(tokens) -> str:
    tokens = sorted(tokens, key=lambda t: t.i)
    if not tokens:
        return ""
    return ("".join(t.text_with_ws for t in tokens[:-1]) + tokens[-1].text).strip()


__all__ = ["restatements"]
