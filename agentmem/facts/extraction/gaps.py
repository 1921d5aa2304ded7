"""A clause with a gap and the phrase that fills it, for the restatements of
`extraction_inversion` and `extraction_fronted`.

A clause whose value stands out of its place leaves a gap where the value belongs: its
object, a preposition's object (stranded: "the city I live in"), its place (a relative
"where"), or no word at all ("Tea, I love"). `gap` finds where the missing value goes,
`restate` puts the focus phrase there and gives the clause in canonical order.
"""

from __future__ import annotations

from typing import NamedTuple

from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.pipeline import predicate_index

RELATIVES = frozenset({"that", "who", "whom", "which", "what", "where"})
CLAUSE_DEPS = ("ccomp", "relcl", "advcl", "acl", "csubj", "attr")
PLACE_PREPOSITIONS = ("in", "at", "from")


class Restatement(NamedTuple):
    text: str  # the clause in canonical order
    moved: set[int]  # indices of the focus words
    clause: int  # index of the clause's verb, read from the restatement instead


def clauses(token) -> list:
    return [c for c in token.children if c.dep_ in CLAUSE_DEPS and c.pos_ in ("VERB", "AUX")]


def opened_by_wh(clause) -> bool:
    return clause.left_edge.lower_ in ("what", "where")


# the superlative degree of a verb of liking ("the food I like best", "... loves the most"),
# which the parser may make the verb's object
SUPERLATIVES = frozenset({"most", "best"})


def gap(clause):
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
    stranded = [
        c
        for t in (clause, *clause.children)
        for c in t.children
        if c.dep_ == "prep"
        and not any(x.dep_ == "pobj" and x.lower_ not in RELATIVES for x in c.children)
    ]
    if relative is not None and relative.lower_ == "where" and not stranded:
        return relative, after_verb(clause), place_preposition(clause)
    if relative is not None and relative.lower_ == "where":  # "where I'm from": its own
        return relative, max(s.i for s in stranded) + 1, ""
    if relative is not None and relative.dep_ in ("nsubj", "nsubjpass"):
        return relative, clause.left_edge.i, ""
    if stranded:
        return relative or clause, max(s.i for s in stranded) + 1, ""
    if any(
        c.dep_ in ("dobj", "attr", "oprd", "acomp", "ccomp", "xcomp")
        and c.lower_ not in RELATIVES
        and c.lower_ not in SUPERLATIVES  # "the band he loves most": a degree, no object
        for c in clause.children
    ):
        return (None, None, "") if relative is None else (relative, after_verb(clause), "")
    return relative or clause, after_verb(clause), ""


def after_verb(verb) -> int:
    particles = [c.i for c in verb.children if c.dep_ in ("prt", "acomp") and c.i > verb.i]
    return max([verb.i, *particles]) + 1


def place_preposition(verb) -> str:
    """The preposition the attribute table pairs with the verb for a place ("live in",
    "work at"); "in" when it names none."""
    index = predicate_index()
    particle = " ".join(c.lower_ for c in verb.children if c.dep_ == "prt")
    head = f"{verb.lemma_.lower()} {particle}".strip()
    return next((p for p in PLACE_PREPOSITIONS if f"{head} {p}" in index), "in")


def restate(clause, focus, skip: frozenset[int] | set[int] = frozenset()) -> Restatement:
    """The clause's words with the focus phrase in its gap."""
    relative, at, preposition = gap(clause)
    if at is None:
        at = after_verb(clause)
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
    moved = text_of(focus_words)
    fronted = clause.dep_ in ("ROOT", "conj") and (
        focus.head.i == clause.i or (focus.head.dep_ == "nsubj" and focus.head.head.i == clause.i)
    )
    if fronted or (clause.dep_ == "relcl" and clause.head.i == focus.i):  # a fronted object
        moved = _lowered(focus_words)
    if preposition and focus.dep_ != "prep":
        moved = f"{preposition} {moved}"
    text = f"{text_of(before)} {moved} {text_of(after)}".strip() + "."
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
    text = text_of(words)
    first = words[0]
    if first.i == first.sent.start and not entity_type(first) and not first.is_upper:
        text = text[:1].lower() + text[1:]
    return text


def has_object(prep) -> bool:
    return any(c.dep_ == "pobj" for c in prep.children)


def text_of(tokens) -> str:
    """The tokens' words in order, a space where a word was left out between two
    ("at work, Cantonese" without its comma is "at work Cantonese", not "workCantonese")."""
    tokens = sorted(tokens, key=lambda t: t.i)
    if not tokens:
        return ""
    pieces = [
        t.text_with_ws if t.whitespace_ or after.i == t.i + 1 else t.text + " "
        for t, after in zip(tokens, tokens[1:], strict=False)
    ]
    return ("".join(pieces) + tokens[-1].text).strip()


__all__ = [
    "CLAUSE_DEPS",
    "RELATIVES",
    "Restatement",
    "after_verb",
    "clauses",
    "gap",
    "has_object",
    "opened_by_wh",
    "place_preposition",
    "restate",
    "text_of",
]
