"""STR, Structured Token Retention (agentmem's concrete version; see DESIGN.md "KV memory").

(The module is `structured`, not `str`, so as not to shadow the builtin in this package.)

Each cached token carries a significance ``s``: an exponential moving average of the attention
it receives from new queries, relative to uniform attention (``a * n``), so that values stay
comparable as the cache grows. Its persistence probability is ``p = sigmoid((s - tau) / T)``
with ``tau`` chosen so that ``sum(p)`` equals the budget. Retention keeps by ``p``:
deterministic top-k (``sampling="topk"``) or Bernoulli draws from a seeded generator.
It is structured: ``s`` is max-pooled over spans (a word, a number) and spans are ranked as
units, so a kept name or number is kept whole. Sinks and a recent window are always kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import torch

from agentmem.errors import ConfigError
from agentmem.kv.policies.base import Policy


@dataclass
class STR(Policy):
    """Significance EMA -> persistence probability -> span-structured retention."""

    name: ClassVar[str] = "str"
    needs_attention: ClassVar[bool] = True
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
            raise ConfigError(f"str.alpha must be in (0, 1], got {self.alpha!r}")
        if self.temperature <= 0:
            raise ConfigError(f"str.temperature must be > 0, got {self.temperature!r}")
        if self.sampling not in ("topk", "bernoulli"):
            raise ConfigError(f"str.sampling must be 'topk' or 'bernoulli', got {self.sampling!r}")
        self._generator = torch.Generator().manual_seed(self.seed)

    # --- significance ------------------------------------------------------------------------
    def observe(self, state, probs: torch.Tensor, q_start: int, q_total: int) -> None:
        """Sum the weights each token receives over the forward's queries and the head group."""
        colsum = state.extra.get("str_colsum")
        if q_start == 0 or colsum is None or colsum.shape != state.stat.shape:
            colsum = torch.zeros_like(state.stat)
        state.extra["str_colsum"] = colsum + probs.sum(dim=(1, 2))
        state.extra["str_group"] = probs.shape[1]

    def finish(self, state, n_new: int) -> None:
        """Fold the forward's mean attention (relative to uniform) into the EMA."""
        colsum = state.extra.pop("str_colsum", None)
        if colsum is None or n_new == 0:
            return
        n = colsum.shape[1]
        old = n - n_new
        group = state.extra.get("str_group", 1)
        seen_by = torch.cat(
            [
                torch.full((old,), float(n_new), device=colsum.device),
                torch.arange(n_new, 0, -1, device=colsum.device, dtype=torch.float32),
            ]
        )
        received = colsum / (seen_by * group) * n
        rate = 1.0 - (1.0 - self.alpha) ** n_new
        stat = state.stat
        stat[:, :old] = (1.0 - rate) * stat[:, :old] + rate * received[:, :old]
        stat[:, old:] = received[:, old:]

    def score(self, state) -> torch.Tensor:
        """Significance, max-pooled over spans when ``pool_spans``."""
        if not self.pool_spans:
            return state.stat
        ids, inverse = torch.unique(state.span, return_inverse=True)
        pooled = torch.full(
            (state.stat.shape[0], len(ids)), float("-inf"), device=state.stat.device
        )
        pooled.scatter_reduce_(1, inverse, state.stat.float(), reduce="amax")
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
        """Rank spans as units (score, then span id) and keep the first ``budget`` tokens."""
        rank = scores
        if self.sampling == "bernoulli":
            p = self.persistence(scores, budget)
            draw = torch.bernoulli(p.cpu(), generator=self._generator).to(p.device)
            rank = draw * 2.0 + p + torch.isinf(scores).float() * 4.0
        order = torch.sort(state.span, dim=1, stable=True).indices
        ranked = torch.sort(rank.gather(1, order), dim=1, descending=True, stable=True).indices
        keep = order.gather(1, ranked[:, :budget])
        return keep.sort(dim=1).values
