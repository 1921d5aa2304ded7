"""Tier 1 of CMP, warm (`WarmTier`): int8 keys and values with a float32 scale per token and
head, on the compute device, dequantised for attention every step; and the int8 quantisation
that tier 1, tier 2's representative keys and reweaving's codec share.
"""

from __future__ import annotations

import torch


def quantize(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 per row: ``x: (..., d)`` -> (int8 ``(..., d)``, float32 scale ``(..., 1)``).

    The error of every element is at most half its row's scale.
    """
    scale = x.abs().amax(dim=-1, keepdim=True).float().clamp_min(1e-8) / 127.0
    q = torch.round(x.float() / scale).clamp(-127, 127).to(torch.int8)
    return q, scale


def quantize_bound(x: torch.Tensor, up: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Like ``quantize`` but rounded away from the inside: every dequantised element is >= its
    ``x`` (``up``) or <= it, so a bound stays a bound after quantisation."""
    scale = x.abs().amax(dim=-1, keepdim=True).float().clamp_min(1e-8) / 127.0
    scaled = x.float() / scale
    q = (scaled.ceil() if up else scaled.floor()).clamp(-127, 127).to(torch.int8)
    return q, scale


def on_device(x: torch.Tensor, device) -> torch.Tensor:
    """``x`` on ``device``, without a dispatched no-op when it is there already."""
    return x if x.device == torch.device(device) else x.to(device)


def dequantize(q: torch.Tensor, scale: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``q * scale`` in ``dtype``: int8 times the float32 scale is float32 by promotion (one
    op; tier 1 is dequantised per layer and decoded token)."""
    x = q * scale.float() if scale.dtype != torch.float32 else q * scale
    return x if x.dtype == dtype else x.to(dtype)


class WarmTier:
    """Tier 1: quantised tokens on the compute device. Rows are ``(kv_heads, n, ...)``."""

    def __init__(self, heads: int, dim: int, device, dtype: torch.dtype):
        self.dtype = dtype
        z = torch.zeros(heads, 0, dim, dtype=torch.int8, device=device)
        s = torch.zeros(heads, 0, 1, dtype=torch.float32, device=device)
        idx = torch.zeros(heads, 0, dtype=torch.long, device=device)
        self.k, self.ks, self.v, self.vs = z, s, z.clone(), s.clone()
        self.pos, self.span, self.slot = idx, idx.clone(), idx.clone()
        self.stat = torch.zeros(heads, 0, device=device)

    @property
    def length(self) -> int:
        return self.pos.shape[1]

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in (self.k, self.ks, self.v, self.vs))

    def add(self, rows: dict[str, torch.Tensor], slot: torch.Tensor) -> None:
        """Quantise and append ``rows`` (keys/values ``(1, heads, m, d)``, pos/stat/span)."""
        kq, ks = quantize(rows["keys"][0])
        vq, vs = quantize(rows["values"][0])
        self.k, self.ks = torch.cat([self.k, kq], 1), torch.cat([self.ks, ks], 1)
        self.v, self.vs = torch.cat([self.v, vq], 1), torch.cat([self.vs, vs], 1)
        self.pos = torch.cat([self.pos, rows["pos"]], 1)
        self.span = torch.cat([self.span, rows["span"]], 1)
        self.stat = torch.cat([self.stat, rows["stat"].float()], 1)
        self.slot = torch.cat([self.slot, slot.to(self.slot.device)], 1)

    def keep(self, index: torch.Tensor) -> None:
        """Keep rows ``index: (heads, k)``."""
        i3 = index[:, :, None]
        self.k = self.k.gather(1, i3.expand(-1, -1, self.k.shape[-1]))
        self.v = self.v.gather(1, i3.expand(-1, -1, self.v.shape[-1]))
        self.ks, self.vs = self.ks.gather(1, i3), self.vs.gather(1, i3)
        self.pos, self.span = self.pos.gather(1, index), self.span.gather(1, index)
        self.stat, self.slot = self.stat.gather(1, index), self.slot.gather(1, index)

    def dequantized(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values ``(1, heads, n, d)`` in the model's dtype."""
        k = dequantize(self.k, self.ks, self.dtype)[None]
        v = dequantize(self.v, self.vs, self.dtype)[None]
        return k, v
