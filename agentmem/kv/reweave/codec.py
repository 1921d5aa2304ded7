"""How one latent row is stored: an element format, optionally over a low-rank basis.

Element formats: ``float32`` (exact), ``int8`` (symmetric, one float32 scale per row) and
``int4`` (symmetric in [-7, 7], two per byte, one float16 scale per group of ``GROUP``
elements: the residual stream has a few outlying dimensions, and a scale per row would spend
int4's 15 levels on them). With a ``Basis`` the row is first projected on the top principal
directions of the residual stream at the capture layer (fitted on generic text with the
ridge maps, stored with them): ``(x - mean) @ vectors`` -> ``rank`` coefficients, encoded in
the element format; decoding maps them back. Measured on the bundled model, the rank cut
costs far more exactness than int4 does over the basis (DESIGN.md, "Hidden-state memory").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from agentmem.errors import ConfigError
from agentmem.kv.tiers import dequantize, quantize

ELEMENTS = ("float32", "int8", "int4")
GROUP = 32


@dataclass
class Basis:
    """``mean: (hidden,)``, ``vectors: (hidden, rank)`` with orthonormal columns, float32."""

    mean: torch.Tensor
    vectors: torch.Tensor

    @property
    def rank(self) -> int:
        return self.vectors.shape[1]

    @classmethod
    def fit(cls, rows: torch.Tensor, rank: int) -> Basis:
        """The top ``rank`` principal directions of ``rows: (n, hidden)``."""
        x = rows.double()
        mean = x.mean(dim=0)
        cov = (x - mean).T @ (x - mean) / max(len(x) - 1, 1)
        _, vectors = torch.linalg.eigh(cov)  # ascending eigenvalues
        return cls(mean.float(), vectors[:, -rank:].flip(1).float().contiguous())


class Codec:
    """Encodes rows ``(m, hidden)`` into named per-row tensors and back."""

    def __init__(self, element: str, hidden: int, basis: Basis | None = None):
        if element not in ELEMENTS:
            raise ConfigError(f"kv.reweave.latent must be one of {ELEMENTS}, got {element!r}")
        self.element, self.hidden, self.basis = element, hidden, basis
        self.width = basis.rank if basis is not None else hidden
        if element == "int4" and self.width % 2:
            raise ConfigError(
                f"int4 latents need an even width, got {self.width}: use an even rank"
            )
        self.group = math.gcd(self.width, GROUP)

    @property
    def name(self) -> str:
        """``int8``, ``int4-pca192``, ...: the format in file names and stats."""
        return self.element + (f"-pca{self.width}" if self.basis is not None else "")

    @property
    def row_bytes(self) -> int:
        """Bytes one row takes (the store adds its span and sentence ids)."""
        if self.element == "float32":
            return 4 * self.width
        if self.element == "int8":
            return self.width + 4
        return self.width // 2 + 2 * (self.width // self.group)

    def empty(self, device) -> dict[str, torch.Tensor]:
        return {k: v.to(device) for k, v in self.encode(torch.zeros(0, self.hidden)).items()}

    def encode(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if self.basis is not None:
            b = self.basis
            x = (x.float() - b.mean.to(x.device)) @ b.vectors.to(x.device)
        if self.element == "float32":
            return {"data": x.float()}
        if self.element == "int8":
            q, s = quantize(x)
            return {"data": q, "scale": s}
        return _encode4(x.float(), self.group)

    def decode(self, parts: dict[str, torch.Tensor], dtype: torch.dtype) -> torch.Tensor:
        if self.element == "float32":
            x = parts["data"]
        elif self.element == "int8":
            x = dequantize(parts["data"], parts["scale"], torch.float32)
        else:
            x = _decode4(parts["data"], parts["scale"], self.group)
        if self.basis is not None:
            b = self.basis
            x = x.float() @ b.vectors.to(x.device).T + b.mean.to(x.device)
        return x.to(dtype)

    def roundtrip(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` as a reweave will read it back (float32)."""
        return self.decode(self.encode(x), torch.float32)


def _encode4(x: torch.Tensor, group: int) -> dict[str, torch.Tensor]:
    m, width = x.shape
    grouped = x.view(m, width // group, group)
    scale = (grouped.abs().amax(dim=-1) / 7.0).clamp_min(1e-6).half()  # float16 stays > 0
    q = torch.round(grouped / scale.float()[..., None]).clamp(-7, 7).to(torch.int16) + 8
    q = q.view(m, width // 2, 2).to(torch.uint8)
    return {"data": q[..., 0] | (q[..., 1] << 4), "scale": scale}


def _decode4(data: torch.Tensor, scale: torch.Tensor, group: int) -> torch.Tensor:
    m = data.shape[0]
    low, high = (data & 0xF).to(torch.int16), (data >> 4).to(torch.int16)
    q = (torch.stack([low, high], dim=-1).view(m, -1) - 8).float()
    return (q.view(m, -1, group) * scale.float()[..., None]).view(m, -1)
