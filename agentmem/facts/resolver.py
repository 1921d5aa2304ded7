"""The one entry point every new memory passes through before it is stored.

`resolve(candidate, long_term)` fetches what the scope already holds next to the candidate
(the facts of its slot; for other memories, near-duplicates from the vector index), lets
the pure functions of `conflicts.py` decide, and returns the WritePlan that stores the
decision: rows, audit events (with the reason and the rule or judge that decided) and
conflicts. `resolve_many` threads a batch through, so that statements of one batch see
each other before anything is written.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from agentmem.adapters import chat_models
from agentmem.facts import conflicts, endings, generic_slot
from agentmem.facts.conflicts import Decision
from agentmem.facts.derived import changed_facts, retire_covered_notes
from agentmem.facts.lookups import (
    ReadAhead,
    StoredNearby,
    compared_by_meaning,
    neighbours,
    overlay,
    read_stored,
    stated_before,
)
from agentmem.facts.vocabulary import canonical, canonical_subject, count_of
from agentmem.long_term import LongTermMemory, WritePlan, event, new_id
from agentmem.stores.sql import MemoryQuery
from agentmem.types import Conflict, MemoryRecord, Scope, as_utc

log = logging.getLogger(__name__)


def resolve(
    candidate: MemoryRecord,
    long_term: LongTermMemory,
    *,
    actor: str = "user",
    pending: WritePlan | None = None,
    stored: StoredNearby | None = None,
) -> tuple[WritePlan, MemoryRecord]:
    """Plan how to store `candidate`; returns the plan and the record the caller sees.

    `pending` is a plan built earlier in the same batch and not yet applied: its rows count
    as stored, so two statements of one batch are resolved against each other. `stored`
    is what the batch read of the stored state at once (`lookups.read_stored`).
    """
    config = long_term.config.conflicts
    if (same := stated_before(candidate, long_term, stored)) is not None:
        return build_plan(conflicts.absorb(candidate, same, "same_text"), candidate, actor)
    if candidate.is_fact:
        candidate = normalise_fact(candidate, long_term)
        candidate, ended = endings.reslot(candidate, long_term, pending)  # "gave away my cat"
        if conflicts.is_negated(candidate):
            candidate = reslot_retraction(candidate, long_term)
        else:
            candidate = generic_slot.reslot(candidate, long_term)
        timeline = slot_facts(long_term, candidate, pending)
        decision = conflicts.decide_fact(candidate, timeline, config)
        decision = _ask_judge(
            long_term,
            decision,
            candidate,
            lambda label: conflicts.decide_fact(candidate, timeline, config, override=label),
        )
        generic_slot.absorb_twins(decision, candidate, long_term)
        endings.end_replaced(decision, candidate, ended)
        endings.end_partners(decision, candidate, long_term, pending)
        endings.end_pet(decision, candidate, ended, long_term, pending)
        endings.end_diet(decision, candidate, long_term, pending)
    elif compared_by_meaning(candidate):
        near = neighbours(candidate, long_term, pending, stored)
        decision = conflicts.decide_note(candidate, near, config)
        decision = _ask_judge(
            long_term,
            decision,
            candidate,
            lambda label: conflicts.decide_note(candidate, near, config, override=label),
        )
    else:
        decision = Decision("independent", "not_compared", f"new {candidate.kind}")
    return build_plan(decision, candidate, actor)


def resolve_many(
    candidates: Sequence[MemoryRecord],
    long_term: LongTermMemory,
    *,
    actor: str = "user",
    ahead: ReadAhead | None = None,
) -> tuple[WritePlan, list[MemoryRecord]]:
    """Resolve a batch in order, each candidate seeing the ones before it; one plan.
    `ahead` is the batch's `read_ahead`, used when no write came in between."""
    fresh = ahead is not None and ahead.still_holds(long_term)
    stored = ahead.stored if fresh else read_stored(candidates, long_term)  # once a batch
    plan, results, changed = WritePlan(), [], {}
    for candidate in candidates:
        part, record = resolve(candidate, long_term, actor=actor, pending=plan, stored=stored)
        plan.extend(part)
        results.append(record)
        changed.update(changed_facts(candidate, part))
    retire_covered_notes(plan, changed, long_term)
    return plan, results


def normalise_fact(candidate: MemoryRecord, long_term: LongTermMemory) -> MemoryRecord:
    subject, attribute = conflicts.slot_of(candidate, long_term.config.conflicts)
    return dataclasses.replace(candidate, subject=subject, attribute=attribute)


