"""What the resolver reads from the stored state before it decides: the note a fact's text
was stored as (same text, same speaker), and the active memories of a note's kind nearest
in meaning (same text first). `read_stored` reads them for a whole batch at once;
`overlay` shows stored records as a batch's pending plan will leave them; `read_ahead`
makes `read_stored`'s reads before the add lock, stamped (`long_term.write_stamps`) so that
the resolver reads again only when a write to the same users came in between.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from agentmem.facts.derived import speaker_of
from agentmem.long_term import LongTermMemory, WritePlan
from agentmem.long_term.pending_index import PendingNeighbours
from agentmem.long_term.write_stamps import Stamp
from agentmem.stores.sql import MemoryQuery
from agentmem.types import MemoryRecord

NEIGHBOURS = 5
WIDEST = 320  # the most index hits read to find NEIGHBOURS of one kind among other kinds
NOTE_KINDS = ("note", "summary", "fact")  # compared by meaning when they have no slot


@dataclasses.dataclass
class StoredNearby:
    """What the stored state holds next to a batch's candidates, read in a few queries: for
    a note, an active memory of its kind with the same text, else the nearest by meaning;
    for a fact, the note its text was stored as (`stated_before`). Reading it once is
    exact, since nothing is written until the batch's plan is applied."""

    exact: dict[str, MemoryRecord] = dataclasses.field(default_factory=dict)
    near: dict[str, list[tuple[MemoryRecord, float]]] = dataclasses.field(default_factory=dict)
    said: dict[str, MemoryRecord | None] = dataclasses.field(default_factory=dict)
    pending: PendingNeighbours | None = None  # the batch's own plan, followed as it grows

    def covers(self, candidate: MemoryRecord) -> bool:
        return candidate.id in self.exact or candidate.id in self.near


def compared_by_meaning(candidate: MemoryRecord) -> bool:
    """A memory without a slot, compared with its kind's nearest memories."""
    return not candidate.is_fact and candidate.kind in NOTE_KINDS


def restatable(candidate: MemoryRecord) -> bool:
    """A fact stated in its own words (one derived from a text follows its text)."""
    return candidate.is_fact and "derived_from" not in candidate.metadata


def stated_before(
    candidate: MemoryRecord, long_term: LongTermMemory, stored: StoredNearby | None = None
) -> MemoryRecord | None:
    """The active note whose text is this fact's text (case aside): a statement made again
    is reinforced as what it was stored as, even where its words read into other facts
    this time ("My dog is called Rex" -> the note and two facts; "my dog is called rex" ->
    one fact). A fact meets a fact of the same text in its slot, where the values decide;
    a fact derived from a text follows its text. `stored` is the batch's read, if any."""
    if not restatable(candidate):
        return None
    if stored is None or candidate.id not in stored.said:
        stored = read_stored([candidate], long_term)
    return stored.said[candidate.id]


def read_stored(
    candidates: Sequence[MemoryRecord], long_term: LongTermMemory, chunk: int = 100
) -> StoredNearby:
    """What `StoredNearby` holds for every candidate of a batch: one text lookup per scope
    and chunk (a note's text among memories of its kind, a fact's among notes), then one
    index query and one row read per kind of the notes that found no same text."""
    out = StoredNearby()
    groups: dict[tuple[str, str | None], list[tuple[MemoryRecord, str]]] = {}
    for c in candidates:
        kind = c.kind if compared_by_meaning(c) else "note" if restatable(c) else None
        if kind is not None:
            groups.setdefault((c.scope.user_id, c.scope.agent_id), []).append((c, kind))
    for (user_id, agent_id), group in groups.items():
        query = MemoryQuery(user_id=user_id, agent_id=agent_id)
        for start in range(0, len(group), chunk):
            part = group[start : start + chunk]
            rest = _same_text(part, query, long_term, out)
            if rest:
                _nearest(rest, query, long_term, out)
    return out


@dataclasses.dataclass
class ReadAhead:
    """A batch's `read_stored`, made before the add lock, and the write stamp it holds under."""

    stored: StoredNearby
    stamp: Stamp | None

    def still_holds(self, long_term: LongTermMemory) -> bool:
        return long_term.writes.unchanged(self.stamp)


def read_ahead(candidates: Sequence[MemoryRecord], long_term: LongTermMemory) -> ReadAhead:
    """`read_stored` for a batch, outside the lock that plans and writes one add at a time
    (concurrent adds overlap their reads; the texts are embedded here, once, for the
    neighbour query and the index alike)."""
    stamp = long_term.writes.stamp(c.scope.user_id for c in candidates)
    long_term.embedder.embed([c.text for c in candidates])
    return ReadAhead(read_stored(candidates, long_term), stamp)


