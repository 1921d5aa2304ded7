"""TOVA (Oren et al., 2024, "Transformers are Multi-State RNNs").

Evicts the token that receives the least attention from the latest query
(averaged over the query heads that read the KV head).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from agentmem.kv.policies.base import Policy


@dataclass
class TOVA(Policy):
    """Last-query attention."""

    name: ClassVar[str] = "tova"
    needs_attention: ClassVar[bool] = True

    def observe(self, state, probs: torch.Tensor, q_start: int, q_total: int) -> None:
        """Keep only the weights of the last query of the forward pass."""
        if q_start + probs.shape[2] == q_total:
            state.stat.copy_(probs[:, :, -1, :].mean(dim=1))

    def score(self, state) -> torch.Tensor:
        return state.stat
