"""The value a parsed object names, for the parse extractor (`extraction_parse`): its
constituent (`extraction_constituents`: the phrase without determiners and without the
adjuncts after it), and whether it fits a slot."""

from __future__ import annotations

import calendar

from agentmem.facts.extraction.constituents import called, constituent
from agentmem.facts.extraction.docs import entity_type
from agentmem.facts.extraction.lexicon import OCCUPATIONS, WEEKDAYS
from agentmem.facts.extraction.word_lexicon import CHAT_WORDS
from agentmem.facts.extraction.workplace import workplace
from agentmem.facts.vocabulary import TENS, UNITS

MAX_VALUE_WORDS = 8
# Prepositions that place a common noun within a wider place: "a farm in Tipperary", "a town
# near Lyon", "a base outside Kabul", "a suburb of Melbourne", "a station by Dunedin".
WITHIN = frozenset({"in", "near", "outside", "of", "on", "at", "by", "around"})
PLACE_CHAIN = 3  # common nouns followed down a chain ("a flat on an estate in Hackney")
VALUE_POS = frozenset({"NOUN", "PROPN", "NUM", "VERB", "X"})


def fits(attribute: str, obj) -> bool:
    """Job titles are occupations; 'I work at home' names no employer, "at a bakery" does
    (`extraction_workplace`: the noun's kind decides). What one works
    *as* is a role whether or not the list knows it ("works as a sommelier"): the
    preposition, not the word, says so; a possessed noun ("as my hobby") is no role."""
    if attribute == "job_title":
        if obj.head.lower_ == "as" and obj.pos_ == "NOUN":
            return not any(c.dep_ == "poss" for c in obj.children)
        return obj.lemma_.lower() in OCCUPATIONS
    if attribute in ("lives_in", "from", "born_in") and a_time(obj):
        return False  # "born in March", "in 1988": when, not where
    if attribute == "works_at":
        if obj.pos_ == "PROPN" or entity_type(obj) == "ORG" or called(obj) is not None:
            return True
        # "a bakery", "the city council": a common noun names an employer by its kind
        if obj.pos_ == "NOUN" and workplace(obj.doc[obj.left_edge.i : obj.i + 1].text):
            return True
        return lower_case_name(obj)
    return True


MONTHS = frozenset(m.lower() for m in calendar.month_name if m)
MONTHS |= {m.lower() for m in calendar.month_abbr if m}


def a_time(token) -> bool:
    """A month ("March"), a weekday, a year or decade or other bare number ("1988"): a word of
    when, by the word (no entity recogniser, which would run on every place read)."""
    return time_word(token.lower_)


def time_word(word: str) -> bool:
    """`a_time` of a lower-case word: a month, a weekday (or its plural), or a number, a
    year or a decade ("the 90s", "the '80s")."""
    number = word.lstrip("'").removesuffix("s")
    return word in MONTHS or word.removesuffix("s") in WEEKDAYS or number.isdigit()


# Parts of the day and week: "in the evenings", "at weekends" say when, never what or where.
DAY_TIMES = frozenset({"morning", "afternoon", "evening", "night", "weekend", "weekday"})
DAY_TIMES |= {"lunchtime", "daytime", "nighttime", "overnight"}


def time_of_day(token) -> bool:
    """A part of the day or week, or a weekday, singular or plural ("the evenings",
    "weekends", "Sundays"): a word of when, by the word (`a_time` keeps to dates)."""
    word = token.lower_
    return (
        token.lemma_.lower() in DAY_TIMES
        or word in DAY_TIMES
        or word.removesuffix("s") in (DAY_TIMES | WEEKDAYS)
    )


def number_value(token) -> int | None:
    """The whole number a numeral spells, with the numerals the parser hung on it ("42",
    "seven", "forty-two", "twenty one"): digits, or English number words below a thousand;
    None where it is no such number ("a few", "1.5", "3rd")."""
    if token.text.isdigit():
        return int(token.text)
    parts, todo = [token], [token]
    while todo:  # the numerals the parser hung on it ("forty" of "forty-two"), not an "of"
        for c in todo.pop().children:
            if c.dep_ in ("compound", "nummod", "quantmod", "cc") and c.i < token.i:
                parts.append(c)
                todo.append(c)
    parts.sort(key=lambda t: t.i)
    current = 0
    for word in (t.lower_ for t in parts):
        for piece in word.split("-"):
            if piece in UNITS:
                current += UNITS[piece]
            elif piece in TENS:
                current += TENS[piece]
            elif piece == "hundred" and current:
                current *= 100
            elif piece != "and":
                return None
    return current if token.tag_ == "CD" else None


# Nouns English puts bare after "at" or "for" without naming anything ("at home", "at
# night", "at work", "at school", "for now"): no name in lower case.
BARE_NOUNS = frozenset({"home", "work", "night", "school", "college", "university", "church"})
BARE_NOUNS |= {"sea", "lunch", "dinner", "breakfast", "weekend", "present", "noon", "midnight"}
BARE_NOUNS |= {"dawn", "dusk", "times", "least", "first", "last", "now", "free", "cost", "random"}


