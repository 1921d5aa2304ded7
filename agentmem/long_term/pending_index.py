"""The memories a batch has planned but not yet written, asked by meaning and by text.

`resolve_many` resolves each candidate of a batch against the earlier ones. Comparing it
with every earlier one made a batch quadratic (an `add_many` of a 5,882-turn conversation
ran at 4-7 turns/s). This index follows the plan as it grows -- each insert embedded once,
each update applied once -- and answers a candidate with only the pending memories that
can decide it: those with the same text, and the most similar ones (every one tied at
the top). `conflicts.decide_note` looks at nothing else, so its decisions are unchanged.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from agentmem.types import MemoryRecord


class PendingNeighbours:
    """Mirror of one batch plan's inserts, with their vectors, in insertion order."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self._rows: list[MemoryRecord] = []
        self._at: dict[str, int] = {}
        self._vectors = np.zeros((0, embedder.dimension), dtype=np.float32)
        self._groups = np.zeros(0, dtype=np.int64)  # code of (kind, user, active)
        self._codes: dict[tuple[str, str, bool], int] = {}
        self._by_text: dict[str, list[int]] = {}
        self._inserts = self._updates = 0

    def nearest(self, candidate: MemoryRecord, plan) -> list[tuple[MemoryRecord, float]]:
        """Active pending memories of the candidate's kind and user that share its text
        or are most similar to it, with their cosine similarity, in insertion order."""
        self._catch_up(plan)
        n = len(self._rows)
        if n == 0:
            return []
        group = self._codes.get((candidate.kind, candidate.scope.user_id, True))
        if group is None:
            return []
        eligible = self._groups[:n] == group
        if not eligible.any():
            return []
        sims = self._vectors[:n] @ self._embedder.embed_query(candidate.text)
        sims = np.where(eligible, sims, -np.inf)
        chosen = set(np.flatnonzero(sims == sims.max()).tolist())
        key = candidate.text.strip().lower()
        chosen.update(i for i in self._by_text.get(key, []) if eligible[i])
        return [(self._rows[i], float(sims[i])) for i in sorted(chosen)]

    def _catch_up(self, plan) -> None:
        new = plan.inserts[self._inserts :]
        if new:
            self._append(new, self._embedder.embed([r.text for r in new]))
            self._inserts = len(plan.inserts)
        for memory_id, _, values in plan.updates[self._updates :]:
            i = self._at.get(memory_id)
            if i is None:
                continue
            old = self._rows[i]
            self._rows[i] = dataclasses.replace(old, **values)
            if "text" in values and values["text"] != old.text:
                self._by_text[old.text.strip().lower()].remove(i)
                self._by_text.setdefault(values["text"].strip().lower(), []).append(i)
                self._vectors[i] = self._embedder.embed([values["text"]])[0]
            self._groups[i] = self._code(self._rows[i])
        self._updates = len(plan.updates)

    def _append(self, records: list[MemoryRecord], vectors: np.ndarray) -> None:
        start, end = len(self._rows), len(self._rows) + len(records)
        if end > len(self._vectors):  # grow by doubling: appends stay amortised O(1)
            size = max(end, 2 * len(self._vectors), 64)
            self._vectors = _grown(self._vectors, size)
            self._groups = _grown(self._groups, size)
        self._vectors[start:end] = vectors
        for i, record in enumerate(records, start=start):
            self._rows.append(record)
            self._at[record.id] = i
            self._by_text.setdefault(record.text.strip().lower(), []).append(i)
            self._groups[i] = self._code(record)

    def _code(self, record: MemoryRecord) -> int:
        key = (record.kind, record.scope.user_id, record.status == "active")
        return self._codes.setdefault(key, len(self._codes))


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros((size, *array.shape[1:]), dtype=array.dtype)
    out[: len(array)] = array
    return out
