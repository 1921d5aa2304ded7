"""Exact nearest neighbours from an in-process copy of a small collection's vectors.

Chroma's HNSW query has a floor of about 2 ms CPU whatever the collection's size (1.96 ms
for 10 answers, 2.25 ms for 100, on the loaded 2-core machine), and it was half of a
search's CPU on the service bench (2,000 memories over 200 users). For a scope of a few
thousand vectors one matrix product over all of them costs less: at 384 dimensions,
0.03 ms for 100 vectors, 0.1 ms for 1,000, 0.66 ms for 4,096, 3.0 ms for 10,000 (one
thread, top 200 by `argpartition`). So a scope of at most `MAX_FLOATS` numbers (8,192
vectors of 384) is searched exactly in a copy of its vectors: unit rows, cosine by one
product, the same similarity Chroma's cosine space reports (1 - distance), clipped to
[0, 1]. The exact answer can only differ from the graph's where the graph missed a
nearer vector. Chroma stays the index of record; a larger scope, or a collection made
with another space, is asked of Chroma.

Coherence. The copy is loaded from the collection when first asked. This process's writes
(`upsert`, `delete`, `drop`) change it as they change the collection. Other processes (and
other `Memory` instances in this one) are learned of through SQL: every writer bumps the
scope's index generation (`index_generations`) after its vectors reached the collection,
and a search reads that generation (one indexed read) and passes it here; a copy stamped
with another generation is loaded again. A writer moves its own copy's stamp along only
when its bump was the only one since the stamp (generation + 1), so a write of another
process between the two is never mistaken for its own. Loads are not installed when a
write of this process touched the scope while the load read the collection.

Memory is bounded: scopes are kept least recently used first out, up to `max_bytes`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

MAX_FLOATS = 8192 * 384  # a scope searched in the copy: exact costs at most Chroma's floor
MAX_BYTES = 128 * 2**20  # all copies together
ID_BYTES = 100  # what an id costs in the copy, roughly (str object and list slot)


@dataclass(frozen=True)
class Copy:
    """The vectors of one scope: `matrix` (n, dim) unit rows, `ids` their memory ids;
    `matrix` is None when the scope was too large to copy at this generation."""

    generation: int
    ids: tuple[str, ...]
    matrix: np.ndarray | None

    @property
    def nbytes(self) -> int:
        return 0 if self.matrix is None else self.matrix.nbytes + ID_BYTES * len(self.ids)


Loader = Callable[[], tuple[list[str], np.ndarray] | None]


class ExactCopies:
    """Copies of small scopes' vectors, by user id (thread-safe; arrays are replaced,
    never changed in place, so a search computes on the copy it took)."""

    def __init__(self, max_floats: int = MAX_FLOATS, max_bytes: int = MAX_BYTES) -> None:
        self.max_floats, self.max_bytes = max_floats, max_bytes
        self._copies: OrderedDict[str, Copy] = OrderedDict()
        self._touched: dict[str, int] = {}  # user -> local writes (loads across one wait)
        self._bytes = 0
        self._lock = threading.Lock()

    def search(
        self, user_id: str, generation: int, vectors: np.ndarray, k: int, load: Loader
    ) -> list[list[tuple[str, float]]] | None:
        """The k nearest (id, cosine in [0, 1]) per row of `vectors` (n, dim), or None when
        the scope is too large (or not cosine): ask the index. `load` reads the scope's
        ids and vectors from the index (None: too large or not cosine)."""
        copy = self._current(user_id, generation)
        if copy is None:
            copy = self._load(user_id, generation, load)
        if copy.matrix is None:
            return None
        return nearest(copy, vectors, k)

    def _current(self, user_id: str, generation: int) -> Copy | None:
        with self._lock:
            copy = self._copies.get(user_id)
            if copy is None or copy.generation != generation:
                return None
            self._copies.move_to_end(user_id)
            return copy

    def _load(self, user_id: str, generation: int, load: Loader) -> Copy:
        with self._lock:
            touched = self._touched.get(user_id, 0)
        got = load()
        if got is None:
            copy = Copy(generation, (), None)
        else:
            ids, matrix = got
            copy = Copy(generation, tuple(ids), unit_rows(matrix))
        with self._lock:
            if self._touched.get(user_id, 0) == touched and copy.nbytes <= self.max_bytes:
                self._put(user_id, copy)
        return copy

    def upsert(self, user_id: str, ids: Sequence[str], vectors: np.ndarray) -> None:
        """This process wrote these vectors to the scope's collection. The new matrix is
        built outside the lock every search takes (a copy of a large scope takes
        milliseconds) and installed only over the copy it was built from."""
        fresh = unit_rows(vectors)
        with self._lock:
            self._touch(user_id)
            copy = self._copies.get(user_id)
        while copy is not None and copy.matrix is not None:
            merged = _merged(copy, ids, fresh)
            with self._lock:
                now = self._copies.get(user_id)
                if now is copy:
                    if merged is None or merged.matrix.size > self.max_floats:
                        self._drop(user_id)  # another width, or over the bound
                    else:
                        self._put(user_id, merged)
                    return
            copy = now  # another write or stamp replaced it meanwhile: merge into that

    def delete(self, user_id: str, ids: Sequence[str]) -> None:
        with self._lock:
            self._touch(user_id)
            copy = self._copies.get(user_id)
            if copy is None or copy.matrix is None:
                return
            gone = set(ids)
            keep = [row for row, mid in enumerate(copy.ids) if mid not in gone]
            ids_kept = tuple(copy.ids[row] for row in keep)
            self._put(user_id, Copy(copy.generation, ids_kept, copy.matrix[keep]))

    def forget(self, user_id: str | None = None) -> None:
        """Drop one scope's copy, or every copy (its collection was replaced or dropped)."""
        with self._lock:
            users = list(self._copies) if user_id is None else [user_id]
            for user in users:
                self._touch(user)
                self._drop(user)

    def advanced(self, user_id: str, before: int, after: int) -> None:
        """This process moved the scope's generation from `before` to `after` once its
        writes were in the collection: a copy stamped `before` holds them and is current;
        one stamped otherwise missed another writer's bump and is dropped."""
        with self._lock:
            copy = self._copies.get(user_id)
            if copy is not None and copy.generation == before:
                self._copies[user_id] = Copy(after, copy.ids, copy.matrix)
            elif copy is not None:
                self._drop(user_id)

    def held_bytes(self) -> int:
        with self._lock:
            return self._bytes

    def _touch(self, user_id: str) -> None:
        self._touched[user_id] = self._touched.get(user_id, 0) + 1

    def _put(self, user_id: str, copy: Copy) -> None:
        self._drop(user_id)
        self._copies[user_id] = copy
        self._bytes += copy.nbytes
        while self._bytes > self.max_bytes and len(self._copies) > 1:
            self._drop(next(iter(self._copies)))

    def _drop(self, user_id: str) -> None:
        old = self._copies.pop(user_id, None)
        if old is not None:
            self._bytes -= old.nbytes


