"""The value a parsed object names, for the parse extractor (`extraction_parse`): its words
without determiners, relative clauses or other conjuncts, and whether it fits a slot."""

from __future__ import annotations

from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.lexicon import OCCUPATIONS

MAX_VALUE_WORDS = 8
VALUE_POS = frozenset({"NOUN", "PROPN", "NUM", "VERB", "X"})


def fits(attribute: str, obj) -> bool:
    """Job titles are occupations; 'I work at home' names no employer. What one works
    *as* is a role whether or not the list knows it ("works as a sommelier"): the
    preposition, not the word, says so; a possessed noun ("as my hobby") is no role."""
    if attribute == "job_title":
        if obj.head.lower_ == "as" and obj.pos_ == "NOUN":
            return not any(c.dep_ == "poss" for c in obj.children)
        return obj.lemma_.lower() in OCCUPATIONS
    if attribute == "works_at":
        return obj.pos_ == "PROPN" or entity_type(obj) == "ORG"
    return True


def value_text(token, *, adjective: bool = False, role: bool = False) -> str:
    """The object's words, without leading determiners; 'the village of Ashcombe' -> the name.
    A `role` ends before where and for whom ("a nurse in Hobart" -> nurse)."""
    if token.pos_ == "NOUN" and not role:
        for prep in (c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"):
            name = next((c for c in prep.children if c.pos_ == "PROPN"), None)
            if name is not None:
                return value_text(name)
    named_kind = token.pos_ == "ADJ" and entity_type(token) in ("NORP", "LANGUAGE")  # "dutch"
    if token.pos_ not in VALUE_POS and not ((adjective or named_kind) and token.pos_ == "ADJ"):
        return ""  # "it", "how much", "a few": no value of its own
    joined = min((c.i for c in token.children if c.dep_ in ("cc", "conj")), default=len(token.doc))
    words = [t for t in token.subtree if t.i == token.i or not (_cut(t, token) or t.i > joined)]
    if role:
        words = [t for t in words if not any(a.dep_ == "prep" for a in _path(t, token))]
    while words and (words[0].dep_ in ("det", "poss", "predet") or words[0].lower_ == "my"):
        words = words[1:]
    text = "".join(t.text_with_ws for t in words).strip(" ,.;:-!")
    return text if text and len(text.split()) <= MAX_VALUE_WORDS else ""


def _path(t, root) -> list:
    """The tokens from `t` up to (not including) `root`."""
    path = []
    while t.i != root.i:
        path.append(t)
        t = t.head
    return path


def _cut(t, root) -> bool:
    """Words that are not part of the value: relative clauses, other conjuncts ("tea and
    coffee" are two values) and a negation of another value ("vegan, not vegetarian")."""
    while t.i != root.i:
        if t.dep_ in ("relcl", "acl", "cc", "conj", "neg"):
            return True
        t = t.head
    return False


__all__ = ["MAX_VALUE_WORDS", "VALUE_POS", "fits", "value_text"]