def _same_text(
    part: list[tuple[MemoryRecord, str]],
    query: MemoryQuery,
    long_term: LongTermMemory,
    out: StoredNearby,
) -> list[MemoryRecord]:
    """Fill `out` with the same-text memories of `part`; returns the notes without one."""
    kinds = sorted({kind for _, kind in part})
    found = long_term.find(
        dataclasses.replace(query, kinds=kinds, text_in=[c.text for c, _ in part])
    )
    same: dict[tuple[str, str, str | None], MemoryRecord] = {}
    for r in found:  # newest first: the newest wins; one text said by two speakers is two
        same.setdefault((r.kind, r.text.lower(), speaker_of(r.metadata)), r)
    rest = []
    for c, kind in part:
        r = same.get((kind, c.text.lower(), speaker_of(c.metadata)))
        if c.is_fact:
            out.said[c.id] = r
        elif r is not None:
            out.exact[c.id] = r
        else:
            rest.append(c)
    return rest


def _nearest(
    notes: list[MemoryRecord], query: MemoryQuery, long_term: LongTermMemory, out: StoredNearby
) -> None:
    """Fill `out` with the nearest active memories of each note's kind (one embedding
    call for all of them, one index query per kind)."""
    vectors = long_term.embedder.embed([c.text for c in notes])
    for kind in dict.fromkeys(c.kind for c in notes):
        rows = [j for j, c in enumerate(notes) if c.kind == kind]
        of_kind = dataclasses.replace(query, kinds=[kind])
        near = nearest_of_kind(long_term, of_kind, vectors[rows])
        for j, n in zip(rows, near, strict=True):
            out.near[notes[j].id] = n


def nearest_of_kind(
    long_term: LongTermMemory, query: MemoryQuery, vectors, width: int = NEIGHBOURS
) -> list[list[tuple[MemoryRecord, float]]]:
    """The NEIGHBOURS nearest active memories of `query`'s kind for each vector. The index
    holds every kind; where other kinds (a conversation's episodes) fill the nearest, the
    search widens (x8, up to WIDEST) for those vectors, so they do not crowd out the notes
    and facts a candidate must be compared with. A small scope is answered exactly from
    this process's copy of its vectors, as a search's is (`stores/vector_copy.py`)."""
    # the scope's generation: a small scope is answered from the exact in-process copy
    # (without it the index is asked, Chroma's query, ~2 ms CPU at any size)
    generation = long_term.vector_generation(query.user_id)
    hits = long_term.nearest_many(
        query.user_id, vectors, width, active_only=True, generation=generation
    )
    found = long_term.matching({i for h in hits for i, _ in h}, query)
    near = [[(found[i], s) for i, s in h if i in found][:NEIGHBOURS] for h in hits]
    short = [
        j
        for j, (n, h) in enumerate(zip(near, hits, strict=True))
        if len(n) < NEIGHBOURS and len(h) >= width
    ]
    if short and width < WIDEST:
        wider = nearest_of_kind(long_term, query, vectors[short], min(width * 8, WIDEST))
        for j, n in zip(short, wider, strict=True):
            near[j] = n
    return near


def neighbours(
    candidate: MemoryRecord,
    long_term: LongTermMemory,
    pending: WritePlan | None,
    stored: StoredNearby | None = None,
) -> list[tuple[MemoryRecord, float]]:
    """Active memories of the same kind and speaker nearest in meaning, with their cosine
    similarity: what another speaker said is that person's statement, never merged into
    this one, however alike the words."""
    if stored is None or not stored.covers(candidate):
        stored = read_stored([candidate], long_term)
    if candidate.id in stored.exact:
        return [(stored.exact[candidate.id], 1.0)]
    out = list(stored.near[candidate.id])
    if pending is not None:  # the batch's earlier memories that can decide this one
        if stored.pending is None:
            stored.pending = PendingNeighbours(long_term.embedder)
        out += stored.pending.nearest(candidate, pending)
    speaker = speaker_of(candidate.metadata)
    return [(r, s) for r, s in out if speaker_of(r.metadata) == speaker]


def overlay(records: list[MemoryRecord], pending: WritePlan, match) -> list[MemoryRecord]:
    """Stored records as they will be once `pending` is applied."""
    by_id = {r.id: r for r in records}
    for record in pending.inserts:
        if match(record):
            by_id[record.id] = record
    changes: dict[str, dict[str, Any]] = {}
    for memory_id, _, values in pending.updates:
        if memory_id in by_id:
            changes.setdefault(memory_id, {}).update(values)
    for memory_id, values in changes.items():
        by_id[memory_id] = dataclasses.replace(by_id[memory_id], **values)
    return list(by_id.values())
