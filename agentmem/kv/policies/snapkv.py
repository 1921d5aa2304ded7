"""SnapKV (Li et al., 2024, "SnapKV: LLM Knows What You are Looking for Before Generation").

The last ``window`` queries of a prefill vote for the tokens before them (their attention,
averaged over the window and over the query heads that read a KV head); votes are pooled over
``kernel`` neighbours (average pooling, as the paper's code and kvpress do) and the top tokens
plus the window are kept. During decoding (fewer than ``window`` new queries) each new
query's weights are added to the votes, so the budget still holds.

The paper compresses once, with a capacity far larger than the window. This harness compresses
after every chunk, from the first, so early budgets are smaller than the window: the window
then keeps at most half the budget and the votes choose the rest. A window that took the whole
budget would be a sliding window without its attention sink, which the votes always keep
(perplexity on the dev text, 512 tokens, chunks of 32, full 14.84, at 6.25 / 12.5 / 25 / 50%:
the whole window 125.4 / 77.6 / 27.6 / 30.6; half the budget at most 44.7 / 28.2 / 18.7 / 15.7;
with max pooling over 7, as this file had it, 76.7 / 34.4 / 18.6 / 15.7). What remains of
SnapKV's gap to TOVA at small budgets is its pooling: unpooled (``kernel=1``) 24.5 / 20.4 at
6.25 / 12.5%, where a pooled vote keeps a peak's neighbours in slots the budget cannot spare;
pooling only over neighbours in the text (the cache's neighbours differ after evictions)
measured the same as the cache's (44.7 / 28.2 / 18.7 / 15.6), so the paper's pooling stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import torch
import torch.nn.functional as F

from agentmem.errors import ConfigError
from agentmem.kv.policies.base import Policy


@dataclass
class SnapKV(Policy):
    """Observation-window votes, pooled over neighbours."""

    name: ClassVar[str] = "snapkv"
    needs_attention: ClassVar[bool] = True
    window: int = 32
    kernel: int = 5
    pooling: Literal["avg", "max"] = "avg"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kernel % 2 == 0 or self.kernel < 1:
            raise ConfigError(f"snapkv.kernel must be an odd number >= 1, got {self.kernel!r}")
        if self.pooling not in ("avg", "max"):
            raise ConfigError(f"snapkv.pooling must be 'avg' or 'max', got {self.pooling!r}")

    def recent_window(self, budget: int) -> int:
        """The observation window, at most half the budget (the votes choose the rest)."""
        return min(self.window, budget // 2)

    def observe(self, state, probs: torch.Tensor, q_start: int, q_total: int) -> None:
        if q_total < self.window:
            state.stat += probs.sum(dim=(1, 2))
            return
        if q_start == 0:
            state.stat.zero_()
        first = max(q_total - self.window - q_start, 0)
        if first < probs.shape[2]:
            state.stat += probs[:, :, first:, :].sum(dim=(1, 2))

    def score(self, state) -> torch.Tensor:
        pool = F.avg_pool1d if self.pooling == "avg" else F.max_pool1d
        return pool(state.stat[None], self.kernel, stride=1, padding=self.kernel // 2)[0]
