"""Texts that state facts: which memories one stored text becomes.

A text that states exactly one fact ("I live in Paris") is stored as that fact. A text
that states several ("I left Initech; these days I work at Hooli as a plumber") is stored
as itself (a note, which is what was said) and each fact it states as a fact of its own
that names the note it came from (`metadata["derived_from"]`; the note lists them in
`metadata["facts"]`). The facts meet the scope's other facts in conflict resolution, slot
by slot. When a later text replaces or restates every fact an earlier note stated, and
changes at least one of them (another value, or a negation), the earlier note is superseded
by the later one (it stays as history). A text that only restates the note's values, in
whatever construction ("My dog is named Rolo" / "My dog's name is Rolo"), reinforces its
facts and leaves the note as it was.

"I" is the speaker of the text when its metadata names one (`metadata["speaker"]`), so
two speakers of one conversation are two subjects whose facts never conflict.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

from agentmem.errors import ValidationError
from agentmem.facts import referents
from agentmem.facts.extraction.base import FactExtractor
from agentmem.facts.fact_values import is_negated, normalise_value
from agentmem.long_term import LongTermMemory, WritePlan, event, new_id, speaker_of
from agentmem.stores.sql import MemoryQuery
from agentmem.types import Fact, MemoryRecord

READ_KINDS = ("note", "fact")  # summaries and episodes keep their kind


@functools.cache
def text_extractor(kind: str) -> FactExtractor:
    """What reads the facts of a stored text: the rules, or (for 'parse' and 'llm', whose
    model runs in consolidation) the rules plus the dependency parse."""
    from agentmem.facts.extraction import RuleExtractor, parse_extractor

    return RuleExtractor() if kind == "rules" else parse_extractor()


def with_facts(
    candidates: Sequence[MemoryRecord],
    given: Sequence[Fact | dict[str, Any] | None],
    extractor: FactExtractor,
    long_term: LongTermMemory,
    stands: Callable[[MemoryRecord, list[MemoryRecord]], bool] | None = None,
) -> tuple[list[MemoryRecord], list[int]]:
    """The records `candidates` become (facts, notes and the facts derived from them), and
    the position of each candidate's own record in that list. `long_term` holds the texts
    stored before, which "he"/"she" may point back to (`referents`). A fact read from a
    text holds only where `stands(fact, earlier)` says so, `earlier` the facts read from
    the batch's texts before it (`endings.stands`: "Luna passed away" ends a pet only where
    one of that name is stored or stated earlier); given facts always hold."""
    todo = [i for i, c in enumerate(candidates) if given[i] is None and c.kind in READ_KINDS]
    found = referents.read(extractor, candidates, todo, long_term)
    if stands is not None:
        kept, earlier = [], []
        for i, facts in zip(todo, found, strict=True):
            read = [with_fact(candidates[i], f) for f in facts]
            kept.append([f for f, r in zip(facts, read, strict=True) if stands(r, earlier)])
            earlier += read
        found = kept
    facts_of: dict[int, list[Fact]] = dict(zip(todo, found, strict=True))
    out: list[MemoryRecord] = []
    positions: list[int] = []
    for i, candidate in enumerate(candidates):
        positions.append(len(out))
        facts = facts_of.get(i, [])
        if given[i] is not None or len(facts) == 1:
            out.append(with_fact(candidate, given[i] if given[i] is not None else facts[0]))
        elif len(facts) > 1:
            derived = [derived_fact(candidate, f) for f in facts]
            metadata = {**candidate.metadata, "facts": [d.id for d in derived]}
            out.append(dataclasses.replace(candidate, kind="note", metadata=metadata))
            out.extend(derived)
        else:
            out.append(candidate)
    return out, positions


def as_fact(candidate: MemoryRecord, fact: Fact) -> MemoryRecord:
    """The candidate memory as a fact: subject/attribute/value, negation, source, time."""
    metadata = dict(candidate.metadata)
    if fact.negated:
        metadata["negated"] = True
    if fact.episode_id:
        metadata.setdefault("episode_id", fact.episode_id)
    if fact.ends:
        metadata["ends"] = fact.ends
    if fact.added:
        metadata["added"] = True
    return dataclasses.replace(
        candidate,
        kind="fact",
        subject=fact.subject,
        attribute=fact.attribute,
        value=fact.value,
        metadata=metadata,
        confidence=fact.confidence,
        valid_from=fact.valid_from or candidate.valid_from,
    )


def with_fact(candidate: MemoryRecord, fact: Fact | dict[str, Any]) -> MemoryRecord:
    """The candidate as the fact it states (`derived.with_facts` reads texts for facts)."""
    return as_fact(candidate, _coerce_fact(fact, candidate))


def _coerce_fact(fact: Fact | dict[str, Any], candidate: MemoryRecord) -> Fact:
    if isinstance(fact, Fact):
        return fact
    if not isinstance(fact, dict) or not fact.get("attribute"):
        raise ValidationError(
            f"fact must be a Fact or a dict with 'attribute' and 'value', got {fact!r:.80}"
        )
    unknown = set(fact) - {f.name for f in dataclasses.fields(Fact)}
    if unknown:
        raise ValidationError(
            f"unknown fact keys {sorted(unknown)}; use subject, attribute, "
            "value, negated, confidence"
        )
    values = {
        "subject": "user",
        "value": "",
        "text": candidate.text,
        "source": candidate.source,
        **fact,
    }
    return Fact(**values)


def derived_fact(note: MemoryRecord, fact: Fact) -> MemoryRecord:
    """One fact of a text that states several, as a record that names the text."""
    metadata = {"derived_from": note.id}
    if (speaker := speaker_of(note.metadata)) is not None:
        metadata["speaker"] = speaker
    record = dataclasses.replace(note, id=new_id(), text=fact.text, metadata=metadata)
    return as_fact(record, fact)


# A stored record a text touched -> (user, the id of the text, the event's op, the fact
# the text stated).
Changed = dict[str, tuple[str, str, str, MemoryRecord]]


def changed_facts(candidate: MemoryRecord, part: WritePlan) -> Changed:
    """Stored records that `candidate`'s plan supersedes or restates -> (user, the id of
    the text the candidate came from, the op, the candidate)."""
    text_id = candidate.metadata.get("derived_from") or candidate.id
    return {
        e.memory_id: (e.scope.user_id, text_id, e.op, candidate)
        for e in part.events
        if e.op in ("SUPERSEDE", "REINFORCE", "MERGE")
    }


def _changes(op: str, new: MemoryRecord, old: MemoryRecord | None) -> bool:
    """Whether `new` changed `old` (superseded it by another value or by a negation)
    rather than restating its value, in whatever slot or construction ("My son is named
    Ben" / "My son's name is Ben"; a more or less specific wording of the value)."""
    if op != "SUPERSEDE" or old is None:
        return False
    if is_negated(new) != is_negated(old):
        return True
    a, b = set(normalise_value(new.value).split()), set(normalise_value(old.value).split())
    return not (a and b and (a <= b or b <= a))


def retire_covered_notes(plan: WritePlan, changed: Changed, long_term: LongTermMemory) -> None:
    """Supersede each stored note whose every fact `plan` supersedes or restates (see
    `changed_facts`) and at least one of which it changes, by the text that did it ("I work
    at Initech as a plumber" by "I left Initech; these days I work at Hooli as a plumber");
    a note whose facts were only restated stays (it is still true as said)."""
    if not changed:
        return
    by_user: dict[str, set[str]] = {}
    for memory_id, (user_id, *_) in changed.items():
        by_user.setdefault(user_id, set()).add(memory_id)
    inserted = {r.id: r for r in plan.inserts}
    for user_id, ids in by_user.items():
        facts = long_term.matching(ids, MemoryQuery(user_id=user_id, statuses=None))
        note_ids = {f.metadata.get("derived_from") for f in facts.values()} - {None}
        notes = long_term.matching(note_ids, MemoryQuery(user_id=user_id))
        for note in notes.values():
            listed = note.metadata.get("facts") or []
            if note.kind != "note" or not listed or not set(listed) <= set(changed):
                continue
            if not any(_changes(*changed[i][2:], facts.get(i)) for i in listed):
                continue  # every fact restated, none changed: the note still holds
            by = {changed[i][1] for i in listed}
            if len(by) == 1 and (new := inserted.get(by.pop())) is not None:
                _supersede_note(plan, note, new)


def _supersede_note(plan: WritePlan, note: MemoryRecord, new: MemoryRecord) -> None:
    by = new.id
    values = {
        "status": "superseded",
        "valid_to": new.valid_from,
        "superseded_by": by,
        "updated_at": new.recorded_at,
    }
    plan.updates.append((note.id, note.scope.user_id, values))
    before = {k: getattr(note, k) for k in ("status", "superseded_by")}
    before["valid_to"] = note.valid_to.isoformat() if note.valid_to else None
    before["updated_at"] = note.updated_at.isoformat()
    plan.events.append(
        event(
            "SUPERSEDE",
            note,
            actor="resolver",
            reason="every fact this text stated was replaced or restated by a later text",
            old_text=note.text,
            new_text=new.text,
            related_id=by,
            details={"rule": "covered_by_later_text", "before": before},
            at=new.recorded_at,
        )
    )


__all__ = ["retire_covered_notes", "speaker_of", "text_extractor", "with_facts"]
