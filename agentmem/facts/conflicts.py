"""Contradiction detection and resolution: pure functions over typed records, no I/O.

A new fact is compared with the facts of its *slot* (same scope, normalised subject and
canonical attribute). Each pair is classified as

    duplicate      same value, same polarity          -> reinforce (or merge a paraphrase);
                   merged only when the texts have the same content words (`sameness`),
                   otherwise the new wording is stored and the old one kept as history;
                   in a slot of many values, two texts that each name someone or somewhere
                   the other does not both hold ("with Hana" / "with Ines")
    refinement     a more specific value              -> supersede ("Berlin" -> "Kreuzberg, Berlin")
    contradiction  another value of a single-valued attribute, or a re-assertion after a negation
    retraction     a negation of the current value    -> supersede with the negation
    independent    no bearing on the other record     -> add

Contradictions and retractions are settled by the attribute's policy (`ConflictsConfig`):
`latest_wins`, `highest_confidence`, `source_priority`, `keep_both` (newest current, a
Conflict opened for review) or `manual` (the new fact is held until a person decides).
A statement about a time before the current value (out-of-order arrival) becomes history
and never overwrites the current value. `resolver.py` fetches the records and writes the
decision; nothing here touches a store. The forms values and pairs are read in (normalised
values, slots, the classification of a pair) are `fact_values.py`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agentmem.config import ConflictsConfig
from agentmem.facts.fact_values import (  # re-exported: callers read them from here too
    CLASSIFICATIONS,
    POLICIES,
    classify,
    describe_change,
    is_ambiguous,
    is_multi,
    is_negated,
    new_wins,
    normalise_value,
    policy_for,
    slot_of,
    synonyms,
)
from agentmem.facts.sameness import names_in, restates, same_content, says_more
from agentmem.long_term.plans import reinforced_confidence
from agentmem.types import MemoryRecord, as_utc

__all__ = [
    "CLASSIFICATIONS",
    "POLICIES",
    "Change",
    "Decision",
    "absorb",
    "classify",
    "decide_fact",
    "decide_note",
    "describe_change",
    "is_ambiguous",
    "is_multi",
    "is_negated",
    "new_wins",
    "normalise_value",
    "policy_for",
    "slot_of",
    "superseded_values",
    "synonyms",
]

MAX_PARAPHRASES = 20


@dataclass
class Change:
    """A change the decision makes to a record that is already stored."""

    record: MemoryRecord
    op: str  # SUPERSEDE, REINFORCE, MERGE, UPDATE
    values: dict[str, Any]
    reason: str


@dataclass
class Decision:
    """What to do with one candidate, and why; `resolver` turns it into a WritePlan."""

    classification: str
    rule: str
    reason: str
    policy: str | None = None
    store: bool = True  # False: the candidate is absorbed by `target` (reinforce, merge)
    candidate: dict[str, Any] = field(default_factory=dict)  # values set on the candidate
    changes: list[Change] = field(default_factory=list)
    conflict_with: list[str] = field(default_factory=list)  # ids: open a Conflict with these
    target: MemoryRecord | None = None
    ambiguous: bool = False
    details: dict[str, Any] = field(default_factory=dict)


# --- decisions ----------------------------------------------------------------------
def decide_fact(
    candidate: MemoryRecord,
    timeline: Sequence[MemoryRecord],
    config: ConflictsConfig,
    *,
    override: str | None = None,
) -> Decision:
    """Decide a fact against its slot's timeline (active and superseded, oldest first).

    `override` is a classification given by the LLM judge for an ambiguous pair.
    """
    timeline = sorted(timeline, key=lambda r: (as_utc(r.valid_from), as_utc(r.recorded_at)))
    attribute = candidate.attribute or ""
    if is_multi(attribute, config) or candidate.metadata.get("added"):
        return _decide_multi(candidate, timeline, config)  # "I also work at KPMG": beside
    later = [r for r in timeline if as_utc(r.valid_from) > as_utc(candidate.valid_from)]
    if later:
        return _decide_history(candidate, timeline, later[0])
    current = next((r for r in reversed(timeline) if r.status == "active"), None)
    if current is None:
        return Decision("independent", "empty_slot", "no current value in this slot")
    cls, rule = classify(candidate, current, multi=False)
    if override in CLASSIFICATIONS:
        cls, rule = override, "llm_judge"
    decision = _against(candidate, current, cls, rule, config)
    decision.ambiguous = (
        override is None and cls == "contradiction" and is_ambiguous(candidate, current)
    )
    return decision


def _against(
    c: MemoryRecord, current: MemoryRecord, cls: str, rule: str, config: ConflictsConfig
) -> Decision:
    if cls == "duplicate":
        return _duplicate(c, current, rule)
    if cls == "refinement":
        return _supersede(c, current, cls, rule, "a more specific value refines the current one")
    if cls == "independent" and is_negated(c):
        return Decision(
            cls,
            rule,
            "a negation consistent with the current value; kept as a note",
            candidate={"kind": "note"},
        )
    if cls == "independent":
        return _supersede(c, current, cls, rule, "a value replaces a negation of another value")
    return _by_policy(c, current, cls, rule, config)


def _duplicate(c: MemoryRecord, current: MemoryRecord, rule: str) -> Decision:
    """Same slot and value: merged only when the texts restate each other; a text with
    other content words is its own memory (nothing it says is merged away). A less specific
    wording is history beside the current value, unless its text says more than the
    current one's: then it stays searchable as a note."""
    if restates(c, current):
        return absorb(c, current, rule)
    if rule == "less_specific_value" and says_more(c, current):
        return Decision(
            "duplicate",
            "less_specific_in_longer_text",
            "a less specific wording of the current value in a text that says more; "
            "kept as a note, the current value stays",
            candidate={"kind": "note"},
        )
    if rule == "less_specific_value":
        return _as_history(
            "duplicate",
            "less_specific_restatement",
            "a less specific wording of the current value; kept as history beside it",
            current,
            valid_to=c.valid_from,
        )
    return _supersede(
        c, current, "refinement", "restatement", "the same value stated with other details"
    )


