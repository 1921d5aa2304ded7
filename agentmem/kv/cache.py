"""The managed cache: transformers' DynamicCache plus, per layer, what a policy needs to decide.

Keys are cached already rotated (RoPE applied at their true positions), so a kept token keeps
its position; new tokens are given their true positions explicitly (``tokens_seen + i``), never
the cache length. The attention function in `agentmem.kv.attention` reads this object while a
forward pass runs, records attention statistics for the policy, and the runner calls
``compress()`` after each forward so that the cache stays within its budget.
"""

from __future__ import annotations

import math

import torch

from agentmem.errors import ConfigError
from agentmem.kv.policies import Policy, get_policy
from agentmem.kv.state import LayerState


def resolve_budget(budget: float | int, tokens_seen: int) -> int:
    """Tokens per KV head allowed: a float in (0, 1] is a fraction of ``tokens_seen``,
    anything else a count."""
    if isinstance(budget, bool) or budget <= 0:
        raise ConfigError(
            f"kv.budget must be > 0 (a fraction <= 1 or a token count), got {budget!r}"
        )
    if isinstance(budget, float) and budget <= 1.0:
        return max(1, math.ceil(budget * tokens_seen))
    return int(budget)


class ManagedCache:
    """A DynamicCache whose size a retention policy keeps within a budget (batch size 1)."""

    def __init__(self, model_config, policy: Policy | str = "full", budget: float | int = 1.0):
        from transformers import DynamicCache

        self.policy = get_policy(policy) if isinstance(policy, str) else policy
        resolve_budget(budget, 1)  # validates
        self.budget = budget
        self.dynamic = DynamicCache(config=model_config)
        self.num_layers = model_config.num_hidden_layers
        self.kv_heads = model_config.num_key_value_heads
        self.tokens_seen = 0
        self.step = 0
        self._next_span = 0
        self._pending: tuple[torch.Tensor, torch.Tensor] | None = None
        self.states: list[LayerState] = []
        self.marked: set[int] = set()
        # Token ids by position (-1 where unknown) and the runner of extra read-only passes
        # (`agentmem.kv.rereader.Rereader`), for policies that re-read the context (KVzip).
        self.fed_ids: list[int] = []
        self.rereader = None
        # bytes held beside the KV tensors (reweaving's latents); a budget that evicts pays them
        self.reserved_bytes = 0

    # --- the forward protocol ---------------------------------------------------------------
    def begin(
        self, n_new: int, device, spans: list[int] | None = None, ids: list[int] | None = None
    ) -> torch.Tensor:
        """Reserve positions for ``n_new`` tokens (token ``ids`` when known); returns
        ``position_ids: (1, n_new)``."""
        self.fed_ids.extend(ids if ids is not None else [-1] * n_new)
        positions = torch.arange(self.tokens_seen, self.tokens_seen + n_new, device=device)
        if spans is None:
            span_ids = torch.arange(n_new, device=device) + self._next_span
        else:
            span_ids = torch.as_tensor(spans, device=device, dtype=torch.long) + self._next_span
        self._next_span = int(span_ids.max()) + 1 if n_new else self._next_span
        self._pending = (positions, span_ids)
        return positions[None]

    def state(self, layer_idx: int) -> LayerState:
        """The layer's state, with rows for the tokens of the running forward pass."""
        while len(self.states) <= layer_idx:
            i = len(self.states)
            device = self.dynamic.layers[i].keys.device
            empty = torch.zeros(self.kv_heads, 0, device=device)
            self.states.append(
                LayerState(i, self.dynamic.layers[i], empty.long(), empty, empty.long())
            )
        st = self.states[layer_idx]
        if self._pending is not None and st.pos.shape[1] < st.length:
            positions, spans = self._pending
            st.append(positions.to(st.pos.device), spans.to(st.pos.device))
        return st

    def end(self, n_new: int) -> None:
        """Account the forward pass and bring every layer within budget."""
        self.tokens_seen += n_new
        self._pending = None
        self.step += 1
        self.compress()

    def compress(self, budget: float | int | None = None) -> None:
        """Apply the policy to every layer now (``budget`` overrides the session's)."""
        tokens = self._tokens(self.budget if budget is None else budget)
        if any(st.length > tokens for st in self.states):
            self.policy.prepare(self, tokens)
        for st in self.states:
            self.policy.compress(st, tokens)

    # --- inspection -------------------------------------------------------------------------
    @property
    def budget_tokens(self) -> int:
        return self._tokens(self.budget)

    def _tokens(self, budget: float | int) -> int:
        """Tokens per KV head allowed, less the token-equivalents of ``reserved_bytes`` when the
        budget evicts at all (a budget that holds every token holds the latents beside them)."""
        tokens = resolve_budget(budget, max(self.tokens_seen, 1))
        per_token = self.full_token_bytes()
        if self.reserved_bytes and per_token and tokens < self.tokens_seen:
            tokens = max(1, tokens - math.ceil(self.reserved_bytes / per_token))
        return tokens

    def full_token_bytes(self) -> int:
        """Bytes of one token's K and V over all layers and KV heads at full precision."""
        if not self.states:
            return 0
        k = self.states[0].keys
        return 2 * self.num_layers * self.kv_heads * k.shape[-1] * k.element_size()

    def device_bytes(self) -> int:
        """Bytes of KV attended every step on the compute device (policy tiers included)."""
        return sum(self.policy.device_bytes(st) for st in self.states)

    def offloaded_bytes(self) -> int:
        """Bytes kept off the compute device (CMP's cold tier), outside the budget."""
        return sum(self.policy.offloaded_bytes(st) for st in self.states)

    def survival(self, positions: set[int] | None = None) -> dict[str, float]:
        """Share of (layer, head, marked token) still attended on device / retrievable anywhere."""
        marked = sorted(self.marked if positions is None else positions)
        if not marked or not self.states:
            return {"device": 1.0, "any_tier": 1.0}
        target = torch.tensor(marked, device=self.states[0].pos.device)
        on_device = anywhere = 0.0
        for st in self.states:
            rows = self.policy.tier_positions(st)
            on_device += _share(rows["device"], target)
            anywhere += _share(rows["any"], target)
        n = len(self.states)
        return {"device": on_device / n, "any_tier": anywhere / n}

    def tier_counts(self) -> dict[str, int]:
        """Tokens per KV head in each tier, averaged over layers."""
        per_layer = [self.policy.tier_counts(st) for st in self.states]
        keys = per_layer[0].keys() if per_layer else ("hot", "warm", "cold")
        return {k: sum(c[k] for c in per_layer) // max(len(per_layer), 1) for k in keys}


def _share(rows: torch.Tensor, target: torch.Tensor) -> float:
    """Mean over heads of the share of ``target`` positions present in ``rows: (heads, n)``."""
    if rows.numel() == 0:
        return 0.0
    present = (rows[:, :, None] == target[None, None, :]).any(dim=1)
    return present.float().mean().item()
