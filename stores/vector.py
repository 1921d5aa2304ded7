"""The vector index: Chroma, one collection per user, embeddings always supplied by agentmem.

The index is derived from SQL and can be rebuilt from it at any time. A collection per user
makes the scope a physical partition (and keeps queries fast: a metadata filter over one
shared collection costs ~20 ms at 20k vectors on this class of machine, a small collection
~1.5 ms); SQL confirms the user of every hit.

Embedded Chroma can leave a collection's files damaged when its process is killed while it
persists them; every call on a collection reports that as IndexDamagedError, and the
caller rebuilds the collection from SQL (`LongTermMemory.recover`).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from agentmem.errors import IndexDamagedError, StoreError
from agentmem.stores import vector_exact
from agentmem.stores.hnsw_files import damaged_collections, segment_dirs
from agentmem.stores.vector_copy import ExactCopies
from agentmem.types import MemoryRecord

log = logging.getLogger(__name__)
MISSING_TTL = 1.0  # seconds a "no collection for this user" answer is reused
OPEN_END = 4.0e9  # valid_to of a record that is still valid (epoch seconds, year 2096)
# What embedded Chroma says when a collection's HNSW files are damaged, as a SIGKILL while
# it persists them leaves them: a truncated header or id map fails to load, a data file
# out of step with the log fails compaction or a lookup.
DAMAGE_SIGNS = ("hnsw", "compaction", "pickle", "error finding id")


def _collection_name(prefix: str, user_id: str) -> str:
    return f"{prefix}-{hashlib.sha256(user_id.encode('utf-8')).hexdigest()[:40]}"


def _metadata(record: MemoryRecord) -> dict[str, Any]:
    return {
        "user_id": record.scope.user_id,
        "agent_id": record.scope.agent_id or "",
        "kind": record.kind,
        "status": record.status,
        "valid_from": record.valid_from.timestamp(),
        "valid_to": record.valid_to.timestamp() if record.valid_to else OPEN_END,
    }


class VectorIndex:
    """Chroma collections of memory vectors: embedded (`path`) or a server (`host`, `port`)."""

    def __init__(
        self,
        *,
        path: Path | None = None,
        host: str | None = None,
        port: int = 8000,
        prefix: str = "agentmem_memories",
        ef_search: int = 400,
        max_neighbors: int = 48,
    ) -> None:
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False, allow_reset=True)
        self._open_args = (host, port, path, settings)
        # collection name -> why its files are short; checked before anything loads them
        self.damaged: dict[str, str] = {} if host or path is None else damaged_collections(path)
        self.client = self._connect()
        self.prefix, self.ef_search, self.max_neighbors = prefix, ef_search, max_neighbors
        self._collections: dict[str, Any] = {}
        # user -> (when, at which generation) a lookup found no collection
        self._missing: dict[str, tuple[float, int | None]] = {}
        self._counts = vector_exact.Counts(ttl=MISSING_TTL)
        self.copies = ExactCopies()  # small scopes searched exactly in this process
        self._small: set[str] = set()  # users whose last load was at most half a copy's bound
        self._lock = threading.Lock()
        for name, reason in self.damaged.items():
            log.warning("vector collection %s is damaged (%s); replacing it", name, reason)
            self.client.delete_collection(name)

    def _connect(self):
        import chromadb

        host, port, path, settings = self._open_args
        try:
            if host:
                return chromadb.HttpClient(host=host, port=port, settings=settings)
            if path is None:
                raise StoreError("the vector index needs chroma.path or chroma.host")
            path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(path), settings=settings)
        except StoreError:
            raise
        except Exception as exc:
            where = f"{host}:{port}" if host else str(path)
            raise StoreError(f"could not open the Chroma index at {where}: {exc}") from exc

    def reconnect(self) -> None:
        """Close the client and open a new one. After a damaged collection was replaced,
        embedded Chroma's cached HNSW state can keep serving queries without the vectors
        written since; a new client reads them from disk."""
        with self._lock:
            self._collections.clear()
            self._missing.clear()
            self._counts.forget()
            self.copies.forget()
            close = getattr(self.client, "close", None)
            if close is not None:
                close()
            self.client = self._connect()

    def _hnsw(self) -> dict[str, Any]:
        """The graph settings of a new collection (an existing one keeps those it was made
        with until `agentmem reindex` rebuilds it)."""
        return {"space": "cosine", "ef_search": self.ef_search, "max_neighbors": self.max_neighbors}

    def collection_name(self, user_id: str) -> str:
        return _collection_name(self.prefix, user_id)

    def _collection(self, user_id: str, create: bool = True, generation: int | None = None):
        """The user's collection (made when `create`). A lookup that found none is reused
        for `MISSING_TTL` seconds, but not past a move of the scope's vector `generation`
        (given by a search): another process's vectors reached the index meanwhile."""
        from chromadb.errors import NotFoundError

        with self._lock:
            col = self._collections.get(user_id)
            if col is not None:
                return col
            name = _collection_name(self.prefix, user_id)
            if create:
                col = self.client.get_or_create_collection(
                    name,
                    embedding_function=None,
                    configuration={"hnsw": self._hnsw()},
                    metadata={"user_id": user_id},
                )
            else:
                since, seen = self._missing.get(user_id, (None, None))
                if (
                    since is not None
                    and time.monotonic() - since < MISSING_TTL
                    and (generation is None or generation == seen)
                ):
                    return None  # asked a moment ago; another process may create it later
                try:
                    col = self.client.get_collection(name, embedding_function=None)
                except NotFoundError:
                    self._missing[user_id] = (time.monotonic(), generation)
                    return None
            self._missing.pop(user_id, None)
            self._collections[user_id] = col
            return col

    @contextmanager
    def _guard(self, user_id: str) -> Iterator[None]:
        """Turn Chroma's reports of damaged files into IndexDamagedError, and forget the
        cached collection after any Chroma error (another process may have rebuilt it)."""
        from chromadb.errors import ChromaError

        try:
            yield
        except ChromaError as exc:
            with self._lock:
                self._collections.pop(user_id, None)
            self._counts.forget(user_id)
            self.copies.forget(user_id)
            if any(sign in str(exc).lower() for sign in DAMAGE_SIGNS):
                raise IndexDamagedError(user_id, str(exc).strip()) from exc
            raise

    def reset_user(self, user_id: str) -> None:
        """Replace a user's collection with an empty one (before rebuilding it from SQL).
        Deleting works even when the collection's files no longer load."""
        from chromadb.errors import NotFoundError

        with self._lock:
            self._collections.pop(user_id, None)
            self._missing.pop(user_id, None)
        self._counts.forget(user_id)
        self.copies.forget(user_id)
        try:
            self.client.delete_collection(_collection_name(self.prefix, user_id))
        except NotFoundError:
            pass  # nothing to replace
        self._collection(user_id)

    def upsert(self, records: Sequence[MemoryRecord], vectors: np.ndarray) -> None:
        """Add or replace the vectors of these records (grouped into per-user collections)."""
        groups: dict[str, list[int]] = defaultdict(list)
        for i, record in enumerate(records):
            groups[record.scope.user_id].append(i)
        for user_id, rows in groups.items():
            ids, embeddings = [records[i].id for i in rows], np.asarray(vectors[rows], np.float32)
            try:
                with self._guard(user_id):
                    self._collection(user_id).upsert(
                        ids=ids,
                        embeddings=embeddings,
                        metadatas=[_metadata(records[i]) for i in rows],
                    )
                self.copies.upsert(user_id, ids, embeddings)
            except BaseException:
                self.copies.forget(user_id)
                raise
            finally:
                self._counts.forget(user_id)

    def update_metadata(self, records: Sequence[MemoryRecord]) -> None:
        """Refresh status and validity of records whose text did not change."""
        groups: dict[str, list[MemoryRecord]] = defaultdict(list)
        for record in records:
            groups[record.scope.user_id].append(record)
        for user_id, items in groups.items():
            with self._guard(user_id):
                self._collection(user_id).update(
                    ids=[r.id for r in items], metadatas=[_metadata(r) for r in items]
                )

    def query(self, user_id: str, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The k nearest memories of one user, any status: (id, cosine clipped to [0, 1]).

        The query has no `where`: the collection is the user's own, and status is left to
        SQL, the source of truth (which also confirms the user of every hit). A metadata
        condition matches rows of every collection in Chroma's shared metadata table (a
        status filter made a query at 100k memories ~10x slower), and in a process whose
        HNSW reader lags another process's writes, a filtered query fails with "Error
        finding id" where an unfiltered one answers.
        """
        return self.query_many(user_id, np.asarray([vector]), k)[0]

    def query_many(
        self, user_id: str, vectors: np.ndarray, k: int, generation: int | None = None
    ) -> list[list[tuple[str, float]]]:
        """`query` for each row of `vectors`, in one round trip to the index. Given the
        scope's `generation` (`index_generations`, read by the caller), a small scope is
        answered exactly from this process's copy of its vectors (`vector_copy`)."""
        col = self._collection(user_id, create=False, generation=generation)
        if col is None or len(vectors) == 0:
            return [[] for _ in vectors]
        if generation is not None:
            with self._guard(user_id):
                width = np.shape(vectors)[-1]
                load = lambda: self._copy_source(col, width, user_id)  # noqa: E731
                exact = self.copies.search(user_id, generation, vectors, k, load)
            if exact is not None:
                return exact
        from chromadb.errors import ChromaError

        try:
            with self._guard(user_id):
                result = col.query(
                    query_embeddings=np.asarray(vectors, dtype=np.float32),
                    n_results=k,
                    include=["distances"],
                )
        except IndexDamagedError:
            raise
        except ChromaError as exc:
            # A collection another process has just created has no segment on disk until
            # its first write lands; it holds nothing yet (SQL and the overlay still answer).
            if "Nothing found on disk" not in str(exc):
                raise
            log.warning("vector collection of %r not written yet: %s", user_id, exc)
            return [[] for _ in vectors]
        answers = [
            [(i, max(0.0, min(1.0, 1.0 - float(d)))) for i, d in zip(ids, dists, strict=True)]
            for ids, dists in zip(result["ids"], result["distances"], strict=True)
        ]
        with self._guard(user_id):
            count = lambda: self._counts.get(user_id, col)  # noqa: E731
            return vector_exact.complete(col, vectors, k, answers, count)

    def _copy_source(
        self, col: Any, width: int, user_id: str | None = None
    ) -> tuple[list[str], np.ndarray] | None:
        """A collection's ids and vectors for `vector_copy`, or None when it holds more
        than a copy may (`rows`) or measures distance other than by cosine. A scope last
        loaded here at half the bound or less is read at once, at most `rows + 1` vectors
        (the count was about half of a reload's CPU, and other processes' writes reload a
        scope at every generation); any other is counted first, so a large one is not read."""
        from chromadb.errors import ChromaError

        space = ((getattr(col, "configuration_json", None) or {}).get("hnsw") or {}).get("space")
        rows = self.copies.max_floats // width
        small = user_id is not None and user_id in self._small
        try:
            if space != "cosine" or (not small and col.count() > rows):
                return None
            if small:
                got = col.get(include=["embeddings"], limit=rows + 1)
            else:
                got = col.get(include=["embeddings"])
        except ChromaError as exc:
            # Embedded Chroma's reader of this process does not see the vectors another
            # process wrote ("Error finding id" for their ids, while its queries answer
            # without them): the query answers, as before, until the next generation.
            log.info("no in-process copy of %s: %s", col.name, exc)
            return None
        ids, stored = list(got["ids"]), got.get("embeddings")
        if user_id is not None:
            (self._small.add if 2 * len(ids) <= rows else self._small.discard)(user_id)
        if len(ids) > rows:
            return None
        if not ids:
            return [], np.zeros((0, width), dtype=np.float32)
        if stored is None or len(stored) != len(ids):
            # A Chroma server answering while other processes write has returned ids with
            # fewer vectors than ids (CI: a copy of n ids and no columns failed a search).
            log.info(
                "no in-process copy of %s: vectors for %d of %d ids",
                col.name,
                0 if stored is None else len(stored),
                len(ids),
            )
            return None
        if any(v is None or len(v) != width for v in stored):
            return None
        return ids, np.asarray(stored, dtype=np.float32)

    def statuses(self, user_id: str) -> dict[str, str]:
        """The status each of a user's vectors carries in its metadata (for inspection)."""
        col = self._collection(user_id, create=False)
        if col is None:
            return {}
        with self._guard(user_id):
            got = col.get(include=["metadatas"])
        return {i: m.get("status", "") for i, m in zip(got["ids"], got["metadatas"], strict=True)}

    def vectors(self, user_id: str) -> tuple[list[str], np.ndarray]:
        """Every id of a user's collection and its stored embedding (rows of NaN where the
        index holds an id without one)."""
        col = self._collection(user_id, create=False)
        if col is None:
            return [], np.zeros((0, 0), dtype=np.float32)
        with self._guard(user_id):
            got = col.get(include=["embeddings"])
        ids, stored = list(got["ids"]), got.get("embeddings")
        width = (
            max((len(e) for e in stored if e is not None), default=0) if stored is not None else 0
        )
        out = np.full((len(ids), width), np.nan, dtype=np.float32)
        for row, vector in enumerate(stored if stored is not None else []):
            if vector is not None and len(vector) == width:
                out[row] = vector
        return ids, out

    def ids(self, user_id: str) -> set[str]:
        col = self._collection(user_id, create=False)
        if col is None:
            return set()
        with self._guard(user_id):
            return set(col.get(include=[])["ids"])

    def count(self, user_id: str) -> int:
        col = self._collection(user_id, create=False)
        if col is None:
            return 0
        with self._guard(user_id):
            return col.count()

    def total(self) -> int:
        return sum(c.count() for c in self._own_collections())

    def delete(self, user_id: str, ids: Sequence[str]) -> None:
        col = self._collection(user_id, create=False)
        if col is not None and ids:
            try:
                with self._guard(user_id):
                    col.delete(ids=list(ids))
                self.copies.delete(user_id, ids)
            except BaseException:
                self.copies.forget(user_id)
                raise
            finally:
                self._counts.forget(user_id)

    def drop_user(self, user_id: str) -> None:
        """Remove a user's whole collection (purge)."""
        with self._lock:
            self._collections.pop(user_id, None)
            self._missing.pop(user_id, None)
        self._counts.forget(user_id)
        self.copies.forget(user_id)
        name = _collection_name(self.prefix, user_id)
        if name in {c.name for c in self._own_collections()}:
            path = self._open_args[2]
            files = segment_dirs(path, name) if path is not None and not self._open_args[0] else []
            self.client.delete_collection(name)
            for folder in files:  # Chroma leaves the deleted collection's vectors on disk
                shutil.rmtree(folder, ignore_errors=True)

    def drop_all(self) -> None:
        """Remove every agentmem collection (before a full rebuild)."""
        with self._lock:
            self._collections.clear()
            self._missing.clear()
        self._counts.forget()
        self.copies.forget()
        for col in self._own_collections():
            self.client.delete_collection(col.name)

    def close(self) -> None:
        """Release the client (Chroma shares one system per path within a process)."""
        with self._lock:
            self._collections.clear()
        self.copies.forget()
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    def _own_collections(self) -> list:
        return [c for c in self.client.list_collections() if c.name.startswith(self.prefix + "-")]
