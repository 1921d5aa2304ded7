"""Per-user write counts of this process: has a user's stored state changed since a read?

An add reads what its scope holds (same texts, nearest notes) before it takes the lock
that plans and writes one add at a time, so that concurrent adds overlap their reads
instead of queueing for them. Such a read is still exact when no write of this process
to the same users began or was under way since it started; `LongTermMemory.apply` counts
each write as it begins and again once it has committed (and queued its rows for the
index), so a user with more writes begun than ended has one in flight. Writers in other
processes are met as before: under the users' SQL write locks
(`plans.absorb_concurrent_duplicates`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

Stamp = tuple[tuple[str, int], ...]  # (user, writes begun), taken with none in flight


class WriteStamps:
    """How many writes to each user's rows began and ended in this process."""

    def __init__(self) -> None:
        self._begun: dict[str, int] = {}
        self._ended: dict[str, int] = {}
        self._lock = threading.Lock()

    def stamp(self, user_ids: Iterable[str]) -> Stamp | None:
        """The users' counts now (None while a write to one of them is in flight: a read
        then may miss it); take it before reading."""
        with self._lock:
            users = sorted(set(user_ids))
            if any(self._begun.get(u, 0) != self._ended.get(u, 0) for u in users):
                return None
            return tuple((u, self._begun.get(u, 0)) for u in users)

    def unchanged(self, stamp: Stamp | None) -> bool:
        """No write to the stamped users was in flight when the stamp was taken, and none
        began since: a read made after `stamp` still holds."""
        if stamp is None:
            return False
        with self._lock:
            return all(self._begun.get(u, 0) == n for u, n in stamp)

    @contextmanager
    def writing(self, user_ids: Iterable[str]) -> Iterator[None]:
        """Around a write to these users' rows, from before its first statement to after
        its commit or rollback."""
        users = sorted(set(user_ids))
        self._count(self._begun, users)
        try:
            yield
        finally:
            self._count(self._ended, users)

    def _count(self, counts: dict[str, int], users: list[str]) -> None:
        with self._lock:
            for u in users:
                counts[u] = counts.get(u, 0) + 1


__all__ = ["Stamp", "WriteStamps"]
