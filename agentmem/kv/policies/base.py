"""The shared algorithm of every KV retention policy: score the cached tokens, keep the top.

A policy is a small dataclass whose fields are its hyperparameters. The managed cache
(`agentmem.kv.cache.ManagedCache`) calls, per layer:

- ``observe(state, probs, q_start, q_total)`` for each chunk of new queries, when the policy
  declares ``needs_attention``; ``probs: (kv_heads, group, q_chunk, n)`` are the softmax
  attention weights of the chunk's queries over the ``n`` cached tokens (new ones included),
  grouped by the KV head they read;
- ``finish(state, n_new)`` once the layer's forward is done;
- ``compress(state, budget)`` to bring the layer within ``budget`` tokens per KV head.

Concrete policies write ``score`` (higher is kept) and, when they need them, the two hooks.
A policy that declares ``needs_queries`` also gets ``observe_queries(state, module, query)``
with every forward's (rotated) queries; ``prepare(cache, budget)`` runs once before the
layers are compressed, with the whole cache (KVzip's reconstruction pass runs there).
A policy that keeps tokens beyond the cache's own tensors (CMP's warm and cold tiers)
overrides the optional hooks below, whose defaults describe a plain single-tier cache:
``has_extra``/``extra_kv``/``observe_extra`` (keys attended besides the cache's, asked for per
query chunk of ``query_chunk`` queries), the byte accounting
``device_bytes``/``offloaded_bytes``, and the inspection hooks ``tier_positions``,
``tier_counts`` and ``token_path``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import torch

from agentmem.errors import ConfigError

if TYPE_CHECKING:
    from agentmem.kv.state import LayerState

PROTECTED = float("inf")


@dataclass
class Policy:
    """Base of all retention policies (a KV head keeps the same number of tokens as its peers)."""

    name: ClassVar[str] = "base"
    needs_attention: ClassVar[bool] = False
    needs_queries: ClassVar[bool] = False
    # Always-kept tokens: a policy with a sink or recent window declares these as fields (left
    # unannotated here so that a subclass's fields keep their own order).
    sinks = 0
    recent = 0

    def __post_init__(self) -> None:
        for field, value in asdict(self).items():
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ConfigError(f"{self.name}.{field} must be >= 0, got {value!r}")

    # --- hooks -------------------------------------------------------------------------------
    def observe(self, state: LayerState, probs: torch.Tensor, q_start: int, q_total: int) -> None:
        """Accumulate attention statistics; ``probs: (kv_heads, group, q_chunk, n)``."""

    def finish(self, state: LayerState, n_new: int) -> None:
        """Called once per layer after a forward pass that added ``n_new`` tokens."""

    def observe_queries(self, state: LayerState, module: Any, query: torch.Tensor) -> None:
        """The forward's queries ``(1, q_heads, q, d)``, RoPE applied at the new tokens'
        positions (the last ``q`` of ``state.pos``); ``module`` is the attention layer."""

    def prepare(self, cache: Any, budget: int) -> None:
        """Called once per compression of the whole cache (a ``ManagedCache``), before its
        layers are compressed to ``budget`` tokens."""

    def score(self, state: LayerState) -> torch.Tensor:
        """Scores ``(kv_heads, n)`` of the cached tokens; higher is kept."""
        raise NotImplementedError

    # --- optional hooks: a single-tier cache by default ----------------------------------------
    def has_extra(self, state: LayerState) -> bool:
        """Whether ``extra_kv`` may return keys for this layer now (the attention then runs the
        observed path, which asks for them per query chunk)."""
        return False

    def query_chunk(self, state: LayerState, q_total: int | None = None) -> int | None:
        """Queries per chunk of the observed attention for a forward of ``q_total`` new
        tokens (None: the attention's default); a policy whose ``extra_kv`` depends on the
        queries chooses how many share one choice."""
        return None

    def last_query_alone(self, state: LayerState, q_total: int) -> bool:
        """Whether the last query of a forward of ``q_total`` gets a chunk of its own (the one
        whose output the next token is read from; see `agentmem.kv.attention`)."""
        return False

    def resident_kv(self, state: LayerState) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Keys and values ``(1, kv_heads, w, d)`` that every query of the running forward
        attends besides the cache, whatever the query (CMP's warm tier); None when none."""
        return None

    def extra_kv(
        self, state: LayerState, query: torch.Tensor, lse: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, ...] | None:
        """Keys, values ``(1, kv_heads, m, d)`` and an additive bias ``(kv_heads, m)`` attended
        besides the cache for ``query: (1, q_heads, q, d)`` (one query chunk of the running
        forward: a prefill chunk, a question or one decoded token); None when there are none.
        The bias is added to each row's scores: 0 for a token, -inf for a row masked out, the
        log of a count for a row standing for that many tokens (CMP's block summaries).

        ``lse: (kv_heads, group * q, 1)``, given for a single query (a decoded token): the
        log-sum-exp of its scaled logits over the resident and cached keys, which the
        attention has computed already."""
        return None

    def observe_extra(
        self, state: LayerState, probs: torch.Tensor, q_start: int, q_total: int
    ) -> None:
        """Attention ``(kv_heads, group, q_chunk, m)`` the queries gave to ``extra_kv``'s keys."""

    def device_bytes(self, state: LayerState) -> int:
        """Bytes of this layer's KV held on the compute device."""
        return state.keys.nbytes + state.values.nbytes

    def offloaded_bytes(self, state: LayerState) -> int:
        """Bytes of this layer's KV kept off the compute device."""
        return 0

    def tier_positions(self, state: LayerState) -> dict[str, torch.Tensor]:
        """Positions ``(kv_heads, n)`` attended on the device, and retrievable in any tier."""
        return {"device": state.pos, "any": state.pos}

    def tier_counts(self, state: LayerState) -> dict[str, int]:
        """Tokens per KV head in each tier."""
        return {"hot": state.length, "warm": 0, "cold": 0}

    def token_path(self, state: LayerState, position: int) -> list[dict]:
        """Tier transitions of the token at ``position`` in this layer (none in one tier)."""
        return []

    # --- the shared algorithm ----------------------------------------------------------------
    def compress(self, state: LayerState, budget: int) -> None:
        """Keep the ``budget`` best-scored tokens of every KV head (protected ones first)."""
        if state.length <= budget:
            return
        scores = self.score(state).float().clone()
        protected = self.protected(state, budget)
        scores = torch.where(protected, torch.full_like(scores, PROTECTED), scores)
        keep = self.select(state, scores, budget)
        self.retain(state, keep)

    def retain(self, state: LayerState, keep: torch.Tensor) -> None:
        """Keep the rows at ``keep: (kv_heads, budget)`` (sorted) and drop the others; a
        policy that folds the dropped rows into the kept ones overrides this."""
        state.keep(keep)

    def select(self, state: LayerState, scores: torch.Tensor, budget: int) -> torch.Tensor:
        """Indices ``(kv_heads, budget)`` of the tokens to keep, in cache order."""
        keep = scores.topk(budget, dim=-1).indices
        return keep.sort(dim=-1).values

    def recent_window(self, budget: int) -> int:
        """How many of the newest tokens are always kept (the ``recent`` field by default)."""
        return int(self.recent)

    def protected(self, state: LayerState, budget: int) -> torch.Tensor:
        """A ``(kv_heads, n)`` mask of tokens that are always kept (sinks, recent window).

        The window never outnumbers the budget left after the sinks: protected tokens tie, and
        a tie beyond the budget would be broken by cache order (keeping the oldest of the
        window, dropping the newest), so the window shrinks to the newest that fit."""
        sinks = int(self.sinks)
        recent = min(self.recent_window(budget), max(budget - sinks, 0))
        pos = state.pos
        mask = pos < sinks
        if recent:
            mask |= pos > state.last_position - recent
        return mask

    def to_dict(self) -> dict[str, Any]:
        """The policy as JSON-ready data: ``{"name": ..., **fields}``."""
        return {"name": self.name, **asdict(self)}
