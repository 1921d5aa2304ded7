"""Concurrent calls of one batch function merged into fewer, larger calls.

A server answers many searches at once, and each would run the embedding model on its one
query. A model call costs far more per text alone than in a batch, so callers that arrive
while a call is running queue their texts; when it ends, one of them (the leader) runs a
single call for everything queued and hands each caller its rows. A caller alone runs its
own call at once, so nothing waits when nothing else is running.

With `isolate`, a merged call that fails is run again job by job, so a text the function
cannot take fails only the caller that sent it (the fact parse: one bad text must not fail
the adds that happened to share its batch); without it every caller of the failed call gets
its error (an embedding model that cannot run fails them all the same).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any


class _Job:
    __slots__ = ("texts", "wake", "finished", "lead", "rows", "error")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.wake = threading.Event()  # set once: to lead a call, or because rows are in
        self.finished = False
        self.lead = False
        self.rows: Any = None
        self.error: BaseException | None = None


class Coalescer:
    """`run(texts)` returns `fn(texts)` (one row per text), merging calls that overlap in
    time (at most `max_batch` texts per call; a larger request runs as it is)."""

    def __init__(
        self, fn: Callable[[list[str]], Sequence[Any]], max_batch: int = 64, isolate: bool = False
    ) -> None:
        self._fn, self._max, self._isolate = fn, max_batch, isolate
        self._lock = threading.Lock()
        self._queue: list[_Job] = []
        self._busy = False

    def run(self, texts: list[str]) -> Sequence[Any]:
        job = _Job(texts)
        with self._lock:
            self._queue.append(job)
            job.lead = not self._busy
            self._busy = True
        while not job.finished:
            if job.lead:  # the leader is always first in the queue: its call includes it
                self._call_once()
            else:
                job.wake.wait()
        if job.error is not None:
            raise job.error
        return job.rows

    def _call_once(self) -> None:
        """Run one call for the queued jobs, then hand the lead to the next waiting job."""
        with self._lock:
            batch, size = [], 0
            while self._queue and (not batch or size + len(self._queue[0].texts) <= self._max):
                size += len(self._queue[0].texts)
                batch.append(self._queue.pop(0))
        try:
            out = self._fn([t for job in batch for t in job.texts])
            start = 0
            for job in batch:
                job.rows = out[start : start + len(job.texts)]
                start += len(job.texts)
        except BaseException as exc:
            for job in batch:
                if self._isolate and len(batch) > 1:
                    self._alone(job)
                else:  # every caller of this call sees the model's error
                    job.error = exc
        for job in batch:
            job.lead, job.finished = False, True
            job.wake.set()
        with self._lock:
            if self._queue:
                self._queue[0].lead = True
                self._queue[0].wake.set()
            else:
                self._busy = False

    def _alone(self, job: _Job) -> None:
        try:
            job.rows = self._fn(job.texts)
        except BaseException as exc:
            job.error = exc
