"""Exact answers where the graph index answers short.

Chroma's HNSW graph can leave a vector with no link pointing to it: every query then
misses it, though `get` returns it and a fresh client that rebuilds the graph may reach it.
On tight clusters of sentences (one template, other names; MiniLM) this was measured on a
collection of 40 vectors (one unreachable in about one build in ten, the build order
varying with the batching of concurrent writes) and on 1,100 near-identical notes (0-23
unreachable in every build). A search for such a memory by meaning then fails, which the
contract ("everything said stays retrievable") does not allow.

What a query can see: it asked for k nearest; when the graph returns fewer than k while
the collection holds more than it returned, vectors were left out. For a collection of
at most `EXACT_LIMIT` vectors the answer is then computed exactly from the stored
vectors. A larger collection whose graph returns k answers may still hide a vector; that
is not detectable per query (`agentmem reindex`, or `check_index` with a deep check, finds
and rebuilds such collections). New collections are built with more links per vector
(`chroma.max_neighbors`), which left no vector unreachable in the builds measured.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
EXACT_LIMIT = 4096  # reading every vector of a collection this size takes ~0.1-0.2 s


class Counts:
    """How many vectors each user's collection holds, as last counted.

    A user with fewer memories than a search asks for gets a short answer on every query,
    and counting the collection each time cost 0.3-0.6 ms of a search. The writer of this
    process forgets a user's count whenever it changes the collection; a count is also
    taken again after `ttl` seconds, since another process may have written meanwhile
    (its writes reach this process's graph no sooner)."""

    def __init__(self, ttl: float = 1.0) -> None:
        self.ttl = ttl
        self._held: dict[str, tuple[float, int]] = {}
        self._changes = 0  # a count taken across a change is not kept
        self._lock = threading.Lock()

    def get(self, user_id: str, col: Any) -> int:
        now = time.monotonic()
        with self._lock:
            taken, changes = self._held.get(user_id), self._changes
        if taken is not None and now - taken[0] < self.ttl:
            return taken[1]
        held = col.count()
        with self._lock:
            if changes == self._changes:
                self._held[user_id] = (now, held)
        return held

    def forget(self, user_id: str | None = None) -> None:
        """Forget one user's count, or every count: call it once a write is done."""
        with self._lock:
            self._changes += 1
            if user_id is None:
                self._held.clear()
            else:
                self._held.pop(user_id, None)


def complete(
    col: Any,
    vectors: np.ndarray,
    k: int,
    answers: list[list[tuple[str, float]]],
    count: Callable[[], int] | None = None,
) -> list[list[tuple[str, float]]]:
    """`answers` (id, cosine) per query row, with each short row replaced by the exact
    nearest k when the collection holds more than the row returned (`count`, when given,
    says how many it holds: `Counts.get`)."""
    short = [row for row, found in enumerate(answers) if len(found) < k]
    if not short:
        return answers
    held = col.count() if count is None else count()
    short = [row for row in short if len(answers[row]) < held]
    if not short:
        return answers
    if held > EXACT_LIMIT:
        log.warning(
            "the vector index returned fewer answers than it holds vectors (%d held); "
            "some are unreachable in its graph: run `agentmem reindex` to rebuild it",
            held,
        )
        return answers
    got = col.get(include=["embeddings"])
    ids, stored = list(got["ids"]), got.get("embeddings")
    if stored is None or not ids:
        return answers
    matrix = np.asarray(stored, dtype=np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    out = list(answers)
    for row in short:
        query = np.asarray(vectors[row], dtype=np.float32)
        cosine = matrix @ (query / max(float(np.linalg.norm(query)), 1e-12))
        best = np.argsort(-cosine, kind="stable")[:k]
        out[row] = [(ids[i], max(0.0, min(1.0, float(cosine[i])))) for i in best]
    return out
