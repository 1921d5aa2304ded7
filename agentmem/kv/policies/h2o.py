"""H2O (Zhang et al., 2023, "H2O: Heavy-Hitter Oracle for Efficient Generative Inference").

Keeps the heavy hitters (largest attention accumulated over all queries so far) and a
recent window; the paper splits the budget evenly between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from agentmem.errors import ConfigError
from agentmem.kv.policies.base import Policy


@dataclass
class H2O(Policy):
    """Accumulated attention + recent window (``recent_ratio`` of the budget)."""

    name: ClassVar[str] = "h2o"
    needs_attention: ClassVar[bool] = True
    recent_ratio: float = 0.5

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.recent_ratio <= 1.0:
            raise ConfigError(f"h2o.recent_ratio must be in [0, 1], got {self.recent_ratio!r}")

    def observe(self, state, probs: torch.Tensor, q_start: int, q_total: int) -> None:
        """Add the attention every query gave every token (summed over the head group)."""
        state.stat += probs.sum(dim=(1, 2))

    def recent_window(self, budget: int) -> int:
        return int(budget * self.recent_ratio)

    def score(self, state) -> torch.Tensor:
        return state.stat
