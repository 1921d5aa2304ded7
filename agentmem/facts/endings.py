"""What a statement of change ends: the subject's stored value it names, in whichever slot
holds it.

A verb of ending, parting or switching names what it ends loosely and in a slot the
extractor can only guess ("I gave away my cat" for "I have a cat", "I broke up with Sam"
for "I'm dating Sam", "I swapped Windows for Linux" for "I run Windows"). `Fact.ends`
carries the name (`metadata["ends"]` on the record, `extraction_change`). The value it
names is an active, positive fact of the same subject whose value holds every word of the
name (a plural names its singular: "rabbits", "rabbit"; where none does, a closed
compound is named by its head: "the boat", "narrowboat"; where none does either, the one
activity whose own statement names it: "I write code in Vim" for a switch from Vim, `_done_with`;
then the doer an activity's -ing names: "teaching" a "teacher", `_agent_of`):
in the guessed slot if one is
there, else the one such fact the subject holds; several in other slots name nothing. Where
the subject holds no such value, a thing of the subject's named by a possessive may ("my
phone is a Samsung" is the `name` of "user's phone"): a switch from it ("I switched from my
Samsung to an iPhone") ends it there and its new value takes that subject and slot. A
batch's plan not yet applied counts as stored (`lookups.overlay`): "I have a ferret." and
"I gave my ferret away." in one `add_many` end the ferret.

    reslot        a retraction takes that fact's subject, slot and value (its slot then
                  decides it as a retraction of that value); a value that replaces another
                  ("Linux" of "Windows for Linux") takes that fact's subject and slot
    end_replaced  in a multi-valued slot a new value does not end the old one by itself: the
                  decision also supersedes the fact it names
    end_partners  a spouse (married, engaged: one at a time) ends the subject's `dating`
                  partners; a new date ends no one unless the statement names who ended
    end_pet       a pet is its kind and its name: an ending of one ends the other, where
                  the subject holds one such ("We rehomed Max" for "a dog called Max" ends
                  the dog; "our gecko died" ends "Ziggy (gecko)")
    end_diet      `is_a` holds several kinds at once ("vegan", "a Buddhist"), but one diet
                  of how much animal food one eats: a new one ends the one before ("I'm
                  vegetarian now" ends "pescatarian"); "gluten-free", "keto" are no such diet
"""

from __future__ import annotations

import dataclasses
import re

from agentmem.facts import conflicts
from agentmem.facts.conflicts import Change, Decision
from agentmem.facts.extraction.base import render
from agentmem.facts.extraction.leaving import IMPLIED
from agentmem.facts.implied import switched_from
from agentmem.facts.lookups import overlay
from agentmem.long_term import LongTermMemory, WritePlan
from agentmem.stores.sql import MemoryQuery
from agentmem.types import MemoryRecord

# How English names the doer of an activity from its verb ("teach" -> "teacher", "nurse",
# "translator", "cyclist"), matched against the activity's -ing form.
AGENT_ENDINGS = ("er", "or", "ist", "e", "")
# Slots whose new value replaces only a value of the same slot ("renamed the dog Waffles"
# ends the dog's name, never the dog).
NAME_SLOTS = frozenset({"name", "pet_name"})


def _words(value: str | None) -> frozenset[str]:
    return frozenset(_singular(w) for w in conflicts.normalise_value(value).split())


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _compounded(name: frozenset[str], words: frozenset[str]) -> bool:
    """Every word of the name is a word of the value or the head of a closed compound in it
    ("the boat" names a "narrowboat", "the van" a "campervan")."""
    return all(any(w == n or _head_of(w, n) for w in words) for n in name)


def _head_of(word: str, head: str) -> bool:
    return len(head) >= 3 and len(word) - len(head) >= 3 and word.endswith(head)


