"""The traces reweaving keeps: one latent per token fed, indexed by its true position.

A latent is the residual stream entering the capture layer, int8 with a float32 scale per
row (``agentmem.kv.tiers.quantize``) or float32. With it each token keeps its span id (a word
or number, as STR pools them) and its sentence id (the unit that recall expands to).
"""

from __future__ import annotations

import torch

from agentmem.kv.tiers import dequantize, quantize


class LatentStore:
    """Rows ``(n, hidden)`` for positions ``0..n-1``, on the compute device."""

    def __init__(self, hidden: int, device, quantized: bool = True):
        self.quantized = quantized
        dtype = torch.int8 if quantized else torch.float32
        self.data = torch.zeros(0, hidden, dtype=dtype, device=device)
        self.scale = torch.zeros(0, 1, dtype=torch.float32, device=device)
        self.span = torch.zeros(0, dtype=torch.int32, device=device)
        self.sentence = torch.zeros(0, dtype=torch.int32, device=device)

    def __len__(self) -> int:
        return self.data.shape[0]

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in (self.data, self.scale, self.span, self.sentence))

    def append(self, hidden: torch.Tensor, spans: torch.Tensor, sentences: torch.Tensor) -> None:
        """``hidden: (m, hidden)`` of the next ``m`` positions; ``spans``/``sentences: (m,)``."""
        if self.quantized:
            q, s = quantize(hidden)
            self.data = torch.cat([self.data, q])
            self.scale = torch.cat([self.scale, s])
        else:
            self.data = torch.cat([self.data, hidden.float()])
        self.span = torch.cat([self.span, spans.to(self.span)])
        self.sentence = torch.cat([self.sentence, sentences.to(self.sentence)])

    def rows(self, positions: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """Latents ``(m, hidden)`` of ``positions: (m,)`` in ``dtype``."""
        positions = positions.to(self.data.device)
        if self.quantized:
            return dequantize(self.data[positions], self.scale[positions], dtype)
        return self.data[positions].to(dtype)

    def replace(self, positions: torch.Tensor, hidden: torch.Tensor) -> None:
        """Overwrite the latents at ``positions`` (the filler-latent control of the benchmark)."""
        positions = positions.to(self.data.device)
        if self.quantized:
            q, s = quantize(hidden)
            self.data[positions], self.scale[positions] = q, s
        else:
            self.data[positions] = hidden.float()
