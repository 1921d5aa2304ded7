"""Whether the vector index holds what SQL says it should, vector by vector, and the repair.

Counting is not enough: two processes writing one embedded Chroma have left an id whose
embedding was missing, so the counts matched while semantic search could never return that
memory; a vector deleted behind agentmem's back and a stray one left over also leave the
counts equal. So each user's collection is compared with SQL id by id, and (deep check)
each vector must be usable: a finite, non-zero embedding that a query for itself returns.
Whatever fails is marked dirty in SQL and rewritten by the ordinary repair; vectors SQL
does not know are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

from agentmem.errors import IndexDamagedError
from agentmem.stores.schema import memories

QUERY_BATCH = 256
NEIGHBOURS = 8  # a vector must be among the answers to a query for itself
SAME = 1e-6  # cosine distance under which another vector is the same point (equal texts)


@dataclass
class IndexHealth:
    """What a check found (before its repair) and what it repaired."""

    rows: int = 0
    vectors: int = 0
    dirty: int = 0
    missing: list[str] = field(default_factory=list)  # in SQL, not in the index
    unusable: list[str] = field(default_factory=list)  # in the index, not retrievable
    stray: dict[str, list[str]] = field(default_factory=dict)  # user -> ids SQL lacks
    rebuilt: list[str] = field(default_factory=list)  # users whose collection was unreadable
    repaired: int = 0

    @property
    def healthy(self) -> bool:
        return not (self.dirty or self.missing or self.unusable or self.stray or self.rebuilt)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "vectors": self.vectors,
            "dirty": self.dirty,
            "missing": len(self.missing),
            "unretrievable": len(self.unusable),
            "stray": sum(len(v) for v in self.stray.values()),
            "rebuilt_users": len(self.rebuilt),
            "healthy": self.healthy,
            "repaired": self.repaired,
        }


def check(long_term: Any, user_id: str | None = None, *, deep: bool = True) -> IndexHealth:
    """Compare SQL with the index for one user or all; `deep` also tests every vector."""
    health = IndexHealth()
    index = long_term.index  # waits for queued writes: they are not damage
    for uid, rows in _sql_ids(long_term.sql, user_id).items():
        clean = {mid for mid, dirty in rows.items() if not dirty}
        health.rows += len(rows)
        health.dirty += len(rows) - len(clean)
        try:
            ids, vectors = _index_vectors(index, uid, deep)
        except IndexDamagedError as damage:  # unreadable files: rebuilt from SQL at once
            long_term.recover(damage)
            health.rebuilt.append(uid)
            ids, vectors = _index_vectors(index, uid, deep)
        health.vectors += len(ids)
        health.missing += sorted(clean - set(ids))
        stray = _still_unknown(long_term.sql, set(ids) - set(rows))
        if stray:
            health.stray[uid] = stray
        if deep:
            health.unusable += _unusable(index, uid, ids, vectors, clean)
    return health


def repair(long_term: Any, health: IndexHealth) -> int:
    """Rewrite from SQL what `check` found missing or unusable; delete stray vectors.
    Returns how many vectors were written or deleted."""
    broken = health.missing + health.unusable
    for start in range(0, len(broken), 500):
        chunk = broken[start : start + 500]
        with long_term.sql.begin() as conn:
            conn.execute(memories.update().where(memories.c.id.in_(chunk)).values(index_dirty=True))
    for uid, ids in health.stray.items():
        long_term.index.delete(uid, ids)
    if health.stray:
        long_term.indexed([], users=list(health.stray))
    health.repaired = long_term.repair() + sum(len(v) for v in health.stray.values())
    return health.repaired


def _sql_ids(sql: Any, user_id: str | None) -> dict[str, dict[str, bool]]:
    stmt = select(memories.c.user_id, memories.c.id, memories.c.index_dirty)
    if user_id is not None:
        stmt = stmt.where(memories.c.user_id == user_id)
    out: dict[str, dict[str, bool]] = {}
    with sql.begin() as conn:
        for uid, mid, dirty in conn.execute(stmt):
            out.setdefault(uid, {})[mid] = bool(dirty)
    return out


def _still_unknown(sql: Any, candidates: set[str]) -> list[str]:
    """The candidates SQL still lacks, read after the index: a row another process commits
    meanwhile reaches the index only after SQL, so it is not taken for a stray."""
    if not candidates:
        return []
    known: set[str] = set()
    ordered = sorted(candidates)
    with sql.begin() as conn:
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            known |= set(
                conn.execute(select(memories.c.id).where(memories.c.id.in_(chunk))).scalars()
            )
    return [i for i in ordered if i not in known]


def _index_vectors(index: Any, user_id: str, deep: bool) -> tuple[list[str], np.ndarray | None]:
    if not deep:
        return sorted(index.ids(user_id)), None
    return index.vectors(user_id)


def _unusable(
    index: Any, user_id: str, ids: list[str], vectors: np.ndarray | None, clean: set[str]
) -> list[str]:
    if vectors is None or not ids:
        return []
    norms = np.linalg.norm(vectors, axis=1) if vectors.size else np.zeros(len(ids))
    usable = np.isfinite(vectors).all(axis=1) & (norms > 0)
    bad = [i for i, ok in zip(ids, usable, strict=True) if not ok and i in clean]
    rows = [n for n, ok in enumerate(usable) if ok]
    k = min(NEIGHBOURS, len(ids))
    for start in range(0, len(rows), QUERY_BATCH):
        batch = rows[start : start + QUERY_BATCH]
        answers = index.query_many(user_id, vectors[batch], k)
        for n, hits in zip(batch, answers, strict=True):
            found = {i for i, _ in hits}
            same_point = any(score >= 1 - SAME for _, score in hits)
            if ids[n] not in found and not same_point and ids[n] in clean:
                bad.append(ids[n])
    return bad


__all__ = ["IndexHealth", "check", "repair"]
