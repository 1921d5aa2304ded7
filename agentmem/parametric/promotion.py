"""Which facts become parametric, and when an adapter no longer matches its facts.

A fact is promoted when it is pinned (`metadata["pinned"]`), or when it has been unchanged
for `promote_min_age_days` and recalled at least `promote_min_recalls` times (a recall is a
restatement: the memory's `access_count`, which reinforcements raise; reads do not). Pure
functions over records; the caller decides what to do with the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from agentmem.config import LoRAConfig
from agentmem.parametric.dataset import trainable
from agentmem.types import AdapterInfo, MemoryRecord, as_utc, utcnow


@dataclass(frozen=True)
class PromotionPolicy:
    """Pinned facts, or facts stable for `min_age_days` and recalled `min_recalls` times."""

    include_pinned: bool = True
    min_age_days: float = 7.0
    min_recalls: int = 3

    @classmethod
    def from_config(cls, cfg: LoRAConfig) -> PromotionPolicy:
        return cls(cfg.promote_pinned, cfg.promote_min_age_days, cfg.promote_min_recalls)

    def admits(self, record: MemoryRecord, now: datetime | None = None) -> bool:
        if not trainable(record):
            return False
        if self.include_pinned and bool(record.metadata.get("pinned")):
            return True
        age = (now or utcnow()) - as_utc(record.valid_from)
        return age >= timedelta(days=self.min_age_days) and record.access_count >= self.min_recalls

    def select(
        self, records: Sequence[MemoryRecord], now: datetime | None = None
    ) -> list[MemoryRecord]:
        now = now or utcnow()
        return [r for r in records if self.admits(r, now)]


def changed_facts(adapter: AdapterInfo, current: Sequence[MemoryRecord]) -> list[str]:
    """Ids of the adapter's facts that are no longer active at the version it learned."""
    versions = {r.id: r.version for r in current if r.status == "active"}
    return [fid for fid, v in adapter.fact_ids.items() if versions.get(fid) != v]


def needs_training(adapter: AdapterInfo | None, selected: Sequence[MemoryRecord]) -> bool:
    """True when the selected facts differ from what the current adapter learned."""
    wanted = {r.id: r.version for r in selected}
    if not wanted:
        return False
    return adapter is None or adapter.status == "stale" or adapter.fact_ids != wanted
