"""Which retrieved memories context() keeps: each once, the newest value of a single-valued
fact, a retraction only where no current value is known."""

from __future__ import annotations

from collections.abc import Sequence

from agentmem.facts.vocabulary import is_multi_valued
from agentmem.types import MemoryRecord


def dedupe(records: Sequence[MemoryRecord], multi_valued: Sequence[str] = ()) -> list[MemoryRecord]:
    """Each record once (by id and by text); of a single-valued fact only the newest value;
    a retraction only when no current value of its slot (or, if multi-valued, of its value)
    is known."""
    extra = frozenset(multi_valued)
    newest: dict[tuple[str, str], MemoryRecord] = {}
    current: set[tuple[str, str, str]] = set()
    for r in records:
        if not r.is_fact or r.metadata.get("negated"):
            continue
        slot = (r.subject or "user", r.attribute or "")
        multi = is_multi_valued(slot[1], extra)
        current.add((*slot, (r.value or "").lower() if multi else ""))
        if not multi and (slot not in newest or r.valid_from > newest[slot].valid_from):
            newest[slot] = r
    seen: set[str] = set()
    out = []
    for r in records:
        key = " ".join(r.text.lower().split())
        if r.id in seen or key in seen or not _wanted(r, newest, current, extra):
            continue
        seen.update((r.id, key))
        out.append(r)
    return out


def _wanted(r: MemoryRecord, newest: dict, current: set, extra: frozenset[str]) -> bool:
    if not r.is_fact:
        return True
    slot = (r.subject or "user", r.attribute or "")
    if r.metadata.get("negated"):
        value = (r.value or "").lower() if is_multi_valued(slot[1], extra) else ""
        return (*slot, value) not in current
    return slot not in newest or newest[slot] is r
