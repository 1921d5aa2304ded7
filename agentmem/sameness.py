"""When two texts say the same thing: the test every merge of memories must pass.

Two memories are merged only when they are true duplicates: the same meaning (decided by
the caller: embedding similarity for notes, slot agreement for facts) AND the same content
words. A content word is anything but a function word, so two texts that differ in a
noun, verb, adjective, name, number, date or negation are never one memory ("Book the
dentist for Tuesday" / "... Thursday"). What may differ: case, punctuation, word order,
function words, British/American spelling, and, for a fact, the words that only name its
slot ("live", "reside", "based" all say `lives_in`), which the caller passes as `allowed`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from agentmem.types import MemoryRecord
from agentmem.vocabulary import slot_words

# Articles, pronouns, present-tense auxiliaries, prepositions, conjunctions, light verbs
# and discourse fillers: words that carry no fact of their own. Negations ("not", "no",
# "never"), past-tense auxiliaries ("was", "had", "did") and modals are NOT here: they
# change what a sentence asserts.
FUNCTION_WORDS = frozenset(
    """
    a an the this that these those some any each every
    i me my mine myself we us our ours you your yours he him his she her hers it its they
    them their theirs one
    am is are be been being 's m re ve ll d s t
    do does have has get gets got gotten
    in on at to of for from by with about as into onto over under than then so
    and or but also too just really very quite please
    remember note reminder fyi well oh ok okay hey hi again currently nowadays now
    """.split()
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
_SPELLING = (
    (re.compile(r"(?<=\w\w)our(?=\w)|(?<=\w\w\w)our$"), "or"),
    (re.compile(r"ise$"), "ize"),
)


def _normal(word: str) -> str:
    word = word.lower()
    if word.endswith("n't"):
        return "not"
    if "'" in word:
        word = word.split("'")[0]
    if len(word) >= 6:  # colour/color, favourite/favorite, organise/organize
        for pattern, replacement in _SPELLING:
            word = pattern.sub(replacement, word)
    return word


def content_words(text: str) -> frozenset[str]:
    """The words of `text` that carry content, in a normal form."""
    words = (_normal(w) for w in _WORD.findall(text or ""))
    return frozenset(w for w in words if w and w not in FUNCTION_WORDS)


def stem(word: str) -> str:
    """A crude stem for matching slot words: lives/living/lived/live -> liv."""
    word = _normal(word)
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def same_content(a: str, b: str, allowed: Iterable[str] = ()) -> bool:
    """Whether `a` and `b` have the same content words, up to the words in `allowed`."""
    difference = content_words(a) ^ content_words(b)
    if not difference:
        return True
    stems = {stem(w) for w in allowed}
    return all(stem(w) in stems for w in difference)


def restates(new: MemoryRecord, old: MemoryRecord) -> bool:
    """Whether fact `new` says what `old` says (same slot and value assumed): the same
    content words, up to the words that name the slot or the subject."""
    allowed = slot_words(old.attribute or "") | slot_words(new.attribute or "")
    allowed |= {"user", *(new.subject or "").split(), *(old.subject or "").split()}
    return same_content(new.text, old.text, allowed)


__all__ = ["FUNCTION_WORDS", "content_words", "restates", "same_content", "stem"]
