"""The attribute vocabulary of facts: canonical names, cardinality, synonyms and phrasings
(data only; the phrasings live in `phrasings`), the one table extraction, conflict
resolution and parametric memory read.

Fact extraction emits canonical attribute names; conflict resolution maps any phrase a
user or an LLM extractor produces ("moved to", "resides in", "based in") onto them and
decides by cardinality whether a new value replaces the old one (single) or joins it
(multi). Extend it through the config (`conflicts.synonyms`, `conflicts.multi_valued`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from agentmem.facts import phrasings


@dataclass(frozen=True)
class Attribute:
    """A slot of facts: its canonical name, whether it holds several values at once, the
    phrases that name it, and how a fact of it is said: the sentence it is stored as and
    its negation, and the statement and questions parametric memory trains on."""

    name: str
    multi: bool = False
    synonyms: tuple[str, ...] = ()
    sentence: str = "{s}'s {a} is {v}"
    negation: str = "{s}'s {a} is not {v}"
    statement: str | None = None
    questions: tuple[str, ...] = ()
    asked_with: str | None = None  # a regex of the words of a question that ask about it


_NAMED: tuple[Attribute, ...] = (
    Attribute("name", synonyms=("is called", "am called", "named", "my name is", "goes by")),
    Attribute("age", synonyms=("years old", "aged")),
    Attribute(
        "lives_in",
        synonyms=(
            "lives in",
            "live in",
            "live at",  # an address: "I live at 12 Baker Street"
            "lives at",
            "moved to",
            "resides in",
            "based in",
            "living in",
            "home",
            "location",
            "city",
        ),
    ),
    Attribute("from", synonyms=("comes from", "born in", "grew up in", "hometown")),
    # where one was born: fixed for life, kept beside `from` (where one grew up or comes
    # from), so "born in Accra but raised in Leeds" keeps both (`extraction_origins`)
    Attribute("born_in", synonyms=("birthplace", "place of birth")),
    Attribute(
        "works_at",
        synonyms=(
            "works at",
            "work at",
            "works for",
            "employed by",
            "employer",
            "job at",
            "joined",
        ),
    ),
    Attribute("job_title", synonyms=("works as", "job", "occupation", "profession", "role")),
    # one partner at a time: married, engaged, a wife, a husband, a partner, a girlfriend
    Attribute(
        "spouse",
        synonyms=(
            "married to",
            "engaged to",
            "wife",
            "husband",
            "partner",
            "girlfriend",
            "boyfriend",
            "fiance",
            "fiancee",
        ),
    ),
    # "I'm seeing Oskar", "Dagny is dating Felix": several at once; a spouse ends them all
    Attribute("dating", multi=True),
    Attribute("birthday", synonyms=("born on", "birth date", "date of birth")),
    Attribute(
        "likes",
        multi=True,
        synonyms=(
            "like",
            "loves",
            "love",
            "enjoys",
            "enjoy",
            "favourite",
            "favorite",
            "prefers",
            "into",
        ),
    ),
    Attribute("dislikes", multi=True, synonyms=("dislike", "hates", "hate", "can't stand")),
    Attribute("speaks", multi=True, synonyms=("languages", "language", "speak")),
    Attribute("has_pet", multi=True, synonyms=("pet", "pets", "owns a dog", "has a cat")),
    Attribute("pet_name", multi=True, synonyms=("pet's name", "dog's name", "cat's name")),
    Attribute("has_child", multi=True, synonyms=("child", "children", "son", "daughter", "kids")),
    Attribute("has_sibling", multi=True, synonyms=("sibling", "siblings", "brother", "sister")),
    Attribute("owns", multi=True, synonyms=("has", "possesses", "bought", "drives")),
    Attribute("plans", multi=True, synonyms=("plan", "plans to", "going to", "will", "intends to")),
    Attribute("allergic_to", multi=True, synonyms=("allergy", "allergies", "allergic")),
    # "I go climbing", "I play the cello": what the subject regularly does (a habit)
    Attribute("does", multi=True, synonyms=("hobby", "hobbies", "pastime", "activity")),
    # "I am vegan", "I'm a Buddhist": what the subject is; several can hold at once
    Attribute("is_a", multi=True, synonyms=("identifies as",)),
)


def _phrased(attribute: Attribute) -> Attribute:
    sentence, negation = phrasings.SAID.get(
        attribute.name, (attribute.sentence, attribute.negation)
    )
    statement, questions = phrasings.ASKED.get(attribute.name, (None, ()))
    return dataclasses.replace(
        attribute,
        sentence=sentence,
        negation=negation,
        statement=statement,
        questions=questions,
        asked_with=phrasings.ASKED_WITH.get(attribute.name),
    )


ATTRIBUTES: tuple[Attribute, ...] = tuple(_phrased(a) for a in _NAMED)
_BY_NAME = {a.name: a for a in ATTRIBUTES}
_SYNONYMS = {s: a.name for a in ATTRIBUTES for s in (a.name.replace("_", " "), *a.synonyms)}


_BRITISH = ((re.compile(r"(?<=\w\w)our(?=\w)|(?<=\w\w\w)our$"), "or"), (re.compile(r"ise$"), "ize"))


def american(word: str) -> str:
    """One spelling for words of six letters or more: colour/color, favourite/favorite."""
    if len(word) >= 6:
        for pattern, replacement in _BRITISH:
            word = pattern.sub(replacement, word)
    return word


def normalise_phrase(text: str) -> str:
    """Lower case, single spaces, underscores as spaces, one spelling: the form synonyms
    are keyed by."""
    words = text.replace("_", " ").strip().lower().split()
    return " ".join(american(w) for w in words)


def canonical(attribute: str, extra: dict[str, str] | None = None) -> str:
    """Map an attribute phrase to its canonical name; unknown phrases keep a normal form."""
    key = normalise_phrase(attribute)
    if extra and key in extra:
        return extra[key]
    if key.replace(" ", "_") in _BY_NAME:
        return key.replace(" ", "_")
    return _SYNONYMS.get(key, key.replace(" ", "_"))


# Prepositions that name a slot with their verb ("volunteer at" -> `volunteer_at`).
SLOT_PREPOSITIONS = frozenset({"at", "to", "in", "on", "with", "for", "from", "about", "into"})
SLOT_PREPOSITIONS |= {"of", "by", "under", "over", "near", "outside"}


ADJECTIVE_PREPOSITIONS = frozenset({"of", "to", "at", "about", "in", "on", "with"})


def related_slot(verb: str, preposition: str) -> str | None:
    """The slot a verb and its preposition name where the table names none ("subscribe to"
    -> `subscribe_to`); None for a preposition that names no relation."""
    if preposition not in SLOT_PREPOSITIONS or not verb.isalpha():
        return None
    return f"{verb}_{preposition}"


def adjective_slot(adjective: str, preposition: str) -> str | None:
    """The slot an adjective and its preposition name where the table names none ("scared
    of" -> `be_scared_of`, said "The user is scared of heights"); None for a preposition
    that names no lasting relation ("late for work", "ready for it": an occasion)."""
    if preposition not in ADJECTIVE_PREPOSITIONS or not adjective.isalpha():
        return None
    return f"be_{adjective}_{preposition}"


def is_multi_valued(attribute: str, extra: set[str] | frozenset[str] = frozenset()) -> bool:
    """Multi-valued attributes accumulate values and conflict only on negation. A slot named
    by a verb and its preposition (`related_slot`) holds of many objects at once, as one
    volunteers at, subscribes to or sings in several."""
    name = canonical(attribute)
    known = _BY_NAME.get(name)
    if known is None and "_" in name and name.rsplit("_", 1)[1] in SLOT_PREPOSITIONS:
        return True
    return name in extra or (known is not None and known.multi)


SELF_SUBJECTS = frozenset({"i", "me", "my", "myself", "mine", "user", "the user", "you", "your"})


def canonical_subject(subject: str | None) -> str:
    """The speaker under any name ("I", "me", "the user") is "user"; others keep a normal form."""
    key = normalise_phrase(subject or "user")
    return "user" if key in SELF_SUBJECTS else key


def slot_words(attribute: str) -> frozenset[str]:
    """The words that only name a slot: its name and its synonyms' words ("live", "based")."""
    name = canonical(attribute)
    phrases = [name.replace("_", " ")]
    phrases += [s for s, a in _SYNONYMS.items() if a == name]
    return frozenset(w for p in phrases for w in p.split())


# English number words below a hundred ("forty-two" is TENS + UNITS).
_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_ONES += " fifteen sixteen seventeen eighteen nineteen"
UNITS = {w: i for i, w in enumerate(_ONES.split())}
TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy".split())}
TENS |= {"eighty": 80, "ninety": 90}


def count_of(word: str) -> int | None:
    """The whole number a word spells ("3", "three", "forty-two"); None where it is none."""
    if word.isdigit():
        return int(word)
    pieces = word.lower().split("-")
    if len(pieces) == 1:
        return UNITS.get(pieces[0], TENS.get(pieces[0]))
    tens, unit = pieces if len(pieces) == 2 else ("", "")
    return TENS[tens] + UNITS[unit] if tens in TENS and 0 < UNITS.get(unit, 0) < 10 else None
