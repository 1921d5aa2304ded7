"""The full cache: nothing is evicted (the reference every other policy is measured against)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from agentmem.kv.policies.base import Policy


@dataclass
class FullCache(Policy):
    """Keeps every token; its budget is ignored."""

    name: ClassVar[str] = "full"

    def compress(self, state, budget: int) -> None:
        return None

    def score(self, state) -> torch.Tensor:
        return torch.zeros_like(state.pos, dtype=torch.float32)
