"""Knorm (Devoto et al., 2024, "A Simple and Effective L2 Norm-Based Strategy for KV Cache
Compression"): keys with a small L2 norm draw the most attention, so the smallest-norm keys
are kept (score = minus the key's norm; RoPE is a rotation and leaves it unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from agentmem.kv.policies.base import Policy


@dataclass
class Knorm(Policy):
    """Minus the L2 norm of each cached key."""

    name: ClassVar[str] = "knorm"

    def score(self, state) -> torch.Tensor:
        return -state.keys[0].float().norm(dim=-1)
