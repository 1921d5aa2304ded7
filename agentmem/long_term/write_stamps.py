"""Per-user write counts of this process: has a user's stored state changed since a read?

An add reads what its scope holds (same texts, nearest notes) before it takes the lock
that plans and writes one add at a time, so that concurrent adds overlap their reads
instead of queueing for them. Such a read is still exact when no write of this process
to the same users began or was under way since it started; `LongTermMemory.apply` counts
each write twice (as it begins, once it has committed), so an odd count is a write in
flight. Writers in other processes are met as before: under the users' SQL write locks
(`plans.absorb_concurrent_duplicates`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

Stamp = tuple[tuple[str, int], ...]


class WriteStamps:
    """How many times each user's writes began and ended in this process."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def stamp(self, user_ids: Iterable[str]) -> Stamp:
        """The users' counts now; take it before reading."""
        with self._lock:
            return tuple((u, self._counts.get(u, 0)) for u in sorted(set(user_ids)))

    def unchanged(self, stamp: Stamp) -> bool:
        """No write to the stamped users was in flight when the stamp was taken, and none
        began since: a read made after `stamp` still holds."""
        with self._lock:
            return all(n % 2 == 0 and self._counts.get(u, 0) == n for u, n in stamp)

    @contextmanager
    def writing(self, user_ids: Iterable[str]) -> Iterator[None]:
        """Around a write to these users' rows, from before its first statement to after
        its commit or rollback."""
        users = sorted(set(user_ids))
        self._bump(users)
        try:
            yield
        finally:
            self._bump(users)

    def _bump(self, users: list[str]) -> None:
        with self._lock:
            for u in users:
                self._counts[u] = self._counts.get(u, 0) + 1


__all__ = ["Stamp", "WriteStamps"]
