"""Span-structured retention, the step STR ends with and CMP composes (which hot tokens CMP
moves down is STR's decision): a policy's significance is max-pooled over spans (a word, a
number) and spans are ranked as units, so a kept name or number is kept whole; with
``sampling="bernoulli"`` the rank is a seeded draw from the persistence probability
``p = sigmoid((s - tau) / T)``, ``tau`` chosen so that ``sum(p)`` equals the budget.
`agentmem.kv.policies.structured` gives the measurements behind the defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from agentmem.errors import ConfigError
from agentmem.kv.policies.base import Policy


@dataclass
class Retention(Policy):
    """The fields of STR's attention EMA, persistence and span-structured retention, which CMP
    composes too (which hot tokens CMP moves down is STR's decision), checked once here."""

    alpha: float = 0.05
    temperature: float = 0.25
    sinks: int = 4
    recent: int = 16
    sampling: Literal["topk", "bernoulli"] = "topk"
    pool_spans: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 < self.alpha <= 1.0:
            raise ConfigError(f"{self.name}.alpha must be in (0, 1], got {self.alpha!r}")
        if self.temperature <= 0:
            raise ConfigError(f"{self.name}.temperature must be > 0, got {self.temperature!r}")
        if self.sampling not in ("topk", "bernoulli"):
            raise ConfigError(
                f"{self.name}.sampling must be 'topk' or 'bernoulli', got {self.sampling!r}"
            )
        self._generator = torch.Generator().manual_seed(self.seed)

    def significance(self, state) -> torch.Tensor:
        """``(kv_heads, n)``: how much each cached token is needed, before spans are pooled."""
        raise NotImplementedError

    def score(self, state) -> torch.Tensor:
        """Significance, max-pooled over spans when ``pool_spans``."""
        significance = self.significance(state)
        if not self.pool_spans:
            return significance
        ids, inverse = torch.unique(state.span, return_inverse=True)
        pooled = torch.full(
            (significance.shape[0], len(ids)), float("-inf"), device=significance.device
        )
        pooled.scatter_reduce_(1, inverse, significance.float(), reduce="amax")
        return pooled.gather(1, inverse)

    def persistence(self, scores: torch.Tensor, budget: int) -> torch.Tensor:
        """``p = sigmoid((s - tau) / T)``, ``tau`` bisected so that each row sums to ``budget``."""
        finite = torch.where(torch.isinf(scores), torch.full_like(scores, 1e6), scores)
        lo = finite.min(dim=1, keepdim=True).values - 50 * self.temperature
        hi = finite.max(dim=1, keepdim=True).values + 50 * self.temperature
        for _ in range(40):
            tau = (lo + hi) / 2
            total = torch.sigmoid((finite - tau) / self.temperature).sum(dim=1, keepdim=True)
            lo = torch.where(total > budget, tau, lo)
            hi = torch.where(total > budget, hi, tau)
        return torch.sigmoid((finite - (lo + hi) / 2) / self.temperature)

    def select(self, state, scores: torch.Tensor, budget: int) -> torch.Tensor:
        """Rank spans as units (score, then span id) and keep whole spans, best first, skipping
        one that no longer fits for the next that does; a span is cut only when no whole
        remaining span fits the last free slots."""
        rank = scores
        if self.sampling == "bernoulli":
            p = self.persistence(scores, budget)
            draw = torch.bernoulli(p.cpu(), generator=self._generator).to(p.device)
            rank = draw * 2.0 + p + torch.isinf(scores).float() * 4.0
        order = torch.sort(state.span, dim=1, stable=True).indices
        ranked = torch.sort(rank.gather(1, order), dim=1, descending=True, stable=True).indices
        tokens = order.gather(1, ranked)  # per head, best first, a span's tokens together
        rows = [self._whole_spans(tokens[h], state.span[h], budget) for h in range(len(tokens))]
        return torch.stack(rows).sort(dim=1).values

    @staticmethod
    def _whole_spans(tokens: torch.Tensor, span: torch.Tensor, budget: int) -> torch.Tensor:
        """The first ``budget`` of ``tokens`` (best first) taken span by span."""
        ids = span[tokens]
        starts = torch.ones_like(ids, dtype=torch.bool)
        starts[1:] = ids[1:] != ids[:-1]
        group = starts.cumsum(0) - 1
        sizes = torch.bincount(group)
        chosen = torch.zeros_like(sizes, dtype=torch.bool)
        left = budget
        while left > 0:
            fits = ~chosen & (sizes <= left)
            if not fits.any():
                break
            take = fits & ((sizes * fits).cumsum(0) <= left)
            chosen |= take
            left -= int(sizes[take].sum())
        picked = tokens[chosen[group]]
        if left > 0:
            picked = torch.cat([picked, tokens[~chosen[group]][:left]])
        return picked
