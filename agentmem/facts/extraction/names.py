"""Names the small English pipeline splits, read as the plain names they are.

The tokenizer cuts a name at a hyphen or an apostrophe ("Eun-ji" -> Eun - ji, "O'Brien"
-> O ' Brien), and the tagger then reads the pieces as an adjective, a compound or a
possessive: "Eun-ji lives in Busan" parses with "lives" as a noun and reads nothing. The
parse extractor reads a text with each such name replaced by a plain given name the text
does not use, and writes the name back into what it reads (`masked`, `unmasked`): a name
reads as a plain name does in the same frame.

A marked name is a capitalised word joined by a hyphen to another capitalised word
("Jean-Luc", "Mary-Kate", "Coca-Cola"), a capital and an apostrophe before a capitalised
word ("O'Brien", "D'Arcy"), or a short capitalised syllable joined to a short lower-case
one, the romanised given names of Korean and Chinese ("Eun-ji", "Seo-yeon", "Xiao-li").
A capitalised compound of two words the pipeline knows as ordinary lower-case words, one of
them of four letters or more ("Part-time", "Long-term", "Self-made" at the start of a
sentence), is no name; two short syllables are ("Ji-ho", "Min-ji").
"""

from __future__ import annotations

import dataclasses
import re

from agentmem.types import Fact

_CAPITAL = r"[A-Z][a-z]+"
MARKED_NAME = re.compile(
    rf"(?<![\w'’-])(?:{_CAPITAL}(?:-{_CAPITAL})+|[A-Z]['’]{_CAPITAL}|[A-Z][a-z]{{1,4}}-[a-z]{{2,5}})"
    r"(?=['’]s\b|[^\w'’-]|$)"  # a possessive "'s" after the name is not part of it
)
# plain given names the tagger reads as names in any position; one per marked name
STAND_INS = (
    "Anna", "David", "Maria", "Peter", "Laura", "Daniel",
    "Sarah", "James", "Emma", "Paul", "Clara", "Martin",
)  # fmt: skip


def masked(text: str, known_word=None) -> tuple[str, dict[str, str]]:
    """`text` with each marked name replaced by a stand-in the text does not use, and the
    stand-ins' names (stand-in -> name). `known_word(word)` tells a lower-case word the
    pipeline knows; a lower-case-tailed compound of two known words is left alone."""
    used = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    free = [s for s in STAND_INS if s.lower() not in used]
    names: dict[str, str] = {}  # name -> stand-in

    def stand_in(match: re.Match) -> str:
        name = match.group(0)
        if _ordinary(name, known_word):
            return name
        if name not in names:
            if len(names) == len(free):
                return name  # more marked names than stand-ins: the rest as they are
            names[name] = free[len(names)]
        return names[name]

    out = MARKED_NAME.sub(stand_in, text)
    return out, {s: n for n, s in names.items()}


def _ordinary(word: str, known_word) -> bool:
    """A hyphenated word with a lower-case tail both of whose parts are ordinary words."""
    head, _, tail = word.partition("-")
    if not tail or not tail.islower() or known_word is None:
        return False
    if max(len(head), len(tail)) < 4:  # "Ji-ho", "Min-ji": syllables, whatever they spell
        return False
    return known_word(head.lower()) and known_word(tail)


def unmasked(facts: list[Fact], names: dict[str, str]) -> list[Fact]:
    """`facts` with each stand-in written back as the name it stood for."""
    if not names:
        return facts
    # in any case: a reader may lower a word ("user's anna fan club"); the text used none
    lookup = {stand_in.lower(): name for stand_in, name in names.items()}
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE)

    def back(text: str | None) -> str | None:
        return None if text is None else pattern.sub(lambda m: lookup[m.group(1).lower()], text)

    return [
        dataclasses.replace(
            f, subject=back(f.subject), value=back(f.value), text=back(f.text), ends=back(f.ends)
        )
        for f in facts
    ]


__all__ = ["MARKED_NAME", "STAND_INS", "masked", "unmasked"]
