"""SnapKV (Li et al., 2024, "SnapKV: LLM Knows What You are Looking for Before Generation").

The last ``window`` queries of a prefill vote for prefix tokens; votes are pooled over
neighbours (max-pool of width ``kernel``) and the top tokens plus the window are kept.
During decoding (fewer than ``window`` new queries) each new query's weights are added to
the votes, so the budget still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F

from agentmem.errors import ConfigError
from agentmem.kv.policies.base import Policy


@dataclass
class SnapKV(Policy):
    """Observation-window votes, max-pooled."""

    name: ClassVar[str] = "snapkv"
    needs_attention: ClassVar[bool] = True
    window: int = 32
    kernel: int = 7

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kernel % 2 == 0 or self.kernel < 1:
            raise ConfigError(f"snapkv.kernel must be an odd number >= 1, got {self.kernel!r}")

    def recent_window(self, budget: int) -> int:
        return self.window

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
        pooled = F.max_pool1d(state.stat[None], self.kernel, stride=1, padding=self.kernel // 2)
        return pooled[0]
