"""The rule engine: clauses of a text -> the facts its pattern table (`RULES`) reads in them.

`RuleExtractor` is the offline default, tuned for precision (a missed fact costs less than an
invented one). It emits the canonical attribute names of `agentmem.facts.vocabulary`. Questions,
hypotheticals ("if I lived in Rome") and wishes yield nothing; retractions ("I don't live
in Paris anymore", "I no longer work at Acme") yield a fact with `negated=True`.

The patterns are data (`extraction_patterns`, with their words in `extraction_lexicon` and
the clause reading in `extraction_sentences`); the checks and builders they name by string
are here, in `CHECKS` and `BUILDERS`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from agentmem.facts.extraction import register
from agentmem.facts.extraction.base import USER, FactExtractor, render
from agentmem.facts.extraction.lexicon import (
    CHILDREN,
    NATIONALITY,
    NOT_EMPLOYERS,
    NOT_VALUES,
    NUMBERS,
    OCCUPATIONS,
    SIBLINGS,
    SPECIFIC_ATTRIBUTES,
    SPOUSES,
    names_a_being,
)
from agentmem.facts.extraction.patterns import RULES, Rule
from agentmem.facts.extraction.sentences import (
    CLAUSE_SPLIT,
    CONTRACTIONS,
    HEDGE,
    HYPOTHETICAL,
    TIME,
)
from agentmem.facts.extraction.values import time_word
from agentmem.facts.vocabulary import canonical
from agentmem.types import Fact

MAX_VALUE_WORDS = 8
PRESENT_TIMES = r"now|currently|nowadays|these days|at the moment|right now|at present"
# Adjectives of an owner's slot that say which of its values is meant: the current one
# ("my new number is ..."; the slot is "number"), or one no longer held ("my old email").
CURRENT_VALUE = frozenset({"new", "current", "present"})
PAST_VALUE = frozenset({"old", "previous", "former", "last", "ex"})
# What follows a retraction's value that the rows cannot judge: a span or a purpose ("for a
# weekend", "for work"), a time ("at six"), an infinitive of purpose ("to visit my aunt").
# The row defers; the parse reads the clause (`extraction_change`: a trip is no change).
UNJUDGED = re.compile(r"\s+(?:for|at)\s|\s+to\s+(?!the\b|a\b|an\b|my\b|our\b)[a-z]+\b")
Reading = tuple[str, str, bool]  # (attribute, value, negated)
Builder = Callable[[re.Match[str]], list[Reading]]


# --- values ------------------------------------------------------------------------------
def _split(value: str) -> list[str]:
    return [v for v in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or|as well as|&)\s+", value) if v]


def _clean(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip(" \t'\"`-.,;:!?")
    value = re.sub(r"^(?:a|an|some|my)\s+", "", value, flags=re.I)
    # a time that places the value in the present is no part of it ("my email is now X",
    # "my number is X these days"): it says the value holds, which the slot says already
    value = re.sub(rf"^(?:{PRESENT_TIMES})\s+|\s+(?:{PRESENT_TIMES})$", "", value, flags=re.I)
    value = re.sub(
        r"\s+(?:a lot|so much|very much|too|as well|a bit|lately)$", "", value, flags=re.I
    )
    # a degree adverb after the value grades the verb: "I like Ravel best", "I like best"
    value = re.sub(r"(?:^|\s+)(?:the )?(?:best|most|more|least)$", "", value, flags=re.I)
    value = re.sub(r"^(?:best|most|more|least) (?:is|are|was|were)\b.*", "", value, flags=re.I)
    # a value never ends on a word that joins it to more: "I quit Telstra and joined Optus"
    value = re.sub(r"(?:\s+(?:and|or|but|of|for|the|with|to))+$", "", value, flags=re.I)
    words = value.split()
    if not words or len(words) > MAX_VALUE_WORDS or words[0].lower() in NOT_VALUES:
        return ""
    if words[0].lower() == "to" and len(words) > 1:  # "I love to cook" -> "cook"
        value = " ".join(words[1:])
    return value


# --- checks: a cleaned value -> is it one? ------------------------------------------------
# A stretch of time counted ("my second month here", "three weeks", "the 4th year"): what one
# is "into" by how long, no liking.
SPAN = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|last|final|few|\d+(?:st|nd|rd|th)?|one|two|"
    r"three|four|five|six|seven|eight|nine|ten)\s+(?:day|week|month|year|term|semester|"
    r"season|decade|hour|minute)s?\b",
    re.I,
)


def _is_place(value: str) -> bool:
    """A name or a "the" phrase; a month, a weekday or a year is when ("born in March")."""
    if value.split() and time_word(value.split()[0].lower()):
        return False
    return value[:1].isupper() or value.lower().startswith("the ")


def _is_name(value: str) -> bool:
    first = value.split()[0]
    return first[:1].isupper() and first.lower() not in NOT_VALUES and first != "I"


def _is_occupation(value: str) -> bool:
    return value.split()[-1].lower() in OCCUPATIONS


def _is_org(value: str) -> bool:
    return value[:1].isupper() or value[:1].isdigit() or value.lower().startswith("the ")


def _is_employer(value: str) -> bool:
    return _is_org(value) and not NOT_EMPLOYERS.search(value)


CHECKS: dict[str, Callable[[str], bool]] = {
    "place": _is_place,
    "name": _is_name,
    "occupation": _is_occupation,
    "org": _is_org,
    "employer": _is_employer,
    "not_time": lambda value: not TIME.fullmatch(value) and not SPAN.search(value),
    "dated": lambda value: bool(TIME.search(value)),
    # "I bought a car" says too little; "I bought a house in Rome" is about a home
    "not_car_or_house": lambda value: value.split()[0].lower() not in ("car", "house"),
}


# --- builders: a match -> several facts ---------------------------------------------------
def _pet(m: re.Match[str]) -> list[Reading]:
    kind = _clean(m.group("kind"))
    count = (m.groupdict().get("num") or "").lower()
    had = f"{count} {kind}" if kind and count not in ("", "a", "an", "one") else kind
    out = [("has_pet", had, False)] if kind else []  # "two cats" as said, as the parse says it
    name = m.groupdict().get("name")
    if name and _is_name(name):
        out.append(("pet_name", f"{name} ({kind})" if kind else name, False))
    return out


def _pet_named(m: re.Match[str]) -> list[Reading]:
    kind, name = m.group("kind").lower(), _clean(m.group("name"))
    return [("has_pet", kind, False), ("pet_name", f"{name} ({kind})", False)] if name else []


def _relatives(m: re.Match[str]) -> list[Reading]:
    word = m.group("rel").lower()
    count = m.group("num").lower()
    attribute = "has_child" if word in CHILDREN else "has_sibling"
    kind = {**CHILDREN, **SIBLINGS}[word]
    name = m.groupdict().get("name")
    n = NUMBERS.get(count, int(count) if count.isdigit() else 1)
    if name and _is_name(name):
        return [(attribute, f"{kind} {name}", False)]
    return [(attribute, kind if n == 1 else f"{n} {word}", False)]


def _relative_named(m: re.Match[str]) -> list[Reading]:
    word, name = m.group("rel").lower(), _clean(m.group("name"))
    if not name or not _is_name(name):
        return []
    if word in CHILDREN:
        return [("has_child", f"{CHILDREN[word]} {name}", False)]
    if word in SIBLINGS:
        return [("has_sibling", f"{SIBLINGS[word]} {name}", False)]
    if re.fullmatch(SPOUSES, word):
        return [("spouse", name, False)]
    return [(f"{word.replace(' ', '_')}_name", name, False)]


def _name_intro(m: re.Match[str]) -> list[Reading]:
    value = _clean(m.group(1))
    if not value or not _is_name(value) or len(value.split()) > 3:
        return []
    if NATIONALITY.search(value.split()[-1]) and len(value.split()) == 1 and len(value) > 5:
        return []  # "I'm Italian", "I'm French": a nationality, not a name
    return [("name", value, False)]


def _favourite(m: re.Match[str]) -> list[Reading]:
    thing = re.sub(r"\s+", "_", m.group("thing").strip().lower())
    value = _clean(m.group("value"))
    return [(f"favorite_{thing}", value, False)] if value else []


def _generic(m: re.Match[str]) -> list[Reading]:
    """ "my X is Y" with a number or an address in Y ("my locker number is 121", "my email
    is ..."): Y is X's. Not where X is a person or an animal ("my daughter is 12", "my
    nephew is 4 and loves trains"): a number said of a being is its age, which the parse
    reads with its subject, and the rest of Y is no value of a slot named by kin."""
    words = m.group("attr").split()
    if words[0].lower() in PAST_VALUE:
        return []  # "my old number was ...": no value the owner holds
    if words[0].lower() in CURRENT_VALUE and len(words) > 1:
        words = words[1:]
    attribute = canonical(" ".join(words))
    value = _clean(m.group("value"))
    if not value or not re.search(r"[\d@]", value) or attribute in SPECIFIC_ATTRIBUTES:
        return []
    if names_a_being(words[-1].lower()):
        return []
    return [(attribute, value, False)]


def _works_with_title(m: re.Match[str]) -> list[Reading]:
    out = []
    title, org = _clean(m.group("title")), _clean(m.group("org"))
    if title and _is_occupation(title):
        out.append(("job_title", title, False))
    if org and _is_org(org):
        out.append(("works_at", org, False))
    return out


BUILDERS: dict[str, Builder] = {
    "pet": _pet,
    "pet_named": _pet_named,
    "relatives": _relatives,
    "relative_named": _relative_named,
    "name_intro": _name_intro,
    "favourite": _favourite,
    "generic": _generic,
    "works_with_title": _works_with_title,
}


# --- compiling the table ------------------------------------------------------------------
@dataclass(frozen=True)
class _Compiled:
    pattern: re.Pattern[str]
    build: Builder


def _one(rule: Rule) -> Builder:
    check = CHECKS[rule.check] if rule.check else None

    def build(m: re.Match[str]) -> list[Reading]:
        raw = m.group(rule.group)
        out = []
        for value in map(_clean, _split(raw) if rule.split else [raw]):
            if value and (check is None or check(value)):
                out.append((rule.attribute, value.lower() if rule.lower else value, rule.negated))
        return out

    return build


@functools.cache
def compile_rule(rule: Rule) -> _Compiled:
    """A table row as a compiled pattern and its builder; unknown names say where to add them."""
    if rule.check and rule.check not in CHECKS:
        raise ValueError(
            f"Rule check {rule.check!r} is unknown; use one of {sorted(CHECKS)} "
            "or add it to agentmem.facts.extraction.rules.CHECKS"
        )
    if rule.build and rule.build not in BUILDERS:
        raise ValueError(
            f"Rule build {rule.build!r} is unknown; use one of {sorted(BUILDERS)} "
            "or add it to agentmem.facts.extraction.rules.BUILDERS"
        )
    build = BUILDERS[rule.build] if rule.build else _one(rule)
    return _Compiled(re.compile(rule.regex, re.I), build)


# --- the engine ---------------------------------------------------------------------------
def _normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = register.respelt(text)  # "im", "dont", "my sisters husband": as the parse reads
    for pattern, replacement in CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\bi\b", "I", text)  # casual lower-case "i live in Paris"
    return text


def clauses(text: str) -> Iterator[str]:
    """First-person clauses worth reading: no questions, no hypotheticals."""
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", _normalise(text)):
        sentence = sentence.strip()
        if not sentence or sentence.endswith("?"):
            continue
        for clause in CLAUSE_SPLIT.split(sentence):
            clause = clause.strip()
            if clause and not HYPOTHETICAL.search(clause):
                yield clause


class RuleExtractor(FactExtractor):
    """High-precision patterns for first-person facts; no model, microseconds per turn.

    `rules` is the pattern table; extend it with more rows: `RuleExtractor((*RULES, Rule(...)))`.
    """

    name = "rules"
    fast = True

    def __init__(self, rules: Sequence[Rule] = RULES) -> None:
        self.rules = tuple(rules)
        self._compiled = tuple(compile_rule(rule) for rule in self.rules)

    def _extract(self, text: str, *, source: str) -> list[Fact]:
        facts: dict[Reading, Fact] = {}
        for clause in clauses(text):
            confidence = 0.6 if HEDGE.search(clause) else 0.9
            for attribute, value, negated in self._match(clause):
                key = (attribute, value.lower(), negated)
                if key not in facts and not _shadowed(key, facts):
                    facts[key] = Fact(
                        subject=USER,
                        attribute=attribute,
                        value=value,
                        text=render(USER, attribute, value, negated),
                        negated=negated,
                        confidence=confidence,
                        source=source,
                    )
        return list(facts.values())

    def _match(self, clause: str) -> Iterator[Reading]:
        taken: list[tuple[int, int]] = []
        for rule in self._compiled:
            for m in rule.pattern.finditer(clause):
                span = _value_span(m)
                if any(span[0] < end and start < span[1] for start, end in taken):
                    continue  # an earlier, more specific rule (a retraction) read these words
                built = rule.build(m)
                if any(negated for *_, negated in built) and UNJUDGED.search(
                    clause, _value_span(m)[0]
                ):
                    continue  # "I left Paris for a weekend": a trip, for the parse to judge
                if built:
                    taken.append(span)
                    yield from built


def _value_span(m: re.Match[str]) -> tuple[int, int]:
    spans = [m.span(i) for i in range(1, (m.re.groups or 0) + 1) if m.start(i) >= 0]
    return (min(a for a, _ in spans), max(b for _, b in spans)) if spans else m.span()


def _shadowed(key: Reading, facts: dict[Reading, Fact]) -> bool:
    """A negated fact wins over the positive one read from the same words."""
    attribute, value, negated = key
    return (attribute, value, not negated) in facts and not negated


__all__ = ["BUILDERS", "CHECKS", "RuleExtractor", "clauses", "compile_rule"]
