"""Keeps the vector index following SQL in the background, without losing read-your-writes.

A Chroma write costs tens of milliseconds (it commits its own database), several times what
the rest of a memory write costs. So `LongTermMemory.apply` commits SQL (rows marked
`index_dirty`), hands the changed ids to this worker and returns. The worker batches what
has queued up, writes it to Chroma and clears the dirty marks. Until then the new vectors
sit in an in-memory overlay that semantic search consults, so a memory is searchable the
moment `apply` returns. A crash loses only the queue; the dirty marks in SQL bring the
index up to date on the next open.

Clearing the marks is itself an SQL write, and SQLite has one writer at a time: with every
observed turn indexed, clearing them after each small batch made `observe` wait on the
lock. So marks are cleared at most every `MARK_INTERVAL` seconds (and by `flush`), never
for a row queued again meanwhile (its newer write is marked after its own upsert); a crash
before then only re-indexes rows already indexed (upserts are idempotent). The last writes
before a pause are marked `MARK_INTERVAL` into it: other processes learn of vectors through
the marking write's generation bump, and waited for the next write (or for ever) before.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Collection

import numpy as np

from agentmem.errors import IndexDamagedError
from agentmem.long_term.foreground import FOREGROUND
from agentmem.stores.sql import SQLStore
from agentmem.stores.vector import VectorIndex

log = logging.getLogger(__name__)
_STOP = object()
MARK_INTERVAL = 1.0  # seconds between the SQL writes that clear `index_dirty`
# Chroma's writes hold the interpreter lock for their whole duration: a call costs about
# 11 ms of CPU whatever its size plus about 1 ms a row (HNSW insertion at a few thousand
# vectors), measured on the loaded 2-core machine. A stall delays the caller calls in
# flight; with calls of 16 rows every 16th observed turn waited for one (the session
# benchmark's p95), and the fixed cost made a row cost 2.0 ms of CPU instead of 0.6 at 64.
# Calls of up to 64 rows, split evenly, delay a quarter as many turns for little longer.
WRITE_CHUNK = 64
# Texts per embedding call of the writer: vectors reach the index (and semantic search)
# after each such call, so a large backlog is not held back until all of it is embedded.
EMBED_CHUNK = 256
BATCH_DELAY = 0.25  # seconds a batch gathers writes before the worker takes it
# Seconds a process holds the vectors of writes another process made for it (`hold`): they
# reach it through the index about BATCH_DELAY + MARK_INTERVAL later; the margin covers
# a writer process starved of CPU at its lower priority.
HOLD_S = 30.0


class IndexSync:
    """A background writer from SQL to the vector index, plus the overlay of pending vectors."""

    def __init__(
        self,
        sql: SQLStore,
        index: VectorIndex,
        max_batch: int = 2_000,
        on_damage: Callable[[IndexDamagedError], object] | None = None,
        embed: Callable[[list[str]], np.ndarray] | None = None,
    ) -> None:
        self.sql, self.index, self.max_batch = sql, index, max_batch
        self.on_damage = on_damage  # rebuilds a damaged collection from SQL
        self.embed = embed  # vectors of rows written on a path that cannot wait for a model
        self._queue: queue.Queue = queue.Queue()
        self._pending: dict[str, dict[str, np.ndarray]] = defaultdict(dict)  # user -> id -> vec
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._outstanding = 0
        self._queued: Counter[str] = Counter()  # ids in jobs not yet written to the index
        self._unmarked: set[str] = set()  # indexed, `index_dirty` not yet cleared in SQL
        self._written: set[str] = set()  # users whose vectors changed, generation not bumped
        self._marking = threading.Lock()
        self._marked_at = time.monotonic()
        self._hurry = threading.Event()  # set while a flush waits: no gathering delay
        self._flushing = 0
        # id -> (user, vector, until) of vectors held for another process's writes (`hold`)
        self._held: OrderedDict[str, tuple[str, np.ndarray, float]] = OrderedDict()
        self._thread = threading.Thread(target=self._run, name="agentmem-indexer", daemon=True)
        self._thread.start()

    def submit(
        self,
        ids: dict[str, str],
        vectors: dict[str, tuple[str, np.ndarray]],
        embed: Collection[str] = (),
    ) -> None:
        """Queue changed memories (id -> user); `vectors` maps the ids whose text changed to
        (user, vec); `embed` names new rows whose vectors this worker computes (observed
        turns: embedding one costs more than the rest of `observe`, and a batch costs little
        more than one). Until then those rows are found by full text only."""
        if not ids:
            return
        with self._lock:
            for memory_id, (user_id, vector) in vectors.items():
                self._pending[user_id][memory_id] = vector
            self._outstanding += 1
            self._queued.update(set(ids))
        self._queue.put((ids, vectors, frozenset(embed)))

    def pending(self, user_id: str, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Pending memories of one user nearest to `vector`: (id, cosine clipped to [0, 1])."""
        return self.pending_many(user_id, np.asarray([vector]), k)[0]

    def pending_many(
        self, user_id: str, vectors: np.ndarray, k: int
    ) -> list[list[tuple[str, float]]]:
        """`pending` for each row of `vectors`, over one snapshot of the queue."""
        with self._lock:
            if self._held:
                self._expire_held()
            items = list(self._pending.get(user_id, {}).items())
        if not items:
            return [[] for _ in vectors]
        ids = [i for i, _ in items]
        sims = np.clip(np.asarray(vectors) @ np.stack([v for _, v in items]).T, 0.0, 1.0)
        best = np.argsort(-sims, axis=1)[:, :k]
        return [
            [(ids[j], float(row[j])) for j in order] for row, order in zip(sims, best, strict=True)
        ]

    def handover(self, ids: Collection[str]) -> dict[str, tuple[str, np.ndarray]]:
        """For a process that writes for another (`server/writer.py`): the vectors of these
        memories still waiting for the index, id -> (user, vector), for the other process
        to `hold`. Those already in the index have their users' generations moved now if
        they were not yet, so the other process's next search loads them from the index."""
        with self._lock:
            found = {
                i: (user, vectors[i])
                for user, vectors in self._pending.items()
                for i in ids
                if i in vectors
            }
            late = bool(self._written) and len(found) < len(ids)
        if late:
            self._mark()
        return found

    def hold(self, vectors: dict[str, tuple[str, np.ndarray]], seconds: float = HOLD_S) -> None:
        """Search these vectors (id -> (user, vector)) from the overlay for `seconds`: the
        memories another process just wrote for this one (`handover`), which reach this
        process through the index once that process has written them and moved their
        users' generations, about `BATCH_DELAY` + `MARK_INTERVAL` later."""
        until = time.monotonic() + seconds
        with self._lock:
            for memory_id, (user_id, vector) in vectors.items():
                self._pending[user_id][memory_id] = vector
                self._held[memory_id] = (user_id, vector, until)
                self._held.move_to_end(memory_id)

    def _expire_held(self) -> None:
        """Drop held vectors past their time (under `_lock`)."""
        now = time.monotonic()
        while self._held:
            memory_id, (user_id, vector, until) = next(iter(self._held.items()))
            if until > now:
                return
            del self._held[memory_id]
            user = self._pending.get(user_id)
            if user is not None and user.get(memory_id) is vector:
                del user[memory_id]
                if not user:
                    del self._pending[user_id]

    def flush(self) -> None:
        """Wait until everything submitted so far is in the index (and marked in SQL)."""
        with self._idle:
            self._flushing += 1
            self._hurry.set()
            try:
                self._idle.wait_for(lambda: self._outstanding == 0)
            finally:
                self._flushing -= 1
                if not self._flushing:
                    self._hurry.clear()
        self._mark()

    def close(self) -> None:
        self.flush()
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        FOREGROUND.enlist()  # not a lowered priority: see agentmem.long_term.foreground
        while True:
            try:  # written but not marked: marked once the queue stays empty that long
                first = self._queue.get(timeout=MARK_INTERVAL if self._unmarked_work() else None)
            except queue.Empty:
                self._mark()
                continue
            if first is _STOP:
                return
            # Let writes gather into one batch: the writer's Python work contends with the
            # caller's thread for the interpreter, so fewer, larger batches cost it less.
            self._hurry.wait(BATCH_DELAY)
            jobs = [first]
            while len(jobs) < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is _STOP:
                    self._queue.put(_STOP)
                    break
                jobs.append(job)
            try:
                self._write(jobs)
            except IndexDamagedError as damage:
                self._recover(damage)
            except Exception:
                log.exception(
                    "vector index update failed; SQL keeps the rows marked and the "
                    "next open (or repair()) indexes them"
                )
            finally:
                self._done(jobs)

    def _unmarked_work(self) -> bool:
        with self._lock:
            return bool(self._written or self._unmarked)

    def _recover(self, damage: IndexDamagedError) -> None:
        """Rebuild the damaged collection (the rows of these jobs are still marked in SQL,
        so the rebuild indexes them too) before the jobs leave the overlay."""
        try:
            if self.on_damage is None:
                raise damage
            self.on_damage(damage)
        except Exception:
            log.exception(
                "rebuilding a damaged vector collection failed; SQL keeps the rows "
                "marked and the next open (or `agentmem reindex`) indexes them"
            )

    def _write(self, jobs: list) -> None:
        by_user: dict[str, list[str]] = defaultdict(list)
        for job_ids, _, _ in jobs:
            for memory_id, user_id in job_ids.items():
                by_user[user_id].append(memory_id)
        vectors = {k: v for _, job_vectors, _ in jobs for k, v in job_vectors.items()}
        wanted = {i for _, _, embed in jobs for i in embed if i not in vectors}
        FOREGROUND.step_aside()
        with self.sql.begin() as conn:
            records = [
                r
                for user_id, ids in by_user.items()
                for r in self.sql.get_memories_by_id(conn, list(dict.fromkeys(ids)), user_id)
            ]
        with_vectors = [r for r in records if r.id in vectors]
        if with_vectors:
            self._upsert(with_vectors, np.stack([vectors[r.id][1] for r in with_vectors]))
        to_embed = [r for r in records if r.id in wanted]
        if to_embed:
            if self.embed is None:
                raise RuntimeError("IndexSync was given rows to embed but no embed function")
            self._upsert(to_embed, None)
        others = [r for r in records if r.id not in vectors and r.id not in wanted]
        for start in range(0, len(others), WRITE_CHUNK):
            self.index.update_metadata(others[start : start + WRITE_CHUNK])
            _let_others_run()
        with self._lock:
            self._unmarked.update(r.id for r in records)
            self._written.update(r.scope.user_id for r in with_vectors + to_embed)
        if time.monotonic() - self._marked_at >= MARK_INTERVAL:
            self._mark()

    def _upsert(self, records: list, vectors: np.ndarray | None) -> None:
        """Write in chunks; without `vectors`, embed up to `EMBED_CHUNK` texts at a time
        first (in model calls of their own, beside callers' queries), so that neither a
        model call nor an index write holds the machine for the whole backlog at once."""
        step = EMBED_CHUNK if vectors is None else max(len(records), 1)
        for start in range(0, len(records), step):
            part = records[start : start + step]
            if vectors is None:
                assert self.embed is not None
                FOREGROUND.step_aside()
                found = np.asarray(self.embed([r.text for r in part]))
            else:
                found = vectors[start : start + step]
            for lo, hi in even_chunks(len(part), WRITE_CHUNK):
                self.index.upsert(part[lo:hi], found[lo:hi])
                _let_others_run()

    def _mark(self) -> None:
        """Clear `index_dirty` of the rows indexed since the last time, except those queued
        again (a newer write of theirs is not in the index yet); and, in the same write,
        bump the vector generation of the users whose vectors changed, so that other
        processes' copies of them are reloaded (`stores/vector_copy.py`): they learn of
        this process's vectors at most `MARK_INTERVAL` after the index has them."""
        with self._marking:
            with self._lock:
                done = [i for i in self._unmarked if not self._queued.get(i)]
                self._unmarked.difference_update(done)
                users, self._written = self._written, set()
            self._marked_at = time.monotonic()
            if not (done or users):
                return
            try:
                with self.sql.begin() as conn:
                    self.sql.mark_indexed(conn, done)
                    bumped = self.sql.generations.bump(conn, users)
            except BaseException:
                with self._lock:
                    self._written.update(users)
                raise
            for user_id, (before, after) in bumped.items():
                self.index.copies.advanced(user_id, before, after)

    def _done(self, jobs: list) -> None:
        with self._lock:
            for job_ids, _, _ in jobs:
                self._queued.subtract(set(job_ids))
                self._queued += Counter()  # drop the ids at zero
            for _, job_vectors, _ in jobs:
                for memory_id, (user_id, vector) in job_vectors.items():
                    user = self._pending.get(user_id)
                    if user is not None and user.get(memory_id) is vector:
                        del user[memory_id]
                        if not user:
                            del self._pending[user_id]
            self._outstanding -= len(jobs)
            self._idle.notify_all()


def even_chunks(n: int, size: int) -> list[tuple[int, int]]:
    """[lo, hi) bounds of the fewest chunks of at most `size` covering `n` items, of
    equal length within one (81 rows at 64: 41 + 40, not 64 + 17)."""
    if n <= 0:
        return []
    count = -(-n // size)
    bounds = [n * i // count for i in range(count + 1)]
    return list(zip(bounds, bounds[1:], strict=False))


def _let_others_run() -> None:
    """Release the interpreter between index writes (a sleep always does), so a waiting
    caller's thread runs before the next write holds it again; and wait while a caller's
    `observe` is in flight, so that the next write does not start in the middle of it."""
    time.sleep(0.001)
    FOREGROUND.step_aside()