def lower_case_name(obj) -> bool:
    """A bare singular common noun (no article, possessive, adjective or number) in a text
    typed all in lower case, where English would put an article before a common noun: a
    name the writer did not capitalise ("works at apple", "works for shell"); a noun
    English puts bare after a preposition is none ("works at home", `BARE_NOUNS`), nor the
    object of a role's preposition ("a teacher at heart")."""
    if obj.pos_ != "NOUN" or obj.tag_ != "NN" or obj.lower_ in BARE_NOUNS:
        return False
    if obj.head.head.pos_ != "VERB":
        return False  # "a teacher at heart": a role's adjunct, no verb of working
    if any(t.text[:1].isupper() and t.lower_ != "i" for t in obj.doc):
        return False  # a text that capitalises its names ("I" aside: the register's)
    return not any(c.dep_ in ("det", "poss", "amod", "nummod", "compound") for c in obj.children)


# Marks written between two words of one value with no space around them.
JOINERS = frozenset({"-", "/", "–"})


def value_text(token, *, adjective: bool = False, role: bool = False, unowned: bool = False) -> str:
    """The object's constituent, without leading determiners; 'the village of Ashcombe' and
    'a town called Ballina' -> the name. A `role` ends before where and for whom ("a nurse
    in Hobart" -> nurse, "a professor of law" -> professor); an `unowned` value leaves out
    its owner, the fact's subject ("my aunt's parrot" -> parrot)."""
    if token.pos_ == "NOUN" and not role:
        for prep in (c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"):
            name = next((c for c in prep.children if c.pos_ == "PROPN"), None)
            if name is not None:
                return value_text(name)
        if (named := called(token)) is not None:
            return " ".join(value_text(n) or n.text for n in named)
    named_kind = token.pos_ == "ADJ" and entity_type(token) in ("NORP", "LANGUAGE")  # "dutch"
    if token.pos_ not in VALUE_POS and not ((adjective or named_kind) and token.pos_ == "ADJ"):
        return ""  # "it", "how much", "a few": no value of its own
    words = constituent(token)
    if unowned:
        owners = {t.i for c in token.children if c.dep_ == "poss" for t in c.subtree}
        words = [t for t in words if t.i not in owners]
    if role:
        words = [t for t in words if not any(a.dep_ == "prep" for a in _path(t, token))]
    while words and (_determiner(words[0]) or words[0].lower_ == "my"):
        words = words[1:]
    while words and words[-1].lower_ in CHAT_WORDS:  # "deleted my tiktok lol"; "lol" alone
        words = words[:-1]
    words = _with_joiners(words)
    text = "".join(t.text_with_ws for t in words[:-1]) + (words[-1].text if words else "")
    text = text.strip(" ,.;:-!")
    return text if text and len(text.split()) <= MAX_VALUE_WORDS else ""


def _with_joiners(words: list) -> list:
    """`words` with the hyphens and slashes written between two of them, which the parse
    hangs elsewhere ("first-year teacher" read as "firstyear teacher" without them)."""
    at = {t.i for t in words}
    doc = words[0].doc if words else None
    joiners = [
        doc[i]
        for i in range(min(at, default=0) + 1, max(at, default=0))
        if i not in at and doc[i].text in JOINERS and i - 1 in at and i + 1 in at
        and not doc[i - 1].whitespace_
    ]  # fmt: skip
    return sorted([*words, *joiners], key=lambda t: t.i) if joiners else words


def _determiner(token) -> bool:
    """A determiner or a possessive pronoun; a possessing noun is part of the name ("the
    children's hospital", "St Mary's")."""
    if token.dep_ == "poss":
        return token.pos_ in ("PRON", "DET") or not any(c.dep_ == "case" for c in token.children)
    return token.dep_ in ("det", "predet")


def place_text(token) -> str:
    """A place's value: a common noun placed by a chain of locative prepositions within a
    named place is the first (most specific) proper noun on the chain ("a farm in
    Tipperary" -> Tipperary, "a flat on an estate in Hackney" -> Hackney); a place with no
    name on its chain ("a small town") is its constituent."""
    if token.pos_ == "NOUN" and (named := _named_place(token, PLACE_CHAIN)) is not None:
        return value_text(named)
    return value_text(token)


def _named_place(noun, depth: int):
    for prep in (c for c in noun.children if c.dep_ == "prep" and c.lower_ in WITHIN):
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if obj is not None and obj.pos_ == "PROPN":
            return obj
        if obj is not None and obj.pos_ == "NOUN" and depth > 1:
            if (inner := _named_place(obj, depth - 1)) is not None:
                return inner
    return None


def _path(t, root) -> list:
    """The tokens from `t` up to (not including) `root`."""
    path = []
    while t.i != root.i:
        path.append(t)
        t = t.head
    return path


__all__ = [
    "MAX_VALUE_WORDS",
    "VALUE_POS",
    "BARE_NOUNS",
    "fits",
    "lower_case_name",
    "place_text",
    "value_text",
]
