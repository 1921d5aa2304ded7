"""StreamingLLM (Xiao et al., 2024, "Efficient Streaming Language Models with Attention Sinks").

Keeps the first ``sinks`` tokens (attention sinks) and the most recent tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from agentmem.kv.policies.base import Policy


@dataclass
class StreamingLLM(Policy):
    """Sinks + a recent window filling the rest of the budget."""

    name: ClassVar[str] = "streaming_llm"
    sinks: int = 4

    def score(self, state) -> torch.Tensor:
        """Newer is better; sinks are protected by the base class."""
        return state.pos.float()