def _merged(copy: Copy, ids: Sequence[str], fresh: np.ndarray) -> Copy | None:
    """`copy` with the unit rows `fresh` of `ids` written over or added; None when their
    width is not the copy's (the collection would refuse them too)."""
    assert copy.matrix is not None
    if fresh.shape[1] != copy.matrix.shape[1] and len(copy.ids):
        return None
    at = {mid: row for row, mid in enumerate(copy.ids)}
    matrix, order = copy.matrix.copy(), list(copy.ids)
    new = [i for i, mid in enumerate(ids) if mid not in at]
    for i, mid in enumerate(ids):
        if mid in at:
            matrix[at[mid]] = fresh[i]
    if new:
        matrix = np.concatenate([matrix.reshape(-1, fresh.shape[1]), fresh[new]])
        order += [ids[i] for i in new]
    return Copy(copy.generation, tuple(order), matrix)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """`matrix` as float32 rows of length one (a zero row stays zero)."""
    out = np.array(matrix, dtype=np.float32, ndmin=2)
    if out.size:  # each row's norm as `np.linalg.norm(out, axis=1)` computes it, less its checks
        norms = np.sqrt(np.add.reduce(out * out, axis=1, keepdims=True))
        out /= np.maximum(norms, 1e-12)
    return out


def nearest(copy: Copy, vectors: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
    """The k largest cosines of each query row against the copy, largest first."""
    assert copy.matrix is not None
    n = len(copy.ids)
    if n == 0 or k <= 0:
        return [[] for _ in vectors]
    sims = unit_rows(vectors) @ copy.matrix.T
    np.clip(sims, 0.0, 1.0, out=sims)
    out, ids = [], copy.ids
    for row in sims:
        if k < n:
            top = np.argpartition(-row, k - 1)[:k]
            top = top[np.argsort(-row[top], kind="stable")]
        else:
            top = np.argsort(-row, kind="stable")
        scores = row.tolist()  # the float of each float32, as float() gives it
        out.append([(ids[i], scores[i]) for i in top.tolist()])
    return out
