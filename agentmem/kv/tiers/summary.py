"""Block summaries of CMP's tier 2 (`BlockSummary`): per ``group`` consecutive cold blocks and
KV head, the mean key and mean value of their tokens that tier 1 does not attend, int8 on the
compute device, and the count of those tokens per block. A query chunk attends one summary row
per group, weighted by the count of its tokens that the chunk neither recalled nor reads in tier
1 (an additive log-mass), so the attention the full cache gives the context outside the recall
is approximated rather than dropped (docs/design.md, CMP, "The context outside the recall").
"""

from __future__ import annotations

import torch

from agentmem.kv.tiers.warm import dequantize, quantize


class BlockSummary:
    """Mean key and value per group of blocks of a `ColdStore` and token counts per block,
    rebuilt when its length or its tier-1 membership (``in_warm``) changes."""

    def __init__(self, heads: int, dim: int, device, dtype: torch.dtype, group: int = 1):
        self.heads, self.dim, self.device, self.dtype = heads, dim, device, dtype
        self.group = group
        self._key: tuple | None = None
        self._held: torch.Tensor | None = None  # the in_warm tensor the key's version is of
        self._rows: tuple[torch.Tensor, ...] | None = None

    @staticmethod
    def bytes_for(blocks: int, dim: int, group: int) -> int:
        """Device bytes of the summaries of ``blocks``: per group an int8 key and value with a
        float32 scale each, per block a float32 count."""
        return -(-blocks // group) * 2 * (dim + 4) + 4 * blocks

    def rows(self, store) -> tuple[torch.Tensor, ...]:
        """Keys, values ``(heads, groups, d)`` in the model's dtype on the compute device, the
        count of tokens outside tier 1 per group ``(heads, groups)`` and per block
        ``(heads, blocks)``."""
        key = (store.length, store.in_warm._version)
        if self._rows is None or self._held is not store.in_warm or self._key != key:
            self._build(store)
            self._key, self._held = key, store.in_warm
        return self._rows

    def _build(self, store) -> None:
        blocks, size, n = store.blocks, store.block_size, store.length
        groups = -(-blocks // self.group)
        span = groups * self.group * size  # whole groups of whole blocks
        pad = span - n
        valid = torch.nn.functional.pad(~store.in_warm, (0, pad), value=False)
        weight = valid.view(self.heads, groups, self.group * size, 1).float()
        count = weight.sum(dim=2)  # (heads, groups, 1)
        means = []
        for rows in (store.k, store.v):
            x = torch.nn.functional.pad(rows[:, :n].float(), (0, 0, 0, pad))
            total = (x.view(self.heads, groups, -1, self.dim) * weight).sum(dim=2)
            means.append(total / count.clamp_min(1.0))
        kq, ks = quantize(means[0].to(self.device))
        vq, vs = quantize(means[1].to(self.device))
        per_block = weight.view(self.heads, groups * self.group, size).sum(dim=2)[:, :blocks]
        self._rows = (
            dequantize(kq, ks, self.dtype),
            dequantize(vq, vs, self.dtype),
            count[..., 0].to(self.device),
            per_block.to(self.device),
        )


__all__ = ["BlockSummary"]