def reslot_retraction(candidate: MemoryRecord, long_term: LongTermMemory) -> MemoryRecord:
    """A retraction names a value ("I left Hooli"); it ends that value in the slot that
    holds it, whichever slot the extractor guessed, when exactly one slot of the subject
    holds it and the guessed one does not."""
    value = conflicts.normalise_value(candidate.value)
    query = MemoryQuery(
        user_id=candidate.scope.user_id,
        agent_id=candidate.scope.agent_id,
        kinds=["fact"],
        subject=candidate.subject,
    )
    holders = {
        r.attribute
        for r in long_term.find(query)
        if conflicts.normalise_value(r.value) == value and not conflicts.is_negated(r)
    }
    if not value or candidate.attribute in holders or len(holders) != 1:
        return candidate
    return dataclasses.replace(candidate, attribute=holders.pop())


def slot_facts(
    long_term: LongTermMemory, candidate: MemoryRecord, pending: WritePlan | None = None
) -> list[MemoryRecord]:
    """The part of its slot's timeline that `conflicts.decide_fact` reads for `candidate`.

    A multi-valued slot (likes, owns: hundreds of values) is decided against its active
    values alone, and among them only by those that can meet the candidate: a value whose
    normal form holds every word of the candidate's (the same value, a wider wording; a
    count's kind: "2 kids" meets "3 kids", `fact_values.recounted`) or a negation (an empty
    one denies every value). The SQL filter is a superset of those;
    `decide_fact` classifies them as it would the whole slot. A negation without a value
    meets every value. A single-valued slot is decided against its current value unless
    the slot holds a value from after the candidate's time; then its whole timeline is read
    (the candidate is fitted into the past)."""
    config = long_term.config.conflicts
    scope, subject = candidate.scope, candidate.subject or "user"
    attribute = candidate.attribute or ""
    if conflicts.is_multi(attribute, config):
        words = conflicts.normalise_value(candidate.value).split()
        if len(words) > 1 and count_of(words[0]) is not None:
            words = words[1:]  # "3 kids" meets "2 kids", another count of its kind
        return slot_timeline(
            long_term, scope, subject, attribute, pending, statuses=("active",), value_words=words
        )
    t = as_utc(candidate.valid_from)
    near = slot_timeline(long_term, scope, subject, attribute, pending, active_or_after=t)
    if any(as_utc(r.valid_from) > t for r in near):
        return slot_timeline(long_term, scope, subject, attribute, pending)
    return near


def slot_timeline(
    long_term: LongTermMemory,
    scope: Scope,
    subject: str,
    attribute: str,
    pending: WritePlan | None = None,
    *,
    statuses: tuple[str, ...] = ("active", "superseded"),
    value_words: list[str] | None = None,
    active_or_after: datetime | None = None,
) -> list[MemoryRecord]:
    """The facts that were or are the value of a slot (held and rejected ones left out);
    with `value_words`, only the stored ones whose value holds those words or that are
    negations (`MemoryQuery.value_words`); with `active_or_after`, only the stored ones that
    are active or valid from after that time; and every fact of the slot the batch adds."""
    query = MemoryQuery(
        user_id=scope.user_id,
        agent_id=scope.agent_id,
        kinds=["fact"],
        statuses=statuses,
        subject=subject,
        attribute=attribute,
        value_words=value_words or None,
        or_flagged="negated" if value_words else None,
        active_or_valid_after=active_or_after,
    )
    records = long_term.find(query)
    if pending is not None:
        records = overlay(
            records,
            pending,
            lambda r: (
                r.kind == "fact"
                and (r.subject, r.attribute) == (subject, attribute)
                and r.scope.user_id == scope.user_id
            ),
        )
    return [
        r
        for r in records
        if r.status in ("active", "superseded")
        and not r.metadata.get("held")
        and not r.metadata.get("rejected")
    ]


def facts(
    long_term: LongTermMemory,
    scope: Scope,
    *,
    subject: str | None = None,
    attribute: str | None = None,
    as_of: datetime | None = None,
    include_history: bool = False,
) -> list[MemoryRecord]:
    """Facts of a scope by slot and valid time: current, valid at `as_of`, or every version."""
    config = long_term.config.conflicts
    query = MemoryQuery(user_id=scope.user_id, agent_id=scope.agent_id, kinds=["fact"])
    if subject is not None:
        query.subject = canonical_subject(subject)
    if attribute is not None:
        query.attribute = canonical(attribute, conflicts.synonyms(config))
    if as_of is not None:
        query.as_of = as_utc(as_of)
    elif include_history:
        query.statuses = None
    records = long_term.find(query)
    return sorted(
        records,
        key=lambda r: (
            r.subject or "",
            r.attribute or "",
            as_utc(r.valid_from),
            as_utc(r.recorded_at),
        ),
    )


