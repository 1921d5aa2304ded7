"""The attribute vocabulary of facts: canonical names, cardinality, synonyms and phrasings
(data only), the one table extraction, conflict resolution and parametric memory read.

Fact extraction emits canonical attribute names; conflict resolution maps any phrase a
user or an LLM extractor produces ("moved to", "resides in", "based in") onto them and
decides by cardinality whether a new value replaces the old one (single) or joins it
(multi). Extend it through the config (`conflicts.synonyms`, `conflicts.multi_valued`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Attribute:
    """A slot of facts: its canonical name, whether it holds several values at once, the
    phrases that name it, and how a fact of it is said (`{s}` the subject, `{v}` the value):
    the sentence a fact is stored as and its negation, and the statement and questions
    parametric memory trains on."""

    name: str
    multi: bool = False
    synonyms: tuple[str, ...] = ()
    sentence: str = "{s}'s {a} is {v}"
    negation: str = "{s}'s {a} is not {v}"
    statement: str | None = None
    questions: tuple[str, ...] = ()


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        "name",
        synonyms=("is called", "am called", "named", "my name is", "goes by"),
        sentence="{s}'s name is {v}",
        negation="{s}'s name is not {v}",
    ),
    Attribute(
        "age",
        synonyms=("years old", "aged"),
        sentence="{s} is {v} years old",
        negation="{s} is not {v} years old",
    ),
    Attribute(
        "lives_in",
        synonyms=(
            "lives in",
            "live in",
            "moved to",
            "resides in",
            "based in",
            "living in",
            "home",
            "location",
            "city",
        ),
        statement="{s} lives in {v}.",
        questions=(
            "Where does {s} live?",
            "In which city does {s} live?",
            "Where is {s}'s home?",
            "What place does {s} live in?",
            "Where is {s} living these days?",
            "Which town is {s} based in?",
            "Where can {s} be found living?",
            "What city is home to {s}?",
        ),
        sentence="{s} lives in {v}",
        negation="{s} no longer lives in {v}",
    ),
    Attribute(
        "from",
        synonyms=("comes from", "born in", "grew up in", "hometown"),
        statement="{s} comes from {v}.",
        questions=(
            "Where does {s} come from?",
            "Where is {s} from?",
            "What is {s}'s hometown?",
            "Where did {s} grow up?",
            "Which place is {s} originally from?",
            "What is the birthplace of {s}?",
            "Where was {s} raised?",
            "{s} is originally from where?",
        ),
        sentence="{s} is from {v}",
        negation="{s} is not from {v}",
    ),
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
        statement="{s} works at {v}.",
        questions=(
            "Where does {s} work?",
            "Who employs {s}?",
            "Which company does {s} work for?",
            "What is {s}'s employer?",
            "Where is {s} employed?",
            "Who does {s} work for?",
            "At which company does {s} have a job?",
            "Which firm pays {s}'s salary?",
        ),
        sentence="{s} works at {v}",
        negation="{s} no longer works at {v}",
    ),
    Attribute(
        "job_title",
        synonyms=("works as", "job", "occupation", "profession", "role"),
        statement="{s} works as a {v}.",
        questions=(
            "What is {s}'s job?",
            "What does {s} do for a living?",
            "What is {s}'s occupation?",
            "What is {s}'s profession?",
            "What work does {s} do?",
            "What is {s}'s role?",
            "How does {s} earn a living?",
            "What job does {s} have?",
        ),
        sentence="{s} works as {v}",
        negation="{s} does not work as {v}",
    ),
    Attribute(
        "spouse",
        synonyms=("married to", "wife", "husband", "partner"),
        statement="{s} is married to {v}.",
        questions=(
            "Who is {s} married to?",
            "Who is {s}'s spouse?",
            "Who is {s}'s partner?",
            "Whom did {s} marry?",
            "What is the name of {s}'s spouse?",
            "Who is the husband or wife of {s}?",
            "Who did {s} wed?",
            "Who shares a marriage with {s}?",
        ),
        sentence="{s}'s partner is {v}",
        negation="{s}'s partner is no longer {v}",
    ),
    Attribute(
        "birthday",
        synonyms=("born on", "birth date", "date of birth"),
        sentence="{s}'s birthday is {v}",
        negation="{s}'s birthday is not {v}",
    ),
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
        statement="{s} likes {v}.",
        questions=(
            "What does {s} like?",
            "What does {s} enjoy?",
            "What is {s}'s favourite thing?",
            "What is {s} fond of?",
            "What does {s} love?",
            "What is {s} into?",
            "What makes {s} happy?",
            "What does {s} prefer?",
        ),
        sentence="{s} likes {v}",
        negation="{s} no longer likes {v}",
    ),
    Attribute(
        "dislikes",
        multi=True,
        synonyms=("dislike", "hates", "hate", "can't stand"),
        sentence="{s} dislikes {v}",
        negation="{s} no longer dislikes {v}",
    ),
    Attribute(
        "speaks",
        multi=True,
        synonyms=("languages", "language", "speak"),
        statement="{s} speaks {v}.",
        questions=(
            "What language does {s} speak?",
            "Which language does {s} know?",
            "In what language does {s} talk?",
            "What tongue does {s} speak?",
            "Which language can {s} speak?",
            "What language is {s} fluent in?",
            "What does {s} speak?",
            "Which language does {s} use?",
        ),
        sentence="{s} speaks {v}",
        negation="{s} does not speak {v}",
    ),
    Attribute(
        "has_pet",
        multi=True,
        synonyms=("pet", "pets", "owns a dog", "has a cat"),
        sentence="{s} has a pet: {v}",
        negation="{s} no longer has a pet: {v}",
    ),
    Attribute(
        "pet_name",
        multi=True,
        synonyms=("pet's name", "dog's name", "cat's name"),
        statement="{s}'s pet is called {v}.",
        questions=(
            "What is the name of {s}'s pet?",
            "What is {s}'s pet called?",
            "What did {s} name the pet?",
            "What name does {s}'s pet have?",
            "How is {s}'s pet named?",
            "Who is {s}'s pet?",
            "What do they call {s}'s pet?",
            "Tell me the name of {s}'s pet.",
        ),
        sentence="{s}'s pet is named {v}",
        negation="{s} no longer has the pet {v}",
    ),
    Attribute(
        "has_child",
        multi=True,
        synonyms=("child", "children", "son", "daughter", "kids"),
        sentence="{s} has a child: {v}",
        negation="{s} does not have a child: {v}",
    ),
    Attribute(
        "has_sibling",
        multi=True,
        synonyms=("sibling", "siblings", "brother", "sister"),
        sentence="{s} has a sibling: {v}",
        negation="{s} does not have a sibling: {v}",
    ),
    Attribute(
        "owns",
        multi=True,
        synonyms=("has", "possesses", "bought", "drives"),
        sentence="{s} owns {v}",
        negation="{s} no longer owns {v}",
    ),
    Attribute(
        "plans",
        multi=True,
        synonyms=("plan", "plans to", "going to", "will", "intends to"),
        sentence="{s} plans to {v}",
        negation="{s} no longer plans to {v}",
    ),
    Attribute(
        "allergic_to",
        multi=True,
        synonyms=("allergy", "allergies", "allergic"),
        sentence="{s} is allergic to {v}",
        negation="{s} is not allergic to {v}",
    ),
    # "I am vegan", "I'm a Buddhist": what the subject is; several can hold at once
    Attribute(
        "is_a",
        multi=True,
        synonyms=("identifies as",),
        sentence="{s} is {v}",
        negation="{s} is no longer {v}",
    ),
)

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


def is_multi_valued(attribute: str, extra: set[str] | frozenset[str] = frozenset()) -> bool:
    """Multi-valued attributes accumulate values and conflict only on negation."""
    name = canonical(attribute)
    known = _BY_NAME.get(name)
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
