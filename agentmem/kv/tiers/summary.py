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
    brought up to date when its length or its tier-1 membership (``in_warm``) changes."""

    def __init__(self, heads: int, dim: int, device, dtype: torch.dtype, group: int = 1):
        self.heads, self.dim, self.device, self.dtype = heads, dim, device, dtype
        self.group = group
        self._key: tuple | None = None
        self._held: torch.Tensor | None = None  # the in_warm tensor the key's version is of
        self._rows: tuple[torch.Tensor, ...] | None = None
        self._outside: torch.Tensor | None = None  # slots outside tier 1 at the last build
        self._sums: list[torch.Tensor] = []  # per group, keys' and values' (see `_build`)

    @staticmethod
    def bytes_for(blocks: int, dim: int, group: int) -> int:
        """Device bytes of the summaries of ``blocks``: per group an int8 key and value with a
        float32 scale each, per block a float32 count."""
        return -(-blocks // group) * 2 * (dim + 4) + 4 * blocks

    def rows(self, store) -> tuple[torch.Tensor, ...]:
        """Keys, values ``(1, heads, groups, d)`` in the model's dtype on the compute device,
        the count of tokens outside tier 1 per group ``(heads, groups)`` and, negated, per
        block ``(heads, blocks)`` (what a recalled block takes from its group's count)."""
        key = (store.length, store.in_warm._version)
        if self._rows is None or self._held is not store.in_warm or self._key != key:
            self._build(store)
            self._key, self._held = key, store.in_warm
        return self._rows

    def _build(self, store) -> None:
        """The rows from per-group sums of the keys and values outside tier 1. The sums are
        kept: when the change since the last build only moved tokens out of tier 1 or
        appended blocks (what CMP's compressions do), only the moved tokens are added to
        them; any other change (a token moved into tier 1, a shorter store) sums the store
        again. A compression at 4k tokens summed every cold token per layer (2.4 ms, a
        third of what a compression costs) to take in the few tier 1 dropped."""
        blocks, size, n = store.blocks, store.block_size, store.length
        groups = -(-blocks // self.group)
        span = groups * self.group * size  # whole groups of whole blocks
        outside = torch.nn.functional.pad(~store.in_warm, (0, span - n), value=False)
        seen = self._outside
        anew = seen is None or seen.shape[1] > span  # nothing kept, or a shorter store
        if anew or bool((seen & ~outside[:, : seen.shape[1]]).any()):  # or a token went in
            self._sums = self._summed(store, outside, groups)
        else:
            moved = outside.clone()
            moved[:, : seen.shape[1]] &= ~seen
            self._sums = self._added(store, moved, groups)
        self._outside = outside
        weight = outside.view(self.heads, groups, self.group * size).float()
        count = weight.sum(dim=2)  # (heads, groups)
        means = [total / count.clamp_min(1.0)[..., None] for total in self._sums]
        kq, ks = quantize(means[0].to(self.device))
        vq, vs = quantize(means[1].to(self.device))
        per_block = weight.view(self.heads, groups * self.group, size).sum(dim=2)[:, :blocks]
        self._rows = (
            dequantize(kq, ks, self.dtype)[None],
            dequantize(vq, vs, self.dtype)[None],
            count.to(self.device),
            per_block.neg().to(self.device),
        )

    def _summed(self, store, outside: torch.Tensor, groups: int) -> list[torch.Tensor]:
        """Per group ``(heads, groups, d)``: the sums of the keys and of the values outside
        tier 1, over the whole store."""
        n, pad = store.length, outside.shape[1] - store.length
        weight = outside.view(self.heads, groups, -1, 1).float()
        sums = []
        for rows in (store.k, store.v):
            x = torch.nn.functional.pad(rows[:, :n].float(), (0, 0, 0, pad))
            sums.append((x.view(self.heads, groups, -1, self.dim) * weight).sum(dim=2))
        return sums

    def _added(self, store, moved: torch.Tensor, groups: int) -> list[torch.Tensor]:
        """The kept sums, grown to ``groups``, plus the rows of the ``moved`` slots."""
        head, slot = moved.nonzero(as_tuple=True)
        index = head * groups + slot // (self.group * store.block_size)
        capacity = store.k.shape[1]
        sums = []
        for total, rows in zip(self._sums, (store.k, store.v), strict=True):
            grown = torch.nn.functional.pad(total, (0, 0, 0, groups - total.shape[1]))
            flat = grown.reshape(-1, self.dim)
            flat.index_add_(0, index, rows.reshape(-1, self.dim)[head * capacity + slot].float())
            sums.append(flat.view(self.heads, groups, self.dim))
        return sums


__all__ = ["BlockSummary"]
