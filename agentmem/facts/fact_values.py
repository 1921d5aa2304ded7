"""Values and pairs of facts in the forms conflicts are decided in: pure functions, no I/O.

A value compares in `normalise_value`'s form (lower-case words, no leading article, no
trailing "now"/"anymore"); a fact belongs to the slot `slot_of` names; `classify` says how a
new fact of a slot bears on an old one (duplicate, refinement, contradiction, retraction,
independent) and `new_wins` which of two contradicting facts a policy keeps. `conflicts.py`
turns those readings into decisions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from agentmem.config import ConflictsConfig
from agentmem.facts.vocabulary import (
    canonical,
    canonical_subject,
    count_of,
    is_multi_valued,
    normalise_phrase,
)
from agentmem.types import MemoryRecord, as_utc

CLASSIFICATIONS = ("duplicate", "refinement", "contradiction", "retraction", "independent")
POLICIES = ("latest_wins", "highest_confidence", "source_priority", "keep_both", "manual")
_ARTICLES = {"a", "an", "the"}
_TRAILING = {"anymore", "now", "currently", "nowadays"}  # "Paris anymore" is Paris
_WORD = re.compile(r"\w+", re.UNICODE)


# --- normal forms -------------------------------------------------------------------
def normalise_value(value: str | None) -> str:
    """Lower case words without punctuation or leading articles: the form values compare in."""
    words = [w.lower() for w in _WORD.findall(value or "")]
    while words and words[0] in _ARTICLES:
        words = words[1:]
    while words and words[-1] in _TRAILING:
        words = words[:-1]
    return " ".join(words)


def is_negated(record: MemoryRecord) -> bool:
    return bool(record.metadata.get("negated"))


def slot_of(record: MemoryRecord, config: ConflictsConfig) -> tuple[str, str]:
    """The (subject, attribute) normal form under which facts are compared."""
    return (canonical_subject(record.subject), canonical(record.attribute or "", synonyms(config)))


def is_multi(attribute: str, config: ConflictsConfig) -> bool:
    extra = {canonical(a, synonyms(config)) for a in config.multi_valued}
    return is_multi_valued(attribute, frozenset(extra))


def policy_for(attribute: str, config: ConflictsConfig) -> str:
    return config.policies.get(attribute, config.default_policy)


def synonyms(config: ConflictsConfig) -> dict[str, str]:
    """The extra attribute phrases of the config, keyed by their normal form."""
    return {normalise_phrase(k): v for k, v in config.synonyms.items()}


# --- classification -----------------------------------------------------------------
def classify(new: MemoryRecord, old: MemoryRecord, *, multi: bool) -> tuple[str, str]:
    """(classification, rule) of a new fact against an old fact of the same slot."""
    nv, ov = normalise_value(new.value), normalise_value(old.value)
    neg_new, neg_old = is_negated(new), is_negated(old)
    if neg_new and not neg_old:
        if not nv or nv == ov:
            return "retraction", "negation_of_value"
        # a negation said in fewer words ("deleted my TikTok" of "a TikTok account", "not
        # vegan anymore" of "strictly vegan") denies every value it covers; one said in more
        # ("I don't like dark chocolate") leaves the broader value ("I like chocolate")
        if set(nv.split()) < set(ov.split()):
            return "retraction", "negation_of_broader_value"
        return "independent", "negation_of_other_value"
    if neg_old and not neg_new:
        if not ov or nv == ov:
            return "contradiction", "reassertion_after_negation"
        return "independent", "value_after_other_negation"
    if nv == ov:
        return "duplicate", "same_value"
    new_words, old_words = set(nv.split()), set(ov.split())
    if neg_new:  # two negations of different values never conflict
        return "independent", "negations_of_different_values"
    if old_words and old_words < new_words:
        return "refinement", "more_specific_value"
    if new_words and new_words < old_words:
        return "duplicate", "less_specific_value"
    if (counts := _counts(nv.split(), ov.split())) is not None:  # "3 kids" / "2 kids"
        now, before = counts
        return ("duplicate", "same_count") if now == before else ("contradiction", "another_count")
    if multi:
        return "independent", "multi_valued"
    return "contradiction", "single_valued"


def recounted(new: list[str], old: list[str]) -> bool:
    """Two counts of one kind ("2 kids" / "3 kids", "four guitars" / "5 guitars"): a holder
    has one number of a kind at a time, so in a slot of many values ("has_child": "a son",
    "2 daughters") the newer count of the kind replaces the older; another kind ("2 sons")
    stands beside it, and one count in digits and in words ("2 cats" / "two cats") is one
    value."""
    counts = _counts(new, old)
    return counts is not None and counts[0] != counts[1]


def _counts(new: list[str], old: list[str]) -> tuple[int, int] | None:
    """The counts of two values' words that count one kind, else None."""
    if len(new) < 2 or new[1:] != old[1:]:
        return None
    now, before = count_of(new[0]), count_of(old[0])
    return None if now is None or before is None else (now, before)


def is_ambiguous(new: MemoryRecord, old: MemoryRecord) -> bool:
    """Values that share words without one containing the other ("NYC" is not one)."""
    a, b = set(normalise_value(new.value).split()), set(normalise_value(old.value).split())
    return bool(a & b) and not (a <= b or b <= a)


def new_wins(
    policy: str, new: MemoryRecord, old: MemoryRecord, config: ConflictsConfig
) -> tuple[bool, str]:
    """Whether the new fact replaces the old under `policy`, and the reason in words."""
    if policy == "highest_confidence":
        won = new.confidence >= old.confidence
        return won, (
            f"confidence {new.confidence:.2f} {'>=' if won else '<'} "
            f"{old.confidence:.2f} of the current value"
        )
    if policy == "source_priority":
        rank_new, rank_old = _rank(new.source, config), _rank(old.source, config)
        won = rank_new <= rank_old
        return won, (
            f"source {new.source!r} {'outranks or equals' if won else 'ranks below'} {old.source!r}"
        )
    return True, "the latest statement wins"


def _rank(source: str, config: ConflictsConfig) -> int:
    order = list(config.source_priority)
    return order.index(source) if source in order else len(order)


# --- reading the past ---------------------------------------------------------------
def describe_change(timeline: Sequence[MemoryRecord]) -> str | None:
    """ "Paris (since 2024-06-01; previously Berlin, 2024-01-01 to 2024-06-01)" or None."""
    valid = [
        r
        for r in timeline
        if not r.metadata.get("rejected")
        and not r.metadata.get("held")
        and r.status in ("active", "superseded")
    ]
    valid.sort(key=lambda r: as_utc(r.valid_from))
    current = [r for r in valid if r.status == "active"]
    if not current:
        return None
    now = current[-1]
    text = f"{_shown(now)} (since {_day(now.valid_from)}"
    past = [r for r in valid if r.status == "superseded"]
    if past:
        p = past[-1]
        until = _day(p.valid_to) if p.valid_to else "?"
        text += f"; previously {_shown(p)}, {_day(p.valid_from)} to {until}"
    return text + ")"


def _shown(record: MemoryRecord) -> str:
    return f"not {record.value}" if is_negated(record) else str(record.value)


def _day(t: datetime) -> str:
    return as_utc(t).date().isoformat()
