"""The traces reweaving keeps: one latent per token fed, indexed by its true position.

A latent is the residual stream entering the capture layer, stored by a ``Codec`` (int8 with a
float32 scale per row, int4 with a scale per group, float32, each optionally over a low-rank
basis). With it each token keeps its span id (a word or number, as STR pools them) and its
sentence id (the unit that recall expands to).
"""

from __future__ import annotations

import torch

from agentmem.kv.reweave.codec import Codec


class LatentStore:
    """Rows for positions ``0..n-1``, on the compute device."""

    def __init__(self, codec: Codec, device):
        self.codec = codec
        self.parts = codec.empty(device)
        self.span = torch.zeros(0, dtype=torch.int32, device=device)
        self.sentence = torch.zeros(0, dtype=torch.int32, device=device)

    def __len__(self) -> int:
        return self.span.shape[0]

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in (*self.parts.values(), self.span, self.sentence))

    def append(self, hidden: torch.Tensor, spans: torch.Tensor, sentences: torch.Tensor) -> None:
        """``hidden: (m, hidden)`` of the next ``m`` positions; ``spans``/``sentences: (m,)``."""
        new = self.codec.encode(hidden)
        self.parts = {k: torch.cat([self.parts[k], new[k].to(self.parts[k])]) for k in new}
        self.span = torch.cat([self.span, spans.to(self.span)])
        self.sentence = torch.cat([self.sentence, sentences.to(self.sentence)])

    def rows(self, positions: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """Latents ``(m, hidden)`` of ``positions: (m,)`` in ``dtype``."""
        positions = positions.to(self.span.device)
        return self.codec.decode({k: v[positions] for k, v in self.parts.items()}, dtype)

    def replace(self, positions: torch.Tensor, hidden: torch.Tensor) -> None:
        """Overwrite the latents at ``positions`` (the filler-latent control of the benchmark)."""
        positions = positions.to(self.span.device)
        for key, value in self.codec.encode(hidden).items():
            self.parts[key][positions] = value.to(self.parts[key])
