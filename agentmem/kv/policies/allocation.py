"""How many rows each layer of the cache keeps, out of one total budget (STR's allocation).

A uniform budget gives every layer the same rows. Attention is not spread alike: in a layer
whose attention is peaked a few tokens take nearly all of it and the rest can go, while a
layer whose attention is spread reads many tokens a little (PyramidKV, Cai et al., 2024;
Ada-KV, Feng et al., 2024, across heads). The rows of all layers therefore compete for the
total: each layer's attention EMA (relative to uniform, so comparable across layers that
hold the same tokens) sorted from most to least received, averaged over the layer's KV heads
(they keep the same number of rows: the cache's tensors are per layer), and the total goes to
the largest values over all layers. Every layer keeps a floor of ``floor`` times the uniform
share, so that no layer is emptied by evidence that is only an average.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch


def allocate(curves: Sequence[torch.Tensor], total: int, floor: float, dense: int = 0) -> list[int]:
    """Rows per layer summing to ``min(total, sum of lengths)``.

    ``curves``: per layer, the values its rows are worth, ``(n_l,)``, any order; ``total``: rows
    for all layers together; ``floor``: the share of the uniform ``total / layers`` each layer
    keeps whatever its curve; ``dense``: the first layers keep every row (counted in the
    total)."""
    lengths = [int(c.numel()) for c in curves]
    total = min(int(total), sum(lengths))
    # dense layers take at most half the total: at a small budget they would leave nothing
    cap = total // (2 * dense) if dense else 0
    rows = [min(n, cap) if i < dense else 0 for i, n in enumerate(lengths)]
    left = total - sum(rows)
    sparse = [i for i in range(len(curves)) if i >= dense]
    if not sparse:
        return rows
    base = min(math.floor(floor * left / len(sparse)), *(lengths[i] for i in sparse))
    for i in sparse:
        rows[i] = min(base, lengths[i])
    left -= sum(rows[i] for i in sparse)
    if left <= 0:
        return rows
    rest = [curves[i].float().sort(descending=True).values[rows[i] :] for i in sparse]
    owner = torch.cat([torch.full((len(r),), j) for j, r in enumerate(rest)])
    best = torch.cat(rest).topk(min(left, len(owner))).indices
    extra = torch.bincount(owner[best], minlength=len(sparse))
    for j, i in enumerate(sparse):
        rows[i] += int(extra[j])
    return rows


def layer_curve(stat: torch.Tensor) -> torch.Tensor:
    """``(n,)``: the layer's attention received, each head's sorted from most to least and
    averaged over heads by rank (``stat: (kv_heads, n)``)."""
    return stat.float().sort(dim=1, descending=True).values.mean(dim=0)


__all__ = ["allocate", "layer_curve"]
