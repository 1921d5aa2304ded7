"""When two texts say the same thing: the test every merge of memories must pass.

Two memories are merged only when they are true duplicates: the same content words. A
content word is anything but the few words that never change what a sentence asserts
(articles, present-tense "be", the complementiser "that", fillers such as "remember:" or
"please"), so two texts that differ in a noun, verb, adjective, name, number, date,
pronoun, preposition or negation are never one memory ("Book the dentist for Tuesday" /
"... Thursday", "Send it to Anna" / "Send it from Anna"). What may differ: case,
punctuation, those words, British/American spelling, and the apostrophe of a contraction
("im" is "I'm", "dont" is "don't": chat's spellings, `extraction.register.CONTRACTIONS`).
A note must keep its content words in the same order ("Anna owes Marco 5 pounds" is not
"Marco owes Anna 5 pounds"); a fact, whose subject and value its slot already fixes, may
reorder them and may differ in the words that only name its slot ("live", "reside",
"based" all say `lives_in`), which the caller passes as `allowed`, and in the words of
the construction that states a slot and value (`CONSTRUCTION_WORDS`: "My son is named
Ben" / "My son's name is Ben" / "My son goes by Ben"; "I live in Leeds" / "Leeds is
where I live"), with a possessive "'s" read as the noun it follows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from agentmem.facts.extraction.register import CONTRACTIONS
from agentmem.facts.vocabulary import american, slot_words
from agentmem.types import MemoryRecord

FUNCTION_WORDS = frozenset(
    """
    a an the that
    am is are be 's m re
    remember note reminder fyi please ok okay oh well hey hi just really also too again
    currently nowadays now
    """.split()
)
# The words of the constructions that state a slot's value without adding to it: the
# verbs and nouns of naming ("is named", "'s name is", "is called", "goes by", "is known
# as") and the wh-words of a pseudo-cleft ("Leeds is where I live", "tea is what I drink",
# "Hooli is who I work for"). Said of a fact whose slot and value already match, they
# change nothing it asserts.
CONSTRUCTION_WORDS = frozenset(
    """
    name names named call calls called go goes by known as
    where what who which
    """.split()
)
SELF_WORDS = frozenset({"i", "me", "my", "mine", "myself", "user"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)


def _normal(word: str) -> str:
    word = CONTRACTIONS.get(word.lower(), word).lower()  # chat's "im", "dont": "I'm", "don't"
    if word.endswith("n't"):
        return "not"
    if "'" in word and not word.endswith("'s"):
        word = word.split("'")[0]  # I'm -> i, we'll -> we
    return american(word)


# A stored text is compared with each new neighbour of its slot or scope, so one ingest
# asks for the same few thousand texts' words again and again (a pure function of the text).
@functools.lru_cache(maxsize=16384)
def content_sequence(text: str) -> tuple[str, ...]:
    """The content words of `text`, in order and in a normal form."""
    words = (_normal(w) for w in _WORD.findall(text or ""))
    return tuple(w for w in words if w and w not in FUNCTION_WORDS)


def content_words(text: str) -> frozenset[str]:
    return frozenset(content_sequence(text))


def _unpossessed(words: frozenset[str]) -> frozenset[str]:
    """`words` with a possessive "'s" read as its noun ("son's" -> "son")."""
    return frozenset(w.removesuffix("'s") for w in words)


def stem(word: str) -> str:
    """A crude stem for matching slot words: lives/living/lived/live -> liv."""
    word = _normal(word)
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def same_content(a: str, b: str, allowed: Iterable[str] = (), *, ordered: bool = False) -> bool:
    """Whether `a` and `b` have the same content words (in the same order when `ordered`),
    up to the words in `allowed`."""
    if ordered:
        return content_sequence(a) == content_sequence(b)
    difference = _unpossessed(content_words(a)) ^ _unpossessed(content_words(b))
    if not difference:
        return True
    stems = {stem(w) for w in allowed}
    return all(stem(w) in stems for w in difference)


def _slot_and_subject_words(new: MemoryRecord, old: MemoryRecord) -> set[str]:
    allowed = slot_words(old.attribute or "") | slot_words(new.attribute or "")
    subjects = {*(new.subject or "").split(), *(old.subject or "").split()}
    return allowed | CONSTRUCTION_WORDS | SELF_WORDS | subjects


def restates(new: MemoryRecord, old: MemoryRecord) -> bool:
    """Whether fact `new` says what `old` says (same slot and value assumed): the same
    content words, up to the words that name the slot or the subject."""
    return same_content(new.text, old.text, _slot_and_subject_words(new, old))


def says_more(new: MemoryRecord, old: MemoryRecord) -> bool:
    """Whether `new`'s text has content words that `old`'s lacks, beyond the words that
    name the slot or the subject: it says something `old` does not."""
    stems = {stem(w) for w in _slot_and_subject_words(new, old)}
    extra = _unpossessed(content_words(new.text)) - _unpossessed(content_words(old.text))
    return any(stem(w) not in stems for w in extra)


def names_in(text: str) -> set[str]:
    """The stems of a text's names: its capitalised words past each sentence's first ("I"
    aside)."""
    out: set[str] = set()
    for sentence in re.split(r"[.!?]\s+", text):
        words = re.findall(r"[\w'-]+", sentence)[1:]
        out |= {stem(w.lower()) for w in words if w[:1].isupper() and w != "I"}
    return out


__all__ = [
    "CONSTRUCTION_WORDS",
    "FUNCTION_WORDS",
    "content_sequence",
    "content_words",
    "names_in",
    "restates",
    "same_content",
    "says_more",
]