def _by_policy(
    c: MemoryRecord, current: MemoryRecord, cls: str, rule: str, config: ConflictsConfig
) -> Decision:
    policy = policy_for(c.attribute or "", config)
    if policy == "manual":
        return Decision(
            cls,
            rule,
            "held for review (policy manual)",
            policy=policy,
            candidate=_never_valid(c, current, held=True),
            target=current,
            conflict_with=[current.id],
        )
    won, why = new_wins(policy, c, current, config)
    if not won:
        return Decision(
            cls,
            rule,
            f"rejected: {why}",
            policy=policy,
            target=current,
            candidate=_never_valid(c, current, held=False),
        )
    decision = _supersede(c, current, cls, rule, why)
    decision.policy = policy
    if policy == "keep_both":
        decision.conflict_with = [current.id]
        decision.reason += "; both kept, a conflict is open for review"
    return decision


def _never_valid(c: MemoryRecord, current: MemoryRecord, *, held: bool) -> dict[str, Any]:
    """A statement that did not become current: kept, never valid, pointing at the winner."""
    flag = "held" if held else "rejected"
    return {
        "status": "superseded",
        "valid_to": c.valid_from,
        "superseded_by": current.id,
        "metadata": {**c.metadata, flag: True},
    }


def _as_history(
    cls: str, rule: str, reason: str, target: MemoryRecord, *, valid_to: Any
) -> Decision:
    """The candidate is stored as history of `target`: superseded by it from `valid_to`."""
    return Decision(
        cls,
        rule,
        reason,
        target=target,
        candidate={"status": "superseded", "valid_to": valid_to, "superseded_by": target.id},
    )


def _supersede(c: MemoryRecord, old: MemoryRecord, cls: str, rule: str, reason: str) -> Decision:
    return Decision(
        cls,
        rule,
        reason,
        target=old,
        changes=[Change(old, "SUPERSEDE", superseded_values(old, c), reason)],
    )


def superseded_values(old: MemoryRecord, new: MemoryRecord) -> dict[str, Any]:
    """The columns that end `old` where `new` begins."""
    return {
        "status": "superseded",
        "valid_to": new.valid_from,
        "superseded_by": new.id,
        "updated_at": new.recorded_at,
    }


def absorb(
    c: MemoryRecord, target: MemoryRecord, rule: str, similarity: float | None = None
) -> Decision:
    """A duplicate: reinforce `target` (same text) or merge the paraphrase into it."""
    values: dict[str, Any] = {
        "access_count": target.access_count + 1,
        "confidence": reinforced_confidence(target.confidence, c.confidence),
        "updated_at": c.recorded_at,
    }
    same_text = c.text.strip().lower() == target.text.strip().lower()
    op = "REINFORCE" if same_text else "MERGE"
    if not same_text:
        paraphrases = [*target.metadata.get("paraphrases", []), c.text][-MAX_PARAPHRASES:]
        values["metadata"] = {**target.metadata, "paraphrases": paraphrases}
    reason = "stated again" if same_text else "a paraphrase of this memory, merged into it"
    details = {} if similarity is None else {"similarity": round(similarity, 4)}
    return Decision(
        "duplicate",
        rule,
        reason,
        store=False,
        target=target,
        details=details,
        changes=[Change(target, op, values, reason)],
    )


