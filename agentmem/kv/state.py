"""What a KV retention policy sees of one layer of the managed cache.

It sits below both the cache (which keeps one per layer) and the policies (which read and
trim it), so neither imports the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch


@dataclass
class LayerState:
    """What a policy sees of one layer: the cached tensors and one row per KV head.

    ``keys``/``values``: ``(1, kv_heads, n, head_dim)`` (held by the DynamicCache layer);
    ``pos``: true positions ``(kv_heads, n)``; ``stat``: the policy's statistic ``(kv_heads, n)``;
    ``span``: span ids ``(kv_heads, n)`` (tokens of one word or number share an id);
    ``log_mass``: ``(kv_heads, n)`` or None, the log of how many tokens' attention each row
    stands for (a row that evicted tokens were merged into, `agentmem.kv.policies.merging`),
    added to its logits by the attention; None while every row is one token.
    """

    index: int
    layer: Any
    pos: torch.Tensor
    stat: torch.Tensor
    span: torch.Tensor
    last_position: int = -1
    log_mass: torch.Tensor | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def length(self) -> int:
        return (
            0
            if self.layer.keys is None or not self.layer.is_initialized
            else self.layer.keys.shape[-2]
        )

    @property
    def keys(self) -> torch.Tensor:
        return self.layer.keys

    @property
    def values(self) -> torch.Tensor:
        return self.layer.values

    def append(self, positions: torch.Tensor, spans: torch.Tensor) -> None:
        """Add rows for ``len(positions)`` new tokens (their stats start at zero)."""
        heads = self.pos.shape[0]
        self.pos = torch.cat([self.pos, positions.expand(heads, -1)], dim=1)
        self.span = torch.cat([self.span, spans.expand(heads, -1)], dim=1)
        zeros = torch.zeros(heads, len(positions), dtype=self.stat.dtype, device=self.stat.device)
        self.stat = torch.cat([self.stat, zeros], dim=1)
        if self.log_mass is not None:
            self.log_mass = torch.cat([self.log_mass, zeros.to(self.log_mass.dtype)], dim=1)
        self.last_position = int(positions[-1])

    def gather(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        """The rows at ``index: (kv_heads, m)`` of every per-token tensor."""
        idx4 = index[None, :, :, None].expand(1, -1, -1, self.keys.shape[-1])
        rows = {
            "keys": self.keys.gather(2, idx4),
            "values": self.values.gather(2, idx4),
            "pos": self.pos.gather(1, index),
            "stat": self.stat.gather(1, index),
            "span": self.span.gather(1, index),
        }
        if self.log_mass is not None:
            rows["log_mass"] = self.row_log_mass().gather(1, index)
        return rows

    def row_log_mass(self) -> torch.Tensor | None:
        """``log_mass`` with a 0 (one token) for every row added without one (rows another
        component appended to ``pos`` directly)."""
        mass = self.log_mass
        if mass is None or mass.shape[1] >= self.pos.shape[1]:
            return mass
        return torch.nn.functional.pad(mass, (0, self.pos.shape[1] - mass.shape[1]))

    def keep(self, index: torch.Tensor) -> None:
        """Keep only the tokens at ``index: (kv_heads, k)`` (sorted), dropping the others."""
        rows = self.gather(index)
        self.layer.keys, self.layer.values = rows["keys"].contiguous(), rows["values"].contiguous()
        self.pos, self.stat, self.span = rows["pos"], rows["stat"], rows["span"]
        self.log_mass = rows.get("log_mass")

    def complement(self, index: torch.Tensor) -> torch.Tensor:
        """Indices ``(kv_heads, n - k)`` of the tokens not in ``index``, in cache order."""
        mask = torch.ones_like(self.pos, dtype=torch.bool)
        mask.scatter_(1, index, False)
        rest = torch.arange(self.length, device=self.pos.device).expand_as(self.pos)
        return rest[mask].view(self.pos.shape[0], -1)


__all__ = ["LayerState"]