def named(
    candidate: MemoryRecord, long_term: LongTermMemory, pending: WritePlan | None = None
) -> MemoryRecord | None:
    """The stored fact `candidate`'s `ends` names (None: none, or no one fact); `pending`,
    a batch's plan not yet applied, counts as stored ("I have a ferret." and "I gave my
    ferret away." in one `add_many`)."""
    if candidate.metadata.get("ends") == IMPLIED:  # "switched over to T-Mobile"
        return switched_from(candidate, _subject_facts(candidate, long_term, pending))
    name = _words(candidate.metadata.get("ends"))
    if not name:
        return None
    facts = _subject_facts(candidate, long_term, pending)
    found = _holding(name, candidate, facts)
    if found is None and candidate.attribute not in NAME_SLOTS:  # "switched from my Samsung"
        found = _holding(name, candidate, _subject_facts(candidate, long_term, pending, True))
    return found


def unkinded(candidate: MemoryRecord) -> bool:
    """A name ended without its kind ("Luna passed away": `pet_name` "Luna", no "(cat)"):
    the text does not say what the name is."""
    value = candidate.value or ""
    return (
        candidate.attribute == "pet_name" and conflicts.is_negated(candidate) and "(" not in value
    )


def stands(candidate: MemoryRecord, earlier: list[MemoryRecord], long_term: LongTermMemory) -> bool:
    """Whether a fact read from a text holds: an ending of a name without its kind holds
    where it names a stored value or one read from an earlier text of its batch
    (`earlier`: "I have a cat called Luna." and "Luna passed away." in one `add_many`), and
    states nothing otherwise (the name may be a person's); every other fact holds."""
    if not unkinded(candidate) or named(candidate, long_term) is not None:
        return True
    said = [r for r in earlier if _same_subject(r, candidate)]
    return _holding(_words(candidate.metadata.get("ends")), candidate, said) is not None


def _holding(
    name: frozenset[str], candidate: MemoryRecord, facts: list[MemoryRecord]
) -> MemoryRecord | None:
    """The one current positive fact of `facts` whose value `name` names."""
    current = [
        r
        for r in facts
        if r.status == "active" and not conflicts.is_negated(r) and not r.metadata.get("held")
    ]
    held = [r for r in current if name <= _words(r.value)]
    held = held or [r for r in current if _compounded(name, _words(r.value))]
    held = held or _done_with(name, current)
    held = held or [r for r in current if _agent_of(name, _words(r.value))]
    same = [r for r in held if r.attribute == candidate.attribute]
    held = same if same or candidate.attribute in NAME_SLOTS else held  # a name ends a name
    exact = [r for r in held if _words(r.value) == name]
    return exact[0] if len(exact) == 1 else held[0] if len(held) == 1 else None


def _agent_of(name: frozenset[str], words: frozenset[str]) -> bool:
    """A one-word value that is the doer of the activity a one-word name is the -ing of
    ("teaching" names a "teacher", "nursing" a "nurse", "smoking" a "smoker", "translating" a
    "translator"): the same stem, the one with -ing, the other with -er, -or, -ist or a
    silent -e. "I retired from teaching" ends "I'm a teacher"."""
    if len(name) != 1 or len(words) != 1:
        return False
    (activity,), (doer,) = tuple(name), tuple(words)
    if not activity.endswith("ing") or len(activity) < 6:
        return False
    stem = activity[:-3]
    stems = {stem, stem[:-1]} if len(stem) > 3 and stem[-1] == stem[-2] else {stem}  # runn
    return any(doer == f"{s}{end}" for s in stems for end in AGENT_ENDINGS)


def _done_with(name: frozenset[str], current: list[MemoryRecord]) -> list[MemoryRecord]:
    """The one activity whose statement names what it is done with or to, where no value
    does: "I write code in Vim" is stored as the activity "writing code", "We eat a lot of
    red meat" as "eating"; a switch from Vim or a stop to buying red meat ends it."""
    done = [
        r
        for r in current
        if r.attribute == "does" and name <= _words(r.text) and not name <= _words(r.value)
    ]
    return done if len(done) == 1 else []


