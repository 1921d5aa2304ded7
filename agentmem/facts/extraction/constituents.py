"""A value as its parse constituent (`extraction_values`): the object or complement's
phrase without the adjuncts that follow it.

"I live in Berlin with my two cats since 2019" states a home, Berlin; "with my two cats"
and "since 2019" are adjuncts of the clause, not parts of the name. A value keeps what
modifies its head from inside the noun phrase (compounds, adjectives, numbers, a
possessive "'s", an "of" complement: "Ministry of Health", "cup of tea") and the parts of a
proper-noun sequence ("Marks & Spencer"); it drops what the grammar attaches after the
head as an adjunct: prepositional phrases, relative and participial clauses, adverbs and
time expressions ("now", "these days", "more than anything"), other conjuncts.

A common noun named by a participle ("a cafe called Bean There", "a town named Ballina")
is that name, as "the village of Ashcombe" is Ashcombe.
"""

from __future__ import annotations

# Dependents of a value's head that are adjuncts, never part of the value.
ADJUNCT_DEPS = frozenset(
    {"prep", "relcl", "acl", "advmod", "npadvmod", "advcl", "cc", "conj", "neg"}
    | {"punct", "appos", "parataxis", "mark", "dep", "intj"}
)
# Coordinators that bind two proper nouns into one name ("Marks & Spencer").
NAME_BINDERS = frozenset({"&", "+"})
NAMING_VERBS = frozenset({"call", "name"})


def constituent(head) -> list:
    """The value's tokens in order: `head` and the dependents inside its phrase."""
    words, todo = [head], [head]
    while todo:
        token = todo.pop()
        for child in token.children:
            if _inside(child):
                words.append(child)
                todo.append(child)
    return sorted(words, key=lambda t: t.i)


def _inside(child) -> bool:
    """Part of the phrase its head heads: a modifier, an "of" complement, or a proper noun
    bound to its head by '&'."""
    if child.dep_ == "prep":
        return child.lower_ == "of" and any(c.dep_ == "pobj" for c in child.children)
    if child.dep_ == "cc":
        return child.text in NAME_BINDERS and _bound_name(child.head) is not None
    if child.dep_ == "conj":
        return child.pos_ == "PROPN" and _bound_name(child.head) is child
    return child.dep_ not in ADJUNCT_DEPS


def _bound_name(head):
    """The proper noun '&' joins to `head`, where `head` is one too."""
    binder = next((c for c in head.children if c.dep_ == "cc" and c.text in NAME_BINDERS), None)
    if binder is None or head.pos_ != "PROPN":
        return None
    return next(
        (c for c in head.children if c.dep_ == "conj" and c.pos_ == "PROPN" and c.i > binder.i),
        None,
    )


def called(noun):
    """The name a participle gives a common noun ("a cafe called Bean There"), or None."""
    for acl in (c for c in noun.children if c.dep_ == "acl"):
        if acl.lemma_.lower() in NAMING_VERBS:
            named = [c for c in acl.children if c.dep_ in ("oprd", "attr", "dobj")]
            if named and named[0].pos_ == "PROPN":
                return named
    return None


__all__ = ["ADJUNCT_DEPS", "called", "constituent"]
