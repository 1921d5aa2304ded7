"""KVzip (Kim et al., 2025, "KVzip: Query-Agnostic KV Cache Compression with Context
Reconstruction").

A token's importance is the largest attention it receives while the model repeats the
context (`agentmem.kv.policies.reconstruction`); the least needed are evicted, attention
sinks kept. The repetition runs once over the tokens fed since the last one, when the cache
must shrink; tokens not yet re-read are kept until then (as KVzip never evicts the question
or the answer), and a pass waits until ``min_pass`` of them are pending unless they would
take half of the budget. Unlike KVzip's default, which spreads the evictions unevenly over
layers and heads, every KV head keeps the same number of tokens (the managed cache's rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from agentmem.errors import ConfigError
from agentmem.kv.policies.base import Policy
from agentmem.kv.policies.reconstruction import repeat_scores


@dataclass
class KVzip(Policy):
    """Context-reconstruction importance (max attention while repeating the context)."""

    name: ClassVar[str] = "kvzip"
    sinks: int = 4
    chunk_size: int = 2048
    min_pass: int = 32

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.chunk_size < 1:
            raise ConfigError(f"kvzip.chunk_size must be >= 1, got {self.chunk_size!r}")

    def prepare(self, cache, budget: int) -> None:
        if not cache.states:
            return
        upto = cache.states[0].extra.get("kvzip_upto", 0)
        pending = cache.tokens_seen - upto
        if pending <= 0 or (pending < self.min_pass and pending <= budget // 2):
            return
        scores = repeat_scores(
            cache, upto, cache.tokens_seen, chunk_size=self.chunk_size, sinks=self.sinks
        )
        for st, new in zip(cache.states, scores, strict=True):
            fresh = st.pos >= upto
            st.stat = torch.where(fresh, torch.nan_to_num(new, nan=0.0), st.stat.float())
            st.extra["kvzip_upto"] = cache.tokens_seen

    def protected(self, state, budget: int) -> torch.Tensor:
        """Sinks, and the tokens no repetition has scored yet."""
        return super().protected(state, budget) | (state.pos >= state.extra.get("kvzip_upto", 0))

    def score(self, state) -> torch.Tensor:
        return state.stat