def _same_subject(record: MemoryRecord, candidate: MemoryRecord, owned: bool = False) -> bool:
    return (
        record.kind == "fact"
        and _owner_of(record, candidate, owned)
        and record.scope.user_id == candidate.scope.user_id
        and record.scope.agent_id == candidate.scope.agent_id
    )


def _owner_of(record: MemoryRecord, candidate: MemoryRecord, owned: bool) -> bool:
    """`record` is of the candidate's subject, or (`owned`) of a thing of the subject's
    named by a possessive ("user's phone", the subject "my phone is a Pixel" gives)."""
    if not owned:
        return record.subject == candidate.subject
    return (record.subject or "").startswith(f"{candidate.subject}'s ")


def reslot(
    candidate: MemoryRecord, long_term: LongTermMemory, pending: WritePlan | None = None
) -> tuple[MemoryRecord, MemoryRecord | None]:
    """`candidate` in the slot of the fact it ends (a retraction: with that fact's value),
    and that fact (`pending`: as in `named`)."""
    ended = named(candidate, long_term, pending)
    if ended is None:
        return candidate, None
    moved = {"subject": ended.subject, "attribute": ended.attribute}  # "user's phone": its
    if conflicts.is_negated(candidate):  # possessor's switch ends and replaces it there
        moved["value"] = ended.value
    return _rendered_again(candidate, dataclasses.replace(candidate, **moved)), ended


def _rendered_again(before: MemoryRecord, after: MemoryRecord) -> MemoryRecord:
    """`after` with its sentence rendered for its new slot where `before`'s text was the
    rendering of its old one (a fact derived from a note): "no longer works at Volvo" read
    from "got rid of the Volvo" is "does not own" once it ends the car."""
    negated = conflicts.is_negated(before)
    old = render(before.subject or "", before.attribute or "", before.value or "", negated)
    if before.text != old:
        return after
    text = render(after.subject or "", after.attribute or "", after.value or "", negated)
    return dataclasses.replace(after, text=text)


def end_replaced(decision: Decision, candidate: MemoryRecord, ended: MemoryRecord | None) -> None:
    """Add to `decision` the superseding of the fact a new value replaces, where the slot's
    own decision left it current (a multi-valued slot)."""
    if ended is None or conflicts.is_negated(candidate) or not decision.store:
        return
    if candidate.metadata.get("held") or decision.candidate.get("status", "active") != "active":
        return
    if ended.id in {c.record.id for c in decision.changes}:
        return
    reason = f"{candidate.value} replaces it"
    decision.changes.append(
        Change(ended, "SUPERSEDE", conflicts.superseded_values(ended, candidate), reason)
    )


def end_pet(
    decision: Decision,
    candidate: MemoryRecord,
    ended: MemoryRecord | None,
    long_term: LongTermMemory,
    pending: WritePlan | None = None,
) -> None:
    """Add to `decision` the superseding of the other half of a pet whose name or kind a
    retraction ends: the one `has_pet` fact of the name's kind ("Max (dog)": "dog"; a kind
    said in fewer words, "Nibbles (pig)": "guinea pig"), or the one `pet_name` of the kind
    ended (`pending`: as in `named`)."""
    if ended is None or not conflicts.is_negated(candidate) or not decision.store:
        return
    if ended.attribute == "pet_name" and (kind := _PET_KIND.search(ended.value or "")):
        other = "has_pet", lambda value: _kind_of(_words(kind.group(1)), _words(value))
    elif ended.attribute == "has_pet":
        other = "pet_name", lambda value: _kind_of(_pet_kind(value), _words(ended.value))
    else:
        return
    facts = _subject_facts(candidate, long_term, pending)
    held = [
        r
        for r in facts
        if r.attribute == other[0]
        and r.status == "active"
        and not conflicts.is_negated(r)
        and other[1](r.value)
    ]
    if len(held) == 1 and held[0].id not in {c.record.id for c in decision.changes}:
        reason = f"{ended.value} ended: the pet is no longer {candidate.subject}'s"
        superseded = conflicts.superseded_values(held[0], candidate)
        decision.changes.append(Change(held[0], "SUPERSEDE", superseded, reason))


