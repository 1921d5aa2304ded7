"""Expected Attention (Devoto et al., 2025, "Expected Attention: KV Cache Compression by
Estimating Attention from Future Queries' Distribution").

Queries before RoPE are modelled as a Gaussian (mean and covariance of the queries seen,
the first ``sinks`` positions left out); its image under the RoPE rotation averaged over the
next ``n_future`` positions gives each key the expected unnormalised attention
``exp(mu.k / sqrt(d) + k'Sigma k / (2d))``, softmax-normalised over the keys and averaged over
the query heads that read a KV head, then scaled by the value's norm. Sinks are kept.
Queries reach the policy rotated; RoPE is a rotation per frequency pair, so the policy undoes
it at the queries' positions with the layer's own RoPE frequencies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch

from agentmem.kv.policies.base import Policy


def rope_frequencies(config, head_dim: int, device) -> torch.Tensor:
    """The inverse frequencies ``(head_dim // 2,)`` the model's RoPE rotates by."""
    params = getattr(config, "rope_parameters", None) or {}
    kind = params.get("rope_type", "default")
    if kind == "default":
        theta = params.get("rope_theta", getattr(config, "rope_theta", 10000.0))
        steps = torch.arange(0, head_dim, 2, dtype=torch.float32, device=device)
        return 1.0 / (theta ** (steps / head_dim))
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    return ROPE_INIT_FUNCTIONS[kind](config, device)[0].float()


def _half_turn(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


@dataclass
class ExpectedAttention(Policy):
    """Expected attention of future queries (Gaussian query statistics + averaged RoPE)."""

    name: ClassVar[str] = "expected_attention"
    needs_queries: ClassVar[bool] = True
    n_future: int = 512
    sinks: int = 4
    use_covariance: bool = True
    use_vnorm: bool = True
    epsilon: float = 0.0

    def observe_queries(self, state, module, query: torch.Tensor) -> None:
        q = query[0].float()  # (q_heads, q, d)
        ea = state.extra.get("ea")
        if ea is None:
            inv = rope_frequencies(module.config, q.shape[-1], q.device)
            ea = state.extra["ea"] = {"inv": inv, "sum": 0.0, "outer": 0.0, "count": 0}
        pos = state.pos[0, -q.shape[1] :].float()
        angles = torch.cat([pos[:, None] * ea["inv"]] * 2, dim=-1)  # (q, d)
        plain = q * angles.cos() - _half_turn(q) * angles.sin()  # RoPE undone
        plain = plain[:, pos >= self.sinks]
        ea["sum"] = ea["sum"] + plain.sum(dim=1)
        if self.use_covariance:
            ea["outer"] = ea["outer"] + plain.transpose(1, 2) @ plain
        ea["count"] += plain.shape[1]

    def _future_query(self, state) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Mean ``(q_heads, d)`` and covariance ``(q_heads, d, d)`` of the rotated queries."""
        ea = state.extra["ea"]
        mu = ea["sum"] / ea["count"]
        future = state.last_position + 1 + torch.arange(self.n_future, device=mu.device)
        angles = future[:, None].float() * ea["inv"]
        cos = torch.cat([angles.cos().mean(0)] * 2)
        sin = torch.cat([angles.sin().mean(0)] * 2)
        d = mu.shape[-1]
        turn = torch.zeros(d, d, device=mu.device)
        turn[d // 2 :, : d // 2] = torch.eye(d // 2)
        turn[: d // 2, d // 2 :] = -torch.eye(d // 2)
        rot = torch.diag(cos) + sin[:, None] * turn
        cov = None
        if self.use_covariance:
            cov = ea["outer"] / ea["count"] - mu[:, :, None] * mu[:, None, :]
            cov = rot @ cov @ rot.T
        return mu @ rot.T, cov

    def score(self, state) -> torch.Tensor:
        keys = state.keys[0].float()  # (kv_heads, n, d)
        ea = state.extra.get("ea")
        if ea is None or ea["count"] == 0:
            return torch.zeros(keys.shape[:2], device=keys.device)
        mu, cov = self._future_query(state)
        kv_heads, n, d = keys.shape
        group = mu.shape[0] // kv_heads
        k = keys.repeat_interleave(group, dim=0)  # (q_heads, n, d)
        logits = (k @ mu[:, :, None])[..., 0] / math.sqrt(d)
        if cov is not None:
            logits = logits + ((k @ cov) * k).sum(-1) / d / 2
        sink = state.pos.repeat_interleave(group, dim=0) < self.sinks
        logits = logits.masked_fill(sink, float("-inf"))
        probs = torch.softmax(logits, dim=-1).view(kv_heads, group, n).mean(dim=1)
        if self.use_vnorm:
            probs = (probs + self.epsilon) * state.values[0].float().norm(dim=-1)
        return probs
