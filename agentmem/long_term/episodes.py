"""Episodes in long-term memory: every logged input is also a searchable memory.

The episodes table is the lossless log (raw content, role, session, sequence number, time
said). Each episode also has a memory row of kind "episode" with the same id, written in
the same transaction: its text is what was said, prefixed with the speaker's name when one
was given ("Jon: lost my job yesterday (7 May 2023)") and with relative dates resolved
(`agentmem.long_term.timeref`). That row is indexed like every memory (full text at once; meaning
once the background index writer has embedded it), so hybrid search reaches every turn.

Episode rows are never passed through conflict resolution, deduplication or decay: two
identical turns said at different times are two episodes, and consolidation adds summaries
and facts beside them without taking any out of search. Summaries and facts name the
episodes they came from (`metadata["episode_ids"]`); `sources()` reads them back.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from agentmem.long_term.memory import LongTermMemory
from agentmem.long_term.timeref import TimeRef, annotate, resolve
from agentmem.types import Episode, MemoryRecord, Scope, utcnow

KIND = "episode"
BACKFILL_BATCH = 2_000


def speaker(episode: Episode) -> str:
    """Who said it: the speaker's name when one was given, else the role."""
    return str(episode.metadata.get("speaker") or episode.role)


def grounded(episode: Episode, refs: Sequence[TimeRef] | None = None) -> str:
    """The content with its relative dates resolved against the time it was said."""
    if refs is None:
        refs = resolve(episode.content, episode.created_at)
    return annotate(episode.content, list(refs))


def memory_text(episode: Episode, refs: Sequence[TimeRef] | None = None) -> str:
    text = grounded(episode, refs)
    name = episode.metadata.get("speaker")
    return f"{name}: {text}" if name else text


def record(episode: Episode, refs: Sequence[TimeRef] | None = None) -> MemoryRecord:
    """The memory row of an episode (same id, kind "episode")."""
    meta: dict[str, Any] = {
        **episode.metadata,
        "role": episode.role,
        "speaker": speaker(episode),
        "seq": episode.seq,
    }
    return MemoryRecord(
        id=episode.id,
        text=memory_text(episode, refs),
        scope=episode.scope,
        kind=KIND,
        metadata=meta,
        importance=episode.salience,
        source=episode.role,
        created_at=episode.created_at,
        updated_at=episode.created_at,
        valid_from=episode.created_at,
        recorded_at=utcnow(),
    )


def when(moment: datetime) -> str:
    return f"{moment.day} {calendar.month_name[moment.month]} {moment.year}"


def line(episode: Episode) -> str:
    """An episode as one line of a prompt: who said what, and when."""
    return f"[{when(episode.created_at)}, {speaker(episode)}] {grounded(episode)}"


def backfill(long_term: LongTermMemory) -> int:
    """Give every episode that has none its memory row (databases written before episodes
    were searchable); returns how many were added. Indexing follows in the background."""
    sql, added = long_term.sql, 0
    while True:
        with sql.begin() as conn:
            missing = sql.episodes_without_memory(conn, BACKFILL_BATCH)
            rows = [record(e) for e in missing]
            sql.insert_memories(conn, rows)
        if not rows:
            return added
        owners = {r.id: r.scope.user_id for r in rows}
        long_term.indexer.submit(owners, {}, embed=owners)
        added += len(rows)


def around(
    long_term: LongTermMemory, hits: Iterable[MemoryRecord], radius: int
) -> dict[str, list[Episode]]:
    """For each episode memory, the episodes of its transcript (its user, agent and session)
    within `radius` turns of it (itself included), in order. Agents of one user that share
    a session id number their turns in one sequence; another agent's turns are not its
    neighbours."""
    hits = [h for h in hits if h.kind == KIND]
    by_session: dict[tuple[str, str | None], list[MemoryRecord]] = {}
    for h in hits:
        by_session.setdefault((h.scope.user_id, h.scope.session_id), []).append(h)
    out: dict[str, list[Episode]] = {}
    with long_term.sql.begin() as conn:
        for (user_id, session_id), group in by_session.items():
            seqs = [int(h.metadata.get("seq", 0)) for h in group]
            found = long_term.sql.episodes_near(conn, user_id, session_id, seqs, radius)
            for h, seq in zip(group, seqs, strict=True):
                window = [
                    e
                    for e in found
                    if abs(e.seq - seq) <= radius and e.scope.agent_id == h.scope.agent_id
                ]
                out[h.id] = window or []
    return out


def sources(long_term: LongTermMemory, memory: MemoryRecord, scope: Scope) -> list[Episode]:
    """The episodes a summary or fact came from (its provenance), in order."""
    ids = provenance(memory)
    if not ids:
        return []
    with long_term.sql.begin() as conn:
        found = long_term.sql.get_episodes(conn, ids, scope.user_id)
    return sorted(found, key=lambda e: (e.created_at, e.seq))


def provenance(memory: MemoryRecord) -> list[str]:
    """The episode ids a memory names as its sources."""
    meta = memory.metadata
    ids = list(meta.get("episode_ids") or [])
    if meta.get("episode_id") and meta["episode_id"] not in ids:
        ids.insert(0, meta["episode_id"])
    if memory.kind == KIND:
        ids = [memory.id]
    return [i for i in ids if isinstance(i, str)]


__all__ = [
    "KIND",
    "around",
    "backfill",
    "grounded",
    "line",
    "memory_text",
    "provenance",
    "record",
    "sources",
    "speaker",
    "when",
]