def _decide_history(
    c: MemoryRecord, timeline: Sequence[MemoryRecord], succ: MemoryRecord
) -> Decision:
    """A statement about an earlier time than `succ`: fit it into the past, keep the present."""
    t = as_utc(c.valid_from)
    before = [r for r in timeline if as_utc(r.valid_from) <= t]
    pred = before[-1] if before else None
    if pred is not None and _same(c, pred):
        return absorb(c, pred, "out_of_order_duplicate")
    if _same(c, succ) and not is_negated(c):
        return _earlier_start(c, pred, succ)
    reason = "states an earlier time than the current value; stored as history"
    decision = _as_history("contradiction", "out_of_order", reason, succ, valid_to=succ.valid_from)
    if pred is not None and (pred.valid_to is None or as_utc(pred.valid_to) > t):
        decision.changes.append(
            Change(
                pred,
                "SUPERSEDE",
                superseded_values(pred, c),
                "an earlier-dated statement ends this value sooner",
            )
        )
    return decision


def _same(c: MemoryRecord, old: MemoryRecord) -> bool:
    return classify(c, old, multi=False)[0] == "duplicate" and restates(c, old)


def _earlier_start(c: MemoryRecord, pred: MemoryRecord | None, succ: MemoryRecord) -> Decision:
    """The later value was already true at the candidate's time: move its start back."""
    decision = absorb(c, succ, "earlier_start")
    decision.changes[0].values["valid_from"] = c.valid_from
    decision.reason = "the same value, stated as true from an earlier time"
    if pred is not None and (pred.valid_to is None or as_utc(pred.valid_to) > as_utc(c.valid_from)):
        decision.changes.append(
            Change(
                pred,
                "UPDATE",
                {"valid_to": c.valid_from},
                "the next value started earlier than recorded",
            )
        )
    return decision


def _decide_multi(
    c: MemoryRecord, timeline: Sequence[MemoryRecord], config: ConflictsConfig
) -> Decision:
    """Multi-valued attributes accumulate; only a negation (or its reversal) conflicts."""
    active = [r for r in timeline if r.status == "active"]
    beside = False
    for old in active:
        cls, rule = classify(c, old, multi=True)
        if cls == "duplicate" and rule == "same_value" and _each_says_more(c, old):
            beside = True  # "lend my bike to Pavel" / "to Olga": one value, two memories
            continue
        if cls == "duplicate":
            return _duplicate(c, old, rule)
        if cls in ("retraction", "contradiction"):
            if as_utc(c.valid_from) < as_utc(old.valid_from):
                return _as_history(
                    cls,
                    "out_of_order",
                    "states an earlier time; stored as history",
                    old,
                    valid_to=old.valid_from,
                )
            decision = _by_policy(c, old, cls, rule, config)
            if cls == "retraction" and not normalise_value(c.value) and decision.changes:
                decision.changes += [
                    Change(r, "SUPERSEDE", superseded_values(r, c), decision.reason)
                    for r in active
                    if r is not old and not is_negated(r)
                ]
            return decision
    if beside:
        return Decision(
            "independent",
            "same_value_other_details",
            "the same value in a text whose details differ from the stored one's both ways; "
            "both hold",
        )
    return Decision("independent", "multi_valued", "another value of a multi-valued attribute")


def _each_says_more(c: MemoryRecord, old: MemoryRecord) -> bool:
    """Whether each text names someone or somewhere the other does not ("to Pavel" / "to
    Olga", "in the Alps" / "in the Lake District"): neither restates nor refines the other,
    so a slot of many values keeps both. Other words that differ are wording ("on Sundays"
    / "every Sunday") or an update of the same habit ("2 km" / "3 km": the later holds)."""
    mine, theirs = names_in(c.text), names_in(old.text)
    return bool(mine - theirs) and bool(theirs - mine)


def decide_note(
    candidate: MemoryRecord,
    neighbours: Sequence[tuple[MemoryRecord, float]],
    config: ConflictsConfig,
    *,
    override: str | None = None,
) -> Decision:
    """Decide a memory without a slot against its nearest neighbours (record, cosine).

    Merged only into a neighbour with the same content words in the same order
    (`sameness`): a near neighbour that differs in a content word is another memory, however
    close in meaning, and no judge may merge it."""
    for record, _ in neighbours:
        if record.text.strip().lower() == candidate.text.strip().lower():
            return absorb(candidate, record, "exact_duplicate")
    if not neighbours:
        return Decision("independent", "no_neighbour", "new memory")
    same = [(r, s) for r, s in neighbours if same_content(candidate.text, r.text, ordered=True)]
    if same:
        record, similarity = max(same, key=lambda pair: pair[1])
        return absorb(candidate, record, "paraphrase", similarity)
    record, similarity = max(neighbours, key=lambda pair: pair[1])
    return Decision(
        "independent",
        "other_content",
        "new memory",
        details={"nearest": record.id, "similarity": round(similarity, 4)},
    )
