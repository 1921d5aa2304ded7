"""What the resolver reads from the stored state before it decides: the note a fact's text
was stored as (same text, same speaker), and the active memories of a note's kind nearest
in meaning (same text first). `read_stored` reads them for a whole batch at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from agentmem.facts.derived import speaker_of
from agentmem.long_term import LongTermMemory, WritePlan
from agentmem.long_term.pending_index import PendingNeighbours
from agentmem.stores.sql import MemoryQuery
from agentmem.types import MemoryRecord

NEIGHBOURS = 5
WIDEST = 320  # the most index hits read to find NEIGHBOURS of one kind among other kinds


@dataclasses.dataclass
class StoredNearby:
    """What the stored state holds next to a batch's notes, read in a few queries: an
    active memory with the same text, else the nearest by meaning. Reading it once is
    exact, since nothing is written until the batch's plan is applied."""

    exact: dict[str, MemoryRecord] = dataclasses.field(default_factory=dict)
    near: dict[str, list[tuple[MemoryRecord, float]]] = dataclasses.field(default_factory=dict)
    pending: PendingNeighbours | None = None  # the batch's own plan, followed as it grows

    def covers(self, candidate: MemoryRecord) -> bool:
        return candidate.id in self.exact or candidate.id in self.near


def stated_before(candidate: MemoryRecord, long_term: LongTermMemory) -> MemoryRecord | None:
    """The active note whose text is this fact's text (case aside): a statement made again
    is reinforced as what it was stored as, even where its words read into other facts
    this time ("My dog is called Rex" -> the note and two facts; "my dog is called rex" ->
    one fact). A fact meets a fact of the same text in its slot, where the values decide;
    a fact derived from a text follows its text."""
    if not candidate.is_fact or "derived_from" in candidate.metadata:
        return None
    query = MemoryQuery(
        user_id=candidate.scope.user_id,
        agent_id=candidate.scope.agent_id,
        kinds=["note"],
        text_in=[candidate.text],
    )
    speaker = speaker_of(candidate.metadata)  # two speakers saying one text are two subjects
    return next((r for r in long_term.find(query) if speaker_of(r.metadata) == speaker), None)


def read_stored(
    candidates: Sequence[MemoryRecord], long_term: LongTermMemory, chunk: int = 100
) -> StoredNearby:
    """Same-text and nearest active memories of the same kind for every candidate: one
    text lookup, one index query and one row read per scope, kind and chunk."""
    out = StoredNearby()
    groups: dict[tuple[str, str | None, str], list[MemoryRecord]] = {}
    for c in candidates:
        groups.setdefault((c.scope.user_id, c.scope.agent_id, c.kind), []).append(c)
    for (user_id, agent_id, kind), group in groups.items():
        query = MemoryQuery(user_id=user_id, agent_id=agent_id, kinds=[kind])
        for start in range(0, len(group), chunk):
            part = group[start : start + chunk]
            same_text: dict[tuple[str, str | None], MemoryRecord] = {}
            for r in long_term.find(dataclasses.replace(query, text_in=[c.text for c in part])):
                # newest first: the newest wins; one text said by two speakers is two memories
                same_text.setdefault((r.text.lower(), speaker_of(r.metadata)), r)
            rest = []
            for c in part:
                if (r := same_text.get((c.text.lower(), speaker_of(c.metadata)))) is not None:
                    out.exact[c.id] = r
                else:
                    rest.append(c)
            if not rest:
                continue
            vectors = long_term.embedder.embed([c.text for c in rest])
            for c, near in zip(rest, nearest_of_kind(long_term, query, vectors), strict=True):
                out.near[c.id] = near
    return out


def nearest_of_kind(
    long_term: LongTermMemory, query: MemoryQuery, vectors, width: int = NEIGHBOURS
) -> list[list[tuple[MemoryRecord, float]]]:
    """The NEIGHBOURS nearest active memories of `query`'s kind for each vector. The index
    holds every kind; where other kinds (a conversation's episodes) fill the nearest, the
    search widens (x8, up to WIDEST) for those vectors, so they do not crowd out the notes
    and facts a candidate must be compared with."""
    hits = long_term.nearest_many(query.user_id, vectors, width, active_only=True)
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