_PET_KIND = re.compile(r"\(([^()]+)\)\s*$")


def _kind_of(kind: frozenset[str], value: frozenset[str]) -> bool:
    """A pet's kind, named in as many words as a pet's value or fewer ("pig" of "guinea
    pig")."""
    return bool(kind) and kind <= value


def _pet_kind(value: str | None) -> frozenset[str]:
    kind = _PET_KIND.search(value or "")
    return _words(kind.group(1)) if kind else frozenset()


# Diets that say how much animal food one eats: one holds at a time.
DIETS = frozenset(
    {"vegan", "vegetarian", "pescatarian", "pescetarian", "flexitarian", "omnivore"}
    | {"omnivorous", "carnivore", "fruitarian", "pollotarian"}
)


def end_diet(
    decision: Decision,
    candidate: MemoryRecord,
    long_term: LongTermMemory,
    pending: WritePlan | None = None,
) -> None:
    """Add to `decision` the superseding of the subject's current diet of another kind
    where the candidate states one (`DIETS`; `pending`: as in `named`)."""
    if candidate.attribute != "is_a" or conflicts.is_negated(candidate) or not decision.store:
        return
    if candidate.metadata.get("held") or decision.candidate.get("status", "active") != "active":
        return
    diet = _diet(candidate.value)
    if diet is None:
        return
    done = {c.record.id for c in decision.changes}
    for r in _subject_facts(candidate, long_term, pending):
        if r.attribute != "is_a" or r.status != "active" or conflicts.is_negated(r):
            continue
        if _diet(r.value) not in (None, diet) and r.id not in done:
            reason = f"{candidate.value} is {candidate.subject}'s diet now"
            superseded = conflicts.superseded_values(r, candidate)
            decision.changes.append(Change(r, "SUPERSEDE", superseded, reason))


def _diet(value: str | None) -> str | None:
    """The diet a kind names: its head word ("strictly vegan", "a vegetarian"), not a word
    that describes another kind ("a vegan chef" is a chef)."""
    words = conflicts.normalise_value(value).split()
    return words[-1] if words and words[-1] in DIETS else None


def end_partners(
    decision: Decision,
    candidate: MemoryRecord,
    long_term: LongTermMemory,
    pending: WritePlan | None = None,
) -> None:
    """Add to `decision` the superseding of the subject's current `dating` partners where
    the candidate states a spouse: an exclusive partnership (married, engaged) ends the
    others; a new date ends nothing by itself (`pending`: as in `named`)."""
    if candidate.attribute != "spouse" or conflicts.is_negated(candidate) or not decision.store:
        return
    if candidate.metadata.get("held") or decision.candidate.get("status", "active") != "active":
        return
    facts = _subject_facts(candidate, long_term, pending)
    done = {c.record.id for c in decision.changes}
    for r in facts:
        if r.attribute == "dating" and r.status == "active" and not conflicts.is_negated(r):
            if r.id not in done:
                reason = f"{candidate.value} is {candidate.subject}'s spouse"
                superseded = conflicts.superseded_values(r, candidate)
                decision.changes.append(Change(r, "SUPERSEDE", superseded, reason))


def _subject_facts(candidate, long_term, pending, owned: bool = False) -> list[MemoryRecord]:
    """The stored facts of the candidate's subject (`owned`: of the things of the subject's
    a possessive names, "user's phone"), with `pending` (a batch's plan not yet applied)
    counted as stored."""
    query = MemoryQuery(
        user_id=candidate.scope.user_id,
        agent_id=candidate.scope.agent_id,
        kinds=["fact"],
        subject=None if owned else candidate.subject,
    )
    facts = [r for r in long_term.find(query) if _owner_of(r, candidate, owned)]
    if pending is not None:
        facts = overlay(facts, pending, lambda r: _same_subject(r, candidate, owned))
    return facts


__all__ = ["DIETS", "end_diet", "end_partners", "end_pet", "end_replaced", "named", "reslot"]