def _ask_judge(
    long_term: LongTermMemory, decision: Decision, candidate: MemoryRecord, redo
) -> Decision:
    """Let the configured LLM judge classify an ambiguous pair; the rules stand otherwise."""
    judge = getattr(long_term, "judge", None)
    if judge is None or not decision.ambiguous or decision.target is None:
        return decision
    label = judge.classify(candidate, decision.target)
    if label is None:
        return decision
    judged = redo(label)
    judged.details = {**judged.details, "judge": judge.name, "judge_label": label}
    return judged


def build_plan(
    decision: Decision, candidate: MemoryRecord, actor: str
) -> tuple[WritePlan, MemoryRecord]:
    """The rows, events and conflicts that carry out `decision`."""
    if decision.candidate:
        candidate = dataclasses.replace(candidate, **decision.candidate)
    details: dict[str, Any] = {
        "classification": decision.classification,
        "rule": decision.rule,
        **decision.details,
    }
    if decision.policy:
        details["policy"] = decision.policy
    plan, at = WritePlan(), candidate.recorded_at
    conflict = _conflict(decision, candidate)
    if conflict is not None:
        plan.conflicts.append(conflict)
        details["conflict_id"] = conflict.id
        if candidate.metadata.get("held"):
            candidate.metadata["held"] = conflict.id
    related = decision.target is not None and (
        decision.changes or decision.candidate or decision.classification != "independent"
    )
    target_id = decision.target.id if related else None  # a mere nearest neighbour is not
    if decision.store:
        plan.inserts.append(candidate)
        plan.events.append(
            event(
                "ADD",
                candidate,
                actor=actor,
                reason=decision.reason,
                new_text=candidate.text,
                related_id=target_id,
                details=details,
                at=at,
            )
        )
    result = candidate
    for change in decision.changes:
        record = change.record
        plan.updates.append((record.id, record.scope.user_id, change.values))
        plan.events.append(
            event(
                change.op,
                record,
                actor=actor,
                reason=change.reason,
                old_text=record.text,
                new_text=candidate.text,
                related_id=candidate.id if decision.store else None,
                details={**details, "before": snapshot(record, change.values)},
                at=at,
            )
        )
        if not decision.store and record is decision.target:
            result = dataclasses.replace(record, **change.values)
    return plan, result


def _conflict(decision: Decision, candidate: MemoryRecord) -> Conflict | None:
    if not decision.conflict_with:
        return None
    what = f"{candidate.subject} {candidate.attribute}" if candidate.is_fact else "memory"
    reason = f"{decision.classification} on {what}: {decision.reason}"
    if decision.policy and decision.policy not in reason:
        reason += f" (policy {decision.policy})"
    return Conflict(
        id=new_id(),
        scope=candidate.scope,
        memory_ids=[*decision.conflict_with, candidate.id],
        reason=reason,
        created_at=candidate.recorded_at,
    )


def snapshot(record: MemoryRecord, values: dict[str, Any]) -> dict[str, Any]:
    """The record's columns that `values` changes, as they were (JSON-safe, for undo)."""
    out = {}
    for key in values:
        value = getattr(record, key)
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def unsnapshot(before: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `snapshot`: column values ready for an update."""
    times = {
        "valid_from",
        "valid_to",
        "updated_at",
        "recorded_at",
        "created_at",
        "last_accessed_at",
    }
    return {
        k: datetime.fromisoformat(v) if k in times and isinstance(v, str) else v
        for k, v in before.items()
    }


class LLMJudge:
    """Classifies an ambiguous pair of memories with any LangChain chat model.

    The model answers with one word of `conflicts.CLASSIFICATIONS`; any other answer (or
    an error) leaves the decision to the rules, and is logged.
    """

    name = "llm_judge"

    def __init__(self, model: Any) -> None:
        self.model = model

    def classify(self, new: MemoryRecord, old: MemoryRecord) -> str | None:
        from agentmem.prompts import CONFLICT_JUDGE

        prompt = CONFLICT_JUDGE.format(
            old=old.text, new=new.text, labels=", ".join(conflicts.CLASSIFICATIONS)
        )
        try:
            text = chat_models.complete(self.model, prompt).strip().lower()
        except Exception:
            log.exception("the conflict judge failed; the rules decide")
            return None
        label = next((c for c in conflicts.CLASSIFICATIONS if c in text), None)
        if label is None:
            log.warning(
                "the conflict judge answered %r, not one of %s; the rules decide",
                text[:80],
                conflicts.CLASSIFICATIONS,
            )
        return label
